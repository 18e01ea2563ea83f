/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Following a command and its descendants (-c CMD of exitcodes and
 * lifetimes), for BPF programs built on vmlinux.h.  User space puts the
 * command's pid in `follow` before releasing it; every fork of a followed
 * process adds the child; a thread group that dies is removed, so the map
 * holds only live processes however many the command starts.  Forks are seen
 * through tp_btf (BTF-typed raw tracepoints): no tracefs.
 */
#ifndef UPX_PROBES_FOLLOW_BPF_H
#define UPX_PROBES_FOLLOW_BPF_H

const volatile __u8 use_follow; /* only processes in `follow` */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, __u8);
} follow SEC(".maps");

static __always_inline bool followed(__u32 tgid)
{
	return !use_follow || bpf_map_lookup_elem(&follow, &tgid);
}

/*
 * Has the last thread of t's group exited?  do_exit() decrements
 * signal->live before the sched_process_exit tracepoint; reading it works on
 * kernels whose tracepoint lacks the group_dead argument (before 6.16).
 */
static __always_inline bool group_dead(struct task_struct *t)
{
	return BPF_CORE_READ(t, signal, live.counter) == 0;
}

/*
 * From a sched_process_exit program: when t's last thread is gone, its
 * process leaves `follow`.  Returns the tgid, or 0 while threads remain.
 */
static __always_inline __u32 follow_forget(struct task_struct *t)
{
	__u32 tgid = BPF_CORE_READ(t, tgid);

	if (!group_dead(t))
		return 0;
	bpf_map_delete_elem(&follow, &tgid);
	return tgid;
}

/* Loaded only with use_follow (user space turns autoload off otherwise). */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(upx_follow_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid = BPF_CORE_READ(parent, tgid), ctgid = BPF_CORE_READ(child, tgid);
	__u8 one = 1;

	/* A new thread of a followed process needs no entry of its own. */
	if (ptgid != ctgid && bpf_map_lookup_elem(&follow, &ptgid))
		bpf_map_update_elem(&follow, &ctgid, &one, BPF_ANY);
	return 0;
}

#endif
