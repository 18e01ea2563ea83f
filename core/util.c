// SPDX-License-Identifier: GPL-2.0
/* Messages, allocation that cannot fail, number parsing, terminal-safe strings. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "json.h"
#include "util.h"

const char *upx_cmd_name;
bool upx_json_mode;
int upx_verbose;

/* is_error: in JSON mode the message becomes {"error": ...} on stdout. */
static void vreport(const char *kind, bool is_error, const char *fmt, va_list ap)
{
	char msg[4096];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (upx_json_mode && is_error) {
		struct json_writer *jw = json_writer__new(stdout);

		json_object_start(jw);
		json_string_field(jw, "error", msg);
		json_object_end(jw);
		json_writer__end_line(jw);
		json_writer__free(jw);
		fflush(stdout);
		return;
	}
	fflush(stdout);
	if (upx_cmd_name)
		fprintf(stderr, "upx %s: %s%s\n", upx_cmd_name, kind, msg);
	else
		fprintf(stderr, "upx: %s%s\n", kind, msg);
}

int error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("", true, fmt, ap);
	va_end(ap);
	return -1;
}

void warning(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("warning: ", false, fmt, ap);
	va_end(ap);
}

void note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("", false, fmt, ap);
	va_end(ap);
}

int usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("", true, fmt, ap);
	va_end(ap);
	if (upx_cmd_name)
		fprintf(stderr, "See 'upx %s -h'.\n", upx_cmd_name);
	return UPX_EXIT_USAGE;
}

void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("fatal: ", true, fmt, ap);
	va_end(ap);
	exit(UPX_EXIT_FAILURE);
}

void *xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (!p)
		die("out of memory (%zu bytes)", size);
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		die("out of memory (%zu x %zu bytes)", n, size);
	return p;
}

void *xrealloc(void *p, size_t size)
{
	p = realloc(p, size ? size : 1);
	if (!p)
		die("out of memory (%zu bytes)", size);
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

/* Length of the valid UTF-8 sequence at s (of at most n bytes), 0 if invalid. */
static int utf8_len(const unsigned char *s, size_t n)
{
	int len, i;
	uint32_t cp;

	if (s[0] < 0xc2)
		return 0;
	if (s[0] < 0xe0) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] < 0xf0) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] < 0xf5) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if ((size_t)len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp < 0xa0))
		return 0; /* overlong, surrogate, or a C1 control (CSI is 0x9b) */
	return len;
}

/*
 * The escaped form of the character at s (n > 0 bytes left) into out (room
 * for 4 bytes and a NUL); returns how many bytes of s it took.  With quote,
 * '"' is escaped too, for a string shown between quotes.
 */
static size_t escape_char(const unsigned char *s, size_t n, char *out, bool quote)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char c = s[0];
	int u;

	if (c == '\\' || (quote && c == '"')) {
		out[0] = '\\';
		out[1] = c;
		out[2] = '\0';
	} else if (c == '\n' || c == '\t' || c == '\r') {
		out[0] = '\\';
		out[1] = c == '\n' ? 'n' : c == '\t' ? 't' : 'r';
		out[2] = '\0';
	} else if (c >= 0x20 && c < 0x7f) {
		out[0] = c;
		out[1] = '\0';
	} else if (c >= 0x80 && (u = utf8_len(s, n))) {
		memcpy(out, s, u);
		out[u] = '\0';
		return u;
	} else {
		out[0] = '\\';
		out[1] = 'x';
		out[2] = hex[c >> 4];
		out[3] = hex[c & 15];
		out[4] = '\0';
	}
	return 1;
}

/*
 * Escape s into buf until it or s ends; returns the bytes of s taken.  No
 * allocation and no stdio: it runs for every event (a probe on malloc or
 * memcpy must not see upx feed itself).
 */
static size_t escape_into(char *buf, size_t size, const unsigned char *s, size_t n, bool quote)
{
	size_t i = 0, w = 0;
	char one[5];

	while (i < n) {
		size_t used = escape_char(s + i, n - i, one, quote), k = strlen(one);

		if (w + k >= size)
			break;
		memcpy(buf + w, one, k);
		w += k;
		i += used;
	}
	buf[w] = '\0';
	return i;
}

size_t escape_to_buf(char *buf, size_t size, const char *s, long len)
{
	size_t n = len < 0 ? strlen(s) : (size_t)len;

	if (!size)
		return 0;
	return escape_into(buf, size, (const unsigned char *)s, n, false);
}

static void fputs_escaped_as(FILE *f, const char *str, long len, bool quote)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = len < 0 ? strlen(str) : (size_t)len, i = 0;
	char buf[1024];

	while (i < n) {
		i += escape_into(buf, sizeof(buf), s + i, n - i, quote);
		fputs(buf, f);
	}
}

void fputs_escaped(FILE *f, const char *s, long len)
{
	fputs_escaped_as(f, s, len, false);
}

void fputs_quoted(FILE *f, const char *s, long len)
{
	fputc('"', f);
	fputs_escaped_as(f, s, len, true);
	fputc('"', f);
}

char *put_u64(char *p, unsigned long long v)
{
	char tmp[20];
	int n = 0;

	do
		tmp[n++] = '0' + v % 10;
	while (v /= 10);
	while (n)
		*p++ = tmp[--n];
	return p;
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

char *put_col(char *p, const char *s, size_t len, size_t width)
{
	memcpy(p, s, len);
	p += len;
	while (len++ < width)
		*p++ = ' ';
	return p;
}
