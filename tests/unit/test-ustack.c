// SPDX-License-Identifier: GPL-2.0
/*
 * core/stack/ustack.c's options: --stack[=fp|dwarf] through the option parser (a
 * long option with an optional value), and which combinations trace allows.
 */
#include <stdio.h>
#include <string.h>

#include "base/cmd.h"
#include "base/options.h"
#include "stack/ustack.h"
#include "unit.h"

static struct ustack_opts uo;
static const struct upx_option opts[] = {
	OPT_USTACK(&uo),
	OPT_END(),
};
static const char *const usage[] = { "test [options]", NULL };

/* Parse argv (NULL-terminated, argv[0] the command) into uo; parse_options()'s result. */
static int parse(const char **argv)
{
	FILE *saved = stderr;
	int argc = 0, ret;

	while (argv[argc])
		argc++;
	memset(&uo, 0, sizeof(uo));
	stderr = fopen("/dev/null", "w");
	ret = parse_options(argc, argv, opts, usage, 0);
	fclose(stderr);
	stderr = saved;
	return ret;
}

static void test_stack_optional_value(void)
{
	const char *def[] = { "t", "--stack", "x:y", NULL };
	const char *fp[] = { "t", "--stack=fp", NULL };
	const char *dw[] = { "t", "--stack=dwarf", "--stack-size", "16K", NULL };
	const char *bad[] = { "t", "--stack=frames", NULL };
	const char *empty[] = { "t", "--stack=", NULL };

	/* Without a value the next word stays an argument: it is not the unwinder. */
	CU_ASSERT_EQUAL(parse(def), 1);
	CU_ASSERT_STRING_EQUAL(def[0], "x:y");
	CU_ASSERT_EQUAL(uo.mode, STACK_DWARF);
	CU_ASSERT_EQUAL(parse(fp), 0);
	CU_ASSERT_EQUAL(uo.mode, STACK_FP);
	CU_ASSERT_EQUAL(parse(dw), 0);
	CU_ASSERT_EQUAL(uo.mode, STACK_DWARF);
	CU_ASSERT_EQUAL(uo.size, 16384);
	CU_ASSERT_EQUAL(parse(bad), -UPX_EXIT_USAGE);
	CU_ASSERT_EQUAL(parse(empty), -UPX_EXIT_USAGE);
}

static void test_stack_help_line(void)
{
	char buf[4096] = "";
	FILE *f = fmemopen(buf, sizeof(buf) - 1, "w");

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	usage_with_options(f, usage, opts);
	fclose(f);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "--stack[=<fp|dwarf>] "));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "--stack-size <BYTES>"));
}

/* ustack_check_options() on o with trace's --top and the other options; its exit status. */
static int check(struct ustack_opts o, long long top, bool *count, bool hist, bool latency,
		 bool json, struct ustack_opts *out)
{
	FILE *saved = stderr;
	int ret;

	stderr = fopen("/dev/null", "w");
	ret = ustack_check_options(&o, top, count, hist, latency, json);
	fclose(stderr);
	stderr = saved;
	if (out)
		*out = o;
	return ret;
}

static void test_combinations(void)
{
	struct ustack_opts out;
	bool count = false;

	/* Allowed: events, --count, --top with --count, --folded / --flamegraph alone. */
	CU_ASSERT_EQUAL(check((struct ustack_opts){ .mode = STACK_FP }, 0, &count, 0, 0, 0, NULL),
			0);
	CU_ASSERT_EQUAL(check((struct ustack_opts){ .mode = STACK_DWARF }, 0, &count, 0, 0, 1,
			      NULL), 0);
	count = true;
	CU_ASSERT_EQUAL(check((struct ustack_opts){ .mode = STACK_FP }, 3, &count, 0, 0, 0, NULL),
			0);
	count = false;
	CU_ASSERT_EQUAL(check((struct ustack_opts){ .folded = true }, 0, &count, 0, 0, 0, &out), 0);
	CU_ASSERT(count);	/* --folded counts per stack */
	CU_ASSERT_EQUAL(out.mode, STACK_DWARF);	/* with the default unwinder */
	count = false;
	CU_ASSERT_EQUAL(check((struct ustack_opts){ .mode = STACK_FP, .flamegraph = "x.svg" },
			      0, &count, 0, 0, 1, &out), 0);
	CU_ASSERT(count);
	CU_ASSERT_EQUAL(out.mode, STACK_FP);
	/* Refused: histograms, folded JSON, stray --stack-size, --top of events, bad sizes. */
	count = false;
	CU_ASSERT_EQUAL(check((struct ustack_opts){ .mode = STACK_DWARF }, 0, &count, 1, 0, 0,
			      NULL), UPX_EXIT_USAGE);
	CU_ASSERT_EQUAL(check((struct ustack_opts){ .mode = STACK_DWARF }, 0, &count, 0, 1, 0,
			      NULL), UPX_EXIT_USAGE);
	CU_ASSERT_EQUAL(check((struct ustack_opts){ .flamegraph = "x" }, 0, &count, 0, 1, 0,
			      NULL), UPX_EXIT_USAGE);
	CU_ASSERT_EQUAL(check((struct ustack_opts){ .folded = true }, 0, &count, 0, 0, 1,
			      NULL), UPX_EXIT_USAGE);
	count = false;
	CU_ASSERT_EQUAL(check((struct ustack_opts){ .size = 8192 }, 0, &count, 0, 0, 0, NULL),
			UPX_EXIT_USAGE);
	/* --top is trace's own (--count, --by): without --stack it is not ours to refuse. */
	CU_ASSERT_EQUAL(check((struct ustack_opts){}, 2, &count, 0, 0, 0, NULL), 0);
	CU_ASSERT_EQUAL(check((struct ustack_opts){ .mode = STACK_DWARF }, 2, &count, 0, 0, 0,
			      NULL), UPX_EXIT_USAGE);	/* --top without --count */
	CU_ASSERT_EQUAL(check((struct ustack_opts){ .mode = STACK_FP, .size = 8192 }, 0, &count, 0,
			      0, 0, NULL), UPX_EXIT_USAGE);
	CU_ASSERT_EQUAL(check((struct ustack_opts){ .mode = STACK_DWARF, .size = 100 }, 0, &count,
			      0, 0, 0, NULL), UPX_EXIT_USAGE);
	/* not a multiple of 8 */
	CU_ASSERT_EQUAL(check((struct ustack_opts){ .mode = STACK_DWARF, .size = 1000 + 4 }, 0,
			      &count, 0, 0, 0, NULL), UPX_EXIT_USAGE);
	CU_ASSERT_EQUAL(check((struct ustack_opts){ .mode = STACK_DWARF,
						     .size = STACK_SIZE_MAX + 8 },
			      0, &count, 0, 0, 0, NULL), UPX_EXIT_USAGE);
	CU_ASSERT_EQUAL(check((struct ustack_opts){ .mode = STACK_DWARF, .size = STACK_SIZE_MAX },
			      0, &count, 0, 0, 0, NULL), 0);
}

CU_TestInfo ustack_tests[] = {
	UNIT_TEST(test_stack_optional_value),
	UNIT_TEST(test_stack_help_line),
	UNIT_TEST(test_combinations),
	CU_TEST_INFO_NULL,
};
