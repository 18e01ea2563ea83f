// SPDX-License-Identifier: GPL-2.0
/* Messages: on stderr, or through the JSON writer on stdout in JSON mode. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"
#include "json.h"
#include "output.h"
#include "usage.h"

const char *upx_cmd_name;
int upx_verbose;

/*
 * is_error: in JSON mode the message becomes {"error": ...} on stdout.
 * kind NULL: a hint, indented under the message before it.
 */
static void vreport(const char *kind, bool is_error, const char *fmt, va_list ap)
{
	char msg[4096];

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
		fprintf(stderr, "  %s\n", msg);
	else if (upx_cmd_name)
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
