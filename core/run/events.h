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

struct bpf_map;
struct events;

/* A command started by -c (or after --), held until the probes are live. */
struct upx_child {
	pid_t pid;
	int go_fd;		/* write end: one byte releases the child to exec */
	int err_fd;		/* read end: the errno of a failed exec, or nothing once it exec'd */
	const char *argv0;	/* the command's name, as given */
	int status;		/* wait status once exited */
	bool exited;
};

/*
 * Where the command's argv[0] is, as a shell finds it: a name without '/' in
 * PATH (a regular file there that may be executed), a path as it is, checked
 * (it exists, it is not a directory, it may be executed).  The path to exec
 * (free()), or NULL after one "cannot run 'NAME': cause" line with *status
 * what a shell exits with: 127 when there is no such file, 126 when there is
 * one that cannot be run.
 */
char *child_find(const char *name, int *status);
/*
 * Fork a child that waits, then execs path with argv (path from
 * child_find(), before the probes are set up).  SIGPIPE and the signal mask
 * are reset for it.  Returns 0 or -1 after an error message.
 */
int child_start(struct upx_child *c, const char *path, char *const argv[]);
/*
 * Let it exec and wait until it has (as posix_spawn does, the errno of a
 * failed exec comes back through a close-on-exec pipe).  0; -1 after an
 * error message; or, when the exec failed (a file changed since
 * child_find(), a format the kernel cannot run), 127 or 126 after the
 * "cannot run" line, the child reaped.
 */
int child_go(struct upx_child *c);
/* Not released or still running: terminate and reap it. */
void child_stop(struct upx_child *c);

/* Split a -c command line into words, quotes honoured, no shell expansion. */
char **split_command(const char *cmd, char *err, size_t errlen);
void free_command(char **argv);

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
/* Set by a stop signal; long set-up work may check it. */
extern volatile sig_atomic_t upx_stop;
/* When the first stop signal came: CLOCK_MONOTONIC ns, set before upx_stop (0: none). */
extern volatile uint64_t upx_stop_ns;

/*
 * The stop promise: a stop signal ends upx within UPX_STOP_MS (100 ms; the
 * environment's UPX_STOP_MS, for tests) of its coming, whatever the event
 * rate.  What can wait is cut at a share of it, counted from the signal: the
 * events still in the ring buffer are shown (STOP_SHOW) and stacks unwound
 * (STOP_UNWIND) until then, addresses symbolized for the report until
 * STOP_SYMBOLIZE; what is left is counted, or shown unsymbolized, and said.
 * The kernel's own part (detaching: 20-60 ms here) is not upx's to cut.
 */
#define UPX_STOP_MS 100
enum stop_share { STOP_UNWIND = 50, STOP_SHOW = 60, STOP_SYMBOLIZE = 80 };
/* The time (mono_ns()) the share of the stop bound ends at: 0 when no stop signal came. */
uint64_t stop_deadline_ns(enum stop_share share);
/* Has a stop signal come, and that share of the bound passed since? */
bool stop_overdue(enum stop_share share);

/*
 * Wait for events and hand them to the ring buffer's callback in bounded
 * batches, so that a stop (signal, -d, the -c child or the -p process gone,
 * stdout closed) is seen within 100 ms whatever the event rate.  At the end:
 * detach, then drain what is left once (not for a closed stdout).
 */
enum loop_end event_loop_run(struct event_loop *el);

/*
 * The BPF ring buffer `map`, read by event_loop_run(): fn(ctx, data, size)
 * is called for each record (its return value is ignored).  NULL after an
 * error message.
 */
struct events *events_open(struct bpf_map *map, int (*fn)(void *ctx, void *data, size_t size),
			   void *ctx);
void events_close(struct events *ev);

/* stdout was closed under us (EPIPE): the command should stop quietly. */
bool stdout_closed(void);

#endif
