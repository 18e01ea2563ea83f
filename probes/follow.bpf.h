/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Following a command and its descendants (-c CMD of exitcodes and
 * lifetimes, trace --follow).  User space puts the command's pid in `follow`
 * before releasing it; every fork of a followed process adds the child; a
 * thread group that dies is removed, so the map holds only live processes
 * however many the command starts.
 *
 * Forks and exits are seen through raw tracepoints (no tracefs), whose
 * arguments are untyped task pointers: the tgid and the group's live count
 * are read at offsets from probes/task.bpf.h, so no program needs CO-RE and
 * libbpf does not parse the kernel's BTF.  The map is defined here only:
 * trace.bpf.c, whose probes consult it, defines UPX_FOLLOW_MAP_ONLY and gets
 * the map and followed() without the programs, and probes/follow.bpf.c
 * (trace --follow) keeps trace's map, shared by fd.
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

/* A fork: the child of a followed process is followed. */
static __always_inline void follow_fork(__u32 ptgid, __u32 ctgid)
{
	__u8 one = 1;

	/* A new thread of a followed process needs no entry of its own. */
	if (ptgid != ctgid && bpf_map_lookup_elem(&follow, &ptgid))
		bpf_map_update_elem(&follow, &ctgid, &one, BPF_ANY);
}

#ifndef UPX_FOLLOW_MAP_ONLY
#include "task.bpf.h"

/*
 * From a sched_process_exit program: when t's last thread is gone, its
 * process leaves `follow`.  Returns the tgid, or 0 while threads remain.
 */
static __always_inline __u32 follow_forget(const void *t)
{
	__u32 tgid = task_tgid(t);

	if (!task_group_dead(t))
		return 0;
	bpf_map_delete_elem(&follow, &tgid);
	return tgid;
}

/* Loaded only with use_follow (user space turns autoload off otherwise). */
SEC("raw_tp/sched_process_fork")
int BPF_PROG(upx_follow_fork, const void *parent, const void *child)
{
	follow_fork(task_tgid(parent), task_tgid(child));
	return 0;
}
#endif

#endif
