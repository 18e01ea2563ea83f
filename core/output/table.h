/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The table engine: every aggregation (trace's counts, histograms, --by keys
 * and stacks, exitcodes' summary, lifetimes) fills rows, and the engine
 * sorts them, cuts them at --top and renders them as text, JSON or
 * Prometheus/OpenMetrics series, from the same rows.  A plugin fills; it
 * prints no header and writes no metric family itself.
 *
 *	struct table *t = table__new(&(struct table_spec){
 *		.noun = "probe", .one = "call", .many = "calls",
 *		.json_doc = "counts", .metric = "upx_probe_calls", .help = "Calls seen by each probe.",
 *	});
 *	table__col(t, &(struct table_col){ .head = "probe", .json = "probe", .label = "probe" });
 *	table__row(t, NULL);
 *	table__str(t, "libc.so.6:getpid", -1);
 *	table__count(t, 7);
 *	table__print(t, stdout, jw);        ->  PROBE                   COUNT
 *	                                        libc.so.6:getpid            7
 *	table__metrics(t, w);               ->  upx_probe_calls_total{probe="libc.so.6:getpid"} 7
 *	table__free(t);
 *
 * The rules, one each:
 * - sort: the most counted first; ties in the order of their keys as shown
 *   (strings by bytes, numbers by value), then in the order they were added.
 * - --top N: text and JSON show the first N rows, text says
 *   "... 3 more keys (--top 2)" (the table's noun); series are never cut.
 * - width: a text column is as wide as its header, its widest cell
 *   (escaped) and its minimum, whichever is most.
 * - strings: raw bytes in the rows, escaped by each renderer by output/'s
 *   rule (text: output.h, JSON: json.h with NAME_hex, labels: metrics.h).
 */
#ifndef UPX_TABLE_H
#define UPX_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "output/metrics.h"

struct json_writer;

/* A column's flags. */
#define TABLE_RIGHT		1u	/* text: aligned right (a number in a summary) */
#define TABLE_AFTER_COUNT	2u	/* JSON: after "count" (a row's statistics, not its key) */

/*
 * One column.  Each of head, json and label may be NULL: the column is then
 * not in that rendering (a probe's function is in JSON and its labels, not
 * in the text; a statistic only in JSON).
 */
struct table_col {
	const char *head;	/* text: its name, upper-cased as the header, "name=" in a histogram's key */
	const char *json;	/* JSON member name */
	const char *label;	/* Prometheus label name */
	unsigned int flags;
	unsigned int min_width;	/* text */
	/* a number column may also be a counter family of its own, per key (labels of the others) */
	const char *family, *family_help;
};

/* What every table of one kind shares, given once. */
struct table_spec {
	bool hist;		/* rows hold log2 buckets (table__hist()), else a count */
	const char *noun;	/* what a row is, for --top: "probe", "key", "stack" */
	const char *one, *many;	/* what a count counts: "call", "calls" */
	/* text */
	const char *hist_name;	/* a histogram row: "@NAME[KEY]: 3 calls" */
	bool named_keys;	/* KEY as "head=cell, head=cell" (else the cells, ", " between) */
	/* under each histogram, its estimated p50 and p99 in this unit ("ns"); NULL: none */
	const char *percentile_unit;
	bool gap;		/* a blank line first: the table follows a stream of events */
	const char *empty;	/* the line for a table without rows (NULL: nothing) */
	unsigned int count_width; /* the COUNT column's minimum width (12 when 0) */
	/* JSON */
	const char *json_doc;	/* one document {"NAME":[rows], totals}; NULL: one line per row */
	const char *json_value;	/* "value" of each row (a histogram's quantity), when set */
	/* series */
	const char *metric;	/* the family (without _total); NULL: no series */
	const char *help;
	double per_unit;	/* a histogram's values in one unit of the metric (1e9: ns in seconds) */
};

struct table;

/* A table (spec is copied; its strings are borrowed and must outlive the table). */
struct table *table__new(const struct table_spec *spec);
void table__free(struct table *t);

/* Columns, before the first row; col and its names are copied, its family borrowed. */
void table__col(struct table *t, const struct table_col *col);
/* --top N (0 or less: all). */
void table__top(struct table *t, long long top);
/* A label every series carries after the rows' own ("arg" of --hist). */
void table__label(struct table *t, const char *name, const char *value);
/* A string member of the JSON document before its rows ("unwinder"). */
void table__doc_str(struct table *t, const char *json, const char *value);
/*
 * A number about the whole table (its footer): a member of the JSON
 * document after the rows (json NULL: not there; "lost", "not_counted",
 * "keys") and an unlabelled series of its own (metric NULL: none).
 */
void table__total(struct table *t, const char *json, const char *metric, enum metric_type type,
		  const char *help, uint64_t v);

/*
 * A new row; its cells follow in column order.  data is handed back to the
 * detail printer (table__detail()).
 */
void table__row(struct table *t, void *data);
/* A string cell: len bytes (len < 0: up to NUL), copied. */
void table__str(struct table *t, const char *s, long len);
void table__u64(struct table *t, uint64_t v);
void table__s64(struct table *t, int64_t v);
/* A number shown in text and labels as text (a hex pointer, a typed value), in JSON as v. */
void table__num_text(struct table *t, uint64_t v, bool is_signed, const char *text);
/* The row's count (a count table). */
void table__count(struct table *t, uint64_t count);
/* The row's buckets (log2 slots) and the exact sum of its values (has_sum false: unknown). */
void table__hist(struct table *t, const uint64_t *slots, unsigned int nr_slots,
		 unsigned __int128 sum, bool has_sum);
/* A text line under the row's histogram ("  p50 ~..."), escaped as it is written. */
void table__note(struct table *t, const char *line);

/*
 * What follows each shown row: text under its line (f), or members of its
 * JSON object (jw, f NULL) - a row's stack.
 */
typedef void (*table_detail_fn)(void *arg, void *row_data, FILE *f, struct json_writer *jw);
void table__detail(struct table *t, table_detail_fn fn, void *arg);

/* Rows added (before --top). */
size_t table__nr_rows(const struct table *t);

/* Sort, cut at --top and print in upx_output's format (jw: the command's JSON writer). */
void table__print(struct table *t, FILE *f, struct json_writer *jw);
/* The rows as series (all of them), then the column families and the totals. */
void table__metrics(struct table *t, struct metrics_writer *w);

#endif
