// SPDX-License-Identifier: GPL-2.0
/* One option parser for every command; it also renders their -h text. */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cmd.h"
#include "base/options.h"
#include "base/util.h"

/* "--pid" or "-p", as the option was named in the table. */
static const char *opt_name(const struct upx_option *o, char *buf, size_t size)
{
	if (o->long_name)
		snprintf(buf, size, "--%s", o->long_name);
	else
		snprintf(buf, size, "-%c", o->short_name);
	return buf;
}

/* A number from min to max into *(long long *)o->value, or a usage error saying what it expects. */
static int range_cb(const struct upx_option *o, const char *arg, long long min, long long max,
		    const char *what)
{
	char name[64];
	long long v;

	if (!parse_s64(arg, &v) || v < min || v > max)
		return usage_error("option '%s' expects %s, not '%s'", opt_name(o, name, sizeof(name)),
				   what, arg);
	*(long long *)o->value = v;
	return 0;
}

int opt_pid_cb(const struct upx_option *o, const char *arg)
{
	return range_cb(o, arg, 1, INT_MAX, "a process id (a positive number)");
}

int opt_positive_cb(const struct upx_option *o, const char *arg)
{
	return range_cb(o, arg, 1, LLONG_MAX, "a positive number");
}

int opt_uid_cb(const struct upx_option *o, const char *arg)
{
	return range_cb(o, arg, 0, UINT32_MAX - 1, "a user id (0 to 4294967294)");
}

int opt_nonempty_cb(const struct upx_option *o, const char *arg)
{
	char name[64];

	if (!*arg)
		return usage_error("option '%s' expects a value, not ''",
				   opt_name(o, name, sizeof(name)));
	*(const char **)o->value = arg;
	return 0;
}

static int set_value(const struct upx_option *o, const char *arg, const char *shown, bool negated)
{
	switch (o->type) {
	case UPX_OPT_BOOL:
		*(bool *)o->value = !negated;
		return 0;
	case UPX_OPT_COUNT:
		(*(int *)o->value)++;
		return 0;
	case UPX_OPT_INT:
		if (!parse_s64(arg, (long long *)o->value))
			return usage_error("option '%s' expects a number, not '%s'", shown, arg);
		return 0;
	case UPX_OPT_UINT:
		if (!parse_u64(arg, (unsigned long long *)o->value))
			return usage_error("option '%s' expects a non-negative number, not '%s'",
					   shown, arg);
		return 0;
	case UPX_OPT_STRING:
		*(const char **)o->value = arg;
		return 0;
	case UPX_OPT_CALLBACK:
		return o->cb(o, arg) ? UPX_EXIT_USAGE : 0;
	default:
		return 0;
	}
}

bool option_needs_arg(const struct upx_option *o)
{
	switch (o->type) {
	case UPX_OPT_INT:
	case UPX_OPT_UINT:
	case UPX_OPT_STRING:
		return true;
	case UPX_OPT_CALLBACK:
		return o->takes_arg;
	default:
		return false;
	}
}

static const struct upx_option *find_long(const struct upx_option *opts, const char *name,
					  size_t len, bool *negated)
{
	const struct upx_option *o;

	*negated = false;
	for (o = opts; o->type != UPX_OPT_END; o++)
		if (o->long_name && strlen(o->long_name) == len && !strncmp(o->long_name, name, len))
			return o;
	if (len > 3 && !strncmp(name, "no-", 3))
		for (o = opts; o->type != UPX_OPT_END; o++)
			if (o->type == UPX_OPT_BOOL && o->long_name &&
			    strlen(o->long_name) == len - 3 && !strncmp(o->long_name, name + 3, len - 3)) {
				*negated = true;
				return o;
			}
	return NULL;
}

/*
 * "--stak": the long options nearest to what was typed (up to three, as
 * plan.c suggests functions), "--help" among them, "--no-NAME" for a
 * boolean; a name that starts what was typed, or that it starts (three
 * letters at least), counts as one edit away.
 */
static int unknown_long(const struct upx_option *opts, const char *name, size_t len)
{
	static const struct upx_option help = { .type = UPX_OPT_BOOL, .long_name = "help" };
	const char *best[3] = {}, *typed = xasprintf("%.*s", (int)len, name);
	bool no = len > 3 && !strncmp(typed, "no-", 3), best_no[3] = {};
	int best_d = len / 3 + 1, pos = 0, ret;
	char text[256];
	size_t n = 0;

	for (const struct upx_option *o = opts;; o++) {
		const struct upx_option *c = o->type == UPX_OPT_END ? &help : o;
		/* "--no-folow" is held against the booleans' names */
		bool neg = no && c->type == UPX_OPT_BOOL && c != &help;
		const char *t = neg ? typed + 3 : typed;
		size_t cl = c->long_name ? strlen(c->long_name) : 0, tl = strlen(t);
		size_t common = cl < tl ? cl : tl;
		int d;

		if (cl) {
			d = edit_distance(t, c->long_name);
			if (d > 1 && common >= 3 && !strncmp(c->long_name, t, common))
				d = 1;
			if (d < best_d) {
				best_d = d;
				n = 0;
			}
			if (d == best_d && n < ARRAY_SIZE(best)) {
				best_no[n] = neg;
				best[n++] = c->long_name;
			}
		}
		if (c == &help)
			break;
	}
	for (size_t i = 0; i < n; i++)
		pos += snprintf(text + pos, sizeof(text) - pos, "%s--%s%s",
				i ? ", " : "did you mean: ", best_no[i] ? "no-" : "", best[i]);
	snprintf(text + pos, sizeof(text) - pos, "?");
	ret = usage_error_hint(n ? text : NULL, "unknown option '--%s'", typed);
	free((char *)typed);
	return ret;
}

int parse_options_exit(int ret)
{
	return ret == PARSE_OPT_HELP_DONE ? UPX_EXIT_OK : -ret;
}

int parse_options(int argc, const char **argv, const struct upx_option *opts,
		  const char *const usage[], unsigned int flags)
{
	int i, n = 0, err;
	bool only_args = false;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const struct upx_option *o;
		bool negated;

		if (only_args || a[0] != '-' || !a[1]) {
			argv[n++] = a;
			if (flags & PARSE_OPT_STOP_AT_NON_OPTION)
				only_args = true;
			continue;
		}
		if (!strcmp(a, "--")) {
			only_args = true;
			if (flags & PARSE_OPT_KEEP_DASHDASH)
				argv[n++] = a;
			continue;
		}
		if (a[1] == '-') {
			const char *name = a + 2, *eq = strchr(name, '=');
			size_t len = eq ? (size_t)(eq - name) : strlen(name);
			const char *arg = eq ? eq + 1 : NULL;

			if (len == 4 && !strncmp(name, "help", 4)) {
				if (show_man_page(upx_cmd_name))
					usage_with_options(stdout, usage, opts);
				return PARSE_OPT_HELP_DONE;
			}
			o = find_long(opts, name, len, &negated);
			if (!o)
				return -unknown_long(opts, name, len);
			if (option_needs_arg(o) && !arg) {
				if (i + 1 >= argc)
					return -usage_error("option '--%s' needs a value", o->long_name);
				arg = argv[++i];
			} else if (!option_needs_arg(o) && arg && !o->optional_arg) {
				return -usage_error("option '--%s' takes no value", o->long_name);
			}
			err = set_value(o, arg, a, negated);
			if (err)
				return -err;
			continue;
		}
		/* A bundle of short options: -vv, -p123, -p 123. */
		for (const char *p = a + 1; *p; p++) {
			const char *arg = NULL;
			char shown[3] = { '-', *p, 0 };

			if (*p == 'h') {
				usage_with_options(stdout, usage, opts);
				return PARSE_OPT_HELP_DONE;
			}
			for (o = opts; o->type != UPX_OPT_END; o++)
				if (o->short_name == *p)
					break;
			if (o->type == UPX_OPT_END)
				return -usage_error("unknown switch '%c'", *p);
			if (option_needs_arg(o)) {
				if (p[1])
					arg = p + 1;
				else if (i + 1 < argc)
					arg = argv[++i];
				else
					return -usage_error("switch '%c' needs a value", *p);
			}
			err = set_value(o, arg, shown, false);
			if (err)
				return -err;
			if (arg)
				break;
		}
	}
	argv[n] = NULL;
	return n;
}

void usage_with_options(FILE *f, const char *const usage[], const struct upx_option *opts)
{
	const struct upx_option *o;

	fprintf(f, "usage: %s\n", usage[0]);
	for (size_t i = 1; usage[i]; i++)
		fprintf(f, "%s%s\n", *usage[i] ? "   or: " : "", usage[i]);
	fputc('\n', f);
	for (o = opts; o->type != UPX_OPT_END; o++) {
		char left[64];
		int pos = 0;

		if (o->type == UPX_OPT_GROUP) {
			fprintf(f, "%s%s\n", o == opts ? "" : "\n", o->help);
			continue;
		}
		pos += snprintf(left + pos, sizeof(left) - pos, "    ");
		if (o->short_name)
			pos += snprintf(left + pos, sizeof(left) - pos, "-%c%s", o->short_name,
					o->long_name ? ", " : "");
		else
			pos += snprintf(left + pos, sizeof(left) - pos, "    ");
		if (o->long_name)
			pos += snprintf(left + pos, sizeof(left) - pos, "--%s", o->long_name);
		if (o->argh && pos < (int)sizeof(left))
			snprintf(left + pos, sizeof(left) - pos,
				 o->optional_arg ? "[=<%s>]" : " <%s>", o->argh);
		if (strlen(left) > 28)
			fprintf(f, "%s\n%30s%s\n", left, "", o->help);
		else
			fprintf(f, "%-30s%s\n", left, o->help);
	}
	fprintf(f, "    -h                        show this summary\n");
	fprintf(f, "        --help                show the manual page\n");
}

int show_man_page(const char *cmd)
{
	const char *page = upx_doc_find(cmd);

	if (!page)
		return -1;
	fputs(page, stdout);
	return 0;
}
