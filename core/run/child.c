// SPDX-License-Identifier: GPL-2.0
/* The -c command: found as a shell finds it, forked held, released, stopped (child.h). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/util.h"
#include "run/child.h"

volatile pid_t upx_child_pid;

/* What a shell exits with when it cannot run a command: 127 not found, 126 found but not runnable. */
static int exec_status(int err)
{
	return err == ENOENT ? 127 : 126;
}

/* 0 when path is a file that can be executed, else the errno execve() would give (about). */
static int runnable(const char *path)
{
	struct stat st;

	if (stat(path, &st))
		return errno;
	if (S_ISDIR(st.st_mode))
		return EISDIR;
	if (!S_ISREG(st.st_mode) || access(path, X_OK))
		return EACCES;
	return 0;
}

char *child_find(const char *name, int *status)
{
	const char *path = getenv("PATH");
	char *dirs, *dir, *save = NULL;
	int err;

	if (strchr(name, '/')) {
		err = runnable(name);
		if (!err)
			return xstrdup(name);
		*status = exec_status(err);
		error("cannot run '%s': %s", name, strerror(err));
		return NULL;
	}
	/* argv[0] searched in PATH here, so the child runs no libc code of ours before exec. */
	dirs = xstrdup(path && *path ? path : "/usr/local/bin:/usr/bin:/bin");
	for (dir = strtok_r(dirs, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		char *full = xasprintf("%s/%s", *dir ? dir : ".", name);

		if (!runnable(full)) {
			free(dirs);
			return full;
		}
		free(full);
	}
	free(dirs);
	*status = 127;
	error("cannot run '%s': not found in PATH", name);
	return NULL;
}

int child_start(struct upx_child *c, const char *path, char *const argv[])
{
	int go[2], ret[2];
	char b;

	memset(c, 0, sizeof(*c));
	c->pid = -1;
	c->go_fd = c->err_fd = -1;
	if (pipe2(go, O_CLOEXEC))
		return error("pipe: %s", strerror(errno));
	if (pipe2(ret, O_CLOEXEC)) {
		close(go[0]);
		close(go[1]);
		return error("pipe: %s", strerror(errno));
	}
	fflush(NULL);
	c->pid = fork();
	if (c->pid < 0) {
		close(go[0]);
		close(go[1]);
		close(ret[0]);
		close(ret[1]);
		return error("fork: %s", strerror(errno));
	}
	if (!c->pid) {
		sigset_t none;
		int e;

		close(go[1]);
		close(ret[0]);
		signal(SIGPIPE, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGCHLD, SIG_DFL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		/* upx failed before the probes went live: go without running anything. */
		if (read(go[0], &b, 1) != 1)
			_exit(127);
		execv(path, argv);
		/* The parent says it: this process is still upx, with upx's stderr. */
		e = errno;
		if (write(ret[1], &e, sizeof(e)) != sizeof(e))
			_exit(126);
		_exit(exec_status(e));
	}
	close(go[0]);
	close(ret[1]);
	c->go_fd = go[1];
	c->err_fd = ret[0];
	c->argv0 = argv[0];
	upx_child_pid = c->pid;
	return 0;
}

bool child_reap(struct upx_child *c, int flags)
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

int child_go(struct upx_child *c)
{
	ssize_t n = write(c->go_fd, "g", 1);
	int e = 0;

	close(c->go_fd);
	c->go_fd = -1;
	if (n != 1) {
		close(c->err_fd);
		c->err_fd = -1;
		return error("cannot start the command: %s", strerror(errno));
	}
	/* End of file: the exec closed the pipe; an errno: it failed. */
	do
		n = read(c->err_fd, &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	close(c->err_fd);
	c->err_fd = -1;
	if (n != sizeof(e))
		return 0;
	error("cannot run '%s': %s", c->argv0, strerror(e));
	child_reap(c, 0);
	return exec_status(e);
}

void child_stop(struct upx_child *c)
{
	if (!c || c->pid <= 0)
		return;
	if (c->err_fd >= 0) {
		close(c->err_fd);
		c->err_fd = -1;
	}
	if (c->go_fd >= 0) {
		close(c->go_fd); /* never released: it exits 127 on its own */
		c->go_fd = -1;
	} else if (!child_reap(c, WNOHANG)) {
		kill(c->pid, SIGTERM);
	}
	child_reap(c, 0);
	upx_child_pid = 0;
}
