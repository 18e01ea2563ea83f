// SPDX-License-Identifier: GPL-2.0
/* /tmp/perf-PID.map, read with care (perfmap.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/util.h"
#include "symbols/perfmap.h"

struct pm_entry {
	uint64_t start, end;
	uint32_t order;		/* line number: a later line wins where two overlap */
	char *name;
};

struct perfmap {
	char path[64];		/* as the process sees it */
	char open_path[160];	/* as upx opens it */
	off_t size;		/* of the file when last read */
	uid_t uid;		/* the process's: the owner the file must have */
	struct pm_entry *e;	/* by start */
	size_t nr;
};

static int cmp_entry(const void *a, const void *b)
{
	const struct pm_entry *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static void clear(struct perfmap *m)
{
	for (size_t i = 0; i < m->nr; i++)
		free(m->e[i].name);
	free(m->e);
	m->e = NULL;
	m->nr = 0;
}

/* Open the file and check it can be trusted; the descriptor, or -1 (*why set when it exists). */
static int open_trusted(const struct perfmap *m, uid_t uid, struct stat *st, char *why,
			size_t whylen)
{
	int fd = open(m->open_path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);

	if (fd < 0) {
		if (errno == ELOOP)
			snprintf(why, whylen, "a symbolic link");
		else if (errno != ENOENT)
			snprintf(why, whylen, "%s", strerror(errno));
		return -1;
	}
	if (fstat(fd, st))
		snprintf(why, whylen, "%s", strerror(errno));
	else if (!S_ISREG(st->st_mode))
		snprintf(why, whylen, "not a regular file (%s)", file_kind(st->st_mode));
	else if (st->st_uid != uid)
		snprintf(why, whylen, "owned by uid %u, not by the process's user (uid %u)",
			 (unsigned int)st->st_uid, (unsigned int)uid);
	else if (st->st_mode & (S_IWGRP | S_IWOTH))
		snprintf(why, whylen, "writable by %s", st->st_mode & S_IWOTH ? "anyone" :
			 "its group");
	else
		return fd;
	close(fd);
	return -1;
}

/* "START SIZE name": hex numbers (with or without 0x), the name to the end of the line. */
static void parse(struct perfmap *m, char *buf)
{
	size_t alloc = 0;
	uint32_t order = 0;

	for (char *line = buf, *next; *line; line = next) {
		unsigned long long start, size;
		char *p, *q;

		next = line + strcspn(line, "\n");
		if (*next)
			*next++ = '\0';
		order++;
		errno = 0;
		start = strtoull(line, &p, 16);
		if (p == line || *p != ' ' || errno)
			continue;
		size = strtoull(p + 1, &q, 16);
		if (q == p + 1 || *q != ' ' || errno || !size || start + size < start || !q[1])
			continue;
		ALLOC_GROW(m->e, m->nr + 1, alloc);
		m->e[m->nr++] = (struct pm_entry){ start, start + size, order, xstrdup(q + 1) };
	}
	if (m->nr)
		qsort(m->e, m->nr, sizeof(*m->e), cmp_entry);
}

/* Read it whole again; false when it cannot be read now. */
static bool reload(struct perfmap *m, int fd, const struct stat *st)
{
	size_t len = st->st_size, got = 0;
	char *buf;

	/* A JIT's map holds a line per compiled function: 256 MiB is far past any. */
	if (st->st_size < 0 || st->st_size > (256 << 20))
		return false;
	buf = xmalloc(len + 1);
	while (got < len) {
		ssize_t n = read(fd, buf + got, len - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += n;
	}
	buf[got] = '\0';
	/* The last line may be half written: only whole lines count. */
	while (got && buf[got - 1] != '\n')
		buf[--got] = '\0';
	clear(m);
	parse(m, buf);
	m->size = got;
	free(buf);
	return true;
}

struct perfmap *perfmap__load(pid_t pid, pid_t nspid, uid_t uid, char *why, size_t whylen)
{
	struct perfmap *m = xcalloc(1, sizeof(*m));
	char root[64];
	struct stat st;
	int fd;

	why[0] = '\0';
	snprintf(m->path, sizeof(m->path), "/tmp/perf-%d.map", (int)nspid);
	snprintf(root, sizeof(root), "/proc/%d/root", (int)pid);
	if (!access(root, F_OK))
		snprintf(m->open_path, sizeof(m->open_path), "%s%s", root, m->path);
	else if (nspid == pid)
		snprintf(m->open_path, sizeof(m->open_path), "%s", m->path);
	else
		goto none;
	m->uid = uid;
	fd = open_trusted(m, uid, &st, why, whylen);
	if (fd < 0)
		goto none;
	reload(m, fd, &st);
	close(fd);
	return m;
none:
	free(m);
	return NULL;
}

bool perfmap__refresh(struct perfmap *m)
{
	struct stat st;
	char why[128];
	bool ret = false;
	int fd;

	if (stat(m->open_path, &st) || st.st_size == m->size)
		return false;
	/* The same checks as at first: the file may have been replaced since. */
	fd = open_trusted(m, m->uid, &st, why, sizeof(why));
	if (fd >= 0) {
		ret = reload(m, fd, &st);
		close(fd);
	}
	return ret;
}

const char *perfmap__find(const struct perfmap *m, uint64_t addr, uint64_t *start)
{
	size_t lo = 0, hi = m->nr;
	const struct pm_entry *best = NULL;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->e[mid].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* The entries starting at or below addr, nearest first: the latest line that covers it. */
	for (size_t i = lo; i-- > 0 && lo - i <= 64;)
		if (addr < m->e[i].end && (!best || m->e[i].order > best->order))
			best = &m->e[i];
	if (!best)
		return NULL;
	*start = best->start;
	return best->name;
}

const char *perfmap__path(const struct perfmap *m)
{
	return m->path;
}

void perfmap__free(struct perfmap *m)
{
	if (!m)
		return;
	clear(m);
	free(m);
}
