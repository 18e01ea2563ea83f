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
#include <sys/types.h>

struct ring_buffer;

/* A command started by -c (or after --), held until the probes are live. */
struct upx_child {
	pid_t pid;
	int go_fd;		/* write end: one byte releases the child to exec */
	int status;		/* wait status once exited */
	bool exited;
};

/*
 * Fork a child that waits, then execs argv (searched in PATH by upx, before the fork).  SIGPIPE and the
 * signal mask are reset for it.  Returns 0 or -1 after an error message.
 */
int child_start(struct upx_child *c, char *const argv[]);
/* Let it exec; 0 or -1. */
int child_go(struct upx_child *c);
/* Not released or still running: terminate and reap it. */
void child_stop(struct upx_child *c);

/* Split a -c command line into words, quotes honoured, no shell expansion. */
char **split_command(const char *cmd, char *err, size_t errlen);
void free_command(char **argv);

enum loop_end {
	LOOP_SIGNAL,		/* SIGINT / SIGTERM */
	LOOP_DURATION,		/* -d expired */
	LOOP_CHILD_EXITED,
	LOOP_STDOUT_CLOSED,
	LOOP_ERROR,
};

struct event_loop {
	struct ring_buffer *rb;		/* NULL for a pure aggregation */
	double duration;		/* seconds, 0: until stopped */
	double interval;		/* seconds between tick() calls, 0: none */
	void (*tick)(void *ctx);
	void *ctx;
	struct upx_child *child;	/* stop when it exits (NULL: none) */
};

/* Install the SIGINT/SIGTERM/SIGCHLD handlers (before attaching anything). */
void events_signals_setup(void);
/* Set by a stop signal; long set-up work may check it. */
extern volatile sig_atomic_t upx_stop;

enum loop_end event_loop_run(struct event_loop *el);

/* stdout was closed under us (EPIPE): the command should stop quietly. */
bool stdout_closed(void);

#endif
