/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every upx BPF program has: the `events` ring buffer with batched
 * wake-ups, the per-CPU `stats` counters (lost events, ...), the --comm and
 * --cgroup filters, and the test that leaves upx's own process out (and its
 * -c child until it has exec'd the command).  Include after the BPF headers;
 * a program may define UPX_EVENTS_SIZE first for another ring-buffer size.
 */
#ifndef UPX_PROBES_COMMON_BPF_H
#define UPX_PROBES_COMMON_BPF_H

#include "common.h"

#define UPX_STATS_MAX 8 /* slots of `stats`: UPX_STAT_LOST (common.h), then a program's own */
#ifndef UPX_EVENTS_SIZE
#define UPX_EVENTS_SIZE (1 << 20)
#endif

/*
 * Wake user space when a record brings the pending data past this, and at
 * most once per wakeup_ns otherwise (so a lone event shows within
 * milliseconds); between wake-ups user space drains on a short timer.
 */
const volatile __u64 wakeup_bytes = 64 * 1024;
const volatile __u64 wakeup_ns = 2 * 1000 * 1000;
/* When the last time-based wake-up was sent (any CPU; a race only adds one). */
__u64 last_wakeup_ns;
const volatile char filter_comm[UPX_COMM_LEN];
const volatile __u8 has_comm;
/*
 * --cgroup: the cgroup v2 directory's id and its level below the root
 * (core/target/cgroup.h).  A task in it or below it has it as its ancestor at that
 * level.  Uprobe programs may call both helpers that test it on Debian
 * 12's 6.1 as on 6.18 (bpf_tracing_func_proto); this one takes the RCU read
 * lock itself, so it is safe in the sleepable (--str) programs too, which
 * bpf_current_task_under_cgroup() (a cgroup array map, no lock of its own)
 * is not.
 */
const volatile __u8 has_cgroup;
const volatile __u32 cgroup_level;
const volatile __u64 cgroup_id;
/*
 * upx's own process (set before load): never traced, as BCC's trace leaves
 * itself out.  Without it a system-wide probe on malloc or write would see
 * every event upx prints, and each would make more.
 */
const volatile __u32 self_tgid;
/*
 * The -c child (set before load, 0: none) is a fork of upx, running upx's
 * code, until it execs the command: left out as upx is until then (its read
 * of the go byte, execve() itself, and when the exec fails its _exit(127)).
 * upx_child_exec sets child_execd once it has exec'd.
 */
const volatile __u32 child_tgid;
__u32 child_execd;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, UPX_EVENTS_SIZE);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, UPX_STATS_MAX);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

static __always_inline void stat_inc(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&stats, &idx);

	if (v)
		(*v)++;
}

/* Process tgid is upx itself, or its -c child before the exec. */
static __always_inline bool is_upx(__u32 tgid)
{
	if (self_tgid && tgid == self_tgid)
		return true;
	return child_tgid && tgid == child_tgid && !child_execd;
}

/* The current thread belongs to upx itself (or to its -c child before the exec). */
static __always_inline bool is_self(void)
{
	return is_upx(bpf_get_current_pid_tgid() >> 32);
}

/*
 * The exec of the -c child: from here on it runs the command (attached by
 * core/run/run.c only with -c).  A raw tracepoint, as the follow programs use: no
 * tracefs.  It fires in the exec'ing process, before the new program runs an
 * instruction.
 */
SEC("raw_tp/sched_process_exec")
int upx_child_exec(void *ctx)
{
	if (child_tgid && (bpf_get_current_pid_tgid() >> 32) == child_tgid)
		child_execd = 1;
	return 0;
}

/* comm (from bpf_get_current_comm) equals --comm. */
static __always_inline bool comm_matches(const char *comm)
{
	for (int i = 0; i < UPX_COMM_LEN; i++) {
		if (comm[i] != filter_comm[i])
			return false;
		if (!comm[i])
			break;
	}
	return true;
}

/* The current task is in the --cgroup cgroup or below it. */
static __always_inline bool cgroup_matches(void)
{
	return bpf_get_current_ancestor_cgroup_id(cgroup_level) == cgroup_id;
}

/*
 * Submit a reserved record, waking user space only when it is needed: once
 * when this record takes the pending data past wakeup_bytes, or when no
 * wake-up was sent for wakeup_ns.  A wake-up per event (or per event past the
 * threshold, while user space catches up) costs the traced program more than
 * the probe itself: an irq_work and a self-IPI each.  now: the event's own
 * bpf_ktime_get_ns(), read once (a clock read is a tenth of a hit's BPF time).
 */
static __always_inline void submit_batched(void *e, __u64 size, __u64 now)
{
	__u64 rec = (size + 8 + 7) & ~7ULL; /* with the 8-byte header, rounded up */
	__u64 avail = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);
	long flags = BPF_RB_NO_WAKEUP;

	if (avail >= wakeup_bytes && avail < wakeup_bytes + rec) {
		flags = BPF_RB_FORCE_WAKEUP;
	} else if (now - last_wakeup_ns >= wakeup_ns) {
		last_wakeup_ns = now;
		flags = BPF_RB_FORCE_WAKEUP;
	}
	bpf_ringbuf_submit(e, flags);
}

/*
 * Classic uprobe links and uprobe_multi links need programs of different
 * expected attach types, so every body has two entry points; user space loads
 * only the ones it uses.  UPX_UPROBE_TWINS(uprobe, upx_entry, handle(ctx))
 * defines upx_entry in SEC("uprobe") and upx_entry_multi in
 * SEC("uprobe.multi"), both returning handle(ctx); kind is uprobe or
 * uretprobe.  The _SLEEPABLE form defines name_s and name_multi_s in the
 * sleepable sections (".s").
 */
#define UPX_PROBE_PAIR(sec, multi_sec, name, multi_name, call)		\
SEC(sec)								\
int name(struct pt_regs *ctx)						\
{									\
	return call;							\
}									\
									\
SEC(multi_sec)								\
int multi_name(struct pt_regs *ctx)					\
{									\
	return call;							\
}
#define UPX_UPROBE_TWINS(kind, name, call)					\
	UPX_PROBE_PAIR(#kind, #kind ".multi", name, name##_multi, call)
#define UPX_UPROBE_TWINS_SLEEPABLE(kind, name, call)				\
	UPX_PROBE_PAIR(#kind ".s", #kind ".multi.s", name##_s, name##_multi_s, call)

#endif
