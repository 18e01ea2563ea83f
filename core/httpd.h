/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The --listen server: GET /metrics through libmicrohttpd, run by upx's own
 * event loop (core/events.h's extra fd) rather than by threads of its own,
 * so that a scrape reads the BPF maps on the loop's thread, between two
 * batches of events.  Anything but GET or HEAD of /metrics is a 404 (or a
 * 405 for another method).  Connections, their memory and their idle time
 * are bounded.  No authentication, no TLS: bind it to a trusted interface.
 */
#ifndef UPX_HTTPD_H
#define UPX_HTTPD_H

#include <stddef.h>
#include <sys/socket.h>

struct metrics_writer;
struct httpd;

/* Concurrent connections; one more is refused until another ends. */
#define HTTPD_MAX_CONNECTIONS 32
/* Memory of one connection (its request and I/O buffers), bytes. */
#define HTTPD_CONNECTION_MEMORY (32 * 1024)
/* A connection idle this long (seconds) is closed. */
#define HTTPD_IDLE_TIMEOUT 10

/*
 * "HOST:PORT" or "[V6]:PORT" into a socket address: HOST a numeric address
 * or a name (the first address it resolves to), empty for every IPv4
 * interface; PORT 0 for any free one.  0, or -1 with why in err.  With ss
 * NULL only the form is checked (nothing is looked up).
 */
int httpd_parse_address(const char *s, struct sockaddr_storage *ss, socklen_t *len, char *err,
			size_t errlen);

/*
 * Serve /metrics on addr: collect(w, ctx) writes the families of a scrape
 * (0, or negative when the scrape failed: a 500).  NULL after one error line
 * naming the address.
 */
struct httpd *httpd__start(const char *addr,
			   int (*collect)(struct metrics_writer *w, void *ctx), void *ctx);
/* What the event loop polls for POLLIN: libmicrohttpd's epoll fd. */
int httpd__fd(const struct httpd *h);
/* Milliseconds until httpd__run() must run even without activity, -1: no limit. */
int httpd__timeout_ms(struct httpd *h);
/* Accept, read, answer and close what is ready; never blocks. */
void httpd__run(struct httpd *h);
/* "http://127.0.0.1:9100/metrics", with the port bound (for PORT 0 too). */
const char *httpd__url(const struct httpd *h);
/* Stop listening and close every connection (NULL: nothing). */
void httpd__stop(struct httpd *h);

#endif
