// SPDX-License-Identifier: GPL-2.0
/* The option parser: long/short forms, values, bundling, "--", errors. */
#include <stdlib.h>
#include <string.h>

#include "base/cmd.h"
#include "base/options.h"
#include "base/util.h"
#include "unit.h"

static bool all, quiet;
static long long num;
static unsigned long long size;
static const char *str;
static int count;

static const char *const usage[] = { "upx test [options] ARG", NULL };
static const struct upx_option opts[] = {
	OPT_BOOL('a', "all", &all, "all"),
	OPT_BOOL('q', "quiet", &quiet, "quiet"),
	OPT_INT('n', "num", &num, "N", "a number"),
	OPT_UINT(0, "min", &size, "BYTES", "a size"),
	OPT_STRING('s', "str", &str, "S", "a string"),
	OPT_COUNT('V', NULL, &count, "count"),
	OPT_END(),
};

static void reset(void)
{
	all = quiet = false;
	num = 0;
	size = 0;
	str = NULL;
	count = 0;
}

static void test_forms(void)
{
	const char *argv[] = { "test", "-aq", "x", "--num=-3", "--min", "1M", "-sfoo",
			       "-VV", "y", "--", "-z", NULL };
	int n;

	reset();
	n = parse_options(ARRAY_SIZE(argv) - 1, argv, opts, usage, 0);
	CU_ASSERT_EQUAL(n, 3);
	CU_ASSERT_STRING_EQUAL(argv[0], "x");
	CU_ASSERT_STRING_EQUAL(argv[1], "y");
	CU_ASSERT_STRING_EQUAL(argv[2], "-z");
	CU_ASSERT_TRUE(all && quiet);
	CU_ASSERT_EQUAL(num, -3);
	CU_ASSERT_EQUAL(size, 1048576);
	CU_ASSERT_STRING_EQUAL(str, "foo");
	CU_ASSERT_EQUAL(count, 2);
}

static void test_dashdash_kept(void)
{
	const char *argv[] = { "test", "a", "--", "cmd", "-x", NULL };
	int n;

	reset();
	n = parse_options(5, argv, opts, usage, PARSE_OPT_KEEP_DASHDASH);
	CU_ASSERT_EQUAL(n, 4);
	CU_ASSERT_STRING_EQUAL(argv[1], "--");
	CU_ASSERT_STRING_EQUAL(argv[3], "-x");
}

static void test_negation(void)
{
	const char *argv[] = { "test", "--all", "--no-all", NULL };

	reset();
	CU_ASSERT_EQUAL(parse_options(3, argv, opts, usage, 0), 0);
	CU_ASSERT_FALSE(all);
}

static void test_errors(void)
{
	const char *a1[] = { "test", "--bogus", NULL };
	const char *a2[] = { "test", "--num", NULL };
	const char *a3[] = { "test", "--num=abc", NULL };
	const char *a4[] = { "test", "--all=1", NULL };
	const char *a5[] = { "test", "-Z", NULL };
	FILE *saved = stderr;

	stderr = fopen("/dev/null", "w");
	CU_ASSERT_EQUAL(parse_options(2, a1, opts, usage, 0), -UPX_EXIT_USAGE);
	CU_ASSERT_EQUAL(parse_options(2, a2, opts, usage, 0), -UPX_EXIT_USAGE);
	CU_ASSERT_EQUAL(parse_options(2, a3, opts, usage, 0), -UPX_EXIT_USAGE);
	CU_ASSERT_EQUAL(parse_options(2, a4, opts, usage, 0), -UPX_EXIT_USAGE);
	CU_ASSERT_EQUAL(parse_options(2, a5, opts, usage, 0), -UPX_EXIT_USAGE);
	fclose(stderr);
	stderr = saved;
}

/* What parse_options() said on stderr for argv. */
static char *stderr_of(int argc, const char **argv, const struct upx_option *o, int *ret)
{
	FILE *saved = stderr;
	char *buf = NULL;
	size_t len = 0;

	stderr = open_memstream(&buf, &len);
	*ret = parse_options(argc, argv, o, usage, 0);
	fclose(stderr);
	stderr = saved;
	return buf;
}

static void test_suggestions(void)
{
	static const struct upx_option o2[] = {
		OPT_BOOL(0, "stack", &all, "stack"),
		OPT_BOOL(0, "follow", &quiet, "follow"),
		OPT_STRING(0, "metrics-file", &str, "PATH", "file"),
		OPT_INT(0, "min", &num, "N", "min"),
		OPT_INT(0, "max", &num, "N", "max"),
		OPT_END(),
	};
	static const struct {
		const char *typed, *hint;
	} cases[] = {
		{ "--stak", "  did you mean: --stack?\n" },
		{ "--metrics", "  did you mean: --metrics-file?\n" },
		{ "--no-folow", "  did you mean: --no-follow?\n" },
		{ "--mxx", "  did you mean: --max?\n" },
		{ "--mix", "  did you mean: --min, --max?\n" },
		{ "--hepl", "  did you mean: --help?\n" },
		{ "--qqqqqq", NULL },
	};

	upx_cmd_name = "test";
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const char *argv[] = { "test", cases[i].typed, NULL };
		char *err, *want;
		int ret;

		err = stderr_of(2, argv, o2, &ret);
		CU_ASSERT_EQUAL(ret, -UPX_EXIT_USAGE);
		want = xasprintf("upx test: unknown option '%s'\n%sSee 'upx test -h'.\n",
				 cases[i].typed, cases[i].hint ? cases[i].hint : "");
		CU_ASSERT_STRING_EQUAL(err, want);
		free(want);
		free(err);
	}
	upx_cmd_name = NULL;
}

static void test_checked_values(void)
{
	static long long pid, top, uid;
	static const char *name;
	static const struct upx_option o3[] = {
		OPT_CALLBACK('p', "pid", &pid, "PID", "pid", opt_pid_cb),
		OPT_CALLBACK(0, "top", &top, "N", "top", opt_positive_cb),
		OPT_CALLBACK(0, "uid", &uid, "UID", "uid", opt_uid_cb),
		OPT_CALLBACK(0, "comm", &name, "NAME", "comm", opt_nonempty_cb),
		OPT_END(),
	};
	static const struct {
		const char *arg;
		bool good;
	} cases[] = {
		{ "-p1", true }, { "--pid=2147483647", true }, { "-p0", false },
		{ "--pid=-1", false }, { "--pid=2147483648", false }, { "-px", false },
		{ "--top=1", true }, { "--top=0", false }, { "--top=-5", false },
		{ "--uid=0", true }, { "--uid=4294967294", true }, { "--uid=4294967295", false },
		{ "--uid=-1", false }, { "--comm=bash", true }, { "--comm=", false },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const char *argv[] = { "test", cases[i].arg, NULL };
		char *err;
		int ret;

		err = stderr_of(2, argv, o3, &ret);
		CU_ASSERT_EQUAL(ret, cases[i].good ? 0 : -UPX_EXIT_USAGE);
		CU_ASSERT_EQUAL(!*err, cases[i].good);
		free(err);
	}
	CU_ASSERT_EQUAL(pid, 2147483647);
	CU_ASSERT_EQUAL(top, 1);
	CU_ASSERT_EQUAL(uid, 4294967294LL);
	CU_ASSERT_STRING_EQUAL(name, "bash");
}

static void test_usage_rendering(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	usage_with_options(f, usage, opts);
	fclose(f);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "usage: upx test [options] ARG\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "    -n, --num <N>"));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "        --min <BYTES>"));
	free(buf);
}

CU_TestInfo options_tests[] = {
	UNIT_TEST(test_forms),
	UNIT_TEST(test_dashdash_kept),
	UNIT_TEST(test_negation),
	UNIT_TEST(test_errors),
	UNIT_TEST(test_suggestions),
	UNIT_TEST(test_checked_values),
	UNIT_TEST(test_usage_rendering),
	CU_TEST_INFO_NULL,
};
