/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The text-escaping rule, below every output and every message: usage.c
 * escapes each message with it, and core/output/ each string it writes as
 * text (output.h includes this header and adds the helpers that allocate:
 * escape_dup(), text_line()).  libc only, so that messages can use it.
 */
#ifndef UPX_ESCAPE_H
#define UPX_ESCAPE_H

#include <stddef.h>
#include <stdbool.h>
#include <stdio.h>

/*
 * Text for a person (a terminal, a file, a pipe): the one rule for every
 * string from a file or a process (symbol names, paths, comms, strings a
 * program holds), in every text output.  Control characters are written as
 * \n, \t, \r or \xNN (ESC, DEL, NUL ...), a backslash is doubled, and bytes
 * >= 0x80 are kept only when they form valid UTF-8 that is not a C1 control
 * (U+0080..U+009F), else \xNN each.  Nothing in a string can then move the
 * cursor, set a title, end a line or a field, or be mistaken for an escape.
 * The other outputs have rules of their own, each in one place: JSON in
 * core/output/json.h (with NAME_hex when a string is not UTF-8), Prometheus
 * labels in core/output/metrics.h (the same), folded stacks in
 * core/output/flamegraph.h.
 *
 * Strings are kept raw where they are held (plan entries, symbols, keys),
 * and each output escapes them as it writes them: messages (usage.h) and
 * text_line() escape a whole line, so no caller can leave a name out.
 */

/*
 * The UTF-8 sequence at s (n > 0 bytes): its length when valid, else minus
 * the length of its maximal invalid subpart (what becomes one U+FFFD).
 * ASCII is 1.  Overlong forms, surrogates and values past U+10FFFF are invalid.
 */
long utf8_seq(const unsigned char *s, size_t n);

/* s written by the rule above: at most len bytes (or up to NUL if len < 0). */
void fputs_escaped(FILE *f, const char *s, long len);
/* The same between double quotes, a '"' inside escaped as \" (a field of its own on a line). */
void fputs_quoted(FILE *f, const char *s, long len);
/*
 * s escaped as fputs_escaped() does, into buf (always NUL-terminated, cut
 * before an escape that does not fit); returns the bytes of s taken.
 */
size_t escape_to_buf(char *buf, size_t size, const char *s, long len);
/*
 * s escaped whole into [p, end), for a line gathered in a buffer and written
 * once: the end of what it wrote (a NUL there, not counted), or NULL when s
 * and its NUL do not fit.
 */
char *escape_put(char *p, char *end, const char *s, long len);
/* The bytes s takes once escaped (len < 0: up to NUL): what a column's width counts. */
size_t escaped_len(const char *s, long len);
/*
 * How many bytes from s (at most n) are printable ASCII other than a
 * backslash (and, with quote, '"'): what every escaping copies as it is.
 * Eight at a time.
 */
size_t escape_plain_run(const unsigned char *s, size_t n, bool quote);

#endif
