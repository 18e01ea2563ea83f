// SPDX-License-Identifier: GPL-2.0
/* The --listen server: libmicrohttpd in upx's event loop (see httpd.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <microhttpd.h>

#include "httpd.h"
#include "metrics.h"
#include "util.h"

struct httpd {
	struct MHD_Daemon *d;
	int (*collect)(struct metrics_writer *w, void *ctx);
	void *ctx;
	char url[128];
};

int httpd_parse_address(const char *s, struct sockaddr_storage *ss, socklen_t *len, char *err,
			size_t errlen)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_NUMERICSERV | AI_PASSIVE };
	struct addrinfo *res = NULL;
	const char *colon = strrchr(s, ':'), *port;
	char host[256];
	size_t hlen;
	char *end;
	long p;
	int ret;

	if (!colon) {
		snprintf(err, errlen, "expected HOST:PORT or [ADDRESS]:PORT");
		return -1;
	}
	port = colon + 1;
	p = strtol(port, &end, 10);
	if (!*port || *end || p < 0 || p > 65535 || *port == '-' || *port == '+') {
		snprintf(err, errlen, "'%s' is not a port number", port);
		return -1;
	}
	hlen = colon - s;
	if (hlen >= 2 && s[0] == '[' && s[hlen - 1] == ']') {
		s++;
		hlen -= 2;
		hints.ai_family = AF_INET6;
		hints.ai_flags |= AI_NUMERICHOST;
	} else if (memchr(s, ':', hlen)) {
		snprintf(err, errlen, "an IPv6 address goes in brackets: [ADDRESS]:PORT");
		return -1;
	} else {
		hints.ai_family = AF_INET;
	}
	if (hlen >= sizeof(host)) {
		snprintf(err, errlen, "host name too long");
		return -1;
	}
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	ret = getaddrinfo(hlen ? host : NULL, port, &hints, &res);
	if (ret || !res) {
		snprintf(err, errlen, "%s", ret == EAI_SYSTEM ? strerror(errno) : gai_strerror(ret));
		if (res)
			freeaddrinfo(res);
		return -1;
	}
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

/* A short plain-text answer (404, 405, 500). */
static enum MHD_Result answer_text(struct MHD_Connection *c, unsigned int status, const char *text)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

/* One scrape: the body written whole into memory, then handed to libmicrohttpd. */
static enum MHD_Result answer_metrics(struct httpd *h, struct MHD_Connection *c)
{
	const char *accept = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);
	enum metrics_format fmt = metrics_format_for_accept(accept);
	struct metrics_writer *w;
	struct MHD_Response *r;
	enum MHD_Result ret;
	char *body = NULL;
	size_t len = 0;
	FILE *f;
	int err;

	f = open_memstream(&body, &len);
	if (!f)
		return answer_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
	w = metrics_writer__new(f, fmt);
	err = h->collect(w, h->ctx);
	if (!err)
		err = metrics_writer__finish(w);
	metrics_writer__free(w);
	if (fclose(f))
		err = -EIO;
	if (err) {
		free(body);
		if (upx_verbose)
			warning("a scrape failed: %s", strerror(-err));
		return answer_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "upx: the scrape failed\n");
	}
	if (upx_verbose > 1)
		note("served /metrics: %s of %s", count_noun(len, "byte", "bytes"),
		     fmt == METRICS_OPENMETRICS ? "OpenMetrics" : "text 0.0.4");
	r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, metrics_content_type(fmt));
	ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **req_cls)
{
	static char seen;

	/* The first call has the headers: answer once the request (and any body) is in. */
	if (!*req_cls) {
		*req_cls = &seen;
		return MHD_YES;
	}
	if (*upload_size) {
		*upload_size = 0; /* a body is read and dropped */
		return MHD_YES;
	}
	if (strcmp(url, "/metrics"))
		return answer_text(c, MHD_HTTP_NOT_FOUND, "not found: upx serves /metrics\n");
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return answer_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET /metrics\n");
	return answer_metrics(cls, c);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[256];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = '\0';
	note("libmicrohttpd: %s", msg);
}

/* Our own listening socket: a bind failure is one line with its errno. */
static int listen_on(const char *addr, char *url, size_t url_size)
{
	struct sockaddr_storage ss;
	char err[256], host[INET6_ADDRSTRLEN];
	socklen_t len;
	int fd, one = 1;
	unsigned int port;

	if (httpd_parse_address(addr, &ss, &len, err, sizeof(err)))
		return error("--listen '%s': %s", addr, err);
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return error("cannot listen on '%s': %s", addr, strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) || listen(fd, 64) ||
	    getsockname(fd, (struct sockaddr *)&ss, &len)) {
		error("cannot listen on '%s': %s", addr, strerror(errno));
		close(fd);
		return -1;
	}
	if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

		inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
		port = ntohs(a->sin6_port);
		snprintf(url, url_size, "http://[%s]:%u/metrics", host, port);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;

		inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
		port = ntohs(a->sin_port);
		snprintf(url, url_size, "http://%s:%u/metrics", host, port);
	}
	return fd;
}

struct httpd *httpd__start(const char *addr,
			   int (*collect)(struct metrics_writer *w, void *ctx), void *ctx)
{
	struct httpd *h = xcalloc(1, sizeof(*h));
	int fd = listen_on(addr, h->url, sizeof(h->url));

	if (fd < 0) {
		free(h);
		return NULL;
	}
	h->collect = collect;
	h->ctx = ctx;
	/*
	 * No MHD_USE_INTERNAL_POLLING_THREAD: libmicrohttpd runs only when
	 * httpd__run() is called, on the loop's thread.
	 */
	h->d = MHD_start_daemon(MHD_USE_EPOLL | (upx_verbose ? MHD_USE_ERROR_LOG : 0), 0, NULL, NULL,
				on_request, h,
				MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
				MHD_OPTION_LISTEN_SOCKET, fd,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned int)HTTPD_MAX_CONNECTIONS,
				MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTPD_CONNECTION_MEMORY,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)HTTPD_IDLE_TIMEOUT,
				MHD_OPTION_END);
	if (!h->d) {
		error("cannot serve on '%s': libmicrohttpd did not start", addr);
		close(fd);
		free(h);
		return NULL;
	}
	return h;
}

int httpd__fd(const struct httpd *h)
{
	const union MHD_DaemonInfo *i = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_EPOLL_FD);

	return i ? i->epoll_fd : -1;
}

int httpd__timeout_ms(struct httpd *h)
{
	MHD_UNSIGNED_LONG_LONG ms;

	if (MHD_get_timeout(h->d, &ms) != MHD_YES)
		return -1;
	return ms > 1000 ? 1000 : (int)ms;
}

void httpd__run(struct httpd *h)
{
	MHD_run(h->d);
}

const char *httpd__url(const struct httpd *h)
{
	return h->url;
}

void httpd__stop(struct httpd *h)
{
	if (!h)
		return;
	/* Closes the listening socket and every connection at once. */
	MHD_stop_daemon(h->d);
	free(h);
}
