// SPDX-License-Identifier: GPL-2.0
/*
 * Flame graphs: the folded writer and reader, and the SVG read back frame
 * by frame (each frame is one line: <g data-s data-c data-d><title><rect>).
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "output/flamegraph.h"
#include "unit.h"

#define S(c, ...) { (const char *const[]){ __VA_ARGS__ }, \
		    sizeof((const char *const[]){ __VA_ARGS__ }) / sizeof(char *), (c) }

static char *folded(const struct fg_stack *s, size_t n)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	folded_write(f, s, n);
	fclose(f);
	return buf;
}

static char *svg(const struct fg_stack *s, size_t n, const char *title, const char *count_name,
		 int *err)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	*err = flamegraph_svg_write(f, s, n, title, count_name);
	fclose(f);
	return buf;
}

/* A frame as the SVG has it. */
struct frame {
	uint64_t s, c;
	unsigned int d;
	double x, w;
	char title[256];
};

/* Every frame of an SVG, in the file's order; how many. */
static size_t frames_of(const char *doc, struct frame *out, size_t max)
{
	size_t n = 0;

	for (const char *p = doc; (p = strstr(p, "<g class=\"f\"")); p++) {
		struct frame *f = &out[n];
		const char *t, *te, *r;

		CU_ASSERT_FATAL(n < max);
		CU_ASSERT_FATAL(sscanf(p, "<g class=\"f\" data-s=\"%" SCNu64 "\" data-c=\"%" SCNu64
				       "\" data-d=\"%u\">", &f->s, &f->c, &f->d) == 3);
		t = strstr(p, "<title>") + 7;
		te = strstr(t, "</title>");
		CU_ASSERT_FATAL(te - t < (long)sizeof(f->title));
		memcpy(f->title, t, te - t);
		f->title[te - t] = '\0';
		r = strstr(te, "<rect ");
		CU_ASSERT_FATAL(r && r < strchr(p, '\n'));
		CU_ASSERT_FATAL(sscanf(r, "<rect x=\"%lf\" y=\"%*u\" width=\"%lf\"", &f->x, &f->w) == 2);
		n++;
	}
	return n;
}

static size_t count_str(const char *s, const char *what)
{
	size_t n = 0;

	for (; (s = strstr(s, what)); s++)
		n++;
	return n;
}

static void test_folded_write(void)
{
	const struct fg_stack s[] = {
		S(1234, "main", "a", "b", "leaf"),
		S(UINT64_MAX, "main", "operator new(unsigned long)"),
		S(7, "main", "odd;name", "line\nbreak", ""),
		{ NULL, 0, 3 },
		S(5, "x\x1b]0;pwned\x07", "cr\rtab\tdel\x7f", "bad\xff", "back\\slash",
		  "se;mi;colon 99"),
		S(6, "v 1.5", "x99", "a 99b", "trailing 12 ", " 7"),
	};
	char *out = folded(s, 6);

	CU_ASSERT_STRING_EQUAL(out, "main;a;b;leaf 1234\n"
				    "main;operator new(unsigned long) 18446744073709551615\n"
				    "main;odd:name;line\\nbreak;[unknown] 7\n"
				    "[unknown] 3\n"
				    "x\\x1b]0:pwned\\x07;cr\\rtab\\tdel\\x7f;bad\\xff;back\\\\slash;"
				    "se:mi:colon_99 5\n"
				    "v_1.5;x99;a 99b;trailing 12 ;_7 6\n");
	free(out);
}

/* upx's own folded lines read back as the stacks they were written from (then escaped). */
static void test_folded_readback(void)
{
	const struct fg_stack s[] = {
		S(1, "main", "se;mi;colon 99"),
		S(2, "main", "x\x1b]0;pwned\x07", "new\nline 7"),
	};
	char *out = folded(s, 2);
	struct fg_stacks st;
	size_t line = 0;
	const char *why = NULL;

	CU_ASSERT_EQUAL_FATAL(folded_parse(out, strlen(out), &st, &line, &why), 0);
	CU_ASSERT_EQUAL(st.number_tail_line, 0);
	CU_ASSERT_EQUAL_FATAL(st.nr, 2);
	CU_ASSERT_EQUAL(st.stacks[0].nr, 2);
	CU_ASSERT_STRING_EQUAL(st.stacks[0].frames[1], "se:mi:colon_99");
	CU_ASSERT_EQUAL(st.stacks[0].count, 1);
	CU_ASSERT_EQUAL(st.stacks[1].nr, 3);
	CU_ASSERT_STRING_EQUAL(st.stacks[1].frames[1], "x\\x1b]0:pwned\\x07");
	CU_ASSERT_STRING_EQUAL(st.stacks[1].frames[2], "new\\nline_7");
	CU_ASSERT_EQUAL(st.stacks[1].count, 2);
	fg_stacks__free(&st);
	free(out);
}

/* The count is the last field only: a stack ending in " 10" is a frame's name, and said so. */
static void test_parse_number_tail(void)
{
	const char text[] = "main;a 1\nmain;b 10 20\nmain;c 3\n";
	struct fg_stacks st;
	size_t line = 0;
	const char *why = NULL;

	CU_ASSERT_EQUAL_FATAL(folded_parse(text, strlen(text), &st, &line, &why), 0);
	CU_ASSERT_EQUAL(st.number_tail_line, 2);
	CU_ASSERT_EQUAL_FATAL(st.nr, 3);
	CU_ASSERT_STRING_EQUAL(st.stacks[1].frames[1], "b 10");
	CU_ASSERT_EQUAL(st.stacks[1].count, 20);
	fg_stacks__free(&st);
}

static void test_parse_roundtrip(void)
{
	const char text[] = "main;a;b;leaf 300\n"
			    "main;(anonymous namespace)::f(int) 18446744073709551615\n"
			    "main;std::vector<int, std::allocator<int> >::push_back 1\n"
			    "main;c;leaf 100\n";
	struct fg_stacks st;
	size_t line = 0;
	const char *why = NULL;
	char *out;

	CU_ASSERT_EQUAL_FATAL(folded_parse(text, strlen(text), &st, &line, &why), 0);
	CU_ASSERT_EQUAL(st.nr, 4);
	CU_ASSERT_EQUAL(st.stacks[0].nr, 4);
	CU_ASSERT_STRING_EQUAL(st.stacks[0].frames[3], "leaf");
	CU_ASSERT_EQUAL(st.stacks[1].count, UINT64_MAX);
	CU_ASSERT_STRING_EQUAL(st.stacks[1].frames[1], "(anonymous namespace)::f(int)");
	out = folded(st.stacks, st.nr);
	CU_ASSERT_STRING_EQUAL(out, text);
	free(out);
	fg_stacks__free(&st);
}

static void test_parse_merge_and_lines(void)
{
	/* CRLF, blank lines, tabs, no final newline; duplicates merged in first-seen order */
	const char text[] = "\n  \r\nmain;a 5\r\nmain;b\t2\n\nmain;a 7\nmain;a;x 1\nmain;b 0";
	struct fg_stacks st;
	size_t line = 0;
	const char *why = NULL;
	char *out;

	CU_ASSERT_EQUAL_FATAL(folded_parse(text, strlen(text), &st, &line, &why), 0);
	out = folded(st.stacks, st.nr);
	CU_ASSERT_STRING_EQUAL(out, "main;a 12\nmain;b 2\nmain;a;x 1\n");
	free(out);
	fg_stacks__free(&st);

	/* no NUL needed at the end: only len bytes are read */
	CU_ASSERT_EQUAL_FATAL(folded_parse("a 1\nb 2XXX", 7, &st, &line, &why), 0);
	CU_ASSERT_EQUAL(st.nr, 2);
	CU_ASSERT_EQUAL(st.stacks[1].count, 2);
	fg_stacks__free(&st);
	CU_ASSERT_EQUAL(folded_parse("", 0, &st, &line, &why), 0);
	CU_ASSERT_EQUAL(st.nr, 0);
	fg_stacks__free(&st);
}

static void expect_bad(const char *text, size_t len, size_t want_line, const char *want_why)
{
	struct fg_stacks st;
	size_t line = 0;
	const char *why = NULL;

	CU_ASSERT_EQUAL(folded_parse(text, len, &st, &line, &why), -EINVAL);
	CU_ASSERT_EQUAL(line, want_line);
	CU_ASSERT_PTR_NOT_NULL_FATAL(why);
	if (!strstr(why, want_why))
		fprintf(stderr, "\n    '%s': got '%s', want '%s'\n", text, why, want_why);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, want_why));
	CU_ASSERT_PTR_NULL(st.stacks);
}

static void test_parse_errors(void)
{
	expect_bad("a;b 1\nnocount\n", 14, 2, "no count");
	expect_bad("a;b 1\n\na;b x1\n", 14, 3, "not a number");
	expect_bad("a;b 1.5\n", 8, 1, "not a whole number");
	expect_bad("a;b -3\n", 7, 1, "not a number");
	expect_bad("a;b 18446744073709551616\n", 25, 1, "too large");
	expect_bad("a;b 18446744073709551615\na;b 1\n", 30, 2, "add up");
	expect_bad(" 5\n", 3, 1, "no count");
	expect_bad("a;;b 5\n", 7, 1, "empty frame");
	expect_bad("a;b; 5\n", 7, 1, "empty frame");
	expect_bad(";a 5\n", 5, 1, "empty frame");
	expect_bad("x 1\na\0b 5\n", 10, 2, "NUL");
}

/* The flame graph of known stacks: frames merged, widths and places from the counts. */
static void test_svg_frames(void)
{
	const struct fg_stack s[] = {
		S(300, "main", "a", "b", "leaf"),
		S(100, "main", "c", "leaf"),
		S(200, "main", "a", "b", "leaf"),	/* the same stack again */
		S(50, "main", "a"),			/* a's own */
		S(0, "main", "never"),			/* nothing: no frame */
		S(350, "main", "B"),			/* 'B' < 'a': leftmost */
	};
	/* all, main, B, a, b, leaf, c, leaf */
	const struct { const char *title; uint64_t c; unsigned int d; } want[] = {
		{ "all (1,000 calls, 100.00%)", 1000, 0 },
		{ "main (1,000 calls, 100.00%)", 1000, 1 },
		{ "B (350 calls, 35.00%)", 350, 2 },
		{ "a (550 calls, 55.00%)", 550, 2 },
		{ "b (500 calls, 50.00%)", 500, 3 },
		{ "leaf (500 calls, 50.00%)", 500, 4 },
		{ "c (100 calls, 10.00%)", 100, 2 },
		{ "leaf (100 calls, 10.00%)", 100, 3 },
	};
	struct frame fr[16];
	size_t n;
	char *doc;
	int err;

	doc = svg(s, ARRAY_SIZE(s), "T", "calls", &err);
	CU_ASSERT_EQUAL_FATAL(err, 0);
	n = frames_of(doc, fr, ARRAY_SIZE(fr));
	CU_ASSERT_EQUAL_FATAL(n, ARRAY_SIZE(want));
	/* one rect per frame, and the background */
	CU_ASSERT_EQUAL(count_str(doc, "<rect "), n + 1);
	for (size_t i = 0; i < n; i++) {
		CU_ASSERT_EQUAL(fr[i].c, want[i].c);
		CU_ASSERT_EQUAL(fr[i].d, want[i].d);
		CU_ASSERT_STRING_EQUAL(fr[i].title, want[i].title);
		/* printed with 2 decimals: within 0.005 of the exact value */
		CU_ASSERT(fabs(fr[i].w - fr[i].c * 1180.0 / 1000) <= 0.005 + 1e-9);
		CU_ASSERT(fabs(fr[i].x - (10 + fr[i].s * 1180.0 / 1000)) <= 0.005 + 1e-9);
	}
	/* siblings left to right in byte order, a's own 50 at its left */
	CU_ASSERT_EQUAL(fr[2].s, 0);
	CU_ASSERT_EQUAL(fr[3].s, 350);
	CU_ASSERT_EQUAL(fr[4].s, 400);
	CU_ASSERT_EQUAL(fr[6].s, 900);
	CU_ASSERT_PTR_NOT_NULL(strstr(doc, "<text id=\"title\" x=\"600\" y=\"24\">T</text>"));
	CU_ASSERT_PTR_NOT_NULL(strstr(doc, "data-total=\"1000\""));
	free(doc);
}

/* The same stacks in any order, or split, give the same bytes. */
static void test_svg_deterministic(void)
{
	const struct fg_stack a[] = {
		S(3, "main", "x"), S(5, "main", "y", "z"), S(2, "main", "x"),
	};
	const struct fg_stack b[] = {
		S(5, "main", "y", "z"), S(5, "main", "x"),
	};
	char *d1, *d2, *d3;
	int e1, e2, e3;

	d1 = svg(a, 3, NULL, NULL, &e1);
	d2 = svg(a, 3, NULL, NULL, &e2);
	d3 = svg(b, 2, NULL, NULL, &e3);
	CU_ASSERT(!e1 && !e2 && !e3);
	CU_ASSERT_STRING_EQUAL(d1, d2);
	CU_ASSERT_STRING_EQUAL(d1, d3);
	CU_ASSERT_PTR_NOT_NULL(strstr(d1, ">Flame Graph</text>"));
	CU_ASSERT_PTR_NOT_NULL(strstr(d1, "<title>x (5 samples, 50.00%)</title>"));
	/* the colour is the name's: both "x" frames of another graph have it too */
	free(d1);
	free(d2);
	free(d3);
}

/* Names from traced programs cannot add markup; the file stays valid XML. */
static void test_svg_escaping(void)
{
	const struct fg_stack s[] = {
		S(1, "main", "std::map<K, V>::operator[]&\"'</title><script>alert(1)</script>"),
		S(1, "main", "bad\xff\x01utf8\xef\xbf\xbe"),
	};
	char *doc;
	int err;

	doc = svg(s, 2, "<t&t>", "c\"s", &err);
	CU_ASSERT_EQUAL_FATAL(err, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(doc, "<title>std::map&lt;K, V&gt;::operator[]&amp;&quot;&#39;"
					   "&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt; "
					   "(1 c&quot;s, 50.00%)</title>"));
	CU_ASSERT_PTR_NOT_NULL(strstr(doc, ">&lt;t&amp;t&gt;</text>"));
	/* an invalid byte, a control and U+FFFE each become U+FFFD */
	CU_ASSERT_PTR_NOT_NULL(strstr(doc, "<title>bad\xef\xbf\xbd\xef\xbf\xbdutf8\xef\xbf\xbd ("));
	CU_ASSERT_EQUAL(count_str(doc, "<script"), 1);
	CU_ASSERT_EQUAL(count_str(doc, "<title>"), 4);
	free(doc);
}

/* A label is what fits at 7.08 pixels a character, cut with "..". */
static void test_svg_labels(void)
{
	const struct fg_stack s[] = {
		S(10, "abcdefghij"),	/* 10 of 100: 118 px, 16 characters fit */
		S(5, "klmnopqrstuvwxyz"), /* 59 px: 8 fit, "klmnop.." */
		S(85, "x"),
	};
	char *doc;
	int err;

	doc = svg(s, 3, NULL, NULL, &err);
	CU_ASSERT_EQUAL_FATAL(err, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(doc, ">abcdefghij</text>"));
	CU_ASSERT_PTR_NOT_NULL(strstr(doc, ">klmnop..</text>"));
	free(doc);
}

/* Frames under 0.1 pixel are left out; the others keep their widths. */
static void test_svg_elided(void)
{
	const struct fg_stack s[] = {
		S(99990, "main", "big"),
		S(9, "main", "tiny", "tinier"),	/* 9 / 100000 * 1180 = 0.106 px: kept */
		S(1, "main", "tiniest"),	/* 0.0118 px: left out */
	};
	struct frame fr[8];
	size_t n;
	char *doc;
	int err;

	doc = svg(s, 3, NULL, NULL, &err);
	CU_ASSERT_EQUAL_FATAL(err, 0);
	n = frames_of(doc, fr, ARRAY_SIZE(fr));
	CU_ASSERT_EQUAL_FATAL(n, 5);
	CU_ASSERT_PTR_NULL(strstr(doc, "tiniest"));
	CU_ASSERT_EQUAL(fr[0].c, 100000);
	CU_ASSERT_EQUAL(fr[1].c, 100000);
	CU_ASSERT(fabs(fr[2].w - 99990 * 1180.0 / 100000) <= 0.005 + 1e-9);
	/* "tiniest" < "tiny": its one count is still there, to the left of tiny */
	CU_ASSERT_EQUAL(fr[3].s, 99991);
	CU_ASSERT_EQUAL(fr[4].s, 99991);
	CU_ASSERT_EQUAL(fr[4].c, 9);
	free(doc);
}

static void test_svg_empty_and_overflow(void)
{
	const struct fg_stack big[] = { S(UINT64_MAX, "a"), S(1, "b") };
	const struct fg_stack zero[] = { S(0, "a") };
	char *doc;
	int err;

	doc = svg(NULL, 0, NULL, NULL, &err);
	CU_ASSERT_EQUAL(err, 0);
	CU_ASSERT_EQUAL(count_str(doc, "<g class=\"f\""), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(doc, ">no samples</text>"));
	CU_ASSERT_PTR_NOT_NULL(strstr(doc, "</svg>\n"));
	free(doc);
	doc = svg(zero, 1, NULL, NULL, &err);
	CU_ASSERT_EQUAL(err, 0);
	CU_ASSERT_EQUAL(count_str(doc, "<g class=\"f\""), 0);
	free(doc);
	doc = svg(big, 2, NULL, NULL, &err);
	CU_ASSERT_EQUAL(err, -EOVERFLOW);
	free(doc);
}

CU_TestInfo flamegraph_tests[] = {
	UNIT_TEST(test_folded_write),
	UNIT_TEST(test_folded_readback),
	UNIT_TEST(test_parse_number_tail),
	UNIT_TEST(test_parse_roundtrip),
	UNIT_TEST(test_parse_merge_and_lines),
	UNIT_TEST(test_parse_errors),
	UNIT_TEST(test_svg_frames),
	UNIT_TEST(test_svg_deterministic),
	UNIT_TEST(test_svg_escaping),
	UNIT_TEST(test_svg_labels),
	UNIT_TEST(test_svg_elided),
	UNIT_TEST(test_svg_empty_and_overflow),
	CU_TEST_INFO_NULL,
};
