/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The command a tracing run starts (-c CMD, or the words after --): found as
 * a shell finds it, forked and held until the probes are live, released,
 * and terminated and reaped at the end, as git's run-command.c holds
 * start_command() and finish_command() and nothing else.  The event loop
 * watches it (core/run/events.h).
 */
#ifndef UPX_CHILD_H
#define UPX_CHILD_H

#include <stdbool.h>
#include <sys/types.h>

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
/*
 * Has it exited?  Reaps it when it has (flags: waitpid()'s, WNOHANG to ask
 * without waiting), keeping its status; false for NULL or a child not started.
 */
bool child_reap(struct upx_child *c, int flags);
/*
 * The pid of the child while it may run (0: none), for the stop handler that
 * ends upx at once on a second signal (core/run/events.c).
 */
extern volatile pid_t upx_child_pid;

#endif
