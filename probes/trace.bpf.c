// SPDX-License-Identifier: GPL-2.0
/*
 * upx trace, kernel side: one body behind four entry points (uprobe and
 * uretprobe, classic and uprobe_multi) and their four sleepable twins,
 * filtering and aggregating in the kernel so that only what is asked for is
 * copied out.  Configuration is one struct in rodata (trace_cfg), set by
 * name before load, so the verifier drops the branches not taken.
 * Reads no kernel structure: no CO-RE, no kernel BTF to parse at start.
 * trace-stack.bpf.c is this with --stack's walk of a process's mappings
 * (probes/vma.bpf.h: kfuncs and CO-RE), loaded only with --stack.
 */
#include <stdbool.h>
#include <linux/bpf.h>
#include <linux/ptrace.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/usdt.bpf.h>

#include "trace.h"
#include "sum128.h"
#define UPX_EVENTS_SIZE (8 << 20)
#include "common.bpf.h"
/* Processes traced with -c --follow, kept by probes/follow.bpf.c (shared by fd). */
#define UPX_FOLLOW_MAP_ONLY
#include "follow.bpf.h"
#include "stack.bpf.h"
#include "drops.bpf.h"

/* What user space asked for (probes/trace.h), set by name before load. */
const volatile struct trace_config trace_cfg = {
	.mode = TRACE_MODE_EVENTS,
	.filter_uid = (__u32)-1,
	.str_arg = TRACE_VALUE_NONE,
	.value_arg = TRACE_VALUE_NONE,
	.by_value_arg = { TRACE_VALUE_NONE, TRACE_VALUE_NONE },
	.by_str_arg = TRACE_VALUE_NONE,
	.args_read = (1 << TRACE_MAX_ARGS) - 1,
	.uid_read = 1,
};

/* Calls per probe (max_entries = number of probes, set before load). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

/* probe * TRACE_HIST_SLOTS + slot (max_entries set before load). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TRACE_HIST_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
} hists SEC(".maps");

/*
 * --by with --count: calls per key (max_entries: --by-size, set before load).
 * The key is packed (struct trace_by_layout): its size is set before load
 * too, so it has no BTF type, whose size would not match.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__uint(key_size, sizeof(struct trace_by_key));
	__uint(value_size, sizeof(__u64));
} by_counts SEC(".maps");

/* --by with --hist or --latency: a histogram per key (packed, as by_counts'). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__uint(key_size, sizeof(struct trace_by_key));
	__uint(value_size, sizeof(struct trace_by_hist));
} by_hists SEC(".maps");

/* --by with --latency: the entry's time and key per (thread, probe), as `starts` without --by. */
struct by_start {
	__u64 ts;
	struct trace_by_key key;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1);
	__type(key, __u64);
	__type(value, struct by_start);
} by_starts SEC(".maps");

/* The real sum of the values in each probe's histogram (the _sum of its metric). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct upx_sum128);
} hist_sums SEC(".maps");

/*
 * Latency: entry time per (thread, probe).  LRU, so a thread that never
 * returns (longjmp, exit, a return probe that missed) cannot fill it: its
 * entry is evicted by newer ones.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, __u64);
} starts SEC(".maps");

/*
 * Argument i (or the return value).  The registers are read at fixed offsets
 * first: a computed pointer into pt_regs is refused by the verifier.  At a
 * USDT site the note's argument spec says where argument i is (usdt.bpf.h).
 */
static __always_inline __u64 arg_value(struct pt_regs *ctx, __u8 i, bool usdt)
{
	if (usdt) {
		long v = 0;

		bpf_usdt_arg(ctx, i, &v);
		return v;
	}
	__u64 v[7] = {
		PT_REGS_PARM1(ctx), PT_REGS_PARM2(ctx), PT_REGS_PARM3(ctx),
		PT_REGS_PARM4(ctx), PT_REGS_PARM5(ctx), PT_REGS_PARM6(ctx),
		PT_REGS_RC(ctx),
	};

	if (i == TRACE_VALUE_RETVAL)
		i = 6;
	return i < 7 ? v[i] : 0;
}

static __always_inline void hist_add(__u32 probe, __u64 value)
{
	__u32 key = probe * TRACE_HIST_SLOTS + upx_log2_slot(value);
	__u64 *v = bpf_map_lookup_elem(&hists, &key);
	struct upx_sum128 *sum = bpf_map_lookup_elem(&hist_sums, &probe);

	if (v)
		(*v)++;
	if (sum)
		upx_sum128_add(sum, value);
}

/*
 * A call a filter dropped, counted under its probe with the value it had
 * (probes/drops.bpf.h), for the zero report; v: the value --min/--max
 * tested, or the uid; comm: the task's, when the caller has read it.  Not inlined: the path of a call that passes keeps
 * its registers, and costs what it did before drops were counted (make
 * bench figure 6); a dropped call pays for two map updates.
 */
static __noinline int drop(__u32 probe, __u32 filter, __u64 v, const char *comm)
{
	char own[UPX_COMM_LEN];

	drop_count(probe, filter, v);
	switch (filter) {
	case UPX_FILTER_PID:
		bpf_get_current_comm(own, sizeof(own));
		drop_value(probe, filter, own, 0);
		break;
	case UPX_FILTER_COMM:
		if (comm)
			drop_value(probe, filter, comm, 0);
		break;
	case UPX_FILTER_UID:
		drop_value(probe, filter, NULL, v);
		break;
	case UPX_FILTER_CGROUP:
		drop_value(probe, filter, NULL, bpf_get_current_cgroup_id());
		break;
	}
	return 0;
}

/* The filters every mode applies; false: not this call (counted by drop()). */
static __always_inline bool pass_filters(struct pt_regs *ctx, __u32 probe, __u32 tgid, bool usdt)
{
	if (is_upx(tgid))
		return false;
	if ((trace_cfg.filter_tgid && tgid != trace_cfg.filter_tgid) || !followed(tgid))
		return drop(probe, UPX_FILTER_PID, 0, NULL);
	if (trace_cfg.filter_uid != (__u32)-1) {
		__u32 uid = bpf_get_current_uid_gid();

		if (uid != trace_cfg.filter_uid)
			return drop(probe, UPX_FILTER_UID, uid, NULL);
	}
	if (has_comm) {
		char comm[UPX_COMM_LEN];

		bpf_get_current_comm(comm, sizeof(comm));
		if (!comm_matches(comm))
			return drop(probe, UPX_FILTER_COMM, 0, comm);
	}
	if (has_cgroup && !cgroup_matches())
		return drop(probe, UPX_FILTER_CGROUP, 0, NULL);
	if (trace_cfg.has_min || trace_cfg.has_max) {
		__u64 v = arg_value(ctx, trace_cfg.value_arg, usdt);

		if (trace_cfg.has_min && v < trace_cfg.min_value)
			return drop(probe, UPX_FILTER_MIN, v, NULL);
		if (trace_cfg.has_max && v > trace_cfg.max_value)
			return drop(probe, UPX_FILTER_MAX, v, NULL);
	}
	return true;
}

/*
 * The string at p into e->str.  bpf_probe_read_user_str() runs with page
 * faults disabled, so it fails on a page the process has not touched yet (a
 * file mapped but not read, memory not yet faulted in).  A sleepable program
 * may fault: when the plain read fails, it touches the page of p with
 * bpf_copy_from_user() (a helper: no kernel BTF needed, unlike the
 * bpf_copy_from_user_str kfunc) and reads again; when the string goes on into
 * the next page, that page too (TRACE_STR_BUF < 4096 bytes: at most two
 * pages).  It faults in only the pages the string is on, as a reader in the
 * process would; a copy that fails says why (EFAULT: not mapped).
 */
static __always_inline __s16 read_str(char *dst, __u32 size, const char *p, bool sleepable)
{
	long n = bpf_probe_read_user_str(dst, size, p);
	char c;

	if (sleepable && n < 0) {
		n = bpf_copy_from_user(&c, 1, p);
		if (!n)
			n = bpf_probe_read_user_str(dst, size, p);
		if (n < 0 && !bpf_copy_from_user(&c, 1, p + size - 1))
			n = bpf_probe_read_user_str(dst, size, p);
	}
	return n > 0 ? n - 1 : (n < 0 ? n : 0);
}

/*
 * The --by key of this call into k: only its parts, where trace_cfg.by_key
 * puts them (rodata: the verifier sees each offset as a constant).
 */
static __always_inline void by_key_fill(struct pt_regs *ctx, void *k, __u64 cookie, __u64 id,
					bool sleepable, bool usdt)
{
	const volatile struct trace_by_layout *l = &trace_cfg.by_key;

	if (trace_cfg.by_fields & TRACE_BY_PROBE)
		*(__u32 *)(k + l->probe) = (__u32)cookie;
	if (trace_cfg.by_fields & TRACE_BY_FILE)
		*(__u32 *)(k + l->file) = cookie >> 32;
	if (trace_cfg.by_fields & TRACE_BY_PID)
		*(__u32 *)(k + l->pid) = id >> 32;
	if (trace_cfg.by_fields & TRACE_BY_TID)
		*(__u32 *)(k + l->tid) = (__u32)id;
	if (trace_cfg.by_fields & TRACE_BY_UID)
		*(__u32 *)(k + l->uid) = (__u32)bpf_get_current_uid_gid();
	if (trace_cfg.by_fields & TRACE_BY_COMM)
		bpf_get_current_comm(k + l->comm, UPX_COMM_LEN);
	for (int i = 0; i < TRACE_BY_VALUES; i++)
		if (trace_cfg.by_value_arg[i] != TRACE_VALUE_NONE)
			*(__u64 *)(k + l->values[i]) = arg_value(ctx, trace_cfg.by_value_arg[i], usdt);
	/* An unreadable string counts under "" (user space shows it as such). */
	if (trace_cfg.by_str_arg != TRACE_VALUE_NONE) {
		__builtin_memset(k + l->str, 0, TRACE_BY_STR);
		if (read_str(k + l->str, TRACE_BY_STR,
			     (const char *)arg_value(ctx, trace_cfg.by_str_arg, usdt), sleepable) < 0)
			*(char *)(k + l->str) = 0;
	}
}

/*
 * The value under key k in a --by map, created zeroed the first time; NULL
 * when the map is full (counted: the report says how many calls were not).
 */
static __always_inline void *by_slot(void *map, void *k, void *zero)
{
	void *v = bpf_map_lookup_elem(map, k);

	if (v)
		return v;
	/* -EEXIST: another CPU made it first; any other error: the map is full. */
	if (bpf_map_update_elem(map, k, zero, BPF_NOEXIST) && !bpf_map_lookup_elem(map, k)) {
		stat_inc(TRACE_STAT_BY_FULL);
		return NULL;
	}
	return bpf_map_lookup_elem(map, k);
}

static __always_inline void by_count(void *k)
{
	__u64 zero = 0, *v = by_slot(&by_counts, k, &zero);

	if (v)
		__sync_fetch_and_add(v, 1);
}

/* One zeroed histogram, the template by_slot() copies in (too big for the stack). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct trace_by_hist);
} by_zero SEC(".maps");

static __always_inline void by_hist_add(void *k, __u64 value)
{
	__u32 z = 0;
	struct trace_by_hist *zero = bpf_map_lookup_elem(&by_zero, &z), *h;
	__u32 slot = upx_log2_slot(value);

	if (!zero)
		return;
	h = by_slot(&by_hists, k, zero);
	if (!h || slot >= TRACE_HIST_SLOTS)
		return;
	__sync_fetch_and_add(&h->slots[slot], 1);
	/* Shared by the CPUs: the carry of the 128-bit sum is found by whoever made it. */
	if (__sync_fetch_and_add(&h->sum.lo, value) + value < value)
		__sync_fetch_and_add(&h->sum.hi, 1);
}

static __always_inline void emit(struct pt_regs *ctx, __u64 cookie, __u64 id, bool is_return,
				 bool sleepable, bool usdt)
{
	struct trace_event *e;
	__u32 size = trace_cfg.str_arg != TRACE_VALUE_NONE ? sizeof(*e) : TRACE_EVENT_HDR_SIZE;
	struct stack_walk k;

	stack_announce(id >> 32);	/* --stack: a process's mappings before its first event */
	k = stack_unwind(ctx);		/* --stack=dwarf: unwound here, or copied */
	if (trace_cfg.str_arg != TRACE_VALUE_NONE)
		e = bpf_ringbuf_reserve(&events, sizeof(*e) + stack_extra(k), 0);
	else
		e = bpf_ringbuf_reserve(&events, TRACE_EVENT_HDR_SIZE + stack_extra(k), 0);
	if (!e) {
		stat_inc(UPX_STAT_LOST);
		return;
	}
	e->ts_ns = bpf_ktime_get_ns();
	e->cookie = cookie;
	e->tgid = id >> 32;
	e->tid = (__u32)id;
	e->uid = trace_cfg.uid_read ? (__u32)bpf_get_current_uid_gid() : 0;
	e->is_return = is_return;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	/*
	 * Only the arguments shown (at a USDT site each is a lookup of its
	 * spec); at a return the registers hold whatever the function left there.
	 */
	for (int i = 0; i < TRACE_MAX_ARGS; i++)
		e->args[i] = !is_return && (trace_cfg.args_read & (1 << i)) ?
			     arg_value(ctx, i, usdt) : 0;
	e->retval = is_return ? PT_REGS_RC(ctx) : 0;
	e->str_len = 0;
	if (trace_cfg.str_arg != TRACE_VALUE_NONE &&
	    is_return == (trace_cfg.str_arg == TRACE_VALUE_RETVAL))
		e->str_len = read_str(e->str, TRACE_STR_BUF,
				      (const char *)arg_value(ctx, trace_cfg.str_arg, usdt),
				      sleepable);
	stack_fill(ctx, (void *)e + size, k);	/* --stack: after the event (and its string) */
	submit_batched(e, size + stack_extra(k), e->ts_ns);
}

/* --by: count or bucket under the call's key; latency keeps the key until the return. */
static __always_inline int handle_by(struct pt_regs *ctx, __u64 cookie, __u64 id, bool sleepable,
				     bool usdt)
{
	__u32 probe = cookie;
	struct by_start st;

	by_key_fill(ctx, &st.key, cookie, id, sleepable, usdt);
	switch (trace_cfg.mode) {
	case TRACE_MODE_COUNT:
		by_count(&st.key);
		break;
	case TRACE_MODE_HIST:
		by_hist_add(&st.key, arg_value(ctx, trace_cfg.value_arg, usdt));
		break;
	case TRACE_MODE_LATENCY: {
		__u64 key = (id << 32) | probe;

		st.ts = bpf_ktime_get_ns();
		bpf_map_update_elem(&by_starts, &key, &st, BPF_ANY);
		break;
	}
	}
	return 0;
}

/* --by --latency at a return: the entry's key gets the duration. */
static __always_inline int by_return(__u64 key)
{
	struct by_start *st = bpf_map_lookup_elem(&by_starts, &key);
	struct trace_by_key k;

	if (!st) {
		stat_inc(TRACE_STAT_NO_START);
		return 0;
	}
	__builtin_memcpy(&k, &st->key, sizeof(k));
	by_hist_add(&k, bpf_ktime_get_ns() - st->ts);
	bpf_map_delete_elem(&by_starts, &key);
	return 0;
}

/* A span's START and a --buf event: who, where, the arguments at entry, the return value at a return. */
static __always_inline void event_fill(struct pt_regs *ctx, struct trace_event *e, __u64 cookie,
				       __u64 id, bool is_return, bool usdt)
{
	e->ts_ns = bpf_ktime_get_ns();
	e->cookie = cookie;
	e->tgid = id >> 32;
	e->tid = (__u32)id;
	e->uid = (__u32)bpf_get_current_uid_gid();
	e->is_return = is_return;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	for (int i = 0; i < TRACE_MAX_ARGS; i++)
		e->args[i] = !is_return ? arg_value(ctx, i, usdt) : 0;
	e->retval = is_return ? PT_REGS_RC(ctx) : 0;
	e->str_len = 0;
}

/* --span START END ------------------------------------------------------------------ */

/*
 * A START waiting for its END: its time and probe, its --by key, its event
 * (ids, arguments, string).  The map holds as much of it as is used (user
 * space sets its value size: TRACE_SPAN_OPEN_TIMES without --by and events,
 * up to ev without --str), so a span that only counts copies 16 bytes.
 */
struct span_open {
	__u64 ts;
	__u64 cookie;
	struct trace_by_key by;
	struct trace_event ev;
};

/* Open spans by thread or --span-key (probes/trace.h); LRU: a START never ended is evicted. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1);
	__type(key, struct trace_span_key);
	__type(value, struct span_open);
} span_starts SEC(".maps");

/* Where a START is put together before it goes into span_starts (too big for the stack). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct span_open);
} span_scratch SEC(".maps");

/* The key a span is found under at this end: the thread, or the --span-key value, in its process. */
static __always_inline void span_key(struct pt_regs *ctx, struct trace_span_key *k, __u64 id,
				     __u8 arg, bool usdt)
{
	k->value = arg == TRACE_VALUE_NONE ? (__u32)id : arg_value(ctx, arg, usdt);
	k->tgid = id >> 32;
	k->pad = 0;
}

/* START: filtered as any call, then its event and --by key wait under the span's key. */
static __always_inline int span_begin(struct pt_regs *ctx, __u64 cookie, __u64 id, bool is_return,
				      bool sleepable, bool usdt)
{
	/* a span that is only timed waits as its time and cookie, from the stack */
	struct { __u64 ts, cookie; } times = { 0, cookie };
	__u64 *ts = &times.ts;
	struct trace_span_key k;
	struct trace_event *e;
	struct span_open *o;
	void *v = &times;
	__u32 z = 0;

	if (!pass_filters(ctx, (__u32)cookie, id >> 32, usdt))
		return 0;
	if (trace_cfg.mode == TRACE_MODE_EVENTS || trace_cfg.by_on) {
		o = bpf_map_lookup_elem(&span_scratch, &z);
		if (!o)
			return 0;
		o->cookie = cookie;
		v = o;
		ts = &o->ts;
		if (trace_cfg.mode == TRACE_MODE_EVENTS) {
			e = &o->ev;
			event_fill(ctx, e, cookie, id, is_return, usdt);
			if (trace_cfg.str_arg != TRACE_VALUE_NONE)
				e->str_len = read_str(e->str, TRACE_STR_BUF,
						      (const char *)arg_value(ctx, trace_cfg.str_arg,
									      usdt), sleepable);
		}
		if (trace_cfg.by_on)
			by_key_fill(ctx, &o->by, cookie, id, sleepable, usdt);
	}
	span_key(ctx, &k, id, trace_cfg.span_key_start, usdt);
	/* Last: what upx did above is not in the span's time. */
	*ts = bpf_ktime_get_ns();
	if (!bpf_map_update_elem(&span_starts, &k, v, BPF_ANY))
		stat_inc(TRACE_STAT_SPAN_OPENED);
	return 0;
}

/*
 * A finished span as an event: START's, with END's time and thread and the
 * duration; reserved before the delete in span_finish() (which frees o),
 * submitted or discarded after it.  NULL when the ring buffer is full.
 */
static __always_inline struct trace_event *span_event(const struct span_open *o, __u64 now,
						      __u64 dur, __u64 id)
{
	struct trace_event *e;

	if (trace_cfg.str_arg != TRACE_VALUE_NONE) {
		e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
		if (e)
			bpf_probe_read_kernel(e, sizeof(*e), &o->ev);
	} else {
		e = bpf_ringbuf_reserve(&events, TRACE_EVENT_HDR_SIZE, 0);
		if (e)
			bpf_probe_read_kernel(e, TRACE_EVENT_HDR_SIZE, &o->ev);
	}
	if (!e) {
		stat_inc(UPX_STAT_LOST);
		return NULL;
	}
	e->ts_ns = now;
	e->span_ns = dur;
	e->span_end_tid = (__u32)id;
	return e;
}

static __always_inline bool span_passes(__u64 dur)
{
	return !(trace_cfg.span_has_min && dur < trace_cfg.span_min_ns) &&
	       !(trace_cfg.span_has_max && dur > trace_cfg.span_max_ns);
}

/*
 * END: the span under its key is taken out (the delete is the ticket: of two
 * ENDs at once, one has it), timed, filtered by --min/--max on its duration,
 * then counted, bucketed or shown under START's probe.  An END with no START
 * is counted (TRACE_STAT_NO_START) and leaves nothing behind.
 */
static __always_inline int span_finish(struct pt_regs *ctx, __u64 id, bool usdt)
{
	__u64 now = bpf_ktime_get_ns(), dur;
	struct trace_event *e = NULL;
	struct trace_span_key k;
	struct trace_by_key by;
	struct span_open *o;
	__u32 probe;

	if (is_upx(id >> 32))
		return 0;
	span_key(ctx, &k, id, trace_cfg.span_key_end, usdt);
	o = bpf_map_lookup_elem(&span_starts, &k);
	if (!o) {
		stat_inc(TRACE_STAT_NO_START);
		return 0;
	}
	dur = now - o->ts;
	probe = (__u32)o->cookie;
	if (trace_cfg.by_on)
		__builtin_memcpy(&by, &o->by, sizeof(by));
	if (trace_cfg.mode == TRACE_MODE_EVENTS && span_passes(dur))
		e = span_event(o, now, dur, id);
	if (bpf_map_delete_elem(&span_starts, &k)) {
		if (e)
			bpf_ringbuf_discard(e, 0);
		return 0;
	}
	stat_inc(TRACE_STAT_SPAN_CLOSED);
	if (e) {
		submit_batched(e, trace_cfg.str_arg != TRACE_VALUE_NONE ? sizeof(*e) :
				  TRACE_EVENT_HDR_SIZE, now);
		return 0;
	}
	if (!span_passes(dur))
		return drop(probe, trace_cfg.span_has_min && dur < trace_cfg.span_min_ns ?
				   UPX_FILTER_MIN : UPX_FILTER_MAX, dur, NULL);
	if (trace_cfg.by_on && trace_cfg.mode == TRACE_MODE_COUNT) {
		by_count(&by);
	} else if (trace_cfg.by_on && trace_cfg.mode == TRACE_MODE_LATENCY) {
		by_hist_add(&by, dur);
	} else if (trace_cfg.mode == TRACE_MODE_COUNT) {
		__u64 *v = bpf_map_lookup_elem(&counts, &probe);

		if (v)
			(*v)++;
	} else if (trace_cfg.mode == TRACE_MODE_LATENCY) {
		hist_add(probe, dur);
	}
	return 0;
}

/* A site of a span: START's probes come first in the plan, END's after them. */
static __always_inline int span_site(struct pt_regs *ctx, __u64 cookie, __u64 id, bool is_return,
				     bool sleepable, bool usdt)
{
	if ((__u32)cookie < trace_cfg.span_end_probe)
		return span_begin(ctx, cookie, id, is_return, sleepable, usdt);
	return span_finish(ctx, id, usdt);
}

/* --buf ARG,LEN --------------------------------------------------------------------- */

struct buf_args {
	__u64 args[TRACE_MAX_ARGS];
};

/* A return probe's call's arguments, from its entry site, per (thread, probe); LRU: a call that never returns goes. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1);
	__type(key, __u64);
	__type(value, struct buf_args);
} buf_args SEC(".maps");

/* An entry site of a return probe (its cookie says so): keep the arguments for the return. */
static __always_inline bool buf_keep(struct pt_regs *ctx, __u64 cookie, __u64 id)
{
	__u64 key = id << 32 | ((__u32)cookie & ~TRACE_COOKIE_ENTRY_OF_RETURN);
	struct buf_args a;

	if (!((__u32)cookie & TRACE_COOKIE_ENTRY_OF_RETURN))
		return false;
	for (int i = 0; i < TRACE_MAX_ARGS; i++)
		a.args[i] = arg_value(ctx, i, false);
	bpf_map_update_elem(&buf_args, &key, &a, BPF_ANY);
	return true;
}

/* Argument i of the event, or its return value. */
static __always_inline __u64 buf_value(const struct trace_event *e, __u8 i)
{
	if (i == TRACE_VALUE_RETVAL)
		return e->retval;
	return i < TRACE_MAX_ARGS ? e->args[i] : 0;
}

/* The event with LEN bytes at ARG after it (struct trace_buf), cut at buf_size. */
static __always_inline int buf_emit(struct pt_regs *ctx, __u64 cookie, __u64 id, bool is_return,
				    bool usdt)
{
	__u32 size = TRACE_EVENT_HDR_SIZE + sizeof(struct trace_buf) + trace_cfg.buf_size;
	__u64 key = id << 32 | (__u32)cookie, n;
	struct trace_event *e;
	struct buf_args *kept;
	struct trace_buf *b;

	e = bpf_ringbuf_reserve(&events, size, 0);
	if (!e) {
		stat_inc(UPX_STAT_LOST);
		return 0;
	}
	event_fill(ctx, e, cookie, id, is_return, usdt);
	b = (void *)e + TRACE_EVENT_HDR_SIZE;
	b->err = 0;
	b->copied = 0;
	if (is_return && trace_cfg.buf_keep_args) {
		kept = bpf_map_lookup_elem(&buf_args, &key);
		if (kept) {
			__builtin_memcpy(e->args, kept->args, sizeof(e->args));
			bpf_map_delete_elem(&buf_args, &key);
		} else {
			b->err = -61;	/* ENODATA */
		}
	}
	b->ptr = buf_value(e, trace_cfg.buf_ptr_arg);
	b->len = trace_cfg.buf_len_arg == TRACE_BUF_LEN_CONST ? trace_cfg.buf_len_const :
		 buf_value(e, trace_cfg.buf_len_arg);
	/* read as an int (SSL_read's, write()'s -1 alike): a register's upper half may be junk */
	if (trace_cfg.buf_len_arg != TRACE_BUF_LEN_CONST)
		b->len = (__s32)b->len;
	n = b->len < 0 ? 0 : b->len;
	if (n > trace_cfg.buf_size)
		n = trace_cfg.buf_size;
	if (!b->err && n > 0 && n <= TRACE_BUF_MAX) {
		long r = bpf_probe_read_user(b->data, n, (const void *)b->ptr);

		if (r)
			b->err = r;
		else
			b->copied = n;
	}
	submit_batched(e, size, e->ts_ns);
	return 0;
}

/*
 * Entry, or return outside latency mode: filter, then count, bucket or emit.
 * usdt: a USDT site, whose plan cookie is the usdt cookie (the attach cookie is libbpf's).
 * A cookie's low 32 bits are the probe counted, its high 32 bits the file of the site
 * (a copy of the probed file has sites of its own under the same probes).
 */
static __always_inline int handle_site(struct pt_regs *ctx, bool is_return, bool sleepable,
				       bool usdt)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u64 cookie = usdt ? bpf_usdt_cookie(ctx) : bpf_get_attach_cookie(ctx);
	__u32 probe = cookie;

	if (trace_cfg.span_on)
		return span_site(ctx, cookie, id, is_return, sleepable, usdt);
	if (trace_cfg.buf_keep_args && buf_keep(ctx, cookie, id))
		return 0;
	if (!pass_filters(ctx, probe, id >> 32, usdt))
		return 0;
	if (trace_cfg.buf_on)
		return buf_emit(ctx, cookie, id, is_return, usdt);
	if (trace_cfg.by_on && trace_cfg.mode != TRACE_MODE_EVENTS)
		return handle_by(ctx, cookie, id, sleepable, usdt);
	switch (trace_cfg.mode) {
	case TRACE_MODE_COUNT: {
		__u64 *v = bpf_map_lookup_elem(&counts, &probe);

		if (v)
			(*v)++;
		/* --count --stack: a stack the kernel could not unwind goes as an event */
		if (stack_count(ctx, probe, id >> 32, sleepable))
			emit(ctx, cookie, id, is_return, sleepable, usdt);
		break;
	}
	case TRACE_MODE_HIST:
		hist_add(probe, arg_value(ctx, trace_cfg.value_arg, usdt));
		break;
	case TRACE_MODE_LATENCY: {
		__u64 key = (id << 32) | probe, ts = bpf_ktime_get_ns();

		bpf_map_update_elem(&starts, &key, &ts, BPF_ANY);
		break;
	}
	default:
		emit(ctx, cookie, id, is_return, sleepable, usdt);
	}
	return 0;
}

static __always_inline int handle(struct pt_regs *ctx, bool is_return, bool sleepable)
{
	return handle_site(ctx, is_return, sleepable, false);
}

static __always_inline int handle_return(struct pt_regs *ctx, bool sleepable)
{
	__u64 id, key, *ts;

	if (trace_cfg.mode != TRACE_MODE_LATENCY || trace_cfg.span_on)
		return handle(ctx, true, sleepable);
	/* Filters ran at entry: a recorded start is the ticket. */
	id = bpf_get_current_pid_tgid();
	key = (id << 32) | (__u32)bpf_get_attach_cookie(ctx);
	if (trace_cfg.by_on)
		return by_return(key);
	ts = bpf_map_lookup_elem(&starts, &key);
	if (!ts) {
		stat_inc(TRACE_STAT_NO_START);
		return 0;
	}
	hist_add((__u32)key, bpf_ktime_get_ns() - *ts);
	bpf_map_delete_elem(&starts, &key);
	return 0;
}

/* Entry and return, classic and multi (see UPX_UPROBE_TWINS). */
UPX_UPROBE_TWINS(uprobe, upx_entry, handle(ctx, false, false))
UPX_UPROBE_TWINS(uretprobe, upx_return, handle_return(ctx, false))

/*
 * Sleepable twins, for --str: they may fault a page in to read a string.
 * A sleepable program costs more per hit (see Documentation/upx-trace.txt),
 * so user space loads them only when a string is read.
 */
UPX_UPROBE_TWINS_SLEEPABLE(uprobe, upx_entry, handle(ctx, false, true))
UPX_UPROBE_TWINS_SLEEPABLE(uretprobe, upx_return, handle_return(ctx, true))

/*
 * USDT sites, plain and sleepable (--str): attached by core/run/attach.c, one
 * uprobe_multi link per file, or by libbpf's bpf_program__attach_usdt().
 */
SEC("usdt")
int upx_usdt(struct pt_regs *ctx)
{
	return handle_site(ctx, false, false, true);
}

SEC("usdt.s")
int upx_usdt_s(struct pt_regs *ctx)
{
	return handle_site(ctx, false, true, true);
}

char LICENSE[] SEC("license") = "GPL";
