// SPDX-License-Identifier: GPL-2.0
/* The --listen server: libmicrohttpd in upx's event loop (see httpd.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "base/dl.h"
#include "base/util.h"
#include "output/httpd.h"
#include "output/metrics.h"

/*
 * libmicrohttpd, loaded at the first --listen: it brings gnutls and twenty
 * more libraries that no other upx process needs (their loading was 2 ms of
 * every start).  Its header gives the types; these are the functions used.
 */
#define MHD_SONAME "libmicrohttpd.so.12"
#define MHD_FUNCS \
	X(add_connection) \
	X(add_response_header) \
	X(create_response_from_buffer) \
	X(destroy_response) \
	X(get_connection_info) \
	X(get_daemon_info) \
	X(get_timeout) \
	X(lookup_connection_value) \
	X(queue_response) \
	X(run) \
	X(start_daemon) \
	X(stop_daemon)

static struct {
	void *so;
#define X(name) __typeof__(MHD_##name) *name;
	MHD_FUNCS
#undef X
} mhd;

/* 0, or -1 after one error line naming the library and why. */
static int mhd_load(void)
{
	const struct dl_sym syms[] = {
#define X(name) DL_SYM(MHD_##name, mhd.name),
		MHD_FUNCS
#undef X
	};
	char err[256];

	if (mhd.so)
		return 0;
	mhd.so = dl_load(MHD_SONAME, syms, sizeof(syms) / sizeof(syms[0]), err, sizeof(err));
	if (!mhd.so)
		return error("'%s': cannot load it for --listen: %s", MHD_SONAME, err);
	return 0;
}

/* A connection libmicrohttpd serves (its socket context). */
struct conn {
	struct conn *prev, *next;
	int fd;
	struct sockaddr_storage addr;
	long long since_ms;	/* when its request began: the accept, or the previous answer's end */
	bool in_request;	/* the request's headers are in (the access handler has run) */
	bool closing;		/* shut down here: libmicrohttpd closes it at its next turn */
};

/* A connection accepted, waiting for a place. */
struct waiting {
	int fd;
	struct sockaddr_storage addr;
	socklen_t len;
	long long since_ms;	/* accepted */
	bool whole;		/* its whole request is in (seen with MSG_PEEK) */
};

struct httpd {
	struct MHD_Daemon *d;
	int listen_fd, epoll_fd;
	int (*collect)(struct metrics_writer *w, void *ctx);
	void *ctx;
	char url[128];
	struct conn *conns;	/* served, closing ones too */
	unsigned int nr_live;	/* served, not closing */
	struct waiting wait[HTTPD_MAX_WAITING];
	size_t nr_wait;
	const struct waiting *adding;	/* the one mhd.add_connection() is adding */
	long long paused_ms;	/* out of file descriptors then: not polling the listener, 0: polling */
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

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
	if (!ss) {
		struct in6_addr a6;

		/* The form only: a name is looked up when the server starts. */
		if (hints.ai_family == AF_INET6 && inet_pton(AF_INET6, host, &a6) != 1) {
			snprintf(err, errlen, "'%s' is not an IPv6 address", host);
			return -1;
		}
		return 0;
	}
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

	r = mhd.create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	mhd.add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		mhd.add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = mhd.queue_response(c, status, r);
	mhd.destroy_response(r);
	return ret;
}

/* One scrape: the body written whole into memory, then handed to libmicrohttpd. */
static enum MHD_Result answer_metrics(struct httpd *h, struct MHD_Connection *c)
{
	const char *accept = mhd.lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);
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
	r = mhd.create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(body);
		return MHD_NO;
	}
	mhd.add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, metrics_content_type(fmt));
	ret = mhd.queue_response(c, MHD_HTTP_OK, r);
	mhd.destroy_response(r);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **req_cls)
{
	static char seen;

	/* The first call has the headers: answer once the request (and any body) is in. */
	if (!*req_cls) {
		const union MHD_ConnectionInfo *i =
			mhd.get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
		struct conn *cn = i ? i->socket_context : NULL;

		if (cn)
			cn->in_request = true;
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

/* Admission ---------------------------------------------------------------- */

static bool same_address(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)b)->sin_addr.s_addr;
	if (a->ss_family == AF_INET6)
		return !memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
			       &((const struct sockaddr_in6 *)b)->sin6_addr, sizeof(struct in6_addr));
	return true;
}

static unsigned int served_from(const struct httpd *h, const struct sockaddr_storage *addr)
{
	unsigned int n = 0;

	for (const struct conn *c = h->conns; c; c = c->next)
		n += !c->closing && same_address(&c->addr, addr);
	return n;
}

/* Closed from here: libmicrohttpd sees the end of the socket at its next turn. */
static void shut(struct httpd *h, struct conn *c)
{
	shutdown(c->fd, SHUT_RDWR);
	c->closing = true;
	h->nr_live--;
}

/* The served connection (from addr, or any) longest without a whole request, past the grace. */
static struct conn *yielding(struct httpd *h, const struct sockaddr_storage *addr, long long now)
{
	struct conn *best = NULL;

	for (struct conn *c = h->conns; c; c = c->next)
		if (!c->closing && !c->in_request && now - c->since_ms >= HTTPD_REQUEST_GRACE_MS &&
		    (!addr || same_address(&c->addr, addr)) && (!best || c->since_ms < best->since_ms))
			best = c;
	return best;
}

static void notify_connection(void *cls, struct MHD_Connection *mc, void **socket_context,
			      enum MHD_ConnectionNotificationCode toe)
{
	struct httpd *h = cls;
	struct conn *c = *socket_context;
	const union MHD_ConnectionInfo *fd, *addr;

	if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
		if (!c)
			return;
		if (!c->closing)
			h->nr_live--;
		if (c->prev)
			c->prev->next = c->next;
		else
			h->conns = c->next;
		if (c->next)
			c->next->prev = c->prev;
		free(c);
		*socket_context = NULL;
		return;
	}
	fd = mhd.get_connection_info(mc, MHD_CONNECTION_INFO_CONNECTION_FD);
	addr = mhd.get_connection_info(mc, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	c = xcalloc(1, sizeof(*c));
	c->fd = fd ? fd->connect_fd : -1;
	if (h->adding)
		c->addr = h->adding->addr;
	else if (addr && addr->client_addr)
		memcpy(&c->addr, addr->client_addr, addr->client_addr->sa_family == AF_INET6 ?
		       sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in));
	/* The deadline runs from the accept: time spent waiting counts. */
	c->since_ms = h->adding ? h->adding->since_ms : now_ms();
	c->next = h->conns;
	if (h->conns)
		h->conns->prev = c;
	h->conns = c;
	h->nr_live++;
	*socket_context = c;
}

/* A request answered (or given up): a kept-alive connection's next one starts now. */
static void request_done(void *cls, struct MHD_Connection *mc, void **req_cls,
			 enum MHD_RequestTerminationCode toe)
{
	const union MHD_ConnectionInfo *i =
		mhd.get_connection_info(mc, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct conn *c = i ? i->socket_context : NULL;

	if (c) {
		c->in_request = false;
		c->since_ms = now_ms();
	}
}

static void drop_waiting(struct httpd *h, size_t i, bool close_it)
{
	if (close_it)
		close(h->wait[i].fd);
	memmove(&h->wait[i], &h->wait[i + 1], (h->nr_wait - i - 1) * sizeof(h->wait[0]));
	h->nr_wait--;
}

/*
 * Is the whole request of a waiting connection in?  Peeked, not read: a
 * request with its headers ended is a client that does not dawdle.  -1 when
 * the client has closed it.
 */
static int whole_request(int fd)
{
	char buf[4096];
	ssize_t n = recv(fd, buf, sizeof(buf), MSG_PEEK | MSG_DONTWAIT);

	if (n == 0)
		return -1;
	return n > 0 && memmem(buf, n, "\r\n\r\n", 4) != NULL;
}

/* Hand waiting connection i to libmicrohttpd when there is a place for it (or one it may take). */
static bool admit(struct httpd *h, size_t i, long long now)
{
	struct waiting w = h->wait[i];
	bool address_full = served_from(h, &w.addr) >= HTTPD_MAX_PER_ADDRESS;
	struct conn *c;

	if (address_full || h->nr_live >= HTTPD_MAX_CONNECTIONS) {
		c = w.whole ? yielding(h, address_full ? &w.addr : NULL, now) : NULL;
		if (!c)
			return false;
		shut(h, c);
	}
	drop_waiting(h, i, false);
	h->adding = &w;
	/* On failure libmicrohttpd has closed the socket. */
	mhd.add_connection(h->d, w.fd, (struct sockaddr *)&w.addr, w.len);
	h->adding = NULL;
	return true;
}

/*
 * Out of file descriptors, a pending connection stays pending and the
 * listener readable: it leaves the poll for HTTPD_PAUSE_MS (as
 * libmicrohttpd stops watching its own at its limit), not to spin.
 */
#define HTTPD_PAUSE_MS 10

static void listener_watch(struct httpd *h, bool on, long long now)
{
	struct epoll_event ev = { .events = EPOLLIN };

	if (on == !h->paused_ms)
		return;
	epoll_ctl(h->epoll_fd, on ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, h->listen_fd, &ev);
	h->paused_ms = on ? 0 : now;
}

/*
 * Out of file descriptors: close the oldest waiting connection that still
 * has sent no whole request (looked at now), but none accepted in the last
 * HTTPD_SHED_GRACE_MS (a client sends its request with the connection's
 * last handshake packet); false: none.
 */
#define HTTPD_SHED_GRACE_MS 50

static bool shed_waiting(struct httpd *h, long long now)
{
	for (size_t i = 0; i < h->nr_wait; i++) {
		struct waiting *w = &h->wait[i];

		if (now - w->since_ms < HTTPD_SHED_GRACE_MS)
			break; /* the others are younger still */
		if (!w->whole)
			w->whole = whole_request(w->fd) > 0;
		if (!w->whole) {
			drop_waiting(h, i, true);
			return true;
		}
	}
	return false;
}

/* Accept what is pending, then give places: whole requests first, then in arrival order. */
static void accept_and_admit(struct httpd *h)
{
	long long now = now_ms();

	if (h->paused_ms && now - h->paused_ms >= HTTPD_PAUSE_MS)
		listener_watch(h, true, now);
	for (int n = 0; n < 64 && !h->paused_ms; n++) {
		struct waiting *w;
		int fd;

		if (h->nr_wait == HTTPD_MAX_WAITING)
			drop_waiting(h, 0, true);
		w = &h->wait[h->nr_wait];
		w->len = sizeof(w->addr);
		fd = accept4(h->listen_fd, (struct sockaddr *)&w->addr, &w->len,
			     SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE) {
				struct conn *c;

				/* a waiting one that sends no request makes room at once */
				if (shed_waiting(h, now))
					continue;
				/* or a served one does, once libmicrohttpd has closed it */
				c = yielding(h, NULL, now);
				if (c)
					shut(h, c);
				else
					listener_watch(h, false, now);
			}
			break; /* EAGAIN, or out of file descriptors: they wait in the backlog */
		}
		w->fd = fd;
		w->since_ms = now;
		w->whole = false;
		h->nr_wait++;
	}
	/* The deadline: waiting and served alike. */
	for (size_t i = h->nr_wait; i-- > 0;)
		if (now - h->wait[i].since_ms >= HTTPD_REQUEST_DEADLINE * 1000LL)
			drop_waiting(h, i, true);
	for (struct conn *c = h->conns; c; c = c->next)
		if (!c->closing && now - c->since_ms >= HTTPD_REQUEST_DEADLINE * 1000LL)
			shut(h, c);
	for (size_t i = 0; i < h->nr_wait;) {
		int whole = h->wait[i].whole ? 1 : whole_request(h->wait[i].fd);

		if (whole < 0) {
			drop_waiting(h, i, true);
			continue;
		}
		h->wait[i].whole = whole;
		if (!(whole && admit(h, i, now)))
			i++;
	}
	for (size_t i = 0; i < h->nr_wait;)
		if (!admit(h, i, now))
			i++;
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
	struct epoll_event ev = { .events = EPOLLIN };
	const union MHD_DaemonInfo *i;

	if (mhd_load()) {
		free(h);
		return NULL;
	}
	h->epoll_fd = -1;
	h->listen_fd = listen_on(addr, h->url, sizeof(h->url));
	if (h->listen_fd < 0) {
		free(h);
		return NULL;
	}
	h->collect = collect;
	h->ctx = ctx;
	/*
	 * No MHD_USE_INTERNAL_POLLING_THREAD: libmicrohttpd runs only when
	 * httpd__run() is called, on the loop's thread.  No listening socket of
	 * its own: upx accepts, and hands over what its bounds let through
	 * (libmicrohttpd's own limit is above upx's, for the connections
	 * closing).
	 */
	h->d = mhd.start_daemon(MHD_USE_EPOLL | MHD_USE_NO_LISTEN_SOCKET |
				(upx_verbose ? MHD_USE_ERROR_LOG : 0), 0, NULL, NULL, on_request, h,
				MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
				MHD_OPTION_NOTIFY_CONNECTION, notify_connection, h,
				MHD_OPTION_NOTIFY_COMPLETED, request_done, h,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned int)(2 * HTTPD_MAX_CONNECTIONS),
				MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTPD_CONNECTION_MEMORY,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)HTTPD_REQUEST_DEADLINE,
				MHD_OPTION_END);
	if (!h->d) {
		error("cannot serve on '%s': libmicrohttpd did not start", addr);
		goto fail;
	}
	/* One fd for the loop: the listening socket and libmicrohttpd's epoll set. */
	i = mhd.get_daemon_info(h->d, MHD_DAEMON_INFO_EPOLL_FD);
	h->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (!i || h->epoll_fd < 0 ||
	    epoll_ctl(h->epoll_fd, EPOLL_CTL_ADD, h->listen_fd, &ev) ||
	    epoll_ctl(h->epoll_fd, EPOLL_CTL_ADD, i->epoll_fd, &ev)) {
		error("cannot serve on '%s': %s", addr, strerror(errno));
		goto fail;
	}
	return h;

fail:
	httpd__stop(h);
	return NULL;
}

int httpd__fd(const struct httpd *h)
{
	return h->epoll_fd;
}

int httpd__timeout_ms(struct httpd *h)
{
	long long now = now_ms(), next = now + 1000;
	MHD_UNSIGNED_LONG_LONG ms;

	if (mhd.get_timeout(h->d, &ms) == MHD_YES && (long long)ms < next - now)
		next = now + ms;
	for (const struct conn *c = h->conns; c; c = c->next)
		if (!c->closing && c->since_ms + HTTPD_REQUEST_DEADLINE * 1000LL < next)
			next = c->since_ms + HTTPD_REQUEST_DEADLINE * 1000LL;
	/* Waiting connections: a place may free up, a served one may have had its grace. */
	if (h->nr_wait && now + 50 < next)
		next = now + 50;
	if (h->paused_ms && h->paused_ms + HTTPD_PAUSE_MS < next)
		next = h->paused_ms + HTTPD_PAUSE_MS;
	return next > now ? (int)(next - now) : 0;
}

void httpd__run(struct httpd *h)
{
	accept_and_admit(h);
	mhd.run(h->d);
	/* What closed in that turn makes places for those waiting. */
	if (h->nr_wait) {
		accept_and_admit(h);
		mhd.run(h->d);
	}
}

const char *httpd__url(const struct httpd *h)
{
	return h->url;
}

void httpd__stop(struct httpd *h)
{
	if (!h)
		return;
	/* Closes every connection at once (their contexts are freed as they close). */
	if (h->d)
		mhd.stop_daemon(h->d);
	while (h->nr_wait)
		drop_waiting(h, h->nr_wait - 1, true);
	if (h->epoll_fd >= 0)
		close(h->epoll_fd);
	close(h->listen_fd);
	free(h);
}
