// SPDX-License-Identifier: GPL-2.0
/* Ask the dynamic linker which implementation an IFUNC resolves to. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ifunc.h"
#include "util.h"

struct ifunc_reply {
	int status; /* 0 ok, else an error code below */
	uint64_t vaddr;
	char msg[200];
};

static void child(const char *path, const char *name, int fd)
{
	struct ifunc_reply r = {};
	struct link_map *lm = NULL;
	struct stat a, b;
	void *h, *addr;
	Dl_info info;

	/* Already loaded (libc in upx itself): no constructors run at all. */
	h = dlopen(path, RTLD_LAZY | RTLD_LOCAL | RTLD_NOLOAD);
	if (!h)
		h = dlopen(path, RTLD_LAZY | RTLD_LOCAL);
	if (!h) {
		r.status = 1;
		snprintf(r.msg, sizeof(r.msg), "%s", dlerror());
		goto out;
	}
	addr = dlsym(h, name);
	if (!addr || !dladdr1(addr, &info, (void **)&lm, RTLD_DL_LINKMAP) || !lm) {
		r.status = 2;
		snprintf(r.msg, sizeof(r.msg), "the dynamic linker did not resolve it");
		goto out;
	}
	/* The implementation must live in the same file (not an interposer). */
	if (stat(path, &a) || stat(lm->l_name[0] ? lm->l_name : "/proc/self/exe", &b) ||
	    a.st_dev != b.st_dev || a.st_ino != b.st_ino) {
		r.status = 3;
		snprintf(r.msg, sizeof(r.msg), "it resolved into another file (%s)", lm->l_name);
		goto out;
	}
	r.vaddr = (uintptr_t)addr - lm->l_addr;
out:
	if (write(fd, &r, sizeof(r)) != sizeof(r))
		_exit(1);
	_exit(0);
}

int ifunc_resolve(const char *path, const char *name, uint64_t *vaddr, char *err, size_t errlen)
{
	struct ifunc_reply r = {};
	int fds[2], st;
	ssize_t n;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC))
		return snprintf(err, errlen, "pipe: %s", strerror(errno)), -1;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return snprintf(err, errlen, "fork: %s", strerror(errno)), -1;
	}
	if (!pid) {
		close(fds[0]);
		child(path, name, fds[1]);
	}
	close(fds[1]);
	n = read(fds[0], &r, sizeof(r));
	close(fds[0]);
	waitpid(pid, &st, 0);
	if (n != sizeof(r)) {
		snprintf(err, errlen, "the resolver's process died (%s)",
			 WIFSIGNALED(st) ? strsignal(WTERMSIG(st)) : "no answer");
		return -1;
	}
	if (r.status) {
		snprintf(err, errlen, "%s", r.msg);
		return -1;
	}
	*vaddr = r.vaddr;
	return 0;
}
