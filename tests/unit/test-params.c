// SPDX-License-Identifier: GPL-2.0
/*
 * core/plan/params.c: argument names as the options take them, and the
 * parameters of planned probes from the fixtures' DWARF (make fixtures:
 * exact's takes_args(int a, long b, const char *s, unsigned int c),
 * hostile's hostile_echo(const char *s), a stripped uprobeme) and from a
 * USDT note (sdtprobes' upx:plain, three arguments).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/util.h"
#include "output/json.h"
#include "output/value.h"
#include "plan/params.h"
#include "plan/plan.h"
#include "target/probe-spec.h"
#include "unit.h"

static void test_arg_names(void)
{
	CU_ASSERT_EQUAL(parse_arg_name("arg0"), 0);
	CU_ASSERT_EQUAL(parse_arg_name("arg5"), 5);
	CU_ASSERT_EQUAL(parse_arg_name("3"), 3);
	CU_ASSERT_EQUAL(parse_arg_name("retval"), TRACE_VALUE_RETVAL);
	CU_ASSERT_EQUAL(parse_arg_name("ret"), TRACE_VALUE_RETVAL);
	/* Six registers hold arguments: no seventh. */
	CU_ASSERT_EQUAL(parse_arg_name("arg6"), -1);
	CU_ASSERT_EQUAL(parse_arg_name("6"), -1);
	CU_ASSERT_EQUAL(parse_arg_name("arg12"), -1);
	/* A C identifier is a parameter's name, looked up in DWARF later. */
	CU_ASSERT_EQUAL(parse_arg_name("bytes"), ARG_BY_NAME);
	CU_ASSERT_EQUAL(parse_arg_name("argv"), ARG_BY_NAME);
	CU_ASSERT_EQUAL(parse_arg_name("_n2"), ARG_BY_NAME);
	CU_ASSERT_EQUAL(parse_arg_name("Arg0"), ARG_BY_NAME);
	/* Junk. */
	CU_ASSERT_EQUAL(parse_arg_name(""), -1);
	CU_ASSERT_EQUAL(parse_arg_name("arg"), -1);
	CU_ASSERT_EQUAL(parse_arg_name("2x"), -1);
	CU_ASSERT_EQUAL(parse_arg_name("a-b"), -1);
	CU_ASSERT_EQUAL(parse_arg_name("arg 1"), -1);
}

/*
 * Plan the specs, each with a fixture built by `make fixtures` (in
 * $UPX_BUILD_DIR, as make test says, or build/) named in braces,
 * "r:{exact}:takes_args", and load their parameters; NULL (and one failure
 * saying so) when a fixture is not there.
 */
static struct params *load(struct plan *plan, const char *const *specs, size_t n)
{
	const char *dir = getenv("UPX_BUILD_DIR");

	for (size_t i = 0; i < n; i++) {
		const char *open = strchr(specs[i], '{'), *close = strchr(specs[i], '}');
		struct probe_spec spec;
		char path[256], text[512], err[256];
		int ret;

		CU_ASSERT_FATAL(open && close > open);
		snprintf(path, sizeof(path), "%s/fixtures/%.*s", dir ? dir : "build",
			 (int)(close - open - 1), open + 1);
		if (access(path, R_OK)) {
			fprintf(stderr, "\n    no %s: run make fixtures ", path);
			CU_FAIL("fixture missing");
			return NULL;
		}
		snprintf(text, sizeof(text), "%.*s%s%s", (int)(open - specs[i]), specs[i], path,
			 close + 1);
		CU_ASSERT_FATAL(probe_spec_parse(text, &spec, err, sizeof(err)) == 0);
		ret = plan_add_spec(plan, &spec, i);
		probe_spec_free(&spec);
		CU_ASSERT_EQUAL_FATAL(ret, 0);
	}
	CU_ASSERT_EQUAL_FATAL(plan->nr_probes, n);
	return params__load(plan);
}

/* params__resolve() with option "--on", its message (stderr) into msg. */
static int resolve(const struct params *p, const char *name, char *msg, size_t size)
{
	char *buf = NULL;
	int ret;

	UNIT_STDERR(&buf, ret = params__resolve(p, name, "--on"));
	snprintf(msg, size, "%s", buf ? buf : "");
	free(buf);
	return ret;
}

static void expect_param(const struct dwarf_param *p, const char *name,
			 enum dwarf_param_kind kind, int size)
{
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_STRING_EQUAL(p->name, name);
	CU_ASSERT_EQUAL(p->kind, kind);
	CU_ASSERT_EQUAL(p->size, size);
}

static void test_dwarf_params(void)
{
	struct plan plan = {};
	struct params *p = load(&plan, (const char *const[]){ "{exact}:takes_args",
							      "r:{exact}:takes_args" }, 2);
	char msg[512];

	if (!p)
		return;
	expect_param(params__of(p, 0, 0), "a", DWARF_PARAM_INT, 4);
	expect_param(params__of(p, 0, 1), "b", DWARF_PARAM_INT, 8);
	expect_param(params__of(p, 0, 2), "s", DWARF_PARAM_STRING, 8);
	expect_param(params__of(p, 0, 3), "c", DWARF_PARAM_UINT, 4);
	CU_ASSERT_PTR_NULL(params__of(p, 0, 4));
	/* An event's cookie: the probe in its low 32 bits, the copy's file above. */
	expect_param(params__of(p, 3ULL << 32 | 0, 1), "b", DWARF_PARAM_INT, 8);
	/* The return probe has no parameters, and is not asked. */
	CU_ASSERT_PTR_NULL(params__of(p, 1, 0));
	CU_ASSERT_PTR_NULL(params__of(p, 2, 0));	/* no such probe */
	CU_ASSERT_PTR_NULL(params__of(NULL, 0, 0));	/* names not loaded */
	CU_ASSERT_EQUAL(resolve(p, "s", msg, sizeof(msg)), 2);
	CU_ASSERT_EQUAL(resolve(p, "c", msg, sizeof(msg)), 3);
	CU_ASSERT_EQUAL(resolve(p, "bytes", msg, sizeof(msg)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "--on 'bytes': "));
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, ":takes_args has no parameter of that name"));
	params__free(p);
	plan_free(&plan);
}

static void test_not_the_same_everywhere(void)
{
	struct plan plan = {};
	struct params *p = load(&plan, (const char *const[]){ "{exact}:takes_args",
							      "{hostile}:hostile_echo" }, 2);
	char msg[512];

	if (!p)
		return;
	expect_param(params__of(p, 1, 0), "s", DWARF_PARAM_STRING, 8);
	/* s is takes_args' third argument and hostile_echo's first. */
	CU_ASSERT_EQUAL(resolve(p, "s", msg, sizeof(msg)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg,
				      "--on 's': it is not the same argument in every function"));
	/* a only in takes_args */
	CU_ASSERT_EQUAL(resolve(p, "a", msg, sizeof(msg)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, ":hostile_echo has no parameter of that name"));
	params__free(p);
	plan_free(&plan);
}

static void test_no_dwarf(void)
{
	struct plan plan = {};
	struct params *p = load(&plan, (const char *const[]){ "{uprobeme-stripped}:foo" }, 1);
	char msg[512];

	if (!p)
		return;
	CU_ASSERT_PTR_NULL(params__of(p, 0, 0));
	CU_ASSERT_EQUAL(resolve(p, "x", msg, sizeof(msg)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "--on 'x': no DWARF for "));
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, ":foo (install its debug file, or use argN)"));
	params__free(p);
	plan_free(&plan);
}

static void test_usdt_params(void)
{
	struct plan plan = {};
	struct params *p = load(&plan, (const char *const[]){ "usdt:{sdtprobes}:upx:plain" }, 1);
	char msg[512];

	if (!p)
		return;
	/* STAP_PROBE3(upx, plain, int i, long neg, const char *plain_str): the note's sizes. */
	expect_param(params__of(p, 0, 0), "arg0", DWARF_PARAM_INT, 4);
	expect_param(params__of(p, 0, 1), "arg1", DWARF_PARAM_INT, 8);
	expect_param(params__of(p, 0, 2), "arg2", DWARF_PARAM_OTHER, 8);
	CU_ASSERT_PTR_NULL(params__of(p, 0, 3));
	CU_ASSERT_EQUAL(resolve(p, "arg1", msg, sizeof(msg)), 1);
	params__free(p);
	plan_free(&plan);
}

/* param_put()'s text of v, and param_value()'s form and narrowed value. */
static void check_typed(const struct dwarf_param *p, __u64 v, const char *text,
			enum param_form form, __u64 narrowed)
{
	char buf[VALUE_TEXT_MAX + 1], *end = param_put(buf, p, v);

	CU_ASSERT_FATAL(end > buf && end - buf < VALUE_TEXT_MAX);
	*end = '\0';
	CU_ASSERT_STRING_EQUAL(buf, text);
	CU_ASSERT_EQUAL(param_value(p, &v), form);
	CU_ASSERT_EQUAL(v, narrowed);
}

static void test_typed_values(void)
{
	const struct dwarf_param s8 = { "c", DWARF_PARAM_INT, 1 }, s32 = { "n", DWARF_PARAM_INT, 4 },
		s64 = { "l", DWARF_PARAM_INT, 8 }, u16 = { "p", DWARF_PARAM_UINT, 2 },
		u32 = { "u", DWARF_PARAM_UINT, 4 }, ptr = { "q", DWARF_PARAM_POINTER, 8 },
		str = { "s", DWARF_PARAM_STRING, 8 }, other = { "f", DWARF_PARAM_OTHER, 8 },
		unsized = { "x", DWARF_PARAM_INT, 0 };

	/* An int's register: the low 32 bits, sign-extended; junk above is not the value. */
	check_typed(&s32, 0xdeadbeefffffffffULL, "-1", PARAM_SIGNED, (__u64)-1);
	check_typed(&s32, 0x123456780000002aULL, "42", PARAM_SIGNED, 42);
	check_typed(&s32, 0x80000000ULL, "-2147483648", PARAM_SIGNED, (__u64)-2147483648LL);
	check_typed(&s8, 0x1ff, "-1", PARAM_SIGNED, (__u64)-1);
	check_typed(&s64, (__u64)-70000, "-70000", PARAM_SIGNED, (__u64)-70000);
	check_typed(&unsized, (__u64)-70000, "-70000", PARAM_SIGNED, (__u64)-70000);
	/* Unsigned: the low bytes, never negative. */
	check_typed(&u32, 0xffffffffffffffffULL, "4294967295", PARAM_UNSIGNED, 0xffffffffULL);
	check_typed(&u16, 0xabcd0001ULL, "1", PARAM_UNSIGNED, 1);
	/* Pointers in hex, small ones too; char * as well. */
	check_typed(&ptr, 0x7ffd1234abcdULL, "0x7ffd1234abcd", PARAM_HEX, 0x7ffd1234abcdULL);
	check_typed(&ptr, 16, "0x10", PARAM_HEX, 16);
	check_typed(&str, 0, "0x0", PARAM_HEX, 0);
	/* No type to go by, or one that is none of these: value_put()'s guess. */
	check_typed(NULL, (__u64)-14, "-14", PARAM_GUESS, (__u64)-14);
	check_typed(NULL, 0x7ffd1234abcdULL, "0x7ffd1234abcd", PARAM_GUESS, 0x7ffd1234abcdULL);
	check_typed(&other, 300, "300", PARAM_GUESS, 300);
}

/* The fixture's own types: exact's takes_args(int a, long b, const char *s, unsigned int c). */
static void test_typed_from_dwarf(void)
{
	struct plan plan = {};
	struct params *p = load(&plan, (const char *const[]){ "{exact}:takes_args" }, 1);

	if (!p)
		return;
	check_typed(params__of(p, 0, 0), 0xffffffff, "-1", PARAM_SIGNED, (__u64)-1);
	check_typed(params__of(p, 0, 1), 0xffffffff, "4294967295", PARAM_SIGNED, 0xffffffff);
	check_typed(params__of(p, 0, 2), 0x404040, "0x404040", PARAM_HEX, 0x404040);
	check_typed(params__of(p, 0, 3), (__u64)-1, "4294967295", PARAM_UNSIGNED, 0xffffffff);
	check_typed(params__of(p, 0, 4), 0xffffffff, "4294967295", PARAM_GUESS, 0xffffffff);
	params__free(p);
	plan_free(&plan);
}

/* A parameter's name on a text line and in JSON: exact's takes_args(a, b, s, c). */
static void test_names_shown(void)
{
	const struct dwarf_param hostile = { "a\x1b[2Jb", DWARF_PARAM_INT, 4 };
	struct plan plan = {};
	struct params *p = load(&plan, (const char *const[]){ "{exact}:takes_args",
							      "r:{exact}:takes_args" }, 2);
	char *buf = NULL;
	size_t n = 0;
	FILE *f;
	struct json_writer *jw;

	if (!p)
		return;
	f = open_memstream(&buf, &n);
	param_print_name(f, params__of(p, 0, 1), 1);
	fputc(' ', f);
	param_print_name(f, params__of(p, 0, 5), 5);
	fputc(' ', f);
	param_print_name(f, &hostile, 0);	/* a name from a file is escaped */
	fputc('\n', f);
	jw = json_writer__new(f);
	json_object_start(jw);
	params__json_names(p, jw, 0, 5);	/* the fifth has none: null */
	params__json_names(p, jw, 1, 5);	/* the return probe has none: no field */
	params__json_names(p, jw, 0, 0);	/* none asked for */
	json_object_end(jw);
	json_writer__end_line(jw);
	json_writer__free(jw);
	fclose(f);
	CU_ASSERT_STRING_EQUAL(buf, "b arg5 a\\x1b[2Jb\n"
			       "{\"params\":[\"a\",\"b\",\"s\",\"c\",null]}\n");
	free(buf);
	params__free(p);
	plan_free(&plan);
}

CU_TestInfo params_tests[] = {
	UNIT_TEST(test_arg_names),
	UNIT_TEST(test_dwarf_params),
	UNIT_TEST(test_not_the_same_everywhere),
	UNIT_TEST(test_no_dwarf),
	UNIT_TEST(test_usdt_params),
	UNIT_TEST(test_typed_values),
	UNIT_TEST(test_typed_from_dwarf),
	UNIT_TEST(test_names_shown),
	CU_TEST_INFO_NULL,
};
