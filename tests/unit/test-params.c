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
 * A fixture built by `make fixtures` (in $UPX_BUILD_DIR, as make test says, or
 * build/); NULL (and one failure saying so) when it is not there.
 */
static const char *fixture(const char *name)
{
	static char path[4][256];
	static int next;
	const char *dir = getenv("UPX_BUILD_DIR");
	char *p = path[next++ % 4];

	snprintf(p, sizeof(path[0]), "%s/fixtures/%s", dir ? dir : "build", name);
	if (access(p, R_OK)) {
		fprintf(stderr, "\n    no %s: run make fixtures ", p);
		CU_FAIL("fixture missing");
		return NULL;
	}
	return p;
}

/* Plan each spec ("r:%s:takes_args" with the fixture's path for %s) into plan. */
static int plan_specs(struct plan *plan, const char *const *specs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct probe_spec spec;
		char err[256];
		int ret;

		CU_ASSERT_FATAL(probe_spec_parse(specs[i], &spec, err, sizeof(err)) == 0);
		ret = plan_add_spec(plan, &spec, i);
		probe_spec_free(&spec);
		if (ret)
			return ret;
	}
	return 0;
}

/* params__resolve(), its message (stderr) into msg. */
static int resolve(const struct params *p, const char *name, char *msg, size_t size)
{
	char path[] = "/tmp/upx-unit-params.XXXXXX";
	int fd = mkstemp(path), saved = dup(2);
	FILE *f;
	int ret;

	CU_ASSERT_FATAL(fd >= 0 && saved >= 0);
	fflush(stderr);
	dup2(fd, 2);
	ret = params__resolve(p, name, "--on");
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	close(fd);
	f = fopen(path, "r");
	CU_ASSERT_FATAL(f != NULL);
	msg[0] = 0;
	if (!fgets(msg, size, f))
		msg[0] = 0;
	msg[strcspn(msg, "\n")] = 0;
	fclose(f);
	unlink(path);
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
	const char *exact = fixture("exact");
	struct plan plan = {};
	struct params *p;
	char spec[2][300], msg[512];

	if (!exact)
		return;
	snprintf(spec[0], sizeof(spec[0]), "%s:takes_args", exact);
	snprintf(spec[1], sizeof(spec[1]), "r:%s:takes_args", exact);
	CU_ASSERT_EQUAL_FATAL(plan_specs(&plan, (const char *const[]){ spec[0], spec[1] }, 2), 0);
	CU_ASSERT_EQUAL_FATAL(plan.nr_probes, 2);
	p = params__load(&plan);
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
	const char *exact = fixture("exact"), *hostile = fixture("hostile");
	struct plan plan = {};
	struct params *p;
	char spec[2][300], msg[512];

	if (!exact || !hostile)
		return;
	snprintf(spec[0], sizeof(spec[0]), "%s:takes_args", exact);
	snprintf(spec[1], sizeof(spec[1]), "%s:hostile_echo", hostile);
	CU_ASSERT_EQUAL_FATAL(plan_specs(&plan, (const char *const[]){ spec[0], spec[1] }, 2), 0);
	p = params__load(&plan);
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
	const char *stripped = fixture("uprobeme-stripped");
	struct plan plan = {};
	struct params *p;
	char spec[300], msg[512];

	if (!stripped)
		return;
	snprintf(spec, sizeof(spec), "%s:foo", stripped);
	CU_ASSERT_EQUAL_FATAL(plan_specs(&plan, (const char *const[]){ spec }, 1), 0);
	p = params__load(&plan);
	CU_ASSERT_PTR_NULL(params__of(p, 0, 0));
	CU_ASSERT_EQUAL(resolve(p, "x", msg, sizeof(msg)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "--on 'x': no DWARF for "));
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, ":foo (install its debug file, or use argN)"));
	params__free(p);
	plan_free(&plan);
}

static void test_usdt_params(void)
{
	const char *sdt = fixture("sdtprobes");
	struct plan plan = {};
	struct params *p;
	char spec[300], msg[512];

	if (!sdt)
		return;
	snprintf(spec, sizeof(spec), "usdt:%s:upx:plain", sdt);
	CU_ASSERT_EQUAL_FATAL(plan_specs(&plan, (const char *const[]){ spec }, 1), 0);
	p = params__load(&plan);
	/* STAP_PROBE3(upx, plain, int i, long neg, const char *plain_str): the note's sizes. */
	expect_param(params__of(p, 0, 0), "arg0", DWARF_PARAM_INT, 4);
	expect_param(params__of(p, 0, 1), "arg1", DWARF_PARAM_INT, 8);
	expect_param(params__of(p, 0, 2), "arg2", DWARF_PARAM_OTHER, 8);
	CU_ASSERT_PTR_NULL(params__of(p, 0, 3));
	CU_ASSERT_EQUAL(resolve(p, "arg1", msg, sizeof(msg)), 1);
	params__free(p);
	plan_free(&plan);
}

CU_TestInfo params_tests[] = {
	UNIT_TEST(test_arg_names),
	UNIT_TEST(test_dwarf_params),
	UNIT_TEST(test_not_the_same_everywhere),
	UNIT_TEST(test_no_dwarf),
	UNIT_TEST(test_usdt_params),
	CU_TEST_INFO_NULL,
};
