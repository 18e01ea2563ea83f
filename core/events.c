// SPDX-License-Identifier: GPL-2.0
/* Event loop, signals and the -c child, shared by every tracing command. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <wordexp.h>

#include <bpf/libbpf.h>

#include "events.h"
#include "util.h"

volatile sig_atomic_t upx_stop;

static void on_stop(int sig)
{
	upx_stop = sig;
}

static void on_child(int sig)
{
	/* only wakes the poll; the loop reaps */
}

void events_signals_setup(void)
{
	struct sigaction sa = {};

	/* No SA_RESTART: a signal must interrupt the poll. */
	sa.sa_handler = on_stop;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = on_child;
	sa.sa_flags = SA_NOCLDSTOP;
	sigaction(SIGCHLD, &sa, NULL);
}

char **split_command(const char *cmd, char *err, size_t errlen)
{
	wordexp_t we;
	char **argv;
	int ret;

	ret = wordexp(cmd, &we, WRDE_NOCMD | WRDE_UNDEF);
	if (ret) {
		snprintf(err, errlen, "%s",
			 ret == WRDE_CMDSUB ? "command substitution is not allowed" :
			 ret == WRDE_BADCHAR ? "unquoted | & ; < > ( ) { } or newline: use -- CMD ARGS, or sh -c '...'" :
			 ret == WRDE_BADVAL ? "undefined shell variable" :
			 ret == WRDE_SYNTAX ? "syntax error (unbalanced quotes?)" : "cannot split");
		return NULL;
	}
	if (!we.we_wordc) {
		wordfree(&we);
		snprintf(err, errlen, "empty command");
		return NULL;
	}
	argv = xcalloc(we.we_wordc + 1, sizeof(char *));
	for (size_t i = 0; i < we.we_wordc; i++)
		argv[i] = xstrdup(we.we_wordv[i]);
	wordfree(&we);
	return argv;
}

void free_command(char **argv)
{
	for (size_t i = 0; argv && argv[i]; i++)
		free(argv[i]);
	free(argv);
}

/* argv[0] searched in PATH here, so the child runs no libc code of ours before exec. */
static char *find_program(const char *name)
{
	const char *path = getenv("PATH");
	char *dirs, *dir, *save = NULL;

	if (strchr(name, '/'))
		return xstrdup(name);
	dirs = xstrdup(path && *path ? path : "/usr/local/bin:/usr/bin:/bin");
	for (dir = strtok_r(dirs, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		char *full = xasprintf("%s/%s", *dir ? dir : ".", name);

		if (!access(full, X_OK)) {
			free(dirs);
			return full;
		}
		free(full);
	}
	free(dirs);
	return NULL;
}

int child_start(struct upx_child *c, char *const argv[])
{
	char *prog = find_program(argv[0]);
	int fds[2];
	char b;

	if (!prog)
		return error("cannot run '%s': not found in PATH", argv[0]);

	memset(c, 0, sizeof(*c));
	if (pipe2(fds, O_CLOEXEC)) {
		free(prog);
		return error("pipe: %s", strerror(errno));
	}
	fflush(NULL);
	c->pid = fork();
	if (c->pid < 0) {
		close(fds[0]);
		close(fds[1]);
		free(prog);
		return error("fork: %s", strerror(errno));
	}
	if (!c->pid) {
		sigset_t none;

		close(fds[1]);
		signal(SIGPIPE, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGCHLD, SIG_DFL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		/* upx failed before the probes went live: go without running anything. */
		if (read(fds[0], &b, 1) != 1)
			_exit(127);
		execv(prog, argv);
		fprintf(stderr, "upx %s: cannot run '%s': %s\n", upx_cmd_name, argv[0],
			strerror(errno));
		_exit(127);
	}
	free(prog);
	close(fds[0]);
	c->go_fd = fds[1];
	return 0;
}

int child_go(struct upx_child *c)
{
	ssize_t n = write(c->go_fd, "g", 1);

	close(c->go_fd);
	c->go_fd = -1;
	return n == 1 ? 0 : error("cannot start the command: %s", strerror(errno));
}

static bool child_reap(struct upx_child *c, int flags)
{
	int st;

	if (!c || c->exited || c->pid <= 0)
		return c && c->exited;
	if (waitpid(c->pid, &st, flags) == c->pid) {
		c->exited = true;
		c->status = st;
	}
	return c->exited;
}

void child_stop(struct upx_child *c)
{
	if (!c || c->pid <= 0)
		return;
	if (c->go_fd >= 0) {
		close(c->go_fd); /* never released: it exits 127 on its own */
		c->go_fd = -1;
	} else if (!child_reap(c, WNOHANG)) {
		kill(c->pid, SIGTERM);
	}
	child_reap(c, 0);
}

bool stdout_closed(void)
{
	if (fflush(stdout) == 0 && !ferror(stdout))
		return false;
	return errno == EPIPE || ferror(stdout);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

enum loop_end event_loop_run(struct event_loop *el)
{
	double start = now(), next_tick = start + el->interval;
	enum loop_end end;

	for (;;) {
		/* The kernel batches wake-ups: drain on a short timer too. */
		int timeout = 100, err = 0;
		double t;

		if (el->rb) {
			err = ring_buffer__poll(el->rb, timeout);
			if (err >= 0)
				err = ring_buffer__consume(el->rb);
		} else {
			struct timespec ts = { 0, timeout * 1000000L };

			nanosleep(&ts, NULL);
		}
		if (err < 0 && err != -EINTR) {
			error("reading events: %s", strerror(-err));
			end = LOOP_ERROR;
			break;
		}
		if (stdout_closed()) {
			end = LOOP_STDOUT_CLOSED;
			break;
		}
		if (upx_stop) {
			end = LOOP_SIGNAL;
			break;
		}
		if (el->child && child_reap(el->child, WNOHANG)) {
			end = LOOP_CHILD_EXITED;
			break;
		}
		t = now();
		if (el->duration > 0 && t - start >= el->duration) {
			end = LOOP_DURATION;
			break;
		}
		if (el->interval > 0 && t >= next_tick) {
			el->tick(el->ctx);
			next_tick += el->interval;
		}
	}
	/* What the kernel wrote before the end is still shown. */
	if (el->rb && end != LOOP_STDOUT_CLOSED && end != LOOP_ERROR)
		ring_buffer__consume(el->rb);
	return end;
}
