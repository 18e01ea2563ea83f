/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What probes/trace.bpf.c and `upx trace` share: the event record, the
 * aggregation modes and the map layouts.  Fixed-size fields only.
 */
#ifndef UPX_PROBES_TRACE_H
#define UPX_PROBES_TRACE_H

#include "common.h"
#include "log2.h"
#include "sum128.h"

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

/* Indexes of the `stats` per-CPU array, after UPX_STAT_LOST (probes/common.h). */
enum trace_stat {
	TRACE_STAT_START_EVICTED = UPX_STAT_LOST + 1, /* latency: entry with no return seen (never returned / missed) */
	TRACE_STAT_NO_START,        /* latency: return without a recorded entry */
	TRACE_STAT_BY_FULL,         /* --by: calls not counted, the key map was full */
	TRACE_STAT_SPAN_OPENED,     /* --span: STARTs recorded (an END finds them, or they are evicted) */
	TRACE_STAT_SPAN_CLOSED,     /* --span: ENDs that found their START (and took it out) */
	TRACE_STAT_MAX,
};

struct trace_event {
	__u64 ts_ns;     /* CLOCK_MONOTONIC */
	__u64 cookie;    /* the site's: its probe (low 32 bits) and file (high) in the plan */
	__u32 tgid;
	__u32 tid;
	__u32 uid;
	__u16 is_return;
	__s16 str_len;   /* bytes in str (without NUL; > TRACE_STR_MAX: cut), or -errno when unreadable */
	__u64 span_ns;   /* --span only: START to END (the rest is START's; ts_ns is END's time) */
	__u32 span_end_tid; /* --span only: the thread END fired in */
	__u32 span_pad;
	__u64 args[TRACE_MAX_ARGS]; /* all six at entry, whatever --args shows: --on and --str need theirs */
	__u64 retval;
	char comm[UPX_COMM_LEN];
	/* Present only when a string is asked for (see trace_event_size()). */
	char str[TRACE_STR_BUF];
};

/*
 * --by KEY: what a call is counted (or bucketed) under, in the by_counts /
 * by_hists hash maps.  Fields not in the key stay 0, so equal keys are equal
 * bytes.  by_fields says which of the fixed fields are in it; by_value_arg[]
 * and by_str_arg which arguments (TRACE_VALUE_NONE: none).
 */
#define TRACE_BY_VALUES 2	/* numbers (argN, a parameter, retval) in one key */
#define TRACE_BY_STR 64		/* bytes of a string key, its NUL included */

enum trace_by_field {
	TRACE_BY_PROBE = 1 << 0,
	TRACE_BY_PID = 1 << 1,
	TRACE_BY_TID = 1 << 2,
	TRACE_BY_UID = 1 << 3,
	TRACE_BY_COMM = 1 << 4,
	TRACE_BY_FILE = 1 << 5,
};

struct trace_by_key {
	__u32 probe;
	__u32 pid;
	__u32 tid;
	__u32 uid;
	__u32 file;	/* the file of the site: the cookie's high 32 bits */
	__u32 pad;	/* 0 */
	__u64 values[TRACE_BY_VALUES];
	char comm[UPX_COMM_LEN];
	char str[TRACE_BY_STR];
};

/*
 * Where each part of a --by key sits in the maps' keys: only the parts the
 * key has, packed (numbers first, then the 32-bit ids, comm, the string), so
 * that a key is hashed and compared over its own bytes (16 for comm), not
 * over a whole struct trace_by_key.  TRACE_BY_ABSENT: not in the key.  User
 * space sets it (core/plan/bykey.c), sets the maps' key size to size, and
 * unpacks the keys it reads into a struct trace_by_key.
 */
#define TRACE_BY_ABSENT 0xffff
struct trace_by_layout {
	__u16 size;
	__u16 probe, pid, tid, uid, file, comm, str;
	__u16 values[TRACE_BY_VALUES];
};

/* A histogram under one key: the log2 slots and the exact sum of what went in (128 bits). */
struct trace_by_hist {
	__u64 slots[TRACE_HIST_SLOTS];
	struct upx_sum128 sum;
};

/*
 * What `upx trace` asks of the program: the one const volatile struct in its
 * rodata, `trace_cfg`, found by name (core/run/bpf-util.h) and set before
 * load, in trace.bpf.c and trace-stack.bpf.c alike.
 */
struct trace_config {
	__u64 min_value, max_value;	/* --min / --max, when has_min / has_max */
	__u32 mode;			/* enum trace_mode */
	__u32 filter_tgid;		/* 0: any process */
	__u32 filter_uid;		/* -1: any user */
	__u32 by_fields;		/* --by: the key's TRACE_BY_* fields */
	__u8 str_arg;			/* argument read as a string, TRACE_VALUE_NONE: none */
	__u8 value_arg;			/* argument (or retval) for --min/--max/--hist */
	__u8 has_min, has_max;
	__u8 by_on;			/* --by: any key at all */
	__u8 by_str_arg;		/* --by str:ARG */
	__u8 by_value_arg[TRACE_BY_VALUES];	/* --by's numbers */
	__u8 args_read;			/* events: bit i, argument i is read (the others are 0) */
	__u8 uid_read;			/* events: the uid is read (--json shows it), else 0 */
	struct trace_by_layout by_key;	/* --by: the packed key */
	/* --span START END: probes [0, span_end_probe) are START's, the rest END's. */
	__u8 span_on;
	__u8 span_key_start, span_key_end;	/* --span-key at each end; TRACE_VALUE_NONE: the thread */
	__u8 span_has_min, span_has_max;	/* --min / --max: of the span's duration */
	__u32 span_end_probe;
	__u64 span_min_ns, span_max_ns;
	/* --buf ARG,LEN: buf_size bytes at most, after the event's header (struct trace_buf) */
	__u8 buf_on;
	__u8 buf_ptr_arg;		/* argN, or TRACE_VALUE_RETVAL */
	__u8 buf_len_arg;		/* argN, TRACE_VALUE_RETVAL, or TRACE_BUF_LEN_CONST */
	__u8 buf_keep_args;		/* return probes read what their entry site kept */
	__u32 buf_size;			/* --buf-size */
	__u64 buf_len_const;
};

/*
 * --span: where a START waits for its END, in an LRU hash of
 * TRACE_SPAN_OPEN entries (a START whose END never comes is evicted, and
 * counted: TRACE_STAT_SPAN_OPENED - _CLOSED - what is left in the map).
 * The key: the thread, or the --span-key value in its process.
 */
#define TRACE_SPAN_OPEN 16384
/* The value of an open span in span_starts: its time and cookie, then (--by) START's key, then
 * (events) START's event; trace.bpf.c's struct span_open. */
#define TRACE_SPAN_OPEN_TIMES 16
#define TRACE_SPAN_OPEN_BY (TRACE_SPAN_OPEN_TIMES + sizeof(struct trace_by_key))

struct trace_span_key {
	__u64 value;
	__u32 tgid;
	__u32 pad;	/* 0 */
};

/*
 * --buf ARG,LEN: LEN bytes at ARG (up to --buf-size) after the event's
 * header.  On a return probe ARG and LEN may be arguments: the call's, kept
 * per (thread, probe) by an entry site of the same function, whose cookie
 * has TRACE_COOKIE_ENTRY_OF_RETURN (core/plan/plan.h: PLAN_COOKIE_ENTRY_OF_RETURN).
 */
#define TRACE_BUF_MAX 16384
#define TRACE_BUF_LEN_CONST 254
#define TRACE_COOKIE_ENTRY_OF_RETURN 0x80000000u

struct trace_buf {
	__s64 len;	/* LEN as the call gave it */
	__u64 ptr;	/* where the bytes were read */
	__s32 err;	/* 0, or -errno: not read (-ENODATA: the call's entry was not seen) */
	__u32 copied;	/* bytes in data: LEN, cut at --buf-size; 0 when LEN < 0 */
	__u8 data[];
};

#define TRACE_EVENT_HDR_SIZE __builtin_offsetof(struct trace_event, str)

#endif
