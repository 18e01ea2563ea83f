// SPDX-License-Identifier: GPL-2.0
/*
 * The output layer: terminal escaping, event heads in text and JSON, lost
 * reports, clock stamps, the histogram printers, and messages in JSON mode
 * through the one writer on stdout.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/cmd.h"
#include "base/util.h"
#include "output/hist.h"
#include "output/json.h"
#include "output/output.h"
#include "unit.h"

/* What fn writes to f while stdout (or stderr) is a memory stream. */
struct capture {
	FILE *saved_out, *saved_err, *out, *err;
	char *out_buf, *err_buf;
	size_t out_len, err_len;
};

static void capture_start(struct capture *c)
{
	memset(c, 0, sizeof(*c));
	fflush(stdout);
	fflush(stderr);
	c->out = open_memstream(&c->out_buf, &c->out_len);
	c->err = open_memstream(&c->err_buf, &c->err_len);
	c->saved_out = stdout;
	c->saved_err = stderr;
	stdout = c->out;
	stderr = c->err;
}

static void capture_end(struct capture *c)
{
	stdout = c->saved_out;
	stderr = c->saved_err;
	fclose(c->out);
	fclose(c->err);
}

static void capture_free(struct capture *c)
{
	free(c->out_buf);
	free(c->err_buf);
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

/*
 * Runs of plain bytes are found eight at a time: every byte value at every
 * place of a run, cut at every buffer size, against the byte-by-byte rule
 * (an ASCII byte escapes the same alone as in a run; 0x80 and above are
 * checked in context by the tests above).
 */
static void test_escape_runs(void)
{
	for (int c = 0; c < 0x80; c++)
		for (int at = 0; at < 19; at++) {
			char s[20], one[8], want[128] = "", got[128];
			size_t w = 0;

			memset(s, 'a', sizeof(s));
			s[at] = (char)c;
			for (int i = 0; i < 19; i++) {
				escape_to_buf(one, sizeof(one), &s[i], 1);
				w += snprintf(want + w, sizeof(want) - w, "%s", one);
			}
			CU_ASSERT_EQUAL(escape_to_buf(got, sizeof(got), s, 19), 19);
			CU_ASSERT_STRING_EQUAL(got, want);
			/* cut by the buffer: a prefix of the same text, never a part of an escape */
			for (size_t size = 1; size < strlen(want) + 1; size++) {
				size_t used = escape_to_buf(got, size, s, 19);

				CU_ASSERT(strlen(got) < size);
				CU_ASSERT_EQUAL(strncmp(got, want, strlen(got)), 0);
				CU_ASSERT(used < 19);
			}
		}
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

/* The text head is "%-15s %-7u %-7u %-16s " of clock, ids and comm, as printf writes it. */
static void test_event_head_text(void)
{
	static const char *const comms[] = { "bash", "a-sixteen-byte-n", "", "x\ty\x1b" };
	static const uint32_t ids[] = { 4294967295u, 7 };
	long long ns = 1700000000123456789LL;
	char got[EVENT_HEAD_MAX(2, 16) + 1], want[256], tbuf[32], comm[80], *end;

	format_clock(ns, tbuf, sizeof(tbuf));
	for (size_t i = 0; i < ARRAY_SIZE(comms); i++) {
		end = event_head_text(got, ns, ids, 2, comms[i], 16);
		*end = '\0';
		escape_to_buf(comm, sizeof(comm), comms[i], -1);
		snprintf(want, sizeof(want), "%-15s %-7u %-7u %-16s ", tbuf, 4294967295u, 7, comm);
		CU_ASSERT_STRING_EQUAL(got, want);
	}
	/* one id, and a comm without its NUL: at most comm_max bytes of it */
	end = event_head_text(got, ns, (const uint32_t[]){ 42 }, 1, "0123456789abcdefXYZ", 16);
	*end = '\0';
	snprintf(want, sizeof(want), "%-15s %-7u %-16s ", tbuf, 42, "0123456789abcdef");
	CU_ASSERT_STRING_EQUAL(got, want);
	/* every byte escaped to four still fits */
	memset(comm, 0x01, 16);
	end = event_head_text(got, ns, (const uint32_t[]){ 1, 2 }, 2, comm, 16);
	CU_ASSERT_EQUAL(end - got, 16 + 16 + 64 + 1);
}

/* event_head_print(): the text head on a stream, at most EVENT_HEAD_IDS ids. */
static void test_event_head_print(void)
{
	static const uint32_t ids[] = { 1, 2, 3, 4, 5 };
	long long ns = 1700000000123456789LL;
	char want[EVENT_HEAD_MAX(EVENT_HEAD_IDS, 64) + 1], *end, *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);

	event_head_print(f, ns, ids, 2, "bash\x1b", 16);
	event_head_print(f, ns, ids, 5, "a\nb", 16);
	fclose(f);
	end = event_head_text(want, ns, ids, 2, "bash\x1b", 16);
	end = event_head_text(end, ns, ids, EVENT_HEAD_IDS, "a\nb", 16);
	*end = '\0';
	CU_ASSERT_STRING_EQUAL(buf, want);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "4       a\\nb"));
	CU_ASSERT_PTR_NULL(strstr(buf, "5 "));
	free(buf);
}

/* The titles stand over the columns event_head_text() writes. */
static void test_event_head_titles(void)
{
	char *buf = NULL, head[EVENT_HEAD_MAX(2, 16) + 1], *end;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);

	event_head_titles(f, (const char *[]){ "PID", "TID" }, 2);
	fclose(f);
	CU_ASSERT_STRING_EQUAL(buf, "TIME            PID     TID     COMM             ");
	end = event_head_text(head, 1700000000123456789LL, (const uint32_t[]){ 1, 2 }, 2, "sh", 16);
	CU_ASSERT_EQUAL(end - head, (long)strlen(buf));
	CU_ASSERT_EQUAL(head[16], '1');
	CU_ASSERT_EQUAL(buf[16], 'P');
	free(buf);
}

static void test_format_clock(void)
{
	long long ns = 1700000000123456789LL;
	time_t sec = ns / 1000000000LL;
	char got[32], want[32], cut[6];
	struct tm tm;

	localtime_r(&sec, &tm);
	strftime(want, sizeof(want), "%H:%M:%S.123456", &tm);
	format_clock(ns, got, sizeof(got));
	CU_ASSERT_STRING_EQUAL(got, want);
	/* the next second, then back: the cached hh:mm:ss follows */
	format_clock(ns + 1000000000LL, got, sizeof(got));
	CU_ASSERT_NOT_EQUAL(strcmp(got, want), 0);
	format_clock(ns, got, sizeof(got));
	CU_ASSERT_STRING_EQUAL(got, want);
	format_clock(ns, cut, sizeof(cut));
	CU_ASSERT_EQUAL(strncmp(cut, want, 5), 0);
	CU_ASSERT_EQUAL(cut[5], '\0');
}

static char *json_of(void (*fn)(struct json_writer *jw))
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	struct json_writer *jw = json_writer__new(f);

	fn(jw);
	json_writer__free(jw);
	fclose(f);
	return buf;
}

static void head_json(struct json_writer *jw)
{
	event_head_json(jw, 1700000000123456789LL, 10, 11, "bash\0junk", 16);
	json_object_end(jw);
	json_writer__end_line(jw);
	/* a comm that is not UTF-8 keeps its bytes in comm_hex */
	event_head_json(jw, 5, 1, 2, "a\xff" "b", 16);
	json_object_end(jw);
	json_writer__end_line(jw);
}

static void test_event_head_json(void)
{
	char *s = json_of(head_json), want[256], tbuf[32];

	format_clock(1700000000123456789LL, tbuf, sizeof(tbuf));
	snprintf(want, sizeof(want),
		 "{\"time\":\"%s\",\"time_ns\":1700000000123456789,\"pid\":10,\"tid\":11,"
		 "\"comm\":\"bash\"}\n", tbuf);
	CU_ASSERT_EQUAL(strncmp(s, want, strlen(want)), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(s + strlen(want), "\"pid\":1,\"tid\":2,"
				      "\"comm\":\"a\\ufffdb\",\"comm_hex\":\"61ff62\"}\n"));
	free(s);
}

static void hist_doc(struct json_writer *jw)
{
	uint64_t slots[HIST_SLOTS] = {};

	slots[0] = 1;
	slots[1] = 2;
	slots[11] = 3;
	slots[64] = 4;
	json_object_start(jw);
	hist_json(jw, slots, HIST_SLOTS);
	json_object_end(jw);
	json_writer__end_line(jw);
}

static void test_hist_json(void)
{
	char *s = json_of(hist_doc);

	CU_ASSERT_STRING_EQUAL(s, "{\"buckets\":[{\"low\":0,\"high\":1,\"count\":1},"
			       "{\"low\":1,\"high\":2,\"count\":2},"
			       "{\"low\":1024,\"high\":2048,\"count\":3},"
			       "{\"low\":9223372036854775808,\"high\":null,\"count\":4}]}\n");
	free(s);
}

/* Lost events: nothing when none, a JSON line or a warning on stderr. */
static void test_report_lost(void)
{
	enum output_format saved = upx_output;
	const char *saved_name = upx_cmd_name;
	struct capture c;

	upx_cmd_name = "test";
	capture_start(&c);
	output_set_format(OUTPUT_JSON);
	report_lost(json_writer__stdout(), 0, "event", "events");
	report_lost(json_writer__stdout(), 12, "event", "events");
	output_set_format(OUTPUT_TEXT);
	report_lost(json_writer__stdout(), 0, "line", "lines");
	report_lost(json_writer__stdout(), 3, "line", "lines");
	report_lost(json_writer__stdout(), 1, "line", "lines");
	capture_end(&c);
	output_set_format(saved);
	upx_cmd_name = saved_name;
	CU_ASSERT_STRING_EQUAL(c.out_buf, "{\"lost\":12}\n");
	CU_ASSERT_STRING_EQUAL(c.err_buf,
			       "upx test: warning: lost 3 lines: the ring buffer was full\n"
			       "upx test: warning: lost 1 line: the ring buffer was full\n");
	capture_free(&c);
}

/*
 * In JSON mode an error is a line of the stream on stdout, written by the
 * stream's own writer between its lines; warnings and hints stay on stderr.
 */
static void test_messages_json(void)
{
	enum output_format saved = upx_output;
	const char *saved_name = upx_cmd_name;
	struct json_writer *jw;
	struct capture c;
	int ret;

	upx_cmd_name = "test";
	capture_start(&c);
	jw = json_writer__stdout();
	output_set_format(OUTPUT_JSON);
	json_object_start(jw);
	json_u64_field(jw, "n", 1);
	json_object_end(jw);
	json_writer__end_line(jw);
	ret = error("cannot open '%s': %s", "a\"b", "No such file or directory");
	warning("left out %d", 2);
	hint("did you mean: %s?", "foo");
	json_object_start(jw);
	json_u64_field(jw, "n", 2);
	json_object_end(jw);
	json_writer__end_line(jw);
	output_set_format(OUTPUT_TEXT);
	error("plain");
	capture_end(&c);
	output_set_format(saved);
	upx_cmd_name = saved_name;
	CU_ASSERT_EQUAL(ret, -1);
	CU_ASSERT_STRING_EQUAL(c.out_buf,
			       "{\"n\":1}\n"
			       "{\"error\":\"cannot open 'a\\\"b': No such file or directory\"}\n"
			       "{\"n\":2}\n");
	CU_ASSERT_STRING_EQUAL(c.err_buf,
			       "upx test: warning: left out 2\n"
			       "  did you mean: foo?\n"
			       "upx test: plain\n");
	capture_free(&c);
}

/* Columns of names: widths count the escaped form, padding comes after it. */
static void test_escaped_columns(void)
{
	char *buf = NULL, *s;
	size_t n = 0;
	FILE *f;

	CU_ASSERT_EQUAL(escaped_len("plain", -1), 5);
	CU_ASSERT_EQUAL(escaped_len("a\x1b]0;t\x07", -1), strlen("a\\x1b]0;t\\x07"));
	CU_ASSERT_EQUAL(escaped_len("caf\xc3\xa9 \xff\\", -1), strlen("caf\xc3\xa9 \\xff\\\\"));
	CU_ASSERT_EQUAL(escaped_len("a\0b", 3), 6);
	s = escape_dup("new\nline\ttab\rcr", -1);
	CU_ASSERT_STRING_EQUAL(s, "new\\nline\\ttab\\rcr");
	free(s);
	f = open_memstream(&buf, &n);
	fputs_escaped_col(f, "x\x1b", 8);
	fputs("|", f);
	fputs_escaped_col(f, "longer than w", 4);
	fputs("|", f);
	fclose(f);
	CU_ASSERT_STRING_EQUAL(buf, "x\\x1b   |longer than w|");
	free(buf);
}

/* A line of text is escaped as a whole: no argument can end it or reach the terminal raw. */
static void test_text_line(void)
{
	char *buf = NULL, big[3000];
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);

	memset(big, 'y', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	text_line(f, "upx: probe %d: %s at %s", 1, "./h:x\x1b]0;pwned\x07", "/t\nmp");
	text_line(f, "%s", big);
	fclose(f);
	CU_ASSERT_EQUAL(strncmp(buf, "upx: probe 1: ./h:x\\x1b]0;pwned\\x07 at /t\\nmp\n", 46), 0);
	CU_ASSERT_EQUAL(strlen(buf), 46 + sizeof(big));
	free(buf);
}

/* Messages quote names from files: each is escaped in text, exact (with _hex) in JSON. */
static void test_messages_escaped(void)
{
	enum output_format saved = upx_output;
	const char *saved_name = upx_cmd_name;
	struct capture c;

	upx_cmd_name = "test";
	capture_start(&c);
	error("'%s': no function named '%s'", "./h", "x\x1b]0;pwned\x07");
	warning("left out %s", "cr\rret");
	note("%s is an IFUNC", "tab\there");
	hint("did you mean: %s?", "new\nline, bad\xff");
	output_set_format(OUTPUT_JSON);
	error("'%s': bad", "x\xffy");
	capture_end(&c);
	output_set_format(saved);
	upx_cmd_name = saved_name;
	CU_ASSERT_STRING_EQUAL(c.err_buf,
			       "upx test: './h': no function named 'x\\x1b]0;pwned\\x07'\n"
			       "upx test: warning: left out cr\\rret\n"
			       "upx test: tab\\there is an IFUNC\n"
			       "  did you mean: new\\nline, bad\\xff?\n");
	CU_ASSERT_STRING_EQUAL(c.out_buf,
			       "{\"error\":\"'x\\ufffdy': bad\",\"error_hex\":\"2778ff79273a20626164\"}\n");
	capture_free(&c);
}

static char routine_seen[256];

static void routine_keep(const char *kind, const char *msg)
{
	snprintf(routine_seen + strlen(routine_seen), sizeof(routine_seen) - strlen(routine_seen),
		 "[%s|%s]", kind, msg);
}

/*
 * usage.c knows no format: errors go to the routine installed (raw, with
 * their kind), warnings and status lines stay text on stderr; NULL puts the
 * text routine back.  A status line has no prefix and is escaped whole.
 */
static void test_error_routine(void)
{
	const char *saved_name = upx_cmd_name;
	struct capture c;

	upx_cmd_name = "test";
	routine_seen[0] = '\0';
	capture_start(&c);
	set_error_routine(routine_keep);
	CU_ASSERT_EQUAL(error("'%s': gone", "a\nb"), -1);
	CU_ASSERT_EQUAL(usage_error("bad %d", 7), UPX_EXIT_USAGE);
	warning("stays %s", "text");
	status_line("Tracing %s in %s.", "1 probe", "/t\x1bmp");
	set_error_routine(NULL);
	error("back to %s", "text");
	capture_end(&c);
	upx_cmd_name = saved_name;
	CU_ASSERT_STRING_EQUAL(routine_seen, "[|'a\nb': gone][|bad 7]");
	CU_ASSERT_STRING_EQUAL(c.out_buf, "");
	CU_ASSERT_STRING_EQUAL(c.err_buf,
			       "See 'upx test -h'.\n"
			       "upx test: warning: stays text\n"
			       "Tracing 1 probe in /t\\x1bmp.\n"
			       "upx test: back to text\n");
	capture_free(&c);
}

CU_TestInfo output_tests[] = {
	UNIT_TEST(test_escape_terminal),
	UNIT_TEST(test_escape_to_buf),
	UNIT_TEST(test_escape_runs),
	UNIT_TEST(test_quoted),
	UNIT_TEST(test_event_head_text),
	UNIT_TEST(test_event_head_print),
	UNIT_TEST(test_event_head_titles),
	UNIT_TEST(test_format_clock),
	UNIT_TEST(test_event_head_json),
	UNIT_TEST(test_hist_json),
	UNIT_TEST(test_report_lost),
	UNIT_TEST(test_messages_json),
	UNIT_TEST(test_escaped_columns),
	UNIT_TEST(test_text_line),
	UNIT_TEST(test_messages_escaped),
	UNIT_TEST(test_error_routine),
	CU_TEST_INFO_NULL,
};
