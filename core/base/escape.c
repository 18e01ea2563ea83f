// SPDX-License-Identifier: GPL-2.0
/* The text-escaping rule (escape.h): one place, for messages and every text output; libc only. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/escape.h"

/*
 * The length of the UTF-8 sequence at s (at most n bytes): > 0 when it is
 * valid, else minus the length of its maximal subpart (the lead byte and the
 * continuation bytes that could still have led to a valid sequence: at
 * least 1), which becomes one U+FFFD, as Unicode recommends and Python's
 * errors="replace" does.  Overlong forms, surrogates and values past
 * U+10FFFF are not valid.
 */
long utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] < 0xe0) {
		len = 2;
	} else if (s[0] >= 0xe0 && s[0] < 0xf0) {
		len = 3;
		if (s[0] == 0xe0)
			lo = 0xa0; /* overlong */
		else if (s[0] == 0xed)
			hi = 0x9f; /* surrogates */
	} else if (s[0] >= 0xf0 && s[0] < 0xf5) {
		len = 4;
		if (s[0] == 0xf0)
			lo = 0x90; /* overlong */
		else if (s[0] == 0xf4)
			hi = 0x8f; /* past U+10FFFF */
	} else {
		return -1;
	}
	for (i = 1; i < len; i++) {
		if (i >= n || s[i] < lo || s[i] > hi)
			return -(long)i;
		lo = 0x80;
		hi = 0xbf;
	}
	return len;
}

/*
 * Length of the valid UTF-8 sequence at s (of at most n bytes) that may reach
 * a terminal, 0 if invalid or a C1 control (U+0080..U+009F: CSI is U+009B).
 */
static int utf8_len(const unsigned char *s, size_t n)
{
	long u = utf8_seq(s, n);

	if (u < 2 || (s[0] == 0xc2 && s[1] < 0xa0))
		return 0;
	return u;
}

/*
 * The escaped form of the character at s (n > 0 bytes left) into out (room
 * for 4 bytes), its length in *len; returns how many bytes of s it took.
 * With quote, '"' is escaped too, for a string shown between quotes.
 */
static size_t escape_char(const unsigned char *s, size_t n, char *out, size_t *len, bool quote)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char c = s[0];
	int u;

	if (c == '\\' || (quote && c == '"')) {
		out[0] = '\\';
		out[1] = c;
		*len = 2;
	} else if (c == '\n' || c == '\t' || c == '\r') {
		out[0] = '\\';
		out[1] = c == '\n' ? 'n' : c == '\t' ? 't' : 'r';
		*len = 2;
	} else if (c >= 0x20 && c < 0x7f) {
		out[0] = c;
		*len = 1;
	} else if (c >= 0x80 && (u = utf8_len(s, n))) {
		memcpy(out, s, u);
		*len = u;
		return u;
	} else {
		out[0] = '\\';
		out[1] = 'x';
		out[2] = hex[c >> 4];
		out[3] = hex[c & 15];
		*len = 4;
	}
	return 1;
}

/* Printable ASCII that stands for itself: every byte of most names. */
static bool plain_char(unsigned char c, bool quote)
{
	return c >= 0x20 && c < 0x7f && c != '\\' && !(quote && c == '"');
}

/*
 * How many bytes from s (at most n) are plain: eight at a time, as names and
 * paths are, then byte by byte.  A byte is not plain when it is below 0x20,
 * 0x7f or above (the high bit), a backslash, or with quote a '"'.
 */
size_t escape_plain_run(const unsigned char *s, size_t n, bool quote)
{
	const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
	size_t k = 0;

	for (; k + 8 <= n; k += 8) {
		uint64_t x, bad;

		memcpy(&x, s + k, 8);
		/* the high bit of each byte that is < 0x20, >= 0x7f or has it set */
		bad = ((x - 0x2020202020202020ULL) | (x + 0x0101010101010101ULL) | x) & highs;
		/* ... or equals a backslash (or '"'): a zero byte after the xor */
		bad |= ((x ^ 0x5c5c5c5c5c5c5c5cULL) - ones) & ~(x ^ 0x5c5c5c5c5c5c5c5cULL) & highs;
		if (quote)
			bad |= ((x ^ 0x2222222222222222ULL) - ones) & ~(x ^ 0x2222222222222222ULL) & highs;
		if (bad)
			break;
	}
	while (k < n && plain_char(s[k], quote))
		k++;
	return k;
}

/*
 * Escape s into buf until it or s ends (buf[*w] is then its NUL); returns
 * the bytes of s taken.  No allocation and no stdio: it runs for every
 * event (a probe on malloc or memcpy must not see upx feed itself).
 */
static size_t escape_into(char *buf, size_t size, const unsigned char *s, size_t n, bool quote,
			  size_t *wrote)
{
	size_t i = 0, w = 0;
	char one[4];

	while (i < n) {
		size_t used, k;

		/* A run of plain characters is copied as it is (while it fits). */
		k = i + escape_plain_run(s + i, n - i < size - w - 1 ? n - i : size - w - 1, quote);
		memcpy(buf + w, s + i, k - i);
		w += k - i;
		i = k;
		if (i == n || plain_char(s[i], quote))
			break;	/* the end of s, or of buf */
		used = escape_char(s + i, n - i, one, &k, quote);
		if (w + k >= size)
			break;
		memcpy(buf + w, one, k);
		w += k;
		i += used;
	}
	buf[w] = '\0';
	*wrote = w;
	return i;
}

size_t escape_to_buf(char *buf, size_t size, const char *s, long len)
{
	size_t n = len < 0 ? strlen(s) : (size_t)len, w;

	if (!size)
		return 0;
	return escape_into(buf, size, (const unsigned char *)s, n, false, &w);
}

char *escape_put(char *p, char *end, const char *s, long len)
{
	size_t n = len < 0 ? strlen(s) : (size_t)len, w;

	if (p >= end || escape_into(p, end - p, (const unsigned char *)s, n, false, &w) < n)
		return NULL;
	return p + w;
}

static void fputs_escaped_as(FILE *f, const char *str, long len, bool quote)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = len < 0 ? strlen(str) : (size_t)len, i = 0, k;
	char one[4];

	/* Runs of plain characters are written straight from s: a name costs one fwrite(). */
	while (i < n) {
		k = i + escape_plain_run(s + i, n - i, quote);
		if (k > i) {
			fwrite(s + i, 1, k - i, f);
			i = k;
			continue;
		}
		i += escape_char(s + i, n - i, one, &k, quote);
		fwrite(one, 1, k, f);
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

size_t escaped_len(const char *str, long len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = len < 0 ? strlen(str) : (size_t)len, i = 0, w = 0, k;
	char one[4];

	while (i < n) {
		if (plain_char(s[i], false)) {
			i++;
			w++;
			continue;
		}
		i += escape_char(s + i, n - i, one, &k, false);
		w += k;
	}
	return w;
}
