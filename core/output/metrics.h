/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The metrics exposition writer: what `--listen` serves and `--metrics-file`
 * writes, in the Prometheus text format 0.0.4 or in OpenMetrics 1.0 (when
 * the scraper's Accept header asks for application/openmetrics-text).
 *
 * A collector writes families one after the other: metrics_family() gives
 * the name, type and help (the HELP and TYPE lines), then one call per
 * sample, each a set of label pairs and a value:
 *
 *	struct metric_labels ls = {};
 *
 *	metrics_family(w, "upx_probe_calls", METRIC_COUNTER, "Calls of each probe.");
 *	metric_labels_add(&ls, "probe", pe->label);
 *	metrics_counter(w, &ls, count);      -> upx_probe_calls_total{probe="..."} 7
 *
 * Counters are named without "_total" (the writer adds it where each format
 * wants it); histograms are upx's log2 slots (probes/log2.h) as cumulative
 * "le" buckets, then +Inf, _sum and _count.  Label values are escaped for the
 * format (\\ \" \n), made valid UTF-8 and safe on a terminal (each bad byte
 * and each control character but '\n', ESC, CR, TAB, DEL, C1, is U+FFFD), and
 * a value not shown as its own bytes gets a NAME_hex label beside it with
 * them (comm_hex, probe_hex, ...), so two names never make one series and
 * none is lost; names are checked against the
 * Prometheus rules.  A bad name or a family written twice is a bug of the
 * collector: the sample is left out and metrics_writer__finish() says so.
 */
#ifndef UPX_METRICS_H
#define UPX_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum metrics_format {
	METRICS_TEXT,		/* text/plain; version=0.0.4 */
	METRICS_OPENMETRICS,	/* application/openmetrics-text; version=1.0.0, ends "# EOF" */
};

enum metric_type {
	METRIC_COUNTER,
	METRIC_GAUGE,
	METRIC_HISTOGRAM,
};

/* The Content-Type header of a format. */
const char *metrics_content_type(enum metrics_format fmt);
/*
 * The format an HTTP Accept header asks for: OpenMetrics when it lists
 * application/openmetrics-text (version 1.0.0 or none given) with a quality
 * no lower than that of text/plain; text otherwise (and for NULL).
 */
enum metrics_format metrics_format_for_accept(const char *accept);

/* Prometheus names: metrics [a-zA-Z_:][a-zA-Z0-9_:]*, labels [a-zA-Z_][a-zA-Z0-9_]*, not "__...". */
bool metrics_valid_metric_name(const char *name);
bool metrics_valid_label_name(const char *name);

#define METRICS_MAX_LABELS 12
#define METRICS_LABEL_BUF 24	/* room for a number */

/*
 * The label pairs of one sample.  Values are borrowed (they must live until
 * the sample is written), except those the _u64 form formats into the
 * set's own room.  A set that is full ignores what is added past it and
 * the writer says so.
 */
struct metric_label {
	const char *name;
	const char *value;
	size_t len;
	bool hex;	/* written as NAME_hex="<value's bytes in hex>" */
};

struct metric_labels {
	unsigned int nr;
	bool overflow;
	struct metric_label l[METRICS_MAX_LABELS];
	char buf[METRICS_MAX_LABELS][METRICS_LABEL_BUF];
};

void metric_labels_add(struct metric_labels *ls, const char *name, const char *value);
/* value is len bytes, not necessarily NUL-terminated (NAME_hex added when not UTF-8). */
void metric_labels_add_len(struct metric_labels *ls, const char *name, const char *value,
			   size_t len);
void metric_labels_add_u64(struct metric_labels *ls, const char *name, uint64_t v);
/* A task name from the kernel (at most max bytes, up to its NUL) as "comm" (and comm_hex). */
void metric_labels_add_comm(struct metric_labels *ls, const char *comm, size_t max);

struct metrics_writer;

/* A writer onto f (not closed by it). */
struct metrics_writer *metrics_writer__new(FILE *f, enum metrics_format fmt);
/*
 * Start a family: its HELP and TYPE lines (and UNIT in OpenMetrics when the
 * name ends in _seconds or _bytes).  name is without _total for a counter.
 */
void metrics_family(struct metrics_writer *w, const char *name, enum metric_type type,
		    const char *help);
/* A sample of the current family, which must be a counter or a gauge respectively. */
void metrics_counter(struct metrics_writer *w, const struct metric_labels *ls, uint64_t v);
void metrics_gauge(struct metrics_writer *w, const struct metric_labels *ls, double v);
/*
 * A histogram of the current family from log2 slots (slot 0 holds 0, slot k
 * holds [2^(k-1), 2^k)): bucket le = (2^k - 1) / per_unit for the slots up
 * to 63 (exact for integer values: a value <= 2^k - 1 is one < 2^k), then
 * +Inf, _sum and _count.  per_unit: values in one unit of the metric (1e9
 * for nanoseconds into _seconds, 1 for plain values).  sum is the real sum
 * of the values, before per_unit, or negative when not known (no _sum then).
 */
void metrics_log2_histogram(struct metrics_writer *w, const struct metric_labels *ls,
			    const uint64_t *slots, unsigned int nr_slots, double sum, double per_unit);
/* "# EOF" in OpenMetrics; 0, -EINVAL after a collector's mistake, -EIO when writing failed. */
int metrics_writer__finish(struct metrics_writer *w);
void metrics_writer__free(struct metrics_writer *w);

/*
 * A float as Prometheus's own (Go's) shortest form, "%g" with the fewest
 * digits that read back the same: 0.001, 1e-06, 1.8446744073709552e+19,
 * +Inf, NaN; OpenMetrics adds ".0" to an integral one (1.0) as its canonical
 * numbers want.  buf has at least 32 bytes.
 */
char *metrics_format_double(char *buf, double v, enum metrics_format fmt);

#endif
