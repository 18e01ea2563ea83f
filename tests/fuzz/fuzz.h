/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the fuzz harnesses share: the input as a file the parsers can open by
 * path (a memfd, named /proc/self/fd/N: a new inode for each input, so the
 * caches keyed by stat() never hand back an earlier input's parse), and a
 * check that aborts (a crash libFuzzer reports) when an invariant breaks.
 */
#ifndef UPX_FUZZ_H
#define UPX_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

struct fuzz_file {
	int fd;
	char path[32];
};

/* data[0..size) in a fresh memfd; fd -1 if that fails (the input is skipped). */
static inline struct fuzz_file fuzz_file_open(const uint8_t *data, size_t size)
{
	struct fuzz_file f = { .fd = memfd_create("upx-fuzz", MFD_CLOEXEC) };
	size_t done = 0;

	if (f.fd < 0)
		return f;
	while (done < size) {
		ssize_t n = write(f.fd, data + done, size - done);

		if (n <= 0) {
			close(f.fd);
			f.fd = -1;
			return f;
		}
		done += n;
	}
	snprintf(f.path, sizeof(f.path), "/proc/self/fd/%d", f.fd);
	return f;
}

static inline void fuzz_file_close(struct fuzz_file *f)
{
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
}

#define FUZZ_CHECK(cond)                                                                 \
	do {                                                                             \
		if (!(cond)) {                                                           \
			fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, \
				#cond);                                                  \
			abort();                                                         \
		}                                                                        \
	} while (0)

#endif
