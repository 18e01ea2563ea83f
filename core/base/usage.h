/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Messages, in one shape:
 *   upx CMD: 'object': cause
 * error() prints and returns -1 so a caller can `return error(...)`; core
 * functions themselves return negative errno values and never exit.  Each
 * message is one line on stderr, escaped whole (core/base/escape.h).  Errors
 * (error(), usage_error(), die()) go through a routine that the code owning
 * a format may replace, as git's set_error_routine(): --json installs one
 * that writes {"error": "..."} on stdout (core/output/output.h); warnings,
 * notes and hints stay on stderr.  (As git's usage.c beside wrapper.c:
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
/*
 * What a run is doing, for the person watching ("Tracing 2 probes in 1 file
 * ..."): a line on stderr without the "upx CMD: " prefix, escaped whole, in
 * every output format (stdout holds the data).
 */
void status_line(const char *fmt, ...) __printf(1, 2);
/* A line that adds to the message before it, indented: "  did you mean: foo?". */
void hint(const char *fmt, ...) __printf(1, 2);
/* Usage error: prints the message and a hint to -h, returns UPX_EXIT_USAGE. */
int usage_error(const char *fmt, ...) __printf(1, 2);
/* The same with hint_text (NULL: none) indented under the message, before the hint to -h. */
int usage_error_hint(const char *hint_text, const char *fmt, ...) __printf(2, 3);
void die(const char *fmt, ...) __printf(1, 2) __attribute__((noreturn));

/* The longest message, formatted, in bytes (a longer one is cut). */
#define REPORT_MAX 4096
/*
 * Where an error goes: kind is "" or "fatal: ", msg the formatted message,
 * raw (the routine escapes it for its destination).
 */
typedef void (*report_fn)(const char *kind, const char *msg);
/* Report errors through routine from now on (NULL: the default, text on stderr). */
void set_error_routine(report_fn routine);

#endif
