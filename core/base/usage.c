// SPDX-License-Identifier: GPL-2.0
/*
 * Messages: one line on stderr each, escaped whole; errors through a routine
 * the output layer may replace (--json: on stdout), as git's usage.c has
 * set_error_routine().
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cmd.h"
#include "base/escape.h"
#include "base/usage.h"

const char *upx_cmd_name;
int upx_verbose;

/* The kind of a status line: no prefix at all. */
static const char STATUS[] = "";

/* kind NULL: a hint, indented under the message before it. */
static void report_text(const char *kind, const char *msg)
{
	char line[128 + 4 * REPORT_MAX];
	int n;

	fflush(stdout);
	if (kind == STATUS)
		n = 0;
	else if (!kind)
		n = snprintf(line, 128, "  ");
	else if (upx_cmd_name)
		n = snprintf(line, 128, "upx %s: %s", upx_cmd_name, kind);
	else
		n = snprintf(line, 128, "upx: %s", kind);
	/*
	 * Messages quote names from files and processes: the whole message is
	 * escaped here (escape.h's rule), so none of them can be left raw.  One
	 * write: the line is not cut by what a traced program writes meanwhile.
	 */
	n = n < 128 ? n : 127;
	escape_to_buf(line + n, sizeof(line) - n - 1, msg, -1);
	strcat(line + n, "\n");
	fputs(line, stderr);
}

static report_fn error_routine = report_text;

void set_error_routine(report_fn routine)
{
	error_routine = routine ? routine : report_text;
}

/* is_error: through error_routine; the rest always as text on stderr. */
static void vreport(const char *kind, bool is_error, const char *fmt, va_list ap)
{
	/* No allocation: "out of memory" is a message too. */
	char msg[REPORT_MAX];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	(is_error ? error_routine : report_text)(kind, msg);
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

void status_line(const char *fmt, ...)
{
	va_list ap;
	char msg[REPORT_MAX];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	report_text(STATUS, msg);
}

void note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("", false, fmt, ap);
	va_end(ap);
}

void hint(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(NULL, false, fmt, ap);
	va_end(ap);
}

static int vusage_error(const char *hint_text, const char *fmt, va_list ap)
{
	vreport("", true, fmt, ap);
	if (hint_text)
		fprintf(stderr, "  %s\n", hint_text);
	if (upx_cmd_name)
		fprintf(stderr, "See 'upx %s -h'.\n", upx_cmd_name);
	return UPX_EXIT_USAGE;
}

int usage_error(const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vusage_error(NULL, fmt, ap);
	va_end(ap);
	return ret;
}

int usage_error_hint(const char *hint_text, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vusage_error(hint_text, fmt, ap);
	va_end(ap);
	return ret;
}

void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("fatal: ", true, fmt, ap);
	va_end(ap);
	exit(UPX_EXIT_FAILURE);
}
