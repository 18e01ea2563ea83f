/* SPDX-License-Identifier: GPL-2.0 */
/*
 * --span START END: the time from a call of one probe to the next call of
 * another, paired on the same thread or by a value both see (--span-key).
 * Here: the options checked against the two probes, which of the plan's
 * probes start a span and which end one, what the BPF program is told
 * (probes/trace.h: trace_config's span_* fields, struct trace_span_key), and
 * what a finished span adds to an event line and to a table.
 */
#ifndef UPX_SPAN_H
#define UPX_SPAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <linux/types.h>	/* probes/trace.h's __u32, __u64 */

#include "trace.h"

struct bpf_map;
struct json_writer;
struct plan;
struct probe_spec;
struct table;
struct table_spec;

struct span_opts {
	bool on;		/* --span */
	const char *key;	/* --span-key ARG[,ARG]: START's value, then END's */
	bool min_dur;		/* --min or --max was given as a duration (20ms) */
	/* what span_check() and span_split() made of them */
	uint8_t key_start, key_end;	/* TRACE_VALUE_NONE: the thread */
	uint32_t end_probe;		/* the plan's probes [0, end_probe) start spans */
};

#define OPT_SPAN(o) \
	OPT_BOOL(0, "span", &(o)->on, \
		 "time spans: from a call of the first probe (START) to the next of the second (END)"), \
	OPT_STRING(0, "span-key", &(o)->key, "ARG[,ARG]", \
		   "--span: pair START and END by this value (argN or retval; END's after a comma), not by thread")

/*
 * --span, --span-key and durations against the probes (START and END:
 * exactly two) and the options that do not go with a span (--hist ARG, --on
 * ARG, --stack: NULL / false when not given); 0 or a usage error.
 */
int span_check(struct span_opts *o, const struct probe_spec *specs, size_t nr, const char *hist,
	       const char *on, bool stack);
/* Once the plan is made: where END's probes begin (they follow START's); 0 or -1 after error(). */
int span_split(struct span_opts *o, const struct plan *plan);
/*
 * Is probe i a row of its own in tables and the zero report?  Not a span's
 * END (its spans are START's), nor the return probe --latency adds, nor the
 * entry site --buf adds to keep a return probe's arguments.
 */
bool probe_has_row(const struct span_opts *o, const struct plan *plan, size_t i, bool latency);
/*
 * The program's part, once cfg's filters are set: the probes split
 * (span_split()), --min / --max time the span, the map of open spans sized;
 * 0 or -1 after error().
 */
int span_configure(struct span_opts *o, const struct plan *plan, struct trace_config *cfg,
		   struct bpf_map *starts);

/* A finished span's own fields in an event: " dur=51.204ms"; "duration_ns" and "end_tid". */
void span_event_text(const struct span_opts *o, FILE *f, const struct trace_event *e);
void span_event_json(const struct span_opts *o, struct json_writer *jw,
		     const struct trace_event *e);

/*
 * The table of spans (--count or --latency with --span): its family and help
 * (ts, returned); its footer: STARTs evicted before their END, ENDs without a START.
 */
struct table_spec *span_table_spec(const struct span_opts *o, struct table_spec *ts, bool by);
void span_table_totals(const struct span_opts *o, struct table *t, uint64_t evicted,
		       uint64_t unmatched);
/* STARTs evicted before their END, said once at the end. */
void span_warn_evicted(const struct span_opts *o, uint64_t evicted);

#endif
