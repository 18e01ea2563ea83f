// SPDX-License-Identifier: GPL-2.0
/* The JSON writer: escaping, commas, nesting. */
#include <stdlib.h>
#include <string.h>

#include "output/json.h"
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
	/* Valid UTF-8 passes; a stray byte becomes U+FFFD; NUL is kept as \u0000. */
	json_escape(buf, sizeof(buf), "\xc3\xa9|\xff|\0|", 7);
	CU_ASSERT_STRING_EQUAL(buf, "\xc3\xa9|\\ufffd|\\u0000|");
	/* C1 controls (U+009B is CSI) as \u escapes, so a terminal never acts on them; U+00A0 passes. */
	json_escape(buf, sizeof(buf), "\xc2\x9b" "2J\xc2\x80\xc2\xa0", 8);
	CU_ASSERT_STRING_EQUAL(buf, "\\u009b2J\\u0080\xc2\xa0");
	/* Overlong and surrogate encodings are not valid UTF-8: one U+FFFD per byte here. */
	json_escape(buf, sizeof(buf), "\xc0\xaf\xed\xa0\x80", 5);
	CU_ASSERT_STRING_EQUAL(buf, "\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd");
	/* Truncation still reports the full length. */
	n = json_escape(buf, 4, "abcdef", 6);
	CU_ASSERT_EQUAL(n, 6);
	CU_ASSERT_STRING_EQUAL(buf, "abc");
}

/*
 * Runs of plain bytes are copied eight at a time: every byte below 0x80 at
 * every place of a 19-byte run gives what it gives alone, between the
 * same plain bytes; a cut buffer holds a prefix of that.
 */
static void test_escape_runs(void)
{
	for (int c = 0; c < 0x80; c++)
		for (int at = 0; at < 19; at++) {
			char s[19], one[8], want[160] = "", got[160];
			size_t w = 0, n;

			memset(s, 'a', sizeof(s));
			s[at] = (char)c;
			for (int i = 0; i < 19; i++) {
				json_escape(one, sizeof(one), &s[i], 1);
				w += snprintf(want + w, sizeof(want) - w, "%s", one);
			}
			n = json_escape(got, sizeof(got), s, sizeof(s));
			CU_ASSERT_STRING_EQUAL(got, want);
			CU_ASSERT_EQUAL(n, strlen(want));
			for (size_t size = 1; size <= strlen(want); size++) {
				CU_ASSERT_EQUAL(json_escape(got, size, s, sizeof(s)), strlen(want));
				CU_ASSERT_EQUAL(strncmp(got, want, size - 1), 0);
				CU_ASSERT_EQUAL(strlen(got), size - 1);
			}
		}
}

/* Multi-byte sequences: every length passes whole; U+FFFD itself is a real character. */
static void test_utf8_valid_passes(void)
{
	const char *ok = "A\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xef\xbf\xbd\xf4\x8f\xbf\xbf";
	char buf[64];

	CU_ASSERT_TRUE(json_utf8_valid(ok, strlen(ok)));
	json_escape(buf, sizeof(buf), ok, strlen(ok));
	CU_ASSERT_STRING_EQUAL(buf, ok);
	CU_ASSERT_TRUE(json_utf8_valid("", 0));
	CU_ASSERT_TRUE(json_utf8_valid("a\0b", 3));
}

/* What Python's bytes.decode("utf-8", "replace") gives, U+FFFD for U+FFFD. */
static void test_utf8_maximal_subparts(void)
{
	static const struct {
		const char *in;
		size_t len;
		const char *out;
	} cases[] = {
		{ "\xe2\x82" "A", 3, "\\ufffdA" },		/* cut 3-byte sequence: one */
		{ "\xf0\x9f\x98", 3, "\\ufffd" },		/* cut 4-byte sequence at the end */
		{ "\xe0\x80\xaf", 3, "\\ufffd\\ufffd\\ufffd" }, /* overlong: E0 needs A0.. */
		{ "\xf4\x90\x80\x80", 4, "\\ufffd\\ufffd\\ufffd\\ufffd" }, /* past U+10FFFF */
		{ "\xf5\x80", 2, "\\ufffd\\ufffd" },	/* never a lead byte */
		{ "\xc3", 1, "\\ufffd" },
		{ "\x80\xc3\xa9", 3, "\\ufffd\xc3\xa9" },	/* stray continuation, then valid */
		{ "\xe9t\xe9", 3, "\\ufffdt\\ufffd" },	/* Latin-1 "\u00e9t\u00e9" */
	};
	char buf[64];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CU_ASSERT_FALSE(json_utf8_valid(cases[i].in, cases[i].len));
		json_escape(buf, sizeof(buf), cases[i].in, cases[i].len);
		CU_ASSERT_STRING_EQUAL(buf, cases[i].out);
	}
}

static void doc_bytes(struct json_writer *jw)
{
	json_object_start(jw);
	json_bytes_field(jw, "ok", "caf\xc3\xa9", 5);
	json_bytes_field(jw, "str", "caf\xe9\"", 5);
	json_bytes_field(jw, "nul", "a\0\xff", 3);
	/* every named string: a symbol name from a hostile file, a path, NULL */
	json_string_field(jw, "name", "x\x1b]0;t\x07\xff");
	json_string_field(jw, "file", "/tmp/caf\xc3\xa9");
	json_string_field(jw, "none", NULL);
	json_object_end(jw);
	json_writer__end_line(jw);
}

/* The raw bytes come along, in hex, only when the string was not valid UTF-8. */
static void test_bytes_field(void)
{
	char *s = render(doc_bytes);

	CU_ASSERT_STRING_EQUAL(s, "{\"ok\":\"caf\xc3\xa9\","
				  "\"str\":\"caf\\ufffd\\\"\",\"str_hex\":\"636166e922\","
				  "\"nul\":\"a\\u0000\\ufffd\",\"nul_hex\":\"6100ff\","
				  "\"name\":\"x\\u001b]0;t\\u0007\\ufffd\",\"name_hex\":\"781b5d303b7407ff\","
				  "\"file\":\"/tmp/caf\xc3\xa9\",\"none\":null}\n");
	free(s);
}

CU_TestInfo json_tests[] = {
	UNIT_TEST(test_nesting_and_commas),
	UNIT_TEST(test_json_lines),
	UNIT_TEST(test_escape),
	UNIT_TEST(test_escape_runs),
	UNIT_TEST(test_utf8_valid_passes),
	UNIT_TEST(test_utf8_maximal_subparts),
	UNIT_TEST(test_bytes_field),
	CU_TEST_INFO_NULL,
};
