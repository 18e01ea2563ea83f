// SPDX-License-Identifier: GPL-2.0
/*
 * upx trace --follow: keeps the `follow` map of trace.bpf.c (shared by fd)
 * equal to the -c command and its live descendants.  A program of its own so
 * that only --follow pays for CO-RE (libbpf then parses the kernel's BTF);
 * lifetimes and exitcodes use the raw tracepoints of follow.bpf.h instead,
 * which read the task at offsets user space sets.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#define UPX_FOLLOW_CORE
#include "follow.bpf.h"

SEC("tp_btf/sched_process_fork")
int BPF_PROG(upx_follow_fork, struct task_struct *parent, struct task_struct *child)
{
	follow_fork(BPF_CORE_READ(parent, tgid), BPF_CORE_READ(child, tgid));
	return 0;
}

/*
 * A followed process whose last thread exits leaves the map.  do_exit()
 * decrements signal->live before the tracepoint (see task_group_dead()).
 */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(upx_follow_exit, struct task_struct *p)
{
	__u32 tgid = BPF_CORE_READ(p, tgid);

	if (BPF_CORE_READ(p, signal, live.counter) == 0)
		bpf_map_delete_elem(&follow, &tgid);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
