// SPDX-License-Identifier: GPL-2.0
/* Number parsing, edit distance, terminal escaping. */
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "util.h"

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

static void test_edit_distance(void)
{
	CU_ASSERT_EQUAL(edit_distance("trace", "trace"), 0);
	CU_ASSERT_EQUAL(edit_distance("trcae", "trace"), 2);
	CU_ASSERT_EQUAL(edit_distance("list-sym", "list-syms"), 1);
	CU_ASSERT_EQUAL(edit_distance("", "abc"), 3);
}

static char *escaped(const char *s, long len)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);

	fputs_escaped(f, s, len);
	fclose(f);
	return buf;
}

static void test_escape_terminal(void)
{
	char *s;

	s = escaped("ls \x1b[31mred\x1b[0m\n", -1);
	CU_ASSERT_STRING_EQUAL(s, "ls \\x1b[31mred\\x1b[0m\\n");
	free(s);
	s = escaped("caf\xc3\xa9 \\ \x7f", -1);
	CU_ASSERT_STRING_EQUAL(s, "caf\xc3\xa9 \\\\ \\x7f");
	free(s);
	/* The 8-bit CSI (U+009B as UTF-8, or a raw byte) must not reach a terminal. */
	s = escaped("\xc2\x9b" "31m \x9b", -1);
	CU_ASSERT_STRING_EQUAL(s, "\\xc2\\x9b31m \\x9b");
	free(s);
	s = escaped("a\0b", 3);
	CU_ASSERT_STRING_EQUAL(s, "a\\x00b");
	free(s);
}

/* Into a caller's buffer: cut before an escape that does not fit, always terminated. */
static void test_escape_to_buf(void)
{
	char buf[8], big[4096], *s;
	size_t used;

	used = escape_to_buf(buf, sizeof(buf), "ab\ncd", -1);
	CU_ASSERT_STRING_EQUAL(buf, "ab\\ncd");
	CU_ASSERT_EQUAL(used, 5);
	used = escape_to_buf(buf, sizeof(buf), "abcdef\\", -1);
	CU_ASSERT_STRING_EQUAL(buf, "abcdef"); /* "\\\\" needs 2 bytes, 1 is left */
	CU_ASSERT_EQUAL(used, 6);
	used = escape_to_buf(buf, sizeof(buf), "\x01\x02", 2);
	CU_ASSERT_STRING_EQUAL(buf, "\\x01");
	CU_ASSERT_EQUAL(used, 1);
	used = escape_to_buf(buf, sizeof(buf), "caf\xc3\xa9!", -1);
	CU_ASSERT_STRING_EQUAL(buf, "caf\xc3\xa9!");
	CU_ASSERT_EQUAL(used, 6);
	used = escape_to_buf(buf, 1, "abc", -1);
	CU_ASSERT_STRING_EQUAL(buf, "");
	CU_ASSERT_EQUAL(used, 0);
	/* Longer than fputs_escaped's own chunk: the same text either way. */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	big[1000] = '\n';
	s = escaped(big, -1);
	CU_ASSERT_EQUAL(strlen(s), sizeof(big));
	CU_ASSERT_EQUAL(strncmp(s + 1000, "\\n", 2), 0);
	free(s);
}

/* A quoted string cannot end its field early: '"' is escaped, so is '\\'. */
static void test_quoted(void)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);

	fputs_quoted(f, "say \"hi\" x=\\1", -1);
	fclose(f);
	CU_ASSERT_STRING_EQUAL(buf, "\"say \\\"hi\\\" x=\\\\1\"");
	free(buf);
	/* Outside quotes a '"' is an ordinary character. */
	buf = escaped("a \"b\"", -1);
	CU_ASSERT_STRING_EQUAL(buf, "a \"b\"");
	free(buf);
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

CU_TestInfo util_tests[] = {
	UNIT_TEST(test_put_numbers),
	UNIT_TEST(test_parse_numbers),
	UNIT_TEST(test_edit_distance),
	UNIT_TEST(test_escape_terminal),
	UNIT_TEST(test_escape_to_buf),
	UNIT_TEST(test_quoted),
	CU_TEST_INFO_NULL,
};
