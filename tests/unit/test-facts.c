// SPDX-License-Identifier: GPL-2.0
/* core/run/facts.c: the zero report's facts, ranked and written as text (stderr) and JSON. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/util.h"
#include "output/json.h"
#include "plan/plan.h"
#include "run/facts.h"
#include "unit.h"

static void test_fact_num(void)
{
	char buf[32];

	CU_ASSERT_STRING_EQUAL(fact_num(buf, 0), "0");
	CU_ASSERT_STRING_EQUAL(fact_num(buf, 999), "999");
	CU_ASSERT_STRING_EQUAL(fact_num(buf, 1000), "1,000");
	CU_ASSERT_STRING_EQUAL(fact_num(buf, 1234567), "1,234,567");
	CU_ASSERT_STRING_EQUAL(fact_num(buf, 18446744073709551615ULL),
			       "18,446,744,073,709,551,615");
}

/* A plan of two probes, for their labels. */
static struct plan two_probes(struct plan_entry e[2])
{
	memset(e, 0, 2 * sizeof(*e));
	e[0].label = "libc.so.6:malloc";
	e[0].func = "malloc";
	e[1].label = "./x:foo";
	e[1].func = "foo";
	return (struct plan){ .entries = e, .nr = 2 };
}

/* The facts of f as text, as written on stderr. */
static char *text_of(struct facts *f, const struct plan *plan, bool all)
{
	FILE *tmp = tmpfile();
	int saved = dup(2);
	char *buf = NULL;
	size_t len = 0;
	long n;

	fflush(stderr);
	dup2(fileno(tmp), 2);
	facts__print(f, plan, all, NULL);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	n = ftell(tmp);
	rewind(tmp);
	buf = xcalloc(1, n + 1);
	len = fread(buf, 1, n, tmp);
	buf[len] = '\0';
	fclose(tmp);
	return buf;
}

static void add_facts(struct facts *f)
{
	struct fact *fa;

	facts__set_calls(f, 0, 0, true, true);
	facts__set_calls(f, 1, 5, true, true);
	facts__add(f, 0, FACT_RANK_MAPPED, "mapped", 3, "3 processes mapped libc.so.6 at the end");
	fa = facts__add(f, 0, FACT_RANK_FILTER, "filter", 6, "6 calls dropped by --uid 7");
	fact__field(fa, "filter", "--uid 7");
	fa->items_name = "uids seen";
	fact__item(fa, "0", 1, 6);
	fa = facts__add(f, 0, FACT_RANK_FILTER, "filter", 1234, "1,234 calls dropped by --comm py");
	fa->items_name = "comms seen";
	fact__item(fa, "bash", 4, 34);
	fact__item(fa, "python3.11", 10, 1190);
	fact__item(fa, "\x1b]0;t\x07", 6, 3);	/* an OSC (window title) from a traced program */
	fact__item(fa, "b\x1b[31m", 6, 2);	/* an escape sequence, from a traced program */
	fa->others = 5;
	fa = facts__add(f, 1, FACT_RANK_OWN_COPY, "own_copy", 3, "3 processes with their own foo");
	fa->items_name = "processes";
	fa->item_kind = FACT_ITEM_PID;
	fact__item(fa, "st", 2, 30);
	fact__item(fa, "go", 2, 12);
	fact__item(fa, "st", 2, 20);
}

static void test_facts_text(void)
{
	struct plan_entry e[2];
	struct plan plan = two_probes(e);
	struct facts *f = facts__new(2);
	const char *saved = upx_cmd_name;
	char *text;

	upx_cmd_name = "trace";
	add_facts(f);
	CU_ASSERT_TRUE(facts__wanted(f, 0, false));
	CU_ASSERT_FALSE(facts__wanted(f, 1, false));
	CU_ASSERT_TRUE(facts__wanted(f, 1, true));
	/* Most likely first: the filters (the larger count first), then who mapped it. */
	text = text_of(f, &plan, false);
	CU_ASSERT_STRING_EQUAL(text,
		"upx trace: libc.so.6:malloc: 0 shown; 1,234 calls dropped by --comm py; comms seen: "
		"python3.11 1,190, bash 34, \\x1b]0;t\\x07 3, others 7\n"
		"upx trace: libc.so.6:malloc: 0 shown; 6 calls dropped by --uid 7; uids seen: 0 6\n"
		"upx trace: libc.so.6:malloc: 0 shown; 3 processes mapped libc.so.6 at the end\n");
	free(text);
	/* -v: the probe that saw calls too; processes grouped by name. */
	text = text_of(f, &plan, true);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "upx trace: ./x:foo: 5 shown; 3 processes with their own "
					    "foo; processes: go (pid 12), st (2 processes)\n"));
	free(text);
	facts__free(f);
	upx_cmd_name = saved;
}

static void test_facts_json(void)
{
	struct plan_entry e[2];
	struct plan plan = two_probes(e);
	struct facts *f = facts__new(2);
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	struct json_writer *jw = json_writer__new(m);

	add_facts(f);
	facts__set_calls(f, 1, 0, false, true);	/* not known per probe: null */
	facts__print(f, &plan, true, jw);
	json_writer__free(jw);
	fclose(m);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "{\"summary\":{\"probes\":[{\"probe\":\"libc.so.6:malloc\","
					   "\"function\":\"malloc\",\"calls\":0,\"facts\":[{\"kind\":"
					   "\"filter\",\"rank\":10,\"count\":1234,"));
	/* the exact bytes of a name that is not valid text... */
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "{\"name\":\"b\\u001b[31m\",\"calls\":2}"));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\"others\":5}"));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\"filter\":\"--uid 7\",\"uids_seen\":[{\"name\":\"0\","
					   "\"calls\":6}],\"others\":0}"));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\"calls\":null,"));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\"processes\":[{\"name\":\"go\",\"pid\":12},{\"name\":"
					   "\"st\",\"pid\":20},{\"name\":\"st\",\"pid\":30}],"
					   "\"more\":0}"));
	free(buf);
	facts__free(f);
}

/* A probe not shown (a glob's that never fired) is in neither report. */
static void test_facts_not_shown(void)
{
	struct plan_entry e[2];
	struct plan plan = two_probes(e);
	struct facts *f = facts__new(2);
	char *text;

	facts__set_calls(f, 0, 0, true, false);
	facts__add(f, 0, FACT_RANK_MAPPED, "mapped", 0, "no process mapped it");
	CU_ASSERT_FALSE(facts__wanted(f, 0, true));
	text = text_of(f, &plan, true);
	CU_ASSERT_STRING_EQUAL(text, "");
	free(text);
	facts__free(f);
}

CU_TestInfo facts_tests[] = {
	UNIT_TEST(test_fact_num),
	UNIT_TEST(test_facts_text),
	UNIT_TEST(test_facts_json),
	UNIT_TEST(test_facts_not_shown),
	CU_TEST_INFO_NULL,
};
