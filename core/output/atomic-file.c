// SPDX-License-Identifier: GPL-2.0
/* A file replaced whole or not at all, and only when it is a regular file (see atomic-file.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/util.h"
#include "output/atomic-file.h"

/*
 * What path names, links followed: *real the file to replace (malloc'd), *st
 * its status (st_mode 0: it does not exist yet).  0, or -1 with why.
 */
static int resolve(const char *path, char **real, struct stat *st, char *why, size_t size)
{
	struct stat lst;

	*real = NULL;
	memset(st, 0, sizeof(*st));
	if (!*path) {
		snprintf(why, size, "an empty path");
		return -1;
	}
	if (stat(path, st)) {
		if (errno == ENOENT && !lstat(path, &lst) && S_ISLNK(lst.st_mode)) {
			snprintf(why, size, "a symbolic link to nothing");
			return -1;
		}
		if (errno != ENOENT) {
			snprintf(why, size, "%s", strerror(errno));
			return -1;
		}
		memset(st, 0, sizeof(*st));
		*real = xstrdup(path);
		return 0;
	}
	if (!S_ISREG(st->st_mode)) {
		snprintf(why, size, "%s, not a regular file", file_kind(st->st_mode));
		return -1;
	}
	/* A link is followed: the file it names is replaced, not the link. */
	if (!lstat(path, &lst) && S_ISLNK(lst.st_mode)) {
		*real = realpath(path, NULL);
		if (!*real) {
			snprintf(why, size, "%s", strerror(errno));
			return -1;
		}
	} else {
		*real = xstrdup(path);
	}
	return 0;
}

/* The directory of path ("." for a bare name), malloc'd. */
static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xasprintf("%.*s", (int)(slash - path), path);
}

static int check_dir(const char *real, char *why, size_t size)
{
	char *dir = dir_of(real);
	int ret = 0;

	if (access(dir, W_OK | X_OK)) {
		snprintf(why, size, "%s", strerror(errno));
		ret = -1;
	}
	free(dir);
	return ret;
}

int atomic_file_check(const char *path, char *why, size_t size)
{
	struct stat st;
	char *real;
	int ret;

	if (resolve(path, &real, &st, why, size))
		return -1;
	ret = check_dir(real, why, size);
	free(real);
	return ret;
}

/*
 * stdio's write, keeping the errno of the first failure: by the time stdio's
 * error flag is seen, errno is long gone (a full disk read as "Input/output
 * error").  Returns what was written, 0 on an error (fopencookie's rule).
 */
static ssize_t cookie_write(void *cookie, const char *buf, size_t len)
{
	struct atomic_file *af = cookie;
	size_t done = 0;

	if (af->write_err)
		return 0;
	while (done < len) {
		ssize_t n = write(af->fd, buf + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			af->write_err = n < 0 ? errno : EIO;
			return 0;
		}
		done += n;
	}
	return done;
}

static int cookie_close(void *cookie)
{
	struct atomic_file *af = cookie;
	int ret = close(af->fd);

	if (ret && !af->write_err && errno != EINTR)
		af->write_err = errno;
	af->fd = -1;
	return ret;
}

static void release(struct atomic_file *af)
{
	free(af->path);
	free(af->tmp);
	af->path = af->tmp = NULL;
	af->f = NULL;
}

mode_t atomic_file_fopen_mode(void)
{
	mode_t mask = umask(022);

	umask(mask);
	return 0666 & ~mask;
}

int atomic_file__open(struct atomic_file *af, const char *path, mode_t mode)
{
	cookie_io_functions_t io = { .write = cookie_write, .close = cookie_close };
	const char *base;
	struct stat st;
	char *dir;

	memset(af, 0, sizeof(*af));
	af->fd = -1;
	if (resolve(path, &af->path, &st, af->why, sizeof(af->why)) ||
	    check_dir(af->path, af->why, sizeof(af->why)))
		goto fail;
	/* Hidden, and no longer ending in the name's suffix (node_exporter reads *.prom only). */
	dir = dir_of(af->path);
	base = strrchr(af->path, '/') ? strrchr(af->path, '/') + 1 : af->path;
	af->tmp = xasprintf("%s/.%s.XXXXXX", dir, base);
	free(dir);
	af->fd = mkostemp(af->tmp, O_CLOEXEC);
	if (af->fd < 0) {
		snprintf(af->why, sizeof(af->why), "%s", strerror(errno));
		goto fail;
	}
	/* mkostemp makes it 0600: a new file gets mode, a replaced one keeps its own. */
	if (fchmod(af->fd, st.st_mode ? st.st_mode & 07777 : mode)) {
		snprintf(af->why, sizeof(af->why), "%s", strerror(errno));
		goto fail_unlink;
	}
	af->f = fopencookie(af, "w", io);
	if (!af->f) {
		snprintf(af->why, sizeof(af->why), "%s", strerror(errno));
		goto fail_unlink;
	}
	return 0;

fail_unlink:
	close(af->fd);
	unlink(af->tmp);
fail:
	release(af);
	return -1;
}

int atomic_file__commit(struct atomic_file *af)
{
	char *real = NULL;
	struct stat st;
	int err;

	fflush(af->f);
	err = fclose(af->f) ? errno : 0;
	af->f = NULL;
	if (af->write_err)
		err = af->write_err;
	if (err) {
		snprintf(af->why, sizeof(af->why), "%s", strerror(err));
		goto fail;
	}
	/* What the path names now: something else may have been put there since the check. */
	if (resolve(af->path, &real, &st, af->why, sizeof(af->why)))
		goto fail;
	free(real);
	if (rename(af->tmp, af->path)) {
		snprintf(af->why, sizeof(af->why), "%s", strerror(errno));
		goto fail;
	}
	release(af);
	return 0;

fail:
	unlink(af->tmp);
	release(af);
	return -1;
}

void atomic_file__abort(struct atomic_file *af)
{
	if (!af->tmp)
		return;
	if (af->f)
		fclose(af->f);
	unlink(af->tmp);
	release(af);
}

int atomic_file_write(const char *path, mode_t mode, int (*fill)(FILE *f, void *ctx), void *ctx,
		      int *fill_err, char *why, size_t size)
{
	struct atomic_file af;
	int err;

	if (fill_err)
		*fill_err = 0;
	if (atomic_file__open(&af, path, mode)) {
		snprintf(why, size, "%s", af.why);
		return -1;
	}
	err = fill(af.f, ctx);
	/* A failed write is the cause the commit names; anything else is fill's own. */
	if (err && !af.write_err) {
		atomic_file__abort(&af);
		if (fill_err)
			*fill_err = err;
		snprintf(why, size, "%s", strerror(-err));
		return -1;
	}
	if (atomic_file__commit(&af)) {
		snprintf(why, size, "%s", af.why);
		return -1;
	}
	return 0;
}
