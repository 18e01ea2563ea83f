// SPDX-License-Identifier: GPL-2.0
/*
 * The exposition writer: numbers as Prometheus writes them, Accept headers,
 * names, escaping, and whole families in both formats, byte for byte.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "output/hist.h"
#include "output/metrics.h"
#include "unit.h"

static const char *fmt_d(double v, enum metrics_format f)
{
	static char buf[64];

	return metrics_format_double(buf, v, f);
}

/* Go's strconv.FormatFloat(v, 'g', -1, 64), what Prometheus itself writes. */
static void test_numbers(void)
{
	static const struct {
		double v;
		const char *text, *om;
	} cases[] = {
		{ 0, "0", "0.0" },
		{ 1, "1", "1.0" },
		{ 3, "3", "3.0" },
		{ 1023, "1023", "1023.0" },
		{ 100000, "100000", "100000.0" },
		{ 1e6, "1e+06", "1e+06" },
		{ 1048575, "1.048575e+06", "1.048575e+06" },
		{ 1.5, "1.5", "1.5" },
		{ 0.001, "0.001", "0.001" },
		{ 0.0001, "0.0001", "0.0001" },
		{ 1e-5, "1e-05", "1e-05" },
		{ 1.023e-6, "1.023e-06", "1.023e-06" },
		{ 0.1, "0.1", "0.1" },
		{ 18446744073709551615.0, "1.8446744073709552e+19", "1.8446744073709552e+19" },
		{ 9007199254740991.0, "9.007199254740991e+15", "9.007199254740991e+15" },
		{ -2.5, "-2.5", "-2.5" },
		{ 123456.789, "123456.789", "123456.789" },
		{ 1e100, "1e+100", "1e+100" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CU_ASSERT_STRING_EQUAL(fmt_d(cases[i].v, METRICS_TEXT), cases[i].text);
		CU_ASSERT_STRING_EQUAL(fmt_d(cases[i].v, METRICS_OPENMETRICS), cases[i].om);
	}
	CU_ASSERT_STRING_EQUAL(fmt_d(INFINITY, METRICS_TEXT), "+Inf");
	CU_ASSERT_STRING_EQUAL(fmt_d(-INFINITY, METRICS_OPENMETRICS), "-Inf");
	CU_ASSERT_STRING_EQUAL(fmt_d(NAN, METRICS_TEXT), "NaN");
	/* every bound reads back as the double it is */
	for (int k = 0; k < 64; k++) {
		double b = ldexp(1, k) - 1;

		CU_ASSERT_EQUAL(strtod(fmt_d(b, METRICS_TEXT), NULL), b);
		CU_ASSERT_EQUAL(strtod(fmt_d(b * 1e-9, METRICS_OPENMETRICS), NULL), b * 1e-9);
	}
}

static void test_accept(void)
{
	/* What Prometheus 2.42 sends */
	CU_ASSERT_EQUAL(metrics_format_for_accept(
				"application/openmetrics-text;version=1.0.0,application/openmetrics-text;"
				"version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"),
			METRICS_OPENMETRICS);
	CU_ASSERT_EQUAL(metrics_format_for_accept(NULL), METRICS_TEXT);
	CU_ASSERT_EQUAL(metrics_format_for_accept(""), METRICS_TEXT);
	CU_ASSERT_EQUAL(metrics_format_for_accept("*/*"), METRICS_TEXT);
	CU_ASSERT_EQUAL(metrics_format_for_accept("text/plain"), METRICS_TEXT);
	CU_ASSERT_EQUAL(metrics_format_for_accept("application/openmetrics-text"),
			METRICS_OPENMETRICS);
	CU_ASSERT_EQUAL(metrics_format_for_accept(" Application/OpenMetrics-Text ; version=\"1.0.0\""),
			METRICS_OPENMETRICS);
	/* text preferred by its quality */
	CU_ASSERT_EQUAL(metrics_format_for_accept(
				"application/openmetrics-text;q=0.2, text/plain;version=0.0.4"),
			METRICS_TEXT);
	/* refused (q=0), or a version we do not write */
	CU_ASSERT_EQUAL(metrics_format_for_accept("application/openmetrics-text;q=0"), METRICS_TEXT);
	CU_ASSERT_EQUAL(metrics_format_for_accept("application/openmetrics-text;version=2.0.0"),
			METRICS_TEXT);
	CU_ASSERT_NOT_EQUAL(strstr(metrics_content_type(METRICS_TEXT), "version=0.0.4"), NULL);
	CU_ASSERT_NOT_EQUAL(strstr(metrics_content_type(METRICS_OPENMETRICS),
				   "application/openmetrics-text; version=1.0.0"), NULL);
}

static void test_names(void)
{
	CU_ASSERT_TRUE(metrics_valid_metric_name("upx_probe_calls"));
	CU_ASSERT_TRUE(metrics_valid_metric_name("a:b_c9"));
	CU_ASSERT_FALSE(metrics_valid_metric_name("9a"));
	CU_ASSERT_FALSE(metrics_valid_metric_name(""));
	CU_ASSERT_FALSE(metrics_valid_metric_name("a-b"));
	CU_ASSERT_FALSE(metrics_valid_metric_name("a b"));
	CU_ASSERT_TRUE(metrics_valid_label_name("comm"));
	CU_ASSERT_TRUE(metrics_valid_label_name("_x1"));
	CU_ASSERT_FALSE(metrics_valid_label_name("__name__"));
	CU_ASSERT_FALSE(metrics_valid_label_name("a:b"));
	CU_ASSERT_FALSE(metrics_valid_label_name("1a"));
	CU_ASSERT_FALSE(metrics_valid_label_name(NULL));
}

/* What a writer of format f makes of fn(w); the text into buf. */
static int render(enum metrics_format f, void (*fn)(struct metrics_writer *w), char **buf)
{
	size_t len;
	FILE *m = open_memstream(buf, &len);
	struct metrics_writer *w = metrics_writer__new(m, f);
	int ret;

	fn(w);
	ret = metrics_writer__finish(w);
	metrics_writer__free(w);
	fclose(m);
	return ret;
}

static void counter_family(struct metrics_writer *w)
{
	struct metric_labels ls = {};

	metrics_family(w, "upx_probe_calls", METRIC_COUNTER, "Calls \"seen\" \\ by\neach probe.");
	metric_labels_add(&ls, "probe", "a\"b\\c\nd");
	metric_labels_add_u64(&ls, "pid", 42);
	metrics_counter(w, &ls, 18446744073709551615ULL);
	metrics_family(w, "upx_probes_attached", METRIC_GAUGE, "Attached.");
	metrics_gauge(w, &(struct metric_labels){}, 2);
}

static void test_counter_text(void)
{
	char *out;

	CU_ASSERT_EQUAL(render(METRICS_TEXT, counter_family, &out), 0);
	CU_ASSERT_STRING_EQUAL(out,
		"# HELP upx_probe_calls_total Calls \"seen\" \\\\ by\\neach probe.\n"
		"# TYPE upx_probe_calls_total counter\n"
		"upx_probe_calls_total{probe=\"a\\\"b\\\\c\\nd\",pid=\"42\"} 18446744073709551615\n"
		"# HELP upx_probes_attached Attached.\n"
		"# TYPE upx_probes_attached gauge\n"
		"upx_probes_attached 2\n");
	free(out);
}

static void test_counter_openmetrics(void)
{
	char *out;

	CU_ASSERT_EQUAL(render(METRICS_OPENMETRICS, counter_family, &out), 0);
	CU_ASSERT_STRING_EQUAL(out,
		"# HELP upx_probe_calls Calls \\\"seen\\\" \\\\ by\\neach probe.\n"
		"# TYPE upx_probe_calls counter\n"
		"upx_probe_calls_total{probe=\"a\\\"b\\\\c\\nd\",pid=\"42\"} 18446744073709551615\n"
		"# HELP upx_probes_attached Attached.\n"
		"# TYPE upx_probes_attached gauge\n"
		"upx_probes_attached 2.0\n"
		"# EOF\n");
	free(out);
}

static uint64_t hist_slots[HIST_SLOTS];

/* 1 x 0, 2 x 1, 3 in [2, 4), 1 in [2^63, 2^64): cumulative buckets and the count. */
static void hist_family(struct metrics_writer *w)
{
	struct metric_labels ls = {};

	memset(hist_slots, 0, sizeof(hist_slots));
	hist_slots[0] = 1;
	hist_slots[1] = 2;
	hist_slots[2] = 3;
	hist_slots[64] = 1;
	metrics_family(w, "upx_probe_duration_seconds", METRIC_HISTOGRAM, "Durations.");
	metric_labels_add(&ls, "function", "foo");
	metrics_log2_histogram(w, &ls, hist_slots, HIST_SLOTS, 2500000000.0, 1e9);
}

static void test_histogram(void)
{
	char *out, *p;
	unsigned int buckets = 0;

	CU_ASSERT_EQUAL(render(METRICS_OPENMETRICS, hist_family, &out), 0);
	CU_ASSERT_NOT_EQUAL(strstr(out, "# TYPE upx_probe_duration_seconds histogram\n"
					"# UNIT upx_probe_duration_seconds seconds\n"), NULL);
	CU_ASSERT_NOT_EQUAL(strstr(out, "upx_probe_duration_seconds_bucket{function=\"foo\",le=\"0.0\"} 1\n"
					"upx_probe_duration_seconds_bucket{function=\"foo\",le=\"1e-09\"} 3\n"
					"upx_probe_duration_seconds_bucket{function=\"foo\",le=\"3e-09\"} 6\n"
					"upx_probe_duration_seconds_bucket{function=\"foo\",le=\"7e-09\"} 6\n"),
			    NULL);
	CU_ASSERT_NOT_EQUAL(strstr(out, "upx_probe_duration_seconds_bucket{function=\"foo\",le=\"+Inf\"} 7\n"
					"upx_probe_duration_seconds_sum{function=\"foo\"} 2.5\n"
					"upx_probe_duration_seconds_count{function=\"foo\"} 7\n"
					"# EOF\n"),
			    NULL);
	for (p = out; (p = strstr(p, "_bucket{")); p++)
		buckets++;
	CU_ASSERT_EQUAL(buckets, 65); /* slots 0..63 and +Inf */
	free(out);
	CU_ASSERT_EQUAL(render(METRICS_TEXT, hist_family, &out), 0);
	CU_ASSERT_EQUAL(strstr(out, "# UNIT"), NULL);
	CU_ASSERT_NOT_EQUAL(strstr(out, "le=\"0\"} 1\n"), NULL);
	CU_ASSERT_NOT_EQUAL(strstr(out, "_sum{function=\"foo\"} 2.5\n"), NULL);
	CU_ASSERT_EQUAL(strstr(out, "# EOF"), NULL);
	free(out);
}

/* Task names from the kernel: a bad byte is U+FFFD, and comm_hex keeps two names apart. */
static void comm_family(struct metrics_writer *w)
{
	struct metric_labels a = {}, b = {};

	metrics_family(w, "upx_process_exits", METRIC_COUNTER, "Exits.");
	metric_labels_add_comm(&a, "bad\xff\xfe", 16);
	metrics_counter(w, &a, 1);
	metric_labels_add_comm(&b, "caf\xc3\xa9\0junk", 16);
	metrics_counter(w, &b, 2);
}

/*
 * Every label, not only comm: a name from a hostile file keeps its bytes in NAME_hex; a
 * control character (ESC here) shows as U+FFFD as a bad byte does, '\n' is the format's own.
 */
static void probe_family(struct metrics_writer *w)
{
	struct metric_labels a = {}, b = {};

	metrics_family(w, "upx_probe_calls", METRIC_COUNTER, "Calls.");
	metric_labels_add(&a, "probe", "./h:bad\xff\x1b\n");
	metric_labels_add(&a, "function", "bad\xfe");
	metrics_counter(w, &a, 1);
	metric_labels_add(&b, "probe", "./h:bad\xfe\x1b\n");
	metric_labels_add_len(&b, "function", "bad\xfeXX", 4);
	metrics_counter(w, &b, 2);
}

static void test_label_hex(void)
{
	char *out;

	CU_ASSERT_EQUAL(render(METRICS_TEXT, probe_family, &out), 0);
	CU_ASSERT_NOT_EQUAL(strstr(out, "upx_probe_calls_total{probe=\"./h:bad\xef\xbf\xbd\xef\xbf\xbd\\n\","
					"probe_hex=\"2e2f683a626164ff1b0a\",function=\"bad\xef\xbf\xbd\","
					"function_hex=\"626164fe\"} 1\n"
					"upx_probe_calls_total{probe=\"./h:bad\xef\xbf\xbd\xef\xbf\xbd\\n\","
					"probe_hex=\"2e2f683a626164fe1b0a\",function=\"bad\xef\xbf\xbd\","
					"function_hex=\"626164fe\"} 2\n"),
			    NULL);
	free(out);
}

static void test_comm(void)
{
	char *out;

	CU_ASSERT_EQUAL(render(METRICS_TEXT, comm_family, &out), 0);
	CU_ASSERT_NOT_EQUAL(strstr(out, "upx_process_exits_total{comm=\"bad\xef\xbf\xbd\xef\xbf\xbd\","
					"comm_hex=\"626164fffe\"} 1\n"
					"upx_process_exits_total{comm=\"caf\xc3\xa9\"} 2\n"),
			    NULL);
	free(out);
}

static void bad_name(struct metrics_writer *w)
{
	metrics_family(w, "bad-name", METRIC_GAUGE, "x");
	metrics_gauge(w, &(struct metric_labels){}, 1);
}

static void bad_label(struct metrics_writer *w)
{
	struct metric_labels ls = {};

	metrics_family(w, "ok", METRIC_GAUGE, "x");
	metric_labels_add(&ls, "le", "1");
	metrics_gauge(w, &ls, 1);
}

static void twice(struct metrics_writer *w)
{
	metrics_family(w, "ok", METRIC_GAUGE, "x");
	metrics_family(w, "ok", METRIC_GAUGE, "x");
}

static void total_suffix(struct metrics_writer *w)
{
	metrics_family(w, "calls_total", METRIC_COUNTER, "x");
}

static void wrong_type(struct metrics_writer *w)
{
	metrics_family(w, "ok", METRIC_GAUGE, "x");
	metrics_counter(w, &(struct metric_labels){}, 1);
}

static void too_many_labels(struct metrics_writer *w)
{
	static const char *names[] = { "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m" };
	struct metric_labels ls = {};

	metrics_family(w, "ok", METRIC_GAUGE, "x");
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		metric_labels_add(&ls, names[i], "v");
	metrics_gauge(w, &ls, 1);
}

static void dup_label(struct metrics_writer *w)
{
	struct metric_labels ls = {};

	metrics_family(w, "ok", METRIC_GAUGE, "x");
	metric_labels_add(&ls, "a", "1");
	metric_labels_add(&ls, "a", "2");
	metrics_gauge(w, &ls, 1);
}

/* A collector's mistake leaves the sample out and fails the scrape. */
static void test_mistakes(void)
{
	void (*fns[])(struct metrics_writer *w) = { bad_name, bad_label, twice, total_suffix,
						    wrong_type, too_many_labels, dup_label };

	for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); i++) {
		char *out;

		CU_ASSERT_EQUAL(render(METRICS_TEXT, fns[i], &out), -EINVAL);
		CU_ASSERT_EQUAL(strstr(out, "} 1\n"), NULL);
		free(out);
	}
}

CU_TestInfo metrics_tests[] = {
	UNIT_TEST(test_numbers),
	UNIT_TEST(test_accept),
	UNIT_TEST(test_names),
	UNIT_TEST(test_counter_text),
	UNIT_TEST(test_counter_openmetrics),
	UNIT_TEST(test_histogram),
	UNIT_TEST(test_comm),
	UNIT_TEST(test_label_hex),
	UNIT_TEST(test_mistakes),
	CU_TEST_INFO_NULL,
};
