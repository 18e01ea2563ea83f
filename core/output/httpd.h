/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The --listen server: GET /metrics through libmicrohttpd, run by upx's own
 * event loop (core/run/events.h's extra fd) rather than by threads of its own,
 * so that a scrape reads the BPF maps on the loop's thread, between two
 * batches of events.  Anything but GET or HEAD of /metrics is a 404 (or a
 * 405 for another method).  No authentication, no TLS: bind it to a trusted
 * interface.
 *
 * Clients that hold connections (idle ones, or ones that send a request a
 * byte at a time) cannot keep a scrape out.  upx accepts connections itself
 * and hands them to libmicrohttpd under its own bounds:
 *   - at most HTTPD_MAX_CONNECTIONS are served at once, HTTPD_MAX_PER_ADDRESS
 *     from one client address; the others wait, accepted, in arrival order
 *     (HTTPD_MAX_WAITING at most: past that the oldest is closed);
 *   - a waiting connection whose whole request is already in (a scraper's)
 *     goes first, and takes the place of a served one that has not sent a
 *     whole request for HTTPD_REQUEST_GRACE_MS;
 *   - every request has a deadline: HTTPD_REQUEST_DEADLINE seconds from the
 *     accept (or the end of the answer before it on a kept-alive
 *     connection) until its answer is sent, waiting included; then it is
 *     closed.
 * So a slow client holds a place for seconds, not for ever, and a scraper
 * from another address, or one whose request is whole, is served at once.
 * Out of file descriptors (RLIMIT_NOFILE below what the bounds need), a
 * waiting connection without a whole request, or a served one past its
 * grace, is closed to accept the next; else the listener rests 10 ms.
 */
#ifndef UPX_HTTPD_H
#define UPX_HTTPD_H

#include <stddef.h>
#include <sys/socket.h>

struct metrics_writer;
struct httpd;

/* Connections served at once, and from one client address. */
#define HTTPD_MAX_CONNECTIONS 128
#define HTTPD_MAX_PER_ADDRESS 8
/* Accepted connections waiting for a place. */
#define HTTPD_MAX_WAITING 512
/* Memory of one connection (its request and I/O buffers), bytes. */
#define HTTPD_CONNECTION_MEMORY (32 * 1024)
/* From the accept (or the previous answer) to this request's answer sent, seconds. */
#define HTTPD_REQUEST_DEADLINE 10
/* A served connection with no whole request after this long yields to a waiting scrape. */
#define HTTPD_REQUEST_GRACE_MS 500

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
/* What the event loop polls for POLLIN: an epoll fd over the listening socket and libmicrohttpd's. */
int httpd__fd(const struct httpd *h);
/* Milliseconds until httpd__run() must run even without activity (a deadline), -1: no limit. */
int httpd__timeout_ms(struct httpd *h);
/* Accept, read, answer and close what is ready; never blocks. */
void httpd__run(struct httpd *h);
/* "http://127.0.0.1:9100/metrics", with the port bound (for PORT 0 too). */
const char *httpd__url(const struct httpd *h);
/* Stop listening and close every connection (NULL: nothing). */
void httpd__stop(struct httpd *h);

#endif
