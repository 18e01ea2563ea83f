// SPDX-License-Identifier: GPL-2.0
/* Allocation that cannot fail, files, number parsing, columns (messages: usage.c). */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/util.h"

void *xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (!p)
		die("out of memory (%s)", count_noun(size, "byte", "bytes"));
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		die("out of memory (%zu x %s)", n, count_noun(size, "byte", "bytes"));
	return p;
}

void *xrealloc(void *p, size_t size)
{
	p = realloc(p, size ? size : 1);
	if (!p)
		die("out of memory (%s)", count_noun(size, "byte", "bytes"));
	return p;
}

char *xstrdup(const char *s)
{
	char *d = strdup(s);

	if (!d)
		die("out of memory");
	return d;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		die("out of memory");
	va_end(ap);
	return s;
}

void *grow_array(void *p, size_t *alloc, size_t need, size_t sz)
{
	size_t n;

	if (need <= *alloc)
		return p;
	n = *alloc ? *alloc * 2 : 16;
	if (n < need)
		n = need;
	*alloc = n;
	return xrealloc(p, n * sz);
}

double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int read_file(const char *path, char **buf, size_t *len)
{
	size_t alloc = 0, n = 0;
	char *b = NULL;
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t r;

		ALLOC_GROW(b, n + 4097, alloc);
		r = read(fd, b + n, alloc - n - 1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		if (!r)
			break;
		n += r;
	}
	close(fd);
	if (err) {
		free(b);
		return err;
	}
	b[n] = '\0';
	*buf = b;
	if (len)
		*len = n;
	return 0;
}

bool parse_u64(const char *s, unsigned long long *out)
{
	unsigned long long v, mult = 1;
	char *end;

	if (!s || !*s || *s == '-' || isspace((unsigned char)*s))
		return false;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s)
		return false;
	switch (*end) {
	case 'k': case 'K': mult = 1ULL << 10; end++; break;
	case 'm': case 'M': mult = 1ULL << 20; end++; break;
	case 'g': case 'G': mult = 1ULL << 30; end++; break;
	}
	if (*end)
		return false;
	if (mult > 1 && v > UINT64_MAX / mult)
		return false;
	*out = v * mult;
	return true;
}

bool parse_s64(const char *s, long long *out)
{
	unsigned long long v;

	if (s && *s == '-') {
		if (!parse_u64(s + 1, &v) || v > (unsigned long long)INT64_MAX + 1)
			return false;
		*out = (long long)(0 - v);
		return true;
	}
	if (!parse_u64(s, &v) || v > INT64_MAX)
		return false;
	*out = (long long)v;
	return true;
}

bool parse_duration_ns(const char *s, unsigned long long *ns)
{
	static const struct { const char *unit; double ns; } units[] = {
		{ "ns", 1 }, { "us", 1e3 }, { "ms", 1e6 }, { "s", 1e9 },
	};
	char *end;
	double v;

	if (!s || !isdigit((unsigned char)*s))
		return false;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s)
		return false;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].unit))
			continue;
		v *= units[i].ns;
		/* 2^64 ns is 584 years: more is junk, not a duration */
		if (!(v < 18446744073709551616.0))
			return false;
		*ns = (unsigned long long)(v + 0.5);
		return true;
	}
	return false;
}

bool parse_u64_or_duration(const char *s, unsigned long long *out, bool *is_duration)
{
	if (parse_duration_ns(s, out))
		return *is_duration = true;
	return parse_u64(s, out);
}

char *duration_text(char *buf, unsigned long long ns)
{
	if (ns < 1000)
		snprintf(buf, DURATION_TEXT_MAX, "%lluns", ns);
	else
		snprintf(buf, DURATION_TEXT_MAX, "%.3f%s", ns < 1000000 ? ns / 1e3 :
			 ns < 1000000000 ? ns / 1e6 : ns / 1e9,
			 ns < 1000000 ? "us" : ns < 1000000000 ? "ms" : "s");
	return buf;
}

int edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	int *prev, *cur, d;

	prev = xcalloc(lb + 1, sizeof(int));
	cur = xcalloc(lb + 1, sizeof(int));
	for (j = 0; j <= lb; j++)
		prev[j] = j;
	for (i = 1; i <= la; i++) {
		int *t;

		cur[0] = i;
		for (j = 1; j <= lb; j++) {
			int sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
			int del = prev[j] + 1, ins = cur[j - 1] + 1;

			cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
		}
		t = prev;
		prev = cur;
		cur = t;
	}
	d = prev[lb];
	free(prev);
	free(cur);
	return d;
}

char *put_u64(char *p, unsigned long long v)
{
	/* Two digits a division, written from the end: the number's length is counted first. */
	static const char pairs[201] =
		"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
		"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
		"8081828384858687888990919293949596979899";
	unsigned long long t = v;
	int n = 1;
	char *end;

	while (t >= 10) {
		t /= 10;
		n++;
	}
	end = p + n;
	p = end;
	while (v >= 100) {
		unsigned int r = (unsigned int)(v % 100) * 2;

		v /= 100;
		*--p = pairs[r + 1];
		*--p = pairs[r];
	}
	if (v >= 10) {
		*--p = pairs[v * 2 + 1];
		*--p = pairs[v * 2];
	} else {
		*--p = (char)('0' + v);
	}
	return end;
}

char *put_s64(char *p, long long v)
{
	if (v < 0) {
		*p++ = '-';
		return put_u64(p, -(unsigned long long)v);
	}
	return put_u64(p, v);
}

char *put_hex(char *p, unsigned long long v)
{
	static const char hex[] = "0123456789abcdef";
	char tmp[16];
	int n = 0;

	*p++ = '0';
	*p++ = 'x';
	do
		tmp[n++] = hex[v & 15];
	while (v >>= 4);
	while (n)
		*p++ = tmp[--n];
	return p;
}

char *count_noun_to(char *buf, unsigned long long n, const char *one, const char *many)
{
	snprintf(buf, COUNT_NOUN_MAX, "%llu %s", n, plural(n, one, many));
	return buf;
}

char *put_col(char *p, const char *s, size_t len, size_t width)
{
	memcpy(p, s, len);
	p += len;
	while (len++ < width)
		*p++ = ' ';
	return p;
}

const char *file_kind(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG: return "a regular file";
	case S_IFDIR: return "a directory";
	case S_IFIFO: return "a FIFO";
	case S_IFCHR: return "a character device";
	case S_IFBLK: return "a block device";
	case S_IFSOCK: return "a socket";
	case S_IFLNK: return "a symbolic link";
	}
	return "not a regular file";
}

uint64_t mono_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000ULL + t.tv_nsec;
}
