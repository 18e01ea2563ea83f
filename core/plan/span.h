/* SPDX-License-Identifier: GPL-2.0 */
/*
 * --span START END: the time from a call of one probe to the next call of
 * another, paired on the same thread or by a value both see (--span-key).
 * Here: the options checked against the two probes, which of the plan's
 * probes start a span and which end one, and what the BPF program is told
 * (probes/trace.h: trace_config's span_* fields, struct trace_span_key).
 */
#ifndef UPX_SPAN_H
#define UPX_SPAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trace.h"

struct plan;
struct probe_spec;
struct table;

struct span_opts {
	bool on;		/* --span */
	const char *key;	/* --span-key ARG[,ARG]: START's value, then END's */
};

#define OPT_SPAN(o) \
	OPT_BOOL(0, "span", &(o)->on, \
		 "time spans: from a call of the first probe (START) to the next of the second (END)"), \
	OPT_STRING(0, "span-key", &(o)->key, "ARG[,ARG]", \
		   "--span: pair START and END by this value (argN or retval; END's after a comma), not by thread")

struct span_plan {
	bool on;
	uint8_t key_start, key_end;	/* TRACE_VALUE_NONE: the thread */
	uint32_t end_probe;		/* the plan's probes [0, end_probe) start spans */
};

/*
 * --span and --span-key against the probes (START and END: exactly two) and
 * the options (conflict: one given that does not go with --span, or NULL);
 * fills sp; 0 or a usage error.
 */
int span_check(const struct span_opts *o, const struct probe_spec *specs, size_t nr,
	       const char *conflict, struct span_plan *sp);
/* Once the plan is made: where END's probes begin (they follow START's); 0 or -1 after error(). */
int span_split(struct span_plan *sp, const struct plan *plan);
/* Is probe i one that ends spans (not a row of its own)? */
bool span_is_end(const struct span_plan *sp, size_t i);
/* The program's part: sp, and --min / --max (has_min, min...) on the duration. */
void span_configure(const struct span_plan *sp, struct trace_config *cfg);

/*
 * The table of spans (--count or --latency with --span): its family and help;
 * then the footer: spans evicted before their END, ENDs without a START.
 */
void span_table_spec(const struct span_plan *sp, bool count, bool by, const char **metric,
		     const char **help);
void span_table_totals(struct table *t, uint64_t evicted, uint64_t unmatched);
/* Spans dropped before their END, said once at the end (text; JSON has them in the summary). */
void span_warn_evicted(uint64_t evicted);

#endif
