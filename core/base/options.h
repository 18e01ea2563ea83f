/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Options declared as data, after git's parse-options: each command has a
 * table of struct upx_option beside its usage[] lines, and parse_options()
 * both parses argv and renders `-h`, so the two cannot drift apart.
 *
 * Every command gets -h (short usage) and --help (its man page) for free.
 */
#ifndef UPX_OPTIONS_H
#define UPX_OPTIONS_H

#include <stdbool.h>
#include <stdio.h>

enum upx_opt_type {
	UPX_OPT_END,
	UPX_OPT_BOOL,     /* bool *: set to true (--no-NAME sets false) */
	UPX_OPT_COUNT,    /* int *: incremented each time */
	UPX_OPT_INT,      /* long long * */
	UPX_OPT_UINT,     /* unsigned long long *, accepts 1K/1M/1G suffixes */
	UPX_OPT_STRING,   /* const char ** */
	UPX_OPT_CALLBACK, /* cb(opt, arg); arg NULL for an option without argument */
	UPX_OPT_GROUP,    /* a heading in -h output */
};

struct upx_option;
typedef int (*upx_opt_cb)(const struct upx_option *opt, const char *arg);

struct upx_option {
	enum upx_opt_type type;
	int short_name;
	const char *long_name;
	void *value;
	const char *argh; /* argument name in -h, NULL for none (CALLBACK) */
	const char *help;
	upx_opt_cb cb;
	bool takes_arg; /* CALLBACK only */
	bool optional_arg; /* CALLBACK only: --NAME or --NAME=VALUE (cb gets NULL for the first) */
};

#define OPT_END() { .type = UPX_OPT_END }
#define OPT_GROUP(h) { .type = UPX_OPT_GROUP, .help = (h) }
#define OPT_BOOL(s, l, v, h) { UPX_OPT_BOOL, (s), (l), (v), NULL, (h) }
#define OPT_COUNT(s, l, v, h) { UPX_OPT_COUNT, (s), (l), (v), NULL, (h) }
#define OPT_INT(s, l, v, a, h) { UPX_OPT_INT, (s), (l), (v), (a), (h) }
#define OPT_UINT(s, l, v, a, h) { UPX_OPT_UINT, (s), (l), (v), (a), (h) }
#define OPT_STRING(s, l, v, a, h) { UPX_OPT_STRING, (s), (l), (v), (a), (h) }
#define OPT_CALLBACK(s, l, v, a, h, f) \
	{ UPX_OPT_CALLBACK, (s), (l), (v), (a), (h), (f), (a) != NULL }
#define OPT_CALLBACK_OPTARG(s, l, v, a, h, f) \
	{ UPX_OPT_CALLBACK, (s), (l), (v), (a), (h), (f), false, true }
/* The flags every command shares (--json is the output layer's: OPT_JSON() in core/output/output.h). */
#define OPT_VERBOSE() OPT_COUNT('v', "verbose", &upx_verbose, "say more about what is done")

/*
 * Values checked where they are parsed, so that every malformed one is a
 * usage error (exit status 2) naming the option and the value:
 *   opt_pid_cb       long long *: a process id, 1 to 2^31 - 1
 *   opt_positive_cb  long long *: 1 or more
 *   opt_uid_cb       long long *: a user id, 0 to 2^32 - 2 ((uid_t)-1 is no user)
 *   opt_nonempty_cb  const char **: any text but ""
 */
int opt_pid_cb(const struct upx_option *opt, const char *arg);
int opt_positive_cb(const struct upx_option *opt, const char *arg);
int opt_uid_cb(const struct upx_option *opt, const char *arg);
int opt_nonempty_cb(const struct upx_option *opt, const char *arg);

/* Keep a lone "--" in the returned arguments (for "-- CMD ARGS"). */
#define PARSE_OPT_KEEP_DASHDASH (1u << 0)
/* Stop at the first non-option (the rest are positional). */
#define PARSE_OPT_STOP_AT_NON_OPTION (1u << 1)

/* Returned (negated exit status) when -h or --help was handled. */
#define PARSE_OPT_HELP_DONE (-1000)

/*
 * Parses argv[1..argc) (argv[0] is the command name) against opts. Non-option
 * arguments are moved, in order, to argv[0..n); returns n.  On error prints a
 * usage error and returns -UPX_EXIT_USAGE; for -h/--help prints the help and
 * returns PARSE_OPT_HELP_DONE.  Callers do:
 *     argc = parse_options(argc, argv, opts, usage, 0);
 *     if (argc < 0) return parse_options_exit(argc);
 */
int parse_options(int argc, const char **argv, const struct upx_option *opts,
		  const char *const usage[], unsigned int flags);
int parse_options_exit(int ret);

/* The option takes a value (--NAME VALUE or --NAME=VALUE); an optional one does not count. */
bool option_needs_arg(const struct upx_option *o);

/* Print usage[] and the option table (what `-h` shows) to f. */
void usage_with_options(FILE *f, const char *const usage[], const struct upx_option *opts);

/* Print the man page of a command (NULL: upx itself); 0 or -1 if none. */
int show_man_page(const char *cmd);

#endif
