// SPDX-License-Identifier: GPL-2.0
/* The JSON writer: escaping, commas, nesting. */
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "unit.h"

static char *render(void (*fn)(struct json_writer *))
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct json_writer *jw = json_writer__new(f);

	fn(jw);
	json_writer__free(jw);
	fclose(f);
	return buf;
}

static void doc_nested(struct json_writer *jw)
{
	json_object_start(jw);
	json_string_field(jw, "name", "malloc");
	json_u64_field(jw, "offset", 0xa0b30);
	json_s64_field(jw, "neg", -5);
	json_bool_field(jw, "ok", true);
	json_name(jw, "list");
	json_array_start(jw);
	json_u64(jw, 1);
	json_object_start(jw);
	json_object_end(jw);
	json_array_start(jw);
	json_array_end(jw);
	json_null(jw);
	json_array_end(jw);
	json_string_field(jw, "null", NULL);
	json_object_end(jw);
	json_writer__end_line(jw);
}

static void test_nesting_and_commas(void)
{
	char *s = render(doc_nested);

	CU_ASSERT_STRING_EQUAL(s, "{\"name\":\"malloc\",\"offset\":658224,\"neg\":-5,\"ok\":true,"
				  "\"list\":[1,{},[],null],\"null\":null}\n");
	free(s);
}

static void doc_lines(struct json_writer *jw)
{
	for (int i = 0; i < 2; i++) {
		json_object_start(jw);
		json_u64_field(jw, "i", i);
		json_object_end(jw);
		json_writer__end_line(jw);
	}
}

static void test_json_lines(void)
{
	char *s = render(doc_lines);

	CU_ASSERT_STRING_EQUAL(s, "{\"i\":0}\n{\"i\":1}\n");
	free(s);
}

static void test_escape(void)
{
	char buf[128];
	size_t n;

	n = json_escape(buf, sizeof(buf), "a\"b\\c\n\t\x01\x7f", 9);
	CU_ASSERT_STRING_EQUAL(buf, "a\\\"b\\\\c\\n\\t\\u0001\\u007f");
	CU_ASSERT_EQUAL(n, strlen(buf));
	/* Valid UTF-8 passes; a stray byte becomes \u00XX; NUL is kept as \u0000. */
	json_escape(buf, sizeof(buf), "\xc3\xa9|\xff|\0|", 7);
	CU_ASSERT_STRING_EQUAL(buf, "\xc3\xa9|\\u00ff|\\u0000|");
	/* Overlong and surrogate encodings are not valid UTF-8. */
	json_escape(buf, sizeof(buf), "\xc0\xaf\xed\xa0\x80", 5);
	CU_ASSERT_STRING_EQUAL(buf, "\\u00c0\\u00af\\u00ed\\u00a0\\u0080");
	/* Truncation still reports the full length. */
	n = json_escape(buf, 4, "abcdef", 6);
	CU_ASSERT_EQUAL(n, 6);
	CU_ASSERT_STRING_EQUAL(buf, "abc");
}

CU_TestInfo json_tests[] = {
	UNIT_TEST(test_nesting_and_commas),
	UNIT_TEST(test_json_lines),
	UNIT_TEST(test_escape),
	CU_TEST_INFO_NULL,
};
