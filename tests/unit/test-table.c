// SPDX-License-Identifier: GPL-2.0
/*
 * The table engine: each kind of table upx renders (probe counts, --by
 * counts, histograms with their notes, a summary after events, statistics
 * after the count with a family of their own, stacks under their rows)
 * filled once and rendered in text, JSON, Prometheus text and OpenMetrics,
 * each compared byte for byte with its golden file in tests/unit/golden/table/
 * (as bpftrace's tests/runtime/outputs/).  UPX_GOLDEN_WRITE=1 writes them
 * instead, to be read and committed; t8050 runs promtool over the .prom ones.
 */
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "output/hist.h"
#include "output/json.h"
#include "output/metrics.h"
#include "output/output.h"
#include "output/table.h"
#include "plan/bykey.h"
#include "plan/plan.h"
#include "unit.h"

#define GOLDEN "tests/unit/golden/table/"

static void check_golden(const char *name, const char *text, size_t len)
{
	unit_golden(GOLDEN, name, text, len);
}

/* Render a table built by fill() in each format and compare each with NAME.{txt,json,prom,om}. */
static void check_table(const char *name, struct table *(*fill)(void))
{
	static const char *const ext[] = { "txt", "json", "prom", "om" };
	enum output_format saved = upx_output;

	for (int k = 0; k < 4; k++) {
		struct table *t = fill();
		char *buf = NULL, file[128];
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);

		CU_ASSERT_FATAL(f != NULL);
		if (k < 2) {
			struct json_writer *jw = json_writer__new(f);

			upx_output = k ? OUTPUT_JSON : OUTPUT_TEXT;
			table__print(t, f, jw);
			json_writer__free(jw);
		} else {
			struct metrics_writer *w =
				metrics_writer__new(f, k == 2 ? METRICS_TEXT : METRICS_OPENMETRICS);

			table__metrics(t, w);
			CU_ASSERT_EQUAL(metrics_writer__finish(w), 0);
			metrics_writer__free(w);
		}
		upx_output = saved;
		fclose(f);
		snprintf(file, sizeof(file), "%s.%s", name, ext[k]);
		check_golden(file, buf, len);
		free(buf);
		table__free(t);
	}
}

static void probe_cols(struct table *t)
{
	table__col(t, &(struct table_col){ .head = "probe", .json = "probe", .label = "probe" });
	table__col(t, &(struct table_col){ .label = "file" });
	table__col(t, &(struct table_col){ .json = "function", .label = "function" });
}

static void probe_row(struct table *t, const char *label, const char *func, uint64_t count)
{
	table__row(t, NULL);
	table__str(t, label, -1);
	table__str(t, "/usr/lib/x86_64-linux-gnu/libc.so.6", -1);
	table__str(t, func, -1);
	table__count(t, count);
}

/*
 * trace --count --top 3: sorted by count, ties by label; an escape and a
 * byte that is not UTF-8 in a name; a probe that saw nothing; two cut.
 */
static struct table *fill_counts(void)
{
	struct table *t = table__new(&(struct table_spec){
		.noun = "probe", .one = "call", .many = "calls", .json_doc = "counts",
		.metric = "upx_probe_calls", .help = "Calls seen by each probe.",
	});

	probe_cols(t);
	table__top(t, 3);
	probe_row(t, "libc.so.6:getpid", "getpid", 7);
	probe_row(t, "libc.so.6:close", "close", 0);
	probe_row(t, "libc.so.6:malloc", "malloc", 1000000);
	probe_row(t, "x:evil\x1b[2Jname\xff", "evil\x1b[2Jname\xff", 7);
	probe_row(t, "libc.so.6:free", "free", 3);
	table__total(t, "lost", NULL, METRIC_COUNTER, NULL, 2);
	return t;
}

/* trace --count --by comm,pid,bytes,str:arg1: widths from headers and cells, numbers left. */
static struct table *fill_by_counts(void)
{
	struct table *t = table__new(&(struct table_spec){
		.noun = "key", .one = "call", .many = "calls", .json_doc = "counts",
		.metric = "upx_probe_calls", .help = "Calls seen, by the --by key.",
	});
	static const struct {
		const char *comm;
		uint32_t pid;
		int64_t bytes;
		const char *str;
		uint64_t count;
	} rows[] = {
		{ "bash", 4242, 16, "hello", 3 },
		{ "python3", 17, -22, "with \"quotes\"\n", 3 },
		{ "a", 1, 0x7fff0000, "", 12 },
	};

	table__col(t, &(struct table_col){ .head = "comm", .json = "comm", .label = "comm" });
	table__col(t, &(struct table_col){ .head = "pid", .json = "pid", .label = "pid" });
	table__col(t, &(struct table_col){ .head = "bytes", .json = "bytes", .label = "bytes" });
	table__col(t, &(struct table_col){ .head = "str:arg1", .json = "arg1", .label = "arg1" });
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		char hex[24];

		table__row(t, NULL);
		table__str(t, rows[i].comm, -1);
		table__u64(t, rows[i].pid);
		if (rows[i].bytes > 0xffff) {
			snprintf(hex, sizeof(hex), "0x%llx", (unsigned long long)rows[i].bytes);
			table__num_text(t, rows[i].bytes, false, hex);
		} else {
			table__s64(t, rows[i].bytes);
		}
		table__str(t, rows[i].str, -1);
		table__count(t, rows[i].count);
	}
	table__total(t, "keys", "upx_by_keys", METRIC_GAUGE, "Keys in the --by map (at most --by-size).",
		     3);
	table__total(t, "not_counted", "upx_by_not_counted", METRIC_COUNTER,
		     "Calls not counted: their --by key did not fit in --by-size keys.", 5);
	table__total(t, "lost", NULL, METRIC_COUNTER, NULL, 0);
	return t;
}

/* trace --latency: nanoseconds as seconds, the exact sum, p50 and p99; one probe never called. */
static struct table *fill_latency(void)
{
	struct table *t = table__new(&(struct table_spec){
		.hist = true, .noun = "probe", .one = "call", .many = "calls",
		.hist_name = "latency_ns", .json_value = "latency_ns", .percentile_unit = "ns",
		.metric = "upx_probe_duration_seconds",
		.help = "Time from entry to return of each probed function (log2 buckets).",
		.per_unit = 1e9,
	});
	uint64_t slots[HIST_SLOTS] = { 0 }, none[HIST_SLOTS] = { 0 };

	slots[hist_slot(1000)] = 4;
	slots[hist_slot(3000)] = 1;
	probe_cols(t);
	table__row(t, NULL);
	table__str(t, "libc.so.6:usleep", -1);
	table__str(t, "/usr/lib/x86_64-linux-gnu/libc.so.6", -1);
	table__str(t, "usleep", -1);
	table__hist(t, slots, HIST_SLOTS, 7000, true);
	table__row(t, NULL);
	table__str(t, "libc.so.6:nanosleep", -1);
	table__str(t, "/usr/lib/x86_64-linux-gnu/libc.so.6", -1);
	table__str(t, "nanosleep", -1);
	table__hist(t, none, HIST_SLOTS, 0, true);
	table__total(t, NULL, "upx_probe_returns_unmatched", METRIC_COUNTER,
		     "Returns seen without their entry (missed or evicted): not in the durations.", 1);
	return t;
}

/* trace --hist arg1 --by probe,comm --top 1: named keys, the arg label, a sum past 64 bits. */
static struct table *fill_by_hists(void)
{
	struct table *t = table__new(&(struct table_spec){
		.hist = true, .noun = "key", .one = "call", .many = "calls",
		.hist_name = "arg1", .named_keys = true, .json_value = "arg1",
		.metric = "upx_probe_value",
		.help = "Values of the --hist argument (label arg), by the --by key (log2 buckets).",
	});
	uint64_t a[HIST_SLOTS] = { 0 }, b[HIST_SLOTS] = { 0 };

	a[0] = 1;
	a[hist_slot(100)] = 2;
	b[HIST_SLOTS - 1] = 3;
	probe_cols(t);
	table__col(t, &(struct table_col){ .head = "comm", .json = "comm", .label = "comm" });
	table__top(t, 1);
	table__label(t, "arg", "arg1");
	table__row(t, NULL);
	table__str(t, "libc.so.6:write", -1);
	table__str(t, "/usr/lib/x86_64-linux-gnu/libc.so.6", -1);
	table__str(t, "write", -1);
	table__str(t, "sh", -1);
	table__hist(t, a, HIST_SLOTS, 200, true);
	table__row(t, NULL);
	table__str(t, "libc.so.6:write", -1);
	table__str(t, "/usr/lib/x86_64-linux-gnu/libc.so.6", -1);
	table__str(t, "write", -1);
	table__str(t, "big", -1);
	table__hist(t, b, HIST_SLOTS, (unsigned __int128)3 << 64, true);
	return t;
}

/* exitcodes' summary: after the events, a fixed-width name, a code to the right. */
static struct table *fill_summary(void)
{
	struct table *t = table__new(&(struct table_spec){
		.noun = "row", .gap = true, .count_width = 8, .json_doc = "summary",
		.metric = "upx_process_exits",
		.help = "Processes that ended through libc's exit() or _exit(), per name and exit code.",
	});
	static const struct {
		const char *comm;
		int code;
		uint64_t count;
	} rows[] = { { "true", 0, 2 }, { "false", 1, 2 }, { "sh", -1, 1 }, { "a-very-long-name", 255, 9 } };

	table__col(t, &(struct table_col){ .head = "comm", .json = "comm", .label = "comm",
					   .min_width = 16 });
	table__col(t, &(struct table_col){ .head = "code", .json = "code", .label = "code",
					   .flags = TABLE_RIGHT, .min_width = 4 });
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		table__row(t, NULL);
		table__str(t, rows[i].comm, -1);
		table__s64(t, rows[i].code);
		table__count(t, rows[i].count);
	}
	table__total(t, "lost", NULL, METRIC_COUNTER, NULL, 0);
	return t;
}

/* lifetimes' table: the name, shown; what follows is statistics. */
static struct table *lifetimes_new(void)
{
	struct table *t = table__new(&(struct table_spec){
		.hist = true, .noun = "name", .one = "process", .many = "processes",
		.hist_name = "lifetime_ns", .empty = "No process ended.",
		.metric = "upx_process_lifetime_seconds", .help = "How long processes lived.",
		.per_unit = 1e9,
	});

	table__col(t, &(struct table_col){ .head = "comm", .json = "comm", .label = "comm" });
	return t;
}

/* lifetimes: statistics after the count in JSON, one of them a family of its own. */
static struct table *fill_lifetimes(void)
{
	struct table *t = lifetimes_new();
	uint64_t slots[HIST_SLOTS] = { 0 };

	slots[hist_slot(200000000)] = 1;
	table__col(t, &(struct table_col){ .json = "min_ns", .flags = TABLE_AFTER_COUNT });
	table__col(t, &(struct table_col){ .json = "already_running", .flags = TABLE_AFTER_COUNT,
					   .family = "upx_process_lifetimes_from_task_start",
					   .family_help = "Of those, already running." });
	table__row(t, NULL);
	table__str(t, "sleep", -1);
	table__u64(t, 200000000);
	table__u64(t, 1);
	table__hist(t, slots, HIST_SLOTS, 200000000, true);
	table__note(t, "  count 1, min 200.0 ms");
	return t;
}

/* A table without rows: its empty line in text, nothing else. */
static struct table *fill_empty(void)
{
	return lifetimes_new();
}

/* Stacks: a detail under each row (text) or inside its object (JSON); the unwinder first. */
static void stack_detail(void *arg, void *data, FILE *f, struct json_writer *jw)
{
	const char *const *frames = data;

	if (f) {
		for (; *frames; frames++)
			fprintf(f, "    %s\n", *frames);
		fputc('\n', f);
		return;
	}
	json_name(jw, "frames");
	json_array_start(jw);
	for (; *frames; frames++)
		json_string(jw, *frames);
	json_array_end(jw);
}

static struct table *fill_stacks(void)
{
	static const char *const a[] = { "leaf", "main", NULL }, *const b[] = { "leaf", "other", NULL };
	struct table *t = table__new(&(struct table_spec){ .noun = "stack", .json_doc = "stacks" });

	table__col(t, &(struct table_col){ .head = "probe", .json = "probe" });
	table__col(t, &(struct table_col){ .json = "function" });
	table__top(t, 1);
	table__detail(t, stack_detail, NULL);
	table__doc_str(t, "unwinder", "fp");
	table__row(t, (void *)b);
	table__str(t, "t:leaf", -1);
	table__str(t, "leaf", -1);
	table__count(t, 1);
	table__row(t, (void *)a);
	table__str(t, "t:leaf", -1);
	table__str(t, "leaf", -1);
	table__count(t, 5);
	table__total(t, "stacks_total", NULL, METRIC_COUNTER, NULL, 2);
	return t;
}

/* What trace's parse_arg_name() makes of argN and retval, enough for by_spec_parse(). */
static int parse_arg(const char *s)
{
	if (!strcmp(s, "retval"))
		return TRACE_VALUE_RETVAL;
	return !strncmp(s, "arg", 3) && s[3] >= '0' && s[3] <= '5' && !s[4] ? s[3] - '0' : -1;
}

/* A number as trace shows one without DWARF: hex, unsigned. */
static bool hex_value(void *arg, const struct trace_by_key *k, const struct by_part *p, char *text,
		      __u64 *v)
{
	snprintf(text, 24, "0x%llx", (unsigned long long)*v);
	return false;
}

/*
 * --by probe,file,pid,retval,arg1 through bykey's columns: a probe's file
 * as the process sees it (-p's /proc/PID/root cut), a copy in another root,
 * retval signed, arg1 as the callback shows it, a key whose probe and copy
 * are unknown.
 */
static struct table *fill_by_key(void)
{
	static struct plan_file files[] = {
		{ .in_root = "/proc/123/root/usr/lib/libc.so.6", .root = "/" },
		{ .in_root = "/lib/libc.so.6", .root = "/srv/jail" },
	};
	static struct plan_entry entries[] = { { .file = 0, .label = "libc.so.6:write",
						 .func = "write" } };
	static const struct plan plan = { .files = files, .nr_files = 2, .entries = entries,
					  .nr = 1, .nr_probes = 1 };
	struct table *t = table__new(&(struct table_spec){
		.noun = "key", .json_doc = "counts", .metric = "upx_probe_calls", .help = "Calls.",
	});
	struct by_spec by = {};
	struct trace_by_key k = { .probe = 0, .file = 1, .pid = 42 };
	char err[128];

	CU_ASSERT_EQUAL_FATAL(by_spec_parse(&by, "probe,file,pid,retval,arg1", parse_arg, err,
					    sizeof(err)), 0);
	by_table_cols(t, &by);
	k.values[by.parts[3].slot] = (__u64)-2;
	k.values[by.parts[4].slot] = 16;
	table__row(t, NULL);
	by_table_cells(t, &by, &plan, &k, hex_value, NULL);
	table__count(t, 3);
	k = (struct trace_by_key){ .probe = 7, .file = 9, .pid = 1 };
	table__row(t, NULL);
	by_table_cells(t, &by, &plan, &k, hex_value, NULL);
	table__count(t, 1);
	by_spec_free(&by);
	return t;
}

static void test_by_key(void)
{
	check_table("by-key", fill_by_key);
}

static void test_counts(void)
{
	check_table("counts", fill_counts);
}

static void test_by_counts(void)
{
	check_table("by-counts", fill_by_counts);
}

static void test_latency(void)
{
	check_table("latency", fill_latency);
}

static void test_by_hists(void)
{
	check_table("by-hists", fill_by_hists);
}

static void test_summary(void)
{
	check_table("summary", fill_summary);
}

static void test_lifetimes(void)
{
	check_table("lifetimes", fill_lifetimes);
}

static void test_empty(void)
{
	check_table("empty", fill_empty);
}

static void test_stacks(void)
{
	check_table("stacks", fill_stacks);
}

/* Rows are counted before --top cuts them; an empty table sorts and renders safely. */
static void test_nr_rows(void)
{
	struct table *t = fill_counts();

	CU_ASSERT_EQUAL(table__nr_rows(t), 5);
	table__free(t);
	table__free(NULL);
}

CU_TestInfo table_tests[] = {
	UNIT_TEST(test_counts),
	UNIT_TEST(test_by_counts),
	UNIT_TEST(test_latency),
	UNIT_TEST(test_by_hists),
	UNIT_TEST(test_summary),
	UNIT_TEST(test_lifetimes),
	UNIT_TEST(test_empty),
	UNIT_TEST(test_stacks),
	UNIT_TEST(test_by_key),
	UNIT_TEST(test_nr_rows),
	CU_TEST_INFO_NULL,
};
