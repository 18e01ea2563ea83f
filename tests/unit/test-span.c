// SPDX-License-Identifier: GPL-2.0
/* --span: the options against START and END, and START's probes told from END's in a real plan. */
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "plan/plan.h"
#include "plan/span.h"
#include "target/probe-spec.h"
#include "unit.h"

/* span_check() on "START END" (or one probe): its status, and the first line it said in msg. */
static int check(struct span_opts *o, const char *start, const char *end, const char *hist,
		 char *msg, size_t size)
{
	struct probe_spec specs[2] = {};
	char err[128], *buf = NULL;
	int ret;

	CU_ASSERT_FATAL(!probe_spec_parse(start, &specs[0], err, sizeof(err)));
	CU_ASSERT_FATAL(!end || !probe_spec_parse(end, &specs[1], err, sizeof(err)));
	UNIT_STDERR(&buf, ret = span_check(o, specs, end ? 2 : 1, hist, NULL, false));
	snprintf(msg, size, "%.*s", (int)strcspn(buf ? buf : "", "\n"), buf ? buf : "");
	free(buf);
	probe_spec_free(&specs[0]);
	probe_spec_free(&specs[1]);
	return ret;
}

static void test_span_check(void)
{
	struct span_opts o = { .on = true };
	char msg[256];

	CU_ASSERT_EQUAL(check(&o, "libc.so.6:malloc", "libc.so.6:free", NULL, msg, sizeof(msg)), 0);
	CU_ASSERT_EQUAL(o.key_start, TRACE_VALUE_NONE);
	CU_ASSERT_EQUAL(o.key_end, TRACE_VALUE_NONE);
	o.key = "retval,arg0";	/* what malloc returns, free is given */
	CU_ASSERT_EQUAL(check(&o, "r:libc.so.6:malloc", "libc.so.6:free", NULL, msg, sizeof(msg)), 0);
	CU_ASSERT_EQUAL(o.key_start, TRACE_VALUE_RETVAL);
	CU_ASSERT_EQUAL(o.key_end, 0);
	o.key = "arg1";
	CU_ASSERT_EQUAL(check(&o, "x:a", "x:b", NULL, msg, sizeof(msg)), 0);
	CU_ASSERT(o.key_start == 1 && o.key_end == 1);
	CU_ASSERT_NOT_EQUAL(check(&o, "x:a", NULL, NULL, msg, sizeof(msg)), 0);
	CU_ASSERT_STRING_EQUAL(msg, "upx: --span takes two probes, START and END, not 1");
	CU_ASSERT_NOT_EQUAL(check(&o, "r:x:a", "x:b", NULL, msg, sizeof(msg)), 0);
	CU_ASSERT_STRING_EQUAL(msg, "upx: --span-key arg1: arguments are gone when a function "
			       "returns (START 'r:x:a')");
	o.key = "arg0,retval";
	CU_ASSERT_NOT_EQUAL(check(&o, "x:a", "x:b", NULL, msg, sizeof(msg)), 0);
	CU_ASSERT_STRING_EQUAL(msg, "upx: --span-key retval: END 'x:b' is not a return probe "
			       "(write 'r:x:b')");
	o.key = "len";	/* a parameter's name would need both functions' DWARF: not taken */
	CU_ASSERT_NOT_EQUAL(check(&o, "x:a", "x:b", NULL, msg, sizeof(msg)), 0);
	CU_ASSERT_STRING_EQUAL(msg, "upx: --span-key 'len': expected arg0..arg5 or retval");
	o.key = NULL;
	CU_ASSERT_NOT_EQUAL(check(&o, "x:a", "x:b", "arg0", msg, sizeof(msg)), 0);
	CU_ASSERT_STRING_EQUAL(msg, "upx: --span does not go with --hist (time spans with --latency)");
	CU_ASSERT_NOT_EQUAL(check(&o, "x:a", "x:a", NULL, msg, sizeof(msg)), 0);
	CU_ASSERT_STRING_EQUAL(msg, "upx: --span: START and END are the same probe 'x:a'");
	o = (struct span_opts){ .min_dur = true };
	CU_ASSERT_NOT_EQUAL(check(&o, "x:a", NULL, NULL, msg, sizeof(msg)), 0);
	CU_ASSERT_STRING_EQUAL(msg, "upx: --min and --max take a duration (20ms) with --span only");
	o = (struct span_opts){ .key = "arg0" };
	CU_ASSERT_NOT_EQUAL(check(&o, "x:a", NULL, NULL, msg, sizeof(msg)), 0);
	CU_ASSERT_STRING_EQUAL(msg, "upx: --span-key goes with --span");
	o = (struct span_opts){};
	CU_ASSERT_EQUAL(check(&o, "x:a", NULL, NULL, msg, sizeof(msg)), 0);
}

/* A glob for START: its probes come first, END's after; the rows are START's. */
static void test_span_split(void)
{
	struct span_opts o = { .on = true };
	struct probe_spec specs[2] = {};
	struct plan plan = {};
	char err[128];

	CU_ASSERT_FATAL(!probe_spec_parse("libc.so.6:getp*id", &specs[0], err, sizeof(err)));
	CU_ASSERT_FATAL(!probe_spec_parse("r:libc.so.6:getuid", &specs[1], err, sizeof(err)));
	CU_ASSERT_FATAL(!plan_add_spec(&plan, &specs[0], 0) && !plan_add_spec(&plan, &specs[1], 1));
	CU_ASSERT_EQUAL(span_split(&o, &plan), 0);
	CU_ASSERT(o.end_probe >= 2 && o.end_probe == plan.nr_probes - 1);
	CU_ASSERT_TRUE(probe_has_row(&o, &plan, 0, true));
	CU_ASSERT_FALSE(probe_has_row(&o, &plan, plan.nr_probes - 1, false));
	/* without --span: a --latency return probe has no row of its own */
	o.on = false;
	CU_ASSERT_FALSE(probe_has_row(&o, &plan, plan.nr_probes - 1, true));
	CU_ASSERT_TRUE(probe_has_row(&o, &plan, plan.nr_probes - 1, false));
	plan_free(&plan);
	probe_spec_free(&specs[0]);
	probe_spec_free(&specs[1]);
}

CU_TestInfo span_tests[] = {
	UNIT_TEST(test_span_check),
	UNIT_TEST(test_span_split),
	CU_TEST_INFO_NULL,
};
