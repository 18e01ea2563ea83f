// SPDX-License-Identifier: GPL-2.0
/*
 * upx flamegraph: folded stacks (upx trace --folded, perf script |
 * stackcollapse-perf.pl, inferno-collapse-*) drawn as one self-contained SVG
 * flame graph.  The front end of core/output/flamegraph.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cmd.h"
#include "base/options.h"
#include "base/util.h"
#include "output/atomic-file.h"
#include "output/flamegraph.h"

static const char *const flamegraph_usage[] = {
	"upx flamegraph [-o FILE.svg] [--title TEXT] [--count-name NAME] [FILE]",
	NULL,
};

static struct {
	const char *output;
	const char *title;
	const char *count_name;
} opt;

static const struct upx_option flamegraph_options[] = {
	OPT_STRING('o', "output", &opt.output, "FILE", "write the SVG to FILE (default: stdout)"),
	OPT_STRING(0, "title", &opt.title, "TEXT", "the title at the top (default: Flame Graph)"),
	OPT_STRING(0, "count-name", &opt.count_name, "NAME",
		   "what the counts are, in the tooltips (default: samples)"),
	OPT_END(),
};

static int fill_svg(FILE *f, void *p)
{
	const struct fg_stacks *st = p;

	return flamegraph_svg_write(f, st->stacks, st->nr, opt.title, opt.count_name);
}

/*
 * The input is all read and parsed before the output is touched; -o FILE is
 * replaced only once the whole SVG is written (core/output/atomic-file.h), so a bad
 * input or a full disk leaves a good FILE as it was.
 */
static int write_output(const struct fg_stacks *st)
{
	char why[128];
	int err;

	if (!opt.output) {
		err = fill_svg(stdout, (void *)st);
		if (err == -EOVERFLOW)
			return error("the counts add up to more than 2^64 - 1");
		/* a closed pipe is a quiet exit, the dispatcher checks the rest */
		return 0;
	}
	if (atomic_file_write(opt.output, atomic_file_fopen_mode(), fill_svg, (void *)st, &err, why,
			      sizeof(why)))
		return err == -EOVERFLOW ? error("the counts add up to more than 2^64 - 1") :
					   error("cannot write '%s': %s", opt.output, why);
	return 0;
}

static int cmd_flamegraph(int argc, const char **argv)
{
	const char *path, *name, *why;
	char why_out[128];
	struct fg_stacks st;
	size_t len, line;
	char *buf;
	int err;

	argc = parse_options(argc, argv, flamegraph_options, flamegraph_usage, 0);
	if (argc < 0)
		return parse_options_exit(argc);
	if (argc > 1)
		return usage_error("one input file at most (or none: standard input)");
	/* A FILE that cannot be written is said before the input is read. */
	if (opt.output && atomic_file_check(opt.output, why_out, sizeof(why_out)))
		return error("cannot write '%s': %s", opt.output, why_out), UPX_EXIT_FAILURE;
	if (!argc || !strcmp(argv[0], "-")) {
		path = "/dev/stdin";
		name = "standard input";
	} else {
		path = name = argv[0];
	}
	err = read_file(path, &buf, &len);
	if (err)
		return error("cannot read '%s': %s", name, strerror(-err)), UPX_EXIT_FAILURE;
	err = folded_parse(buf, len, &st, &line, &why);
	free(buf);
	if (err)
		return error("'%s': line %zu: %s", name, line, why), UPX_EXIT_FAILURE;
	if (st.number_tail_line)
		warning("'%s': line %zu: the stack ends in a number, read as part of its last "
			"frame's name (differential input, two counts a line, is not supported)",
			name, st.number_tail_line);
	if (!st.nr) {
		fg_stacks__free(&st);
		return error("'%s': no stacks in it", name), UPX_EXIT_FAILURE;
	}
	err = write_output(&st);
	fg_stacks__free(&st);
	return err ? UPX_EXIT_FAILURE : 0;
}

const struct upx_cmd upx_cmd_flamegraph = {
	"flamegraph",
	"draw folded stacks as a flame graph (an SVG with zoom and search)",
	cmd_flamegraph,
	0,
	flamegraph_options,
};
