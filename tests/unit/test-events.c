// SPDX-License-Identifier: GPL-2.0
/*
 * What an event stream writes, byte for byte against golden files in
 * tests/unit/golden/events/: the text-escaping rule (escape.h) and the JSON
 * writer's strings and numbers over hostile names (terminal escapes, control
 * bytes, quotes, valid and broken UTF-8, C1 controls, NUL inside), the head
 * of an event in text and JSON, and a stack's frames in text and JSON.  The
 * printers are made faster under these files; UPX_GOLDEN_WRITE=1 rewrites them.
 */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "output/json.h"
#include "output/output.h"
#include "stack/symbolize.h"
#include "stack/ustack.h"
#include "unit.h"

#define GOLDEN "tests/unit/golden/events/"

struct hostile {
	const char *s;
	size_t len;
};
#define H(lit) { lit, sizeof(lit) - 1 }

static const struct hostile hostile[] = {
	H(""),
	H("malloc"),
	H("std::vector<int>::push_back(int const&)"),
	H("tab\there\nnewline\rcr"),
	H("esc\x1b[31mred\x1b]0;title\x07 bell"),
	H("quote\"back\\slash'"),
	H("del\x7f nul\0after"),
	H("\x01\x02\x08\x0c\x1f"),
	H("caf\xc3\xa9 \xc3\xbcn\xc3\xaf \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80"),
	H("c1 csi \xc2\x9b" "31m nel \xc2\x85 nbsp \xc2\xa0"),
	H("bad \xff\xfe end"),
	H("cut \xc3"),
	H("cut3 \xe2\x82x"),
	H("overlong \xc0\xaf \xe0\x80\xaf"),
	H("surrogate \xed\xa0\x80"),
	H("past \xf4\x90\x80\x80 max \xf4\x8f\xbf\xbf"),
	H("/usr/lib/x86_64-linux-gnu/libc.so.6"),
	H("/tmp/dir with spaces/\xe2\x80\xae" "fdp.exe"),
};
#define NR_HOSTILE (sizeof(hostile) / sizeof(hostile[0]))

/* A long name: every kind of byte, LONG of them and a NUL. */
#define LONG 300
static void long_name(char *buf)
{
	for (size_t i = 0; i < LONG; i++)
		buf[i] = (char)(i % 7 == 3 ? '\n' : i % 11 == 5 ? 0xc3 : i % 13 == 0 ? '"' : 'a' + i % 26);
	buf[LONG] = '\0';
}

static FILE *mem(char **buf, size_t *len)
{
	FILE *f = open_memstream(buf, len);

	CU_ASSERT_FATAL(f != NULL);
	return f;
}

static void check(const char *name, FILE *f, char **buf, size_t *len)
{
	fclose(f);
	unit_golden(GOLDEN, name, *buf, *len);
	free(*buf);
}

static void escape_one(FILE *f, const char *s, size_t n)
{
	static const size_t sizes[] = { 1, 2, 5, 8, 16, 64, 1024 };
	char buf[1024];

	fputs("escaped: ", f);
	fputs_escaped(f, s, n);
	fprintf(f, "\nlen: %zu\nquoted: ", escaped_len(s, n));
	fputs_quoted(f, s, n);
	fputc('\n', f);
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		size_t took = escape_to_buf(buf, sizes[k], s, n);

		fprintf(f, "buf %zu: took %zu [", sizes[k], took);
		fputs(buf, f);
		fputs("]\n", f);
	}
	if (!memchr(s, '\0', n)) {
		/* len < 0: up to the NUL */
		fputs("to NUL: ", f);
		fputs_escaped(f, s, -1);
		fputc('\n', f);
	}
}

static void test_escape_text(void)
{
	char *buf, big[LONG + 1];
	size_t len;
	FILE *f = mem(&buf, &len);

	for (size_t i = 0; i < NR_HOSTILE; i++)
		escape_one(f, hostile[i].s, hostile[i].len);
	long_name(big);
	escape_one(f, big, LONG);
	check("escape.txt", f, &buf, &len);
}

static void test_json_strings(void)
{
	char *buf, big[LONG + 1];
	size_t len;
	FILE *f = mem(&buf, &len);
	struct json_writer *jw = json_writer__new(f);

	long_name(big);
	for (size_t i = 0; i <= NR_HOSTILE; i++) {
		const char *s = i < NR_HOSTILE ? hostile[i].s : big;
		size_t n = i < NR_HOSTILE ? hostile[i].len : LONG;

		json_object_start(jw);
		json_name(jw, "s");
		json_string_len(jw, s, n);
		json_bytes_field(jw, "comm", s, n);
		if (!memchr(s, '\0', n)) {
			json_string_field(jw, s, s);
			json_string_field(jw, "null", NULL);
		}
		json_object_end(jw);
		json_writer__end_line(jw);
	}
	json_writer__free(jw);
	check("strings.json", f, &buf, &len);
}

static void test_json_numbers(void)
{
	static const uint64_t u[] = { 0, 1, 9, 10, 99, 100, 12345, 4294967295ULL, 4294967296ULL,
				      999999999999999999ULL, 1000000000000000000ULL,
				      9999999999999999999ULL, 10000000000000000000ULL, UINT64_MAX };
	static const int64_t s[] = { 0, 1, -1, -9, -10, 2147483647LL, -2147483648LL,
				     INT64_MAX, INT64_MIN + 1, INT64_MIN };
	char *buf;
	size_t len;
	FILE *f = mem(&buf, &len);
	struct json_writer *jw = json_writer__new(f);

	json_object_start(jw);
	json_name(jw, "u64");
	json_array_start(jw);
	for (size_t i = 0; i < sizeof(u) / sizeof(u[0]); i++)
		json_u64(jw, u[i]);
	json_array_end(jw);
	json_name(jw, "s64");
	json_array_start(jw);
	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++)
		json_s64(jw, s[i]);
	json_array_end(jw);
	json_name(jw, "other");
	json_array_start(jw);
	json_double(jw, 0.5);
	json_double(jw, 1e300);
	json_double(jw, NAN);
	json_bool(jw, true);
	json_bool(jw, false);
	json_null(jw);
	json_array_start(jw);
	json_object_start(jw);
	json_object_end(jw);
	json_array_start(jw);
	json_array_end(jw);
	json_array_end(jw);
	json_array_end(jw);
	json_u64_field(jw, "last", 7);
	json_object_end(jw);
	json_writer__end_line(jw);
	/* A document that is not a line: two values one after the other. */
	json_array_start(jw);
	json_string(jw, "a");
	json_array_end(jw);
	json_s64(jw, -3);
	json_writer__free(jw);
	check("numbers.json", f, &buf, &len);
}

/* The heads of events: fixed stamps in UTC, ids at their limits, each hostile comm. */
static void test_event_heads(void)
{
	static const long long ts[] = { 0, 1796628849995508121LL, 1796628849999999999LL,
					1796628850000000001LL };
	static const uint32_t ids[][2] = { { 0, 0 }, { 1, 4294967295U }, { 1234567, 12345678 } };
	char *tbuf, *jbuf, *tz = getenv("TZ") ? strdup(getenv("TZ")) : NULL;
	size_t tlen, jlen;
	FILE *tf = mem(&tbuf, &tlen), *jf = mem(&jbuf, &jlen);
	struct json_writer *jw = json_writer__new(jf);

	setenv("TZ", "UTC", 1);
	tzset();
	for (size_t i = 0; i < NR_HOSTILE; i++) {
		long long t = ts[i % 4] + (long long)i * 1000;
		const uint32_t *id = ids[i % 3];
		size_t max = i % 2 ? 16 : 64;

		event_head_print(tf, t, id, 2, hostile[i].s, max);
		fputs("|\n", tf);
		event_head_print(tf, t, id, 1, hostile[i].s, hostile[i].len);
		fputs("|\n", tf);
		event_head_json(jw, t, id[0], id[1], hostile[i].s, max);
		json_object_end(jw);
		json_writer__end_line(jw);
	}
	if (tz)
		setenv("TZ", tz, 1);
	else
		unsetenv("TZ");
	tzset();
	free(tz);
	json_writer__free(jw);
	check("head.txt", tf, &tbuf, &tlen);
	check("head.json", jf, &jbuf, &jlen);
}

/* Frames of every shape: named, inlined, bare, unknown file, deleted, hostile names. */
static void test_frames(void)
{
	const struct sym_frame frames[] = {
		{ .addr = 0x7f0011223344, .file = "/usr/lib/x86_64-linux-gnu/libc.so.6",
		  .build_id = "0123456789abcdef", .file_offset = 0x98930, .function = "malloc",
		  .offset = 0, .src_file = "/build/glibc/malloc/malloc.c", .line = 3281 },
		{ .addr = 0x401000, .file = "/usr/bin/python3.11", .file_offset = 0xfb51c },
		{ .addr = 0x5f5e100, .function = "PyByteArray_Resize", .offset = 0x1f2,
		  .file = "/usr/bin/python3.11" },
		{ .addr = 0x1234, .function = "_PyObject_Malloc", .inlined = true, .offset = 0x78,
		  .file = "/root/lib/libpython3.11.so.1.0", .src_file = "obmalloc.c", .line = 2003 },
		{ .addr = 0xffffffffffffffffULL },
		{ .addr = 0x10, .file = "/tmp/x (deleted)\n\x1b[2J", .deleted = true,
		  .file_offset = 0x10 },
		{ .addr = 0x20, .function = "evil\x1b]0;t\x07\xc2\x9b\xff", .offset = 0xdeadbeef,
		  .file = "/opt/caf\xc3\xa9/\"q\"\\lib.so", .src_file = "dir/sp ace\t.c", .line = 1 },
		{ .addr = 0x30, .function = "line0", .file = "/x", .src_file = "x.c", .line = 0 },
	};
	char *tbuf, *jbuf, fn[1500], file[900], plain[1100];
	size_t tlen, jlen;
	FILE *tf = mem(&tbuf, &tlen), *jf = mem(&jbuf, &jlen);
	struct json_writer *jw = json_writer__new(jf);
	/* Names longer than a line's buffer: a C++ template, a deep path. */
	struct sym_frame big = { .addr = 0x40, .function = fn, .offset = 0x40, .file = file,
				 .src_file = file, .line = 99999 };

	for (size_t i = 0; i < sizeof(fn) - 1; i++)
		fn[i] = i % 100 == 99 ? '\x1b' : "std::map<int, std::vector<char>>"[i % 32];
	fn[sizeof(fn) - 1] = '\0';
	memset(plain, 'f', sizeof(plain) - 1);
	plain[sizeof(plain) - 1] = '\0';
	for (size_t i = 0; i < sizeof(file) - 1; i++)
		file[i] = i % 10 == 0 ? '/' : i % 77 == 1 ? '\n' : 'd';
	file[sizeof(file) - 1] = '\0';
	json_object_start(jw);
	json_name(jw, "stack");
	json_array_start(jw);
	for (size_t i = 0; i <= sizeof(frames) / sizeof(frames[0]); i++) {
		const struct sym_frame *s = i < sizeof(frames) / sizeof(frames[0]) ? &frames[i] : &big;

		ustack_frame_text(tf, s);
		ustack_frame_json(jw, s);
		/* names about as long as a line's buffer holds, some bytes either side */
		for (int k = 900; i == 0 && k < 1030; k += 3) {
			struct sym_frame edge = frames[0];

			edge.function = plain + sizeof(plain) - 1 - k;
			ustack_frame_text(tf, &edge);
		}
	}
	json_array_end(jw);
	json_object_end(jw);
	json_writer__end_line(jw);
	json_writer__free(jw);
	check("frames.txt", tf, &tbuf, &tlen);
	check("frames.json", jf, &jbuf, &jlen);
}

CU_TestInfo events_tests[] = {
	UNIT_TEST(test_escape_text),
	UNIT_TEST(test_json_strings),
	UNIT_TEST(test_json_numbers),
	UNIT_TEST(test_event_heads),
	UNIT_TEST(test_frames),
	CU_TEST_INFO_NULL,
};
