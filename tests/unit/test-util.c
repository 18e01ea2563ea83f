// SPDX-License-Identifier: GPL-2.0
/* Number parsing, edit distance, numbers, columns, counts in words (escaping: test-output.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "unit.h"

static void test_parse_numbers(void)
{
	unsigned long long u;
	long long s;

	CU_ASSERT_TRUE(parse_u64("4096", &u) && u == 4096);
	CU_ASSERT_TRUE(parse_u64("0x10", &u) && u == 16);
	CU_ASSERT_TRUE(parse_u64("1M", &u) && u == 1048576);
	CU_ASSERT_TRUE(parse_u64("2k", &u) && u == 2048);
	CU_ASSERT_FALSE(parse_u64("", &u));
	CU_ASSERT_FALSE(parse_u64("-1", &u));
	CU_ASSERT_FALSE(parse_u64("12x", &u));
	CU_ASSERT_FALSE(parse_u64("99999999999999999999", &u));
	CU_ASSERT_FALSE(parse_u64("20000000000G", &u));
	CU_ASSERT_TRUE(parse_s64("-42", &s) && s == -42);
	CU_ASSERT_TRUE(parse_s64("7", &s) && s == 7);
	CU_ASSERT_FALSE(parse_s64("--1", &s));
}

/* --min and --max of a span: a number and its unit. */
static void test_parse_duration(void)
{
	char buf[DURATION_TEXT_MAX];
	unsigned long long ns;
	bool dur = false;

	CU_ASSERT_TRUE(parse_duration_ns("20ms", &ns) && ns == 20000000);
	CU_ASSERT_TRUE(parse_duration_ns("1.5s", &ns) && ns == 1500000000);
	CU_ASSERT_TRUE(parse_duration_ns("250us", &ns) && ns == 250000);
	CU_ASSERT_TRUE(parse_duration_ns("7ns", &ns) && ns == 7);
	CU_ASSERT_TRUE(parse_duration_ns("0.0005ms", &ns) && ns == 500);
	CU_ASSERT_FALSE(parse_duration_ns("20", &ns));
	CU_ASSERT_FALSE(parse_duration_ns("20 ms", &ns));
	CU_ASSERT_FALSE(parse_duration_ns("-1ms", &ns));
	CU_ASSERT_FALSE(parse_duration_ns("ms", &ns));
	CU_ASSERT_FALSE(parse_duration_ns("1M", &ns));
	CU_ASSERT_FALSE(parse_duration_ns("1e30s", &ns));
	CU_ASSERT_FALSE(parse_duration_ns("nan s", &ns));
	CU_ASSERT_TRUE(parse_u64_or_duration("1M", &ns, &dur) && ns == 1048576 && !dur);
	CU_ASSERT_TRUE(parse_u64_or_duration("3ms", &ns, &dur) && ns == 3000000 && dur);
	CU_ASSERT_FALSE(parse_u64_or_duration("3xs", &ns, &dur));
	CU_ASSERT_STRING_EQUAL(duration_text(buf, 812), "812ns");
	CU_ASSERT_STRING_EQUAL(duration_text(buf, 12300), "12.300us");
	CU_ASSERT_STRING_EQUAL(duration_text(buf, 51204000), "51.204ms");
	CU_ASSERT_STRING_EQUAL(duration_text(buf, 2000000000), "2.000s");
}

static void test_edit_distance(void)
{
	CU_ASSERT_EQUAL(edit_distance("trace", "trace"), 0);
	CU_ASSERT_EQUAL(edit_distance("trcae", "trace"), 2);
	CU_ASSERT_EQUAL(edit_distance("list-sym", "list-syms"), 1);
	CU_ASSERT_EQUAL(edit_distance("", "abc"), 3);
}

/* The hand-written number and column writers agree with printf. */
static void test_put_numbers(void)
{
	static const long long vals[] = { 0, 1, 9, 10, 12345, -1, -65535, 4294967295LL,
					  9223372036854775807LL, -9223372036854775807LL - 1 };
	char got[32], want[32], *end;

	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		end = put_s64(got, vals[i]);
		*end = '\0';
		snprintf(want, sizeof(want), "%lld", vals[i]);
		CU_ASSERT_STRING_EQUAL(got, want);
		end = put_u64(got, (unsigned long long)vals[i]);
		*end = '\0';
		snprintf(want, sizeof(want), "%llu", (unsigned long long)vals[i]);
		CU_ASSERT_STRING_EQUAL(got, want);
		end = put_hex(got, (unsigned long long)vals[i]);
		*end = '\0';
		snprintf(want, sizeof(want), "0x%llx", (unsigned long long)vals[i]);
		CU_ASSERT_STRING_EQUAL(got, want);
	}
	end = put_col(got, "ab", 2, 5);
	*end = '\0';
	CU_ASSERT_STRING_EQUAL(got, "ab   ");
	end = put_col(got, "abcdef", 6, 3);
	*end = '\0';
	CU_ASSERT_STRING_EQUAL(got, "abcdef");
}

/* One call, two calls: every count in words goes through count_noun() or plural(). */
static void test_count_noun(void)
{
	char line[200];

	CU_ASSERT_STRING_EQUAL(count_noun(1, "call", "calls"), "1 call");
	CU_ASSERT_STRING_EQUAL(count_noun(0, "call", "calls"), "0 calls");
	CU_ASSERT_STRING_EQUAL(count_noun(2, "process", "processes"), "2 processes");
	CU_ASSERT_STRING_EQUAL(count_noun(18446744073709551615ULL, "key", "keys"),
			       "18446744073709551615 keys");
	CU_ASSERT_STRING_EQUAL(plural(1, "returns", "return"), "returns");
	CU_ASSERT_STRING_EQUAL(plural(3, "returns", "return"), "return");
	/* several in one statement, each in a buffer of its own */
	snprintf(line, sizeof(line), "Tracing %s in %s (%s).", count_noun(1, "probe", "probes"),
		 count_noun(2, "file", "files"), count_noun(1, "multi link", "multi links"));
	CU_ASSERT_STRING_EQUAL(line, "Tracing 1 probe in 2 files (1 multi link).");
}

CU_TestInfo util_tests[] = {
	UNIT_TEST(test_put_numbers),
	UNIT_TEST(test_parse_numbers),
	UNIT_TEST(test_parse_duration),
	UNIT_TEST(test_edit_distance),
	UNIT_TEST(test_count_noun),
	CU_TEST_INFO_NULL,
};
