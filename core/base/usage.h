/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Messages, in one shape:
 *   upx CMD: 'object': cause
 * error() prints and returns -1 so a caller can `return error(...)`; core
 * functions themselves return negative errno values and never exit.  In JSON
 * mode an error is {"error": "..."} on stdout, written by the JSON writer;
 * warnings and notes stay on stderr.  (As git's usage.c beside wrapper.c:
 * allocation and the other helpers are in util.h.)
 */
#ifndef UPX_USAGE_H
#define UPX_USAGE_H

#define __printf(a, b) __attribute__((format(printf, a, b)))

/* The running command, for the message prefix ("upx list-syms: ..."). */
extern const char *upx_cmd_name;
/* Set by --verbose (-v). */
extern int upx_verbose;

int error(const char *fmt, ...) __printf(1, 2);
void warning(const char *fmt, ...) __printf(1, 2);
void note(const char *fmt, ...) __printf(1, 2);
/* A line that adds to the message before it, indented: "  did you mean: foo?". */
void hint(const char *fmt, ...) __printf(1, 2);
/* Usage error: prints the message and a hint to -h, returns UPX_EXIT_USAGE. */
int usage_error(const char *fmt, ...) __printf(1, 2);
/* The same with hint_text (NULL: none) indented under the message, before the hint to -h. */
int usage_error_hint(const char *hint_text, const char *fmt, ...) __printf(2, 3);
void die(const char *fmt, ...) __printf(1, 2) __attribute__((noreturn));

#endif
