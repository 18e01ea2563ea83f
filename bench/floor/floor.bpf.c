// SPDX-License-Identifier: GPL-2.0
/*
 * The floor's programs: the least a uprobe tool can run per hit.  The loader
 * keeps one of them (autoload) and attaches it; see floor.c.
 */
#include <stdbool.h>
#include <linux/bpf.h>
#include <linux/ptrace.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "floor.h"

char LICENSE[] SEC("license") = "GPL";

/* ringbatch: wake the reader only once this many bytes wait in the ring. */
const volatile __u64 wake_bytes = 1 << 20;
/* countkeyed: the loader's own pid, left out as upx leaves itself out. */
const volatile __u32 self_pid;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);		/* 0: hits, 1: events dropped (ring full) */
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20);
} ring SEC(".maps");

static __always_inline void bump(__u32 key)
{
	__u64 *v = bpf_map_lookup_elem(&counts, &key);

	if (v)
		(*v)++;
}

static __always_inline int emit(struct pt_regs *ctx, bool batched, bool named)
{
	__u32 size = named ? sizeof(struct floor_event_named) : sizeof(struct floor_event);
	struct floor_event *e = bpf_ringbuf_reserve(&ring, size, 0);
	__u64 id = bpf_get_current_pid_tgid();
	__u64 flags = 0;

	if (!e) {
		bump(1);
		return 0;
	}
	e->ts = bpf_ktime_get_ns();
	e->pid = id >> 32;
	e->tid = (__u32)id;
	e->arg0 = PT_REGS_PARM1(ctx);
	if (named) {
		((struct floor_event_named *)e)->cookie = bpf_get_attach_cookie(ctx);
		bpf_get_current_comm(((struct floor_event_named *)e)->comm, 16);
	}
	if (batched)
		flags = bpf_ringbuf_query(&ring, BPF_RB_AVAIL_DATA) + size >= wake_bytes ?
			BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
	bpf_ringbuf_submit(e, flags);
	return 0;
}

SEC("uprobe")
int on_null(struct pt_regs *ctx)
{
	return 0;
}

SEC("uprobe")
int on_count(struct pt_regs *ctx)
{
	bump(0);
	return 0;
}

/* count, with the work upx's --count does too: the probe from the cookie, the tracer left out. */
SEC("uprobe")
int on_countkeyed(struct pt_regs *ctx)
{
	if (bpf_get_current_pid_tgid() >> 32 == self_pid)
		return 0;
	bump(bpf_get_attach_cookie(ctx) & 1);
	return 0;
}

SEC("uretprobe")
int on_ret(struct pt_regs *ctx)
{
	bump(0);
	return 0;
}

SEC("uprobe")
int on_ring(struct pt_regs *ctx)
{
	return emit(ctx, false, false);
}

SEC("uprobe")
int on_ringbatch(struct pt_regs *ctx)
{
	return emit(ctx, true, false);
}

SEC("uprobe")
int on_ringnamed(struct pt_regs *ctx)
{
	return emit(ctx, true, true);
}

/* The same, for a uprobe_multi link (a different expected attach type). */
SEC("uprobe.multi")
int on_null_multi(struct pt_regs *ctx)
{
	return 0;
}

SEC("uprobe.multi")
int on_count_multi(struct pt_regs *ctx)
{
	bump(0);
	return 0;
}

SEC("uprobe.multi")
int on_countkeyed_multi(struct pt_regs *ctx)
{
	if (bpf_get_current_pid_tgid() >> 32 == self_pid)
		return 0;
	bump(bpf_get_attach_cookie(ctx) & 1);
	return 0;
}

SEC("uretprobe.multi")
int on_ret_multi(struct pt_regs *ctx)
{
	bump(0);
	return 0;
}

SEC("uprobe.multi")
int on_ring_multi(struct pt_regs *ctx)
{
	return emit(ctx, false, false);
}

SEC("uprobe.multi")
int on_ringbatch_multi(struct pt_regs *ctx)
{
	return emit(ctx, true, false);
}

SEC("uprobe.multi")
int on_ringnamed_multi(struct pt_regs *ctx)
{
	return emit(ctx, true, true);
}
