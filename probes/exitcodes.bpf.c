// SPDX-License-Identifier: GPL-2.0
/*
 * upx exitcodes, kernel side: entry probes on libc's exit() and _exit().
 * exit() ends in _exit(), so a process seen in exit() is remembered and its
 * _exit() dropped: one record per process.  The parent comes from the task,
 * read while the process is still alive, at offsets user space found in the
 * kernel's BTF (probes/task.bpf.h): no CO-RE.
 */
#include <stdbool.h>
#include <linux/bpf.h>
#include <linux/ptrace.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "exitcodes.h"
#include "common.bpf.h"
#include "follow.bpf.h"

const volatile __u64 exit_cookie;	/* the cookie of the exit() probe; others are _exit() */
const volatile __u32 filter_tgid;	/* 0: any process */
const volatile __u8 nonzero_only;

/*
 * Processes inside exit(), by tgid.  The value is the process's start time,
 * so a stale entry (a process killed inside an atexit handler) cannot hide
 * the _exit() of a later process that reuses its pid.  LRU: bounded.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, __u64);
} in_exit SEC(".maps");

static __always_inline int handle(struct pt_regs *ctx)
{
	const void *task = (const void *)bpf_get_current_task();
	__u64 id = bpf_get_current_pid_tgid(), start, *seen;
	__u32 tgid = id >> 32;
	bool via_exit = bpf_get_attach_cookie(ctx) == exit_cookie;
	struct exitcodes_event *e;
	char comm[UPX_COMM_LEN];
	int status = (int)PT_REGS_PARM1(ctx);

	if (filter_tgid && tgid != filter_tgid)
		return 0;
	if (is_self() || !followed(tgid))
		return 0;
	bpf_get_current_comm(comm, sizeof(comm));
	if (has_comm && !comm_matches(comm))
		return 0;
	if (has_cgroup && !cgroup_matches())
		return 0;

	start = task_group_start(task);
	if (via_exit) {
		bpf_map_update_elem(&in_exit, &tgid, &start, BPF_ANY);
	} else {
		seen = bpf_map_lookup_elem(&in_exit, &tgid);
		if (seen) {
			bool same = *seen == start;

			bpf_map_delete_elem(&in_exit, &tgid);
			if (same)
				return 0; /* the end of an exit() already reported */
		}
	}
	if (nonzero_only && !(status & 0xff))
		return 0;

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		stat_inc(UPX_STAT_LOST);
		return 0;
	}
	e->ts_ns = bpf_ktime_get_ns();
	e->pid = tgid;
	e->tid = (__u32)id;
	e->ppid = task_parent_tgid(task);
	e->status = status;
	e->via = via_exit ? EXITCODES_VIA_EXIT : EXITCODES_VIA__EXIT;
	e->pad = 0;
	__builtin_memcpy(e->comm, comm, sizeof(comm));
	submit_batched(e, sizeof(*e), e->ts_ns);
	return 0;
}

UPX_UPROBE_TWINS(uprobe, upx_exit, handle(ctx))

/* With -c: a followed process that is gone leaves the follow map. */
SEC("raw_tp/sched_process_exit")
int BPF_PROG(upx_exit_gone, const void *task)
{
	follow_forget(task);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
