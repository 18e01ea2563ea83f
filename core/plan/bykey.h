/* SPDX-License-Identifier: GPL-2.0 */
/*
 * --by KEY: counting and histograms under a key built in the kernel
 * (probes/trace.h struct trace_by_key).  A key list such as
 * "comm,pid,str:arg1" is parsed into the fields the BPF program fills, in
 * the order written (the order of the columns); the by_counts / by_hists maps
 * are read back into rows sorted by count.
 */
#ifndef UPX_BYKEY_H
#define UPX_BYKEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/types.h>

#include "trace.h"

#define BY_MAX_PARTS 8

enum by_kind {
	BY_PROBE, BY_PID, BY_TID, BY_UID, BY_COMM,
	BY_FILE,	/* the copy of the probed file (core/target/copies.h) */
	BY_VALUE,	/* a number: argN, a parameter, retval (slot: values[]) */
	BY_STR,		/* str:ARG: the string ARG points to */
};

struct by_part {
	enum by_kind kind;
	const char *name;	/* as written: "comm", "arg1", "bytes", "retval" (str: without "str:") */
	int arg;		/* BY_VALUE / BY_STR: what parse_arg() made of name */
	int slot;		/* BY_VALUE: index in trace_by_key.values */
};

struct by_spec {
	struct by_part parts[BY_MAX_PARTS];
	int nr;
	char *buf;		/* the names point into it */
};

/*
 * "comm,pid,str:arg1" into spec.  parse_arg turns an argument's name into
 * what trace's programs take (0..5, TRACE_VALUE_RETVAL, or a positive "look
 * the parameter up later" mark); < 0 for junk.  0, or -1 with err filled.
 */
int by_spec_parse(struct by_spec *spec, const char *s, int (*parse_arg)(const char *),
		  char *err, size_t err_size);
void by_spec_free(struct by_spec *spec);
/* Calls a full --by map of size keys left out (not_counted), said when there are any. */
void by_warn_full(unsigned long long size, uint64_t not_counted);
/* --by-size's default: keys the kernel keeps. */
#define BY_SIZE_DEFAULT 10240
/*
 * --by s (NULL: not given) and --by-size size against the rest: a key goes
 * with an aggregation, and its arguments with the probes (parse_arg_for():
 * the return value at return probes only, arguments where no probe is one);
 * parsed into spec.  0 or a usage error.
 */
int by_spec_check(struct by_spec *spec, const char *s, unsigned long long size, bool aggregate,
		  bool any_return, bool all_return);
/* The TRACE_BY_* fields of the key. */
unsigned int by_spec_fields(const struct by_spec *spec);
/* The key's layout into the program's configuration (probes/trace.h): fields, arguments, string. */
void by_spec_config(const struct by_spec *spec, struct trace_config *cfg);
bool by_spec_has(const struct by_spec *spec, enum by_kind kind);
/* Where the key's parts sit in the maps' packed keys, and their size (probes/trace.h). */
void by_spec_layout(const struct by_spec *spec, struct trace_by_layout *l);
/* A packed key as the maps hold it, into a whole struct trace_by_key (absent parts 0). */
void by_key_unpack(const struct trace_by_layout *l, const void *packed, struct trace_by_key *k);

/* One key and what was counted under it. */
struct by_row {
	struct trace_by_key key;
	uint64_t count;		/* calls (the histogram's total with --hist/--latency) */
	struct trace_by_hist hist;	/* --hist/--latency only */
};

/*
 * Every key in a by map of spec's keys (value: a __u64 count, or a struct
 * trace_by_hist when hist), unpacked, sorted by count, the larger first,
 * then by key; *rows is allocated.  The number of rows, or -errno.
 */
long by_read_rows(int map_fd, bool hist, const struct by_spec *spec, struct by_row **rows);

/*
 * The calls counted in a by map, per probe into calls[nr_probes] (added),
 * with not_counted, the calls a full map left out; all under probe 0 when
 * the key has no probe.  Whether each probe's number is known: false where
 * calls were left out, or keys without the probe mix several probes' calls.
 */
bool by_calls_per_probe(int map_fd, bool hist, const struct by_spec *spec, uint64_t not_counted,
			uint64_t *calls, size_t nr_probes);

/*
 * The columns a probe gives a table (core/output/table.h), as a part of a
 * key or per probe: its label (text, JSON, series), its file as the process
 * sees it (series) and its function (JSON, series); "?" for no probe.
 */
struct plan;
struct table;
void probe_table_cols(struct table *t);
void probe_table_cells(struct table *t, const struct plan *plan, uint64_t probe);

/*
 * A column per part of a key, named as written (comm, pid, bytes, str:arg1
 * in text; arg1 in JSON and the series); file is where the copy is in text,
 * file and root in JSON, copy and root in the series.  A number (argN, a
 * parameter) is shown as value() says: its text (24 bytes) into text, *v
 * narrowed to what JSON shows, true when signed; retval is signed as it is.
 */
typedef bool (*by_value_fn)(void *arg, const struct trace_by_key *k, const struct by_part *p,
			    char *text, __u64 *v);
void by_table_cols(struct table *t, const struct by_spec *spec);
void by_table_cells(struct table *t, const struct by_spec *spec, const struct plan *plan,
		    const struct trace_by_key *k, by_value_fn value, void *arg);

#endif
