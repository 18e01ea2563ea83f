/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Messages and small helpers every command uses.  Messages follow one shape:
 *   upx CMD: 'object': cause
 * error() prints and returns -1 so a caller can `return error(...)`; core
 * functions themselves return negative errno values and never exit.
 */
#ifndef UPX_UTIL_H
#define UPX_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define __printf(a, b) __attribute__((format(printf, a, b)))
#ifndef __maybe_unused
#define __maybe_unused __attribute__((unused))
#endif

/* The running command, for the message prefix ("upx list-syms: ..."). */
extern const char *upx_cmd_name;
/* Set by --json: errors are printed as {"error": "..."} on stdout. */
extern bool upx_json_mode;
/* Set by --verbose (-v). */
extern int upx_verbose;

int error(const char *fmt, ...) __printf(1, 2);
void warning(const char *fmt, ...) __printf(1, 2);
void note(const char *fmt, ...) __printf(1, 2);
/* Usage error: prints the message and a hint to -h, returns UPX_EXIT_USAGE. */
int usage_error(const char *fmt, ...) __printf(1, 2);
void die(const char *fmt, ...) __printf(1, 2) __attribute__((noreturn));

void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t size);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __printf(1, 2);
/* Grow *p (of *alloc elements of size sz) so that index `need - 1` fits. */
void *grow_array(void *p, size_t *alloc, size_t need, size_t sz);
#define ALLOC_GROW(p, nr, alloc) ((p) = grow_array((p), &(alloc), (nr), sizeof(*(p))))

/* Whole-file read; returns 0 or -errno. *buf is NUL-terminated. */
int read_file(const char *path, char **buf, size_t *len);

/* Parse a decimal/hex/size number ("4096", "0x10", "1M"); false on junk. */
bool parse_u64(const char *s, unsigned long long *out);
bool parse_s64(const char *s, long long *out);

/* Levenshtein-like distance for "did you mean" hints. */
int edit_distance(const char *a, const char *b);

/*
 * Write s to f with everything a terminal could act on escaped: control
 * characters as \n, \t, \xNN; backslash doubled; bytes >= 0x80 kept only when
 * they form valid UTF-8.  At most len bytes (or up to NUL if len < 0).
 */
void fputs_escaped(FILE *f, const char *s, long len);
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

/* The same between double quotes, a '"' inside escaped as \" (a field of its own on a line). */
void fputs_quoted(FILE *f, const char *s, long len);
/*
 * s escaped as fputs_escaped() does, into buf (always NUL-terminated, cut
 * before an escape that does not fit); returns the bytes of s taken.
 */
size_t escape_to_buf(char *buf, size_t size, const char *s, long len);

#endif
