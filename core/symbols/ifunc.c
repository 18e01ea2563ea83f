// SPDX-License-Identifier: GPL-2.0
/* Ask the dynamic linker which implementation each IFUNC resolves to. */
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

#include "base/util.h"
#include "symbols/ifunc.h"

struct reply {
	uint64_t vaddr;
	int32_t status;
};

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= n;
	}
	return 0;
}

static void child(const char *path, struct ifunc_result *res, size_t n, int fd)
{
	struct reply *r = calloc(n, sizeof(*r));
	char msg[256] = "";
	struct stat lib;
	void *h;

	/* Already loaded (libc in upx itself): no constructors run at all. */
	h = dlopen(path, RTLD_LAZY | RTLD_LOCAL | RTLD_NOLOAD);
	if (!h)
		h = dlopen(path, RTLD_LAZY | RTLD_LOCAL);
	if (!h || !r || stat(path, &lib)) {
		snprintf(msg, sizeof(msg), "%s", h ? "out of memory" : dlerror());
		write_all(fd, msg, sizeof(msg));
		_exit(1);
	}
	for (size_t i = 0; i < n; i++) {
		struct link_map *lm = NULL;
		struct stat st;
		Dl_info info;
		void *addr = dlsym(h, res[i].name);

		if (!addr || !dladdr1(addr, &info, (void **)&lm, RTLD_DL_LINKMAP) || !lm) {
			r[i].status = IFUNC_UNRESOLVED;
			continue;
		}
		/* The implementation must live in the same file (not the vDSO, not an interposer). */
		if (!lm->l_name[0] || stat(lm->l_name, &st) || st.st_dev != lib.st_dev ||
		    st.st_ino != lib.st_ino) {
			r[i].status = IFUNC_ELSEWHERE;
			continue;
		}
		r[i].vaddr = (uintptr_t)addr - lm->l_addr;
	}
	if (write_all(fd, msg, sizeof(msg)) || write_all(fd, r, n * sizeof(*r)))
		_exit(1);
	_exit(0);
}

static int read_all(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len) {
		ssize_t n = read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= n;
	}
	return 0;
}

int ifunc_resolve_all(const char *path, struct ifunc_result *res, size_t n, char *err,
		      size_t errlen)
{
	struct reply *r;
	char msg[256];
	int fds[2], st, ret = -1;
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
		child(path, res, n, fds[1]);
	}
	close(fds[1]);
	r = xcalloc(n, sizeof(*r));
	if (read_all(fds[0], msg, sizeof(msg))) {
		snprintf(err, errlen, "the resolver's process died");
	} else if (msg[0]) {
		snprintf(err, errlen, "cannot load it: %s", msg);
	} else if (read_all(fds[0], r, n * sizeof(*r))) {
		snprintf(err, errlen, "the resolver's process died");
	} else {
		for (size_t i = 0; i < n; i++) {
			res[i].vaddr = r[i].vaddr;
			res[i].status = r[i].status;
		}
		ret = 0;
	}
	close(fds[0]);
	waitpid(pid, &st, 0);
	free(r);
	return ret;
}
