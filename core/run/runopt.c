// SPDX-License-Identifier: GPL-2.0
/* -d, -c / -- , --metrics-file and escaped columns for the process-watching commands. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wordexp.h>

#include "base/cmd.h"
#include "base/options.h"
#include "base/util.h"
#include "output/atomic-file.h"
#include "output/httpd.h"
#include "output/metrics.h"
#include "run/runopt.h"

int opt_seconds_cb(const struct upx_option *o, const char *arg)
{
	char *end;
	double v = strtod(arg, &end);

	if (end == arg || *end || !(v > 0))
		return usage_error("option '--%s' expects a number of seconds, not '%s'",
				   o->long_name, arg);
	*(double *)o->value = v;
	return 0;
}

int opt_ring_size_cb(const struct upx_option *o, const char *arg)
{
	unsigned long long v;

	if (!parse_u64(arg, &v))
		return usage_error("option '--%s' expects a number of bytes (8M = 8388608), not '%s'",
				   o->long_name, arg);
	if (v < 4096 || v > (1ULL << 30) || (v & (v - 1)))
		return usage_error("--%s must be a power of 2 from 4K to 1G", o->long_name);
	*(unsigned long long *)o->value = v;
	return 0;
}

int opt_listen_cb(const struct upx_option *o, const char *arg)
{
	char err[256];

	if (httpd_parse_address(arg, NULL, NULL, err, sizeof(err)))
		return usage_error("option '--%s' expects ADDR:PORT, not '%s': %s", o->long_name,
				   arg, err);
	*(const char **)o->value = arg;
	return 0;
}

char **split_command(const char *cmd, char *err, size_t errlen)
{
	wordexp_t we;
	char **argv;
	int ret;

	ret = wordexp(cmd, &we, WRDE_NOCMD | WRDE_UNDEF);
	if (ret) {
		snprintf(err, errlen, "%s",
			 ret == WRDE_CMDSUB ? "command substitution is not allowed" :
			 ret == WRDE_BADCHAR ? "unquoted | & ; < > ( ) { } or newline: use -- CMD ARGS, or sh -c '...'" :
			 ret == WRDE_BADVAL ? "undefined shell variable" :
			 ret == WRDE_SYNTAX ? "syntax error (unbalanced quotes?)" : "cannot split");
		return NULL;
	}
	if (!we.we_wordc) {
		wordfree(&we);
		snprintf(err, errlen, "empty command");
		return NULL;
	}
	argv = xcalloc(we.we_wordc + 1, sizeof(char *));
	for (size_t i = 0; i < we.we_wordc; i++)
		argv[i] = xstrdup(we.we_wordv[i]);
	wordfree(&we);
	return argv;
}

void free_command(char **argv)
{
	for (size_t i = 0; argv && argv[i]; i++)
		free(argv[i]);
	free(argv);
}

int runopt_command(const char *cmd, int argc, const char **argv, char ***out)
{
	char err[256], **words;
	int dashdash = -1;

	*out = NULL;
	for (int i = 0; i < argc; i++)
		if (!strcmp(argv[i], "--")) {
			dashdash = i;
			break;
		}
	if (dashdash > 0 || (dashdash < 0 && argc > 0))
		return usage_error("unexpected argument '%s'", argv[0]);
	if (dashdash == 0 && cmd)
		return usage_error("give the command with -c or after --, not both");
	if (dashdash == 0) {
		if (argc == 1)
			return usage_error("no command after --");
		words = xcalloc(argc, sizeof(char *));
		for (int i = 1; i < argc; i++)
			words[i - 1] = xstrdup(argv[i]);
		*out = words;
		return 0;
	}
	if (!cmd)
		return 0;
	words = split_command(cmd, err, sizeof(err));
	if (!words)
		return usage_error("-c '%s': %s", cmd, err);
	*out = words;
	return 0;
}

struct metrics_fill {
	int (*collect)(struct metrics_writer *w, void *ctx);
	void *ctx;
};

static int fill_metrics(FILE *f, void *p)
{
	struct metrics_fill *mf = p;
	struct metrics_writer *w = metrics_writer__new(f, METRICS_TEXT);
	int err = mf->collect(w, mf->ctx);

	if (!err)
		err = metrics_writer__finish(w);
	metrics_writer__free(w);
	return err;
}

int metrics_file_write(const char *path, int (*collect)(struct metrics_writer *w, void *ctx),
		       void *ctx, char *why, size_t size)
{
	struct metrics_fill mf = { collect, ctx };

	/* 0644: the textfile collector often runs as another user. */
	return atomic_file_write(path, 0644, fill_metrics, &mf, NULL, why, size);
}
