// SPDX-License-Identifier: GPL-2.0
/*
 * upx lifetimes, kernel side: a process starts at libc's __libc_start_main
 * and ends at exit() (or at _exit() when it skips exit(), as dash does).
 * One record per process, with its lifetime, for user space to aggregate
 * per name.  A process already running when tracing began is measured from
 * its task's start time, read at an offset user space found in the kernel's
 * BTF (probes/task.bpf.h): no CO-RE.  Start times live in a bounded LRU map
 * and leave it when the process is gone, whether or not it called exit().
 */
#include <stdbool.h>
#include <linux/bpf.h>
#include <linux/ptrace.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "follow.bpf.h"
#include "lifetimes.h"
#include "common.bpf.h"

const volatile __u64 start_cookie;	/* the cookie of the __libc_start_main probe */
const volatile __u64 exit_cookie;	/* the cookie of the exit() probe; others are _exit() */

struct proc_state {
	__u64 start_ns;	/* CLOCK_MONOTONIC, like task->start_time */
	__u8 from;	/* enum lifetimes_from */
	__u8 done;	/* measured at exit(): its _exit() is not measured again */
	__u8 pad[6];	/* named, so that initializers zero it */
};

/* By tgid.  LRU so that it stays bounded even if an exit were missed. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct proc_state);
} upx_life_procs SEC(".maps");

/* __libc_start_main: (re)starts the clock; an exec() of a new program starts it again. */
static __always_inline int on_start(__u32 tgid)
{
	struct proc_state st = { .start_ns = bpf_ktime_get_ns(), .from = LIFETIMES_FROM_LIBC };

	bpf_map_update_elem(&upx_life_procs, &tgid, &st, BPF_ANY);
	return 0;
}

static __always_inline int on_end(__u32 tgid, bool via_exit)
{
	struct proc_state *st = bpf_map_lookup_elem(&upx_life_procs, &tgid), fresh = {};
	struct lifetimes_event *e;
	char comm[UPX_COMM_LEN];
	__u64 now = bpf_ktime_get_ns(), start;
	__u8 from;

	bpf_get_current_comm(comm, sizeof(comm));
	if (has_comm && !comm_matches(comm))
		return 0;
	if (has_cgroup && !cgroup_matches())
		return 0;
	if (st && st->done)
		return 0; /* the _exit() at the end of an exit() already measured */
	if (st) {
		start = st->start_ns;
		from = st->from;
		if (via_exit)
			st->done = 1;
	} else {
		/* Running before tracing began: the kernel knows when it started. */
		start = task_group_start((const void *)bpf_get_current_task());
		from = LIFETIMES_FROM_TASK;
		if (via_exit) {
			fresh = (struct proc_state){ .start_ns = start, .from = from, .done = 1 };
			bpf_map_update_elem(&upx_life_procs, &tgid, &fresh, BPF_ANY);
		}
	}

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		stat_inc(UPX_STAT_LOST);
		return 0;
	}
	e->lifetime_ns = now > start ? now - start : 0;
	e->pid = tgid;
	e->from = from;
	__builtin_memcpy(e->comm, comm, sizeof(comm));
	submit_batched(e, sizeof(*e), now);
	return 0;
}

static __always_inline int handle(struct pt_regs *ctx)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	__u64 cookie = bpf_get_attach_cookie(ctx);

	if (is_self() || !followed(tgid))
		return 0;
	if (cookie == start_cookie)
		return on_start(tgid);
	return on_end(tgid, cookie == exit_cookie);
}

UPX_UPROBE_TWINS(uprobe, upx_lifetime, handle(ctx))

/* A process that is gone, however it ended, leaves the maps. */
SEC("raw_tp/sched_process_exit")
int BPF_PROG(upx_life_gone, const void *task)
{
	__u32 tgid = follow_forget(task);

	if (tgid)
		bpf_map_delete_elem(&upx_life_procs, &tgid);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
