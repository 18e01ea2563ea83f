// SPDX-License-Identifier: GPL-2.0
/* core/output/value.c: a value read from a traced program, in text and in JSON. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "output/json.h"
#include "output/value.h"
#include "unit.h"

static void check_put(uint64_t v, const char *want)
{
	char buf[VALUE_TEXT_MAX + 1], *end = value_put(buf, v);

	CU_ASSERT_FATAL(end > buf && end - buf < VALUE_TEXT_MAX);
	*end = '\0';
	CU_ASSERT_STRING_EQUAL(buf, want);
}

static void test_value_put(void)
{
	check_put(0, "0");
	check_put(42, "42");
	check_put(0xffffffffULL, "4294967295");		/* 32 bits: decimal */
	check_put(0x100000000ULL, "0x100000000");	/* wider: a pointer, in hex */
	check_put(0x7ffd1234abcdULL, "0x7ffd1234abcd");
	check_put((uint64_t)-1, "-1");			/* small negatives: errors */
	check_put((uint64_t)-EFAULT, "-14");
	check_put((uint64_t)-65535, "-65535");
	check_put((uint64_t)-65536, "0xffffffffffff0000");	/* no longer small */
	check_put(UINT64_MAX / 2 + 1, "0x8000000000000000");
}

static void test_errno_text(void)
{
	CU_ASSERT_STRING_EQUAL(errno_text(-EFAULT), "EFAULT");
	CU_ASSERT_STRING_EQUAL(errno_text(-ENOENT), "ENOENT");
	CU_ASSERT_STRING_EQUAL(errno_text(-99999), "unknown error");
}

/* The text and JSON forms of one read string. */
static void check_str(const struct read_str *r, const char *text, const char *json)
{
	char *t = UNIT_WRITTEN(f, read_str_print(f, r)), *j = UNIT_JSON_OBJECT(jw, read_str_json(jw, r));

	CU_ASSERT_STRING_EQUAL(t, text);
	CU_ASSERT_STRING_EQUAL(j, json);
	free(t);
	free(j);
}

static void test_read_str(void)
{
	/* whole */
	check_str(&(struct read_str){ "hello", 5, 8, 0x1000 }, "\"hello\"",
		  "{\"str\":\"hello\",\"str_truncated\":false,\"str_ptr\":4096}\n");
	/* empty */
	check_str(&(struct read_str){ "", 0, 8, 0x1000 }, "\"\"",
		  "{\"str\":\"\",\"str_truncated\":false,\"str_ptr\":4096}\n");
	/* cut: 12 bytes long, 8 held */
	check_str(&(struct read_str){ "abcdefghXXXX", 12, 8, 0x1000 }, "\"abcdefgh\"...",
		  "{\"str\":\"abcdefgh\",\"str_truncated\":true,\"str_ptr\":4096}\n");
	/* a quote, a newline and an escape cannot forge a line or fields */
	check_str(&(struct read_str){ "a\"b\n\x1b", 5, 8, 1 }, "\"a\\\"b\\n\\x1b\"",
		  "{\"str\":\"a\\\"b\\n\\u001b\",\"str_truncated\":false,\"str_ptr\":1}\n");
	/* a null pointer, and one that could not be read */
	check_str(&(struct read_str){ "", -EFAULT, 8, 0 }, "NULL",
		  "{\"str\":null,\"str_ptr\":0}\n");
	check_str(&(struct read_str){ "", -EFAULT, 8, 0xdead0000 }, "(unreadable 0xdead0000: EFAULT)",
		  "{\"str\":null,\"str_error\":\"EFAULT\",\"str_ptr\":3735879680}\n");
}

CU_TestInfo value_tests[] = {
	UNIT_TEST(test_value_put),
	UNIT_TEST(test_errno_text),
	UNIT_TEST(test_read_str),
	CU_TEST_INFO_NULL,
};
