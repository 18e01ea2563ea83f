/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small helpers every command uses: allocation that cannot fail, files,
 * numbers, columns.  The messages (error(), warning(), die(), ...) are in
 * usage.h, included here so that every user of one has the other; terminal
 * escaping is in output.h.
 */
#ifndef UPX_UTIL_H
#define UPX_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "base/usage.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#ifndef __maybe_unused
#define __maybe_unused __attribute__((unused))
#endif

void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t size);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __printf(1, 2);
/* Grow *p (of *alloc elements of size sz) so that index `need - 1` fits. */
void *grow_array(void *p, size_t *alloc, size_t need, size_t sz);
#define ALLOC_GROW(p, nr, alloc) ((p) = grow_array((p), &(alloc), (nr), sizeof(*(p))))

/* CLOCK_MONOTONIC in seconds: for deadlines and durations. */
double mono_now(void);

/* "a FIFO", "a directory", "a symbolic link", ... for messages about a path's st_mode. */
const char *file_kind(mode_t mode);
/* Whole-file read; returns 0 or -errno. *buf is NUL-terminated. */
int read_file(const char *path, char **buf, size_t *len);

/* Parse a decimal/hex/size number ("4096", "0x10", "1M"); false on junk. */
bool parse_u64(const char *s, unsigned long long *out);
bool parse_s64(const char *s, long long *out);
/* A duration with its unit ("20ms", "1.5s", "250us", "100ns") in nanoseconds; false on junk. */
bool parse_duration_ns(const char *s, unsigned long long *ns);
/* A number as parse_u64() reads it, or a duration (*is_duration set); false on junk. */
bool parse_u64_or_duration(const char *s, unsigned long long *out, bool *is_duration);
/* ns for a person, into buf (DURATION_TEXT_MAX): "812ns", "12.300us", "51.204ms", "2.000s". */
#define DURATION_TEXT_MAX 32
char *duration_text(char *buf, unsigned long long ns);

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t mono_ns(void);

/* Levenshtein-like distance for "did you mean" hints. */
int edit_distance(const char *a, const char *b);
/*
 * Counts in words, the one place they are made: plural() is the word that
 * goes with n (one when n is 1: "call" / "calls", "returns" / "return"),
 * count_noun() the number and its noun ("1 call", "0 calls", "2 processes")
 * in a buffer of its own for the statement it is in, so that several can
 * stand in one printf.
 */
static inline const char *plural(unsigned long long n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

#define COUNT_NOUN_MAX 80
char *count_noun_to(char *buf, unsigned long long n, const char *one, const char *many);
#define count_noun(n, one, many) \
	count_noun_to((char[COUNT_NOUN_MAX]){ 0 }, (n), (one), (many))

/*
 * Numbers and columns written into a caller's buffer, for lines printed once
 * an event (printf is a third of what upx spends on one).  Each returns the
 * end of what it wrote; put_u64() needs 20 bytes, put_s64() 21, put_hex() 18.
 */
char *put_u64(char *p, unsigned long long v);
char *put_s64(char *p, long long v);
char *put_hex(char *p, unsigned long long v);	/* "0x1f" */
/* s (len bytes), then spaces up to width: "%-*s".  Needs max(len, width) bytes. */
char *put_col(char *p, const char *s, size_t len, size_t width);

#endif
