/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The event loop every tracing command ends in: drain the ring buffer (wake-
 * ups are batched in the kernel, so it also drains on a short timer), stop on
 * Ctrl-C, SIGTERM, -d expiry, the traced command's exit or a closed stdout,
 * and run a periodic callback for -i.
 */
#ifndef UPX_EVENTS_H
#define UPX_EVENTS_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/stop.h"	/* the stop flag the loop sets, for those who check it */

struct bpf_map;
struct bpf_object;
struct events;
struct upx_child;

enum loop_end {
	LOOP_SIGNAL,		/* SIGINT / SIGTERM / SIGHUP */
	LOOP_DURATION,		/* -d expired */
	LOOP_CHILD_EXITED,
	LOOP_PID_GONE,		/* -p: the process exited */
	LOOP_STDOUT_CLOSED,
	LOOP_ERROR,
};

/*
 * A file descriptor the loop polls besides its own: on_fd(ctx) runs on the
 * loop's thread after every poll, ready or not (libmicrohttpd wants a turn
 * after each), and timeout_ms(ctx), when set, bounds the sleep (-1: no bound).
 */
struct loop_fd {
	int fd;
	void (*on_fd)(void *ctx);
	int (*timeout_ms)(void *ctx);
	void *ctx;
};
#define LOOP_EXTRA_FDS 2

struct event_loop {
	struct events *ev;		/* NULL for a pure aggregation */
	double duration;		/* seconds, 0: until stopped */
	double interval;		/* seconds between tick() calls, 0: none */
	void (*tick)(void *ctx);
	void *ctx;
	struct upx_child *child;	/* stop when it exits (NULL: none) */
	pid_t watch_pid;		/* -p: stop when it exits (0: none) */
	/*
	 * With a ring buffer: called once the loop ends, before the last
	 * drain, to detach the probes so that the drain is bounded by what the
	 * ring buffer holds.
	 */
	void (*detach)(void *detach_ctx);
	void *detach_ctx;
	unsigned long long not_shown;	/* out: records left in the buffer, unread */
	/*
	 * More file descriptors (the --listen server, core/output/httpd.h; the watch
	 * for new copies, core/run/copies-live.h): event_loop_add_fd().
	 */
	struct loop_fd extra[LOOP_EXTRA_FDS];
	int nr_extra;
	/*
	 * Serve until stopped (--listen): the -c command's exit and the end of
	 * the -p process are said once on stderr, and the loop goes on until a
	 * signal or -d.
	 */
	bool until_stopped;
};

/* Poll fd in the loop too (see struct loop_fd); 0, or -1 when there is no room. */
int event_loop_add_fd(struct event_loop *el, int fd, void (*on_fd)(void *ctx),
		      int (*timeout_ms)(void *ctx), void *ctx);

/*
 * Install the SIGINT/SIGTERM/SIGHUP and SIGCHLD handlers (before attaching
 * anything).  The first stop signal asks for a clean stop; a second one,
 * while the stop is under way (a stdout that nobody reads), ends upx at once.
 */
void events_signals_setup(void);
/*
 * Wait for events and hand them to the ring buffer's callback in bounded
 * batches, so that a stop (signal, -d, the -c child or the -p process gone,
 * stdout closed) is seen within 100 ms whatever the event rate.  At the end:
 * detach, then drain what is left once (not for a closed stdout).
 */
enum loop_end event_loop_run(struct event_loop *el);

/*
 * Before load: the ring buffer `map` of obj sized to bytes, and the
 * program's `wakeup_bytes` (probes/common.bpf.h) set so that user space is
 * woken when a quarter of it, at most 256K, is pending (the loop also drains
 * on a timer).  0, or -1 after an error naming what the program lacks.
 */
int events_size(struct bpf_object *obj, struct bpf_map *map, unsigned long long bytes);

/*
 * The BPF ring buffer `map`, read by event_loop_run(): fn(ctx, data, size)
 * is called for each record (its return value is ignored).  NULL after an
 * error message.
 */
/*
 * announce (may be NULL): takes a record that announces rather than shows
 * (a process's mappings, a code object: what later stacks are named by) and
 * says so; it still runs for the records a hurried stop only counts.
 */
struct events *events_open(struct bpf_map *map, int (*fn)(void *ctx, void *data, size_t size),
			   bool (*announce)(void *ctx, const void *data, size_t size),
			   void *ctx);
void events_close(struct events *ev);

/* stdout was closed under us (EPIPE): the command should stop quietly. */
/*
 * Was standard output given up after a stop because nobody read it (a full
 * pipe)?  What was left to write went to /dev/null.
 */
bool events_stdout_dropped(void);
bool stdout_closed(void);

#endif
