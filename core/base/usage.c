// SPDX-License-Identifier: GPL-2.0
/* Messages: on stderr, or through the JSON writer on stdout in JSON mode. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cmd.h"
#include "base/usage.h"
#include "output/json.h"
#include "output/output.h"

const char *upx_cmd_name;
int upx_verbose;

/*
 * is_error: in JSON mode the message becomes {"error": ...} on stdout.
 * kind NULL: a hint, indented under the message before it.
 */
static void vreport(const char *kind, bool is_error, const char *fmt, va_list ap)
{
	/* No allocation: "out of memory" is a message too. */
	char msg[4096], line[128 + 4 * sizeof(msg)];
	int n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (is_error && output_json()) {
		struct json_writer *jw = json_writer__stdout();

		json_object_start(jw);
		json_string_field(jw, "error", msg);
		json_object_end(jw);
		json_writer__end_line(jw);
		fflush(stdout);
		return;
	}
	fflush(stdout);
	if (!kind)
		n = snprintf(line, 128, "  ");
	else if (upx_cmd_name)
		n = snprintf(line, 128, "upx %s: %s", upx_cmd_name, kind);
	else
		n = snprintf(line, 128, "upx: %s", kind);
	/*
	 * Messages quote names from files and processes: the whole message is
	 * escaped here (output.h's rule), so none of them can be left raw.  One
	 * write: the line is not cut by what a traced program writes meanwhile.
	 */
	n = n < 128 ? n : 127;
	escape_to_buf(line + n, sizeof(line) - n - 1, msg, -1);
	strcat(line + n, "\n");
	fputs(line, stderr);
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
