// SPDX-License-Identifier: GPL-2.0
/*
 * upx trace, kernel side: one body behind four entry points (uprobe and
 * uretprobe, classic and uprobe_multi) and their four sleepable twins,
 * filtering and aggregating in the kernel so that only what is asked for is
 * copied out.  Configuration is
 * rodata set before load, so the verifier drops the branches not taken.
 * Reads no kernel structure: no CO-RE, no kernel BTF to parse at start.
 */
#include <stdbool.h>
#include <linux/bpf.h>
#include <linux/ptrace.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/usdt.bpf.h>

#include "trace.h"
#define UPX_EVENTS_SIZE (8 << 20)
#include "common.bpf.h"
/* Processes traced with -c --follow, kept by probes/follow.bpf.c (shared by fd). */
#define UPX_FOLLOW_MAP_ONLY
#include "follow.bpf.h"

const volatile __u32 mode = TRACE_MODE_EVENTS;
const volatile __u32 filter_tgid;           /* 0: any process */
const volatile __u32 filter_uid = (__u32)-1; /* -1: any user */
const volatile __u8 str_arg = TRACE_VALUE_NONE;   /* argument read as a string */
const volatile __u8 value_arg = TRACE_VALUE_NONE; /* argument (or retval) for --min/--max/--hist */
const volatile __u8 has_min, has_max;
const volatile __u64 min_value, max_value;

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

static __always_inline bool current_comm_matches(void)
{
	char comm[UPX_COMM_LEN];

	bpf_get_current_comm(comm, sizeof(comm));
	return comm_matches(comm);
}

static __always_inline void hist_add(__u32 probe, __u64 value)
{
	__u32 key = probe * TRACE_HIST_SLOTS + upx_log2_slot(value);
	__u64 *v = bpf_map_lookup_elem(&hists, &key);

	if (v)
		(*v)++;
}

/* The filters every mode applies; false: not this call. */
static __always_inline bool pass_filters(struct pt_regs *ctx, __u32 tgid, bool usdt)
{
	if (filter_tgid && tgid != filter_tgid)
		return false;
	if (self_tgid && tgid == self_tgid)
		return false;
	if (!followed(tgid))
		return false;
	if (filter_uid != (__u32)-1 && (__u32)bpf_get_current_uid_gid() != filter_uid)
		return false;
	if (has_comm && !current_comm_matches())
		return false;
	if (has_min || has_max) {
		__u64 v = arg_value(ctx, value_arg, usdt);

		if (has_min && v < min_value)
			return false;
		if (has_max && v > max_value)
			return false;
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
static __always_inline __s16 read_str(char *dst, const char *p, bool sleepable)
{
	long n = bpf_probe_read_user_str(dst, TRACE_STR_BUF, p);
	char c;

	if (sleepable && n < 0) {
		n = bpf_copy_from_user(&c, 1, p);
		if (!n)
			n = bpf_probe_read_user_str(dst, TRACE_STR_BUF, p);
		if (n < 0 && !bpf_copy_from_user(&c, 1, p + TRACE_STR_BUF - 1))
			n = bpf_probe_read_user_str(dst, TRACE_STR_BUF, p);
	}
	return n > 0 ? n - 1 : (n < 0 ? n : 0);
}

static __always_inline void emit(struct pt_regs *ctx, __u64 cookie, __u64 id, bool is_return,
				 bool sleepable, bool usdt)
{
	struct trace_event *e;
	__u32 size = str_arg != TRACE_VALUE_NONE ? sizeof(*e) : TRACE_EVENT_HDR_SIZE;

	if (str_arg != TRACE_VALUE_NONE)
		e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	else
		e = bpf_ringbuf_reserve(&events, TRACE_EVENT_HDR_SIZE, 0);
	if (!e) {
		stat_inc(TRACE_STAT_LOST);
		return;
	}
	e->ts_ns = bpf_ktime_get_ns();
	e->cookie = cookie;
	e->tgid = id >> 32;
	e->tid = (__u32)id;
	e->uid = (__u32)bpf_get_current_uid_gid();
	e->is_return = is_return;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	/* At a return the argument registers hold whatever the function left there. */
	for (int i = 0; i < TRACE_MAX_ARGS; i++)
		e->args[i] = !is_return ? arg_value(ctx, i, usdt) : 0;
	e->retval = is_return ? PT_REGS_RC(ctx) : 0;
	e->str_len = 0;
	if (str_arg != TRACE_VALUE_NONE && is_return == (str_arg == TRACE_VALUE_RETVAL))
		e->str_len = read_str(e->str, (const char *)arg_value(ctx, str_arg, usdt),
				      sleepable);
	submit_batched(e, size);
}

/*
 * Entry, or return outside latency mode: filter, then count, bucket or emit.
 * usdt: a USDT site, whose plan index is the usdt cookie (the attach cookie is libbpf's).
 */
static __always_inline int handle_site(struct pt_regs *ctx, bool is_return, bool sleepable,
				       bool usdt)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u64 cookie = usdt ? bpf_usdt_cookie(ctx) : bpf_get_attach_cookie(ctx);
	__u32 probe = cookie;

	if (!pass_filters(ctx, id >> 32, usdt))
		return 0;
	switch (mode) {
	case TRACE_MODE_COUNT: {
		__u64 *v = bpf_map_lookup_elem(&counts, &probe);

		if (v)
			(*v)++;
		break;
	}
	case TRACE_MODE_HIST:
		hist_add(probe, arg_value(ctx, value_arg, usdt));
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

	if (mode != TRACE_MODE_LATENCY)
		return handle(ctx, true, sleepable);
	/* Filters ran at entry: a recorded start is the ticket. */
	id = bpf_get_current_pid_tgid();
	key = (id << 32) | (__u32)bpf_get_attach_cookie(ctx);
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
 * USDT sites, plain and sleepable (--str): attached by core/attach.c, one
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
