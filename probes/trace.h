/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What probes/trace.bpf.c and `upx trace` share: the event record, the
 * aggregation modes and the map layouts.  Fixed-size fields only.
 */
#ifndef UPX_PROBES_TRACE_H
#define UPX_PROBES_TRACE_H

#include "common.h"
#include "log2.h"

#define TRACE_MAX_ARGS 6
#define TRACE_STR_MAX 256      /* bytes of a string argument shown; one more is read to see a cut */
#define TRACE_STR_BUF (TRACE_STR_MAX + 2) /* ... and its NUL */
#define TRACE_HIST_SLOTS UPX_LOG2_SLOTS /* log2 buckets: [0], [1], [2,4), ... [2^63, 2^64) */
#define TRACE_VALUE_RETVAL 15  /* value_arg / str_arg: the return value instead of an argument */
#define TRACE_VALUE_NONE 255

enum trace_mode {
	TRACE_MODE_EVENTS = 0,  /* one record per call into the ring buffer */
	TRACE_MODE_COUNT = 1,   /* calls per probe */
	TRACE_MODE_HIST = 2,    /* log2 histogram of an argument or the return value, per probe */
	TRACE_MODE_LATENCY = 3, /* log2 histogram of entry -> return time per probe */
};

/* Indexes of the `stats` per-CPU array. */
enum trace_stat {
	TRACE_STAT_LOST = 0,        /* ring buffer full: events dropped */
	TRACE_STAT_START_EVICTED,   /* latency: entry with no return seen (never returned / missed) */
	TRACE_STAT_NO_START,        /* latency: return without a recorded entry */
	TRACE_STAT_MAX,
};

struct trace_event {
	__u64 ts_ns;     /* CLOCK_MONOTONIC */
	__u64 cookie;    /* index of the probe in the attach plan */
	__u32 tgid;
	__u32 tid;
	__u32 uid;
	__u16 is_return;
	__s16 str_len;   /* bytes in str (without NUL; > TRACE_STR_MAX: cut), or -errno when unreadable */
	__u64 args[TRACE_MAX_ARGS]; /* all six at entry, whatever --args shows: --on and --str need theirs */
	__u64 retval;
	char comm[UPX_COMM_LEN];
	/* Present only when a string is asked for (see trace_event_size()). */
	char str[TRACE_STR_BUF];
};

#define TRACE_EVENT_HDR_SIZE __builtin_offsetof(struct trace_event, str)

#endif
