/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The few task_struct fields lifetimes and exitcodes read, at the offsets
 * user space found in the kernel's BTF (core/run/kfield.c) and set before load.
 * Plain bpf_probe_read_kernel() at known offsets, where BPF_CORE_READ would
 * have had libbpf parse the whole kernel BTF (11 MB, 15 ms) to find them.
 * A pointer to a task is an untyped address here: no vmlinux.h needed.
 */
#ifndef UPX_PROBES_TASK_BPF_H
#define UPX_PROBES_TASK_BPF_H

#include "task.h"

const volatile __u32 task_off[UPX_TASK_FIELDS];

/*
 * A field of the structure at base; 0 when it cannot be read (as from
 * BPF_CORE_READ: bpf_probe_read_kernel() zeroes what it fails to read).
 */
#define TASK_READER(name, type)							\
static __always_inline type name(const void *base, enum upx_task_field f)	\
{										\
	type v;									\
										\
	bpf_probe_read_kernel(&v, sizeof(v), (const char *)base + task_off[f]);	\
	return v;								\
}
TASK_READER(task_u32, __u32)
TASK_READER(task_u64, __u64)
TASK_READER(task_ptr, const void *)
#undef TASK_READER

static __always_inline __u32 task_tgid(const void *t)
{
	return task_u32(t, UPX_TASK_TGID);
}

/* The thread group id of t's real parent. */
static __always_inline __u32 task_parent_tgid(const void *t)
{
	return task_tgid(task_ptr(t, UPX_TASK_REAL_PARENT));
}

/* When t's process started (its group leader's start_time, CLOCK_MONOTONIC ns). */
static __always_inline __u64 task_group_start(const void *t)
{
	return task_u64(task_ptr(t, UPX_TASK_GROUP_LEADER), UPX_TASK_START_TIME);
}

/*
 * Has the last thread of t's group exited?  do_exit() decrements
 * signal->live before the sched_process_exit tracepoint; reading it works on
 * kernels whose tracepoint lacks the group_dead argument (before 6.16).
 */
static __always_inline bool task_group_dead(const void *t)
{
	return task_u32(task_ptr(t, UPX_TASK_SIGNAL), UPX_SIGNAL_LIVE) == 0;
}

#endif
