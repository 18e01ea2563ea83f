// SPDX-License-Identifier: GPL-2.0
/*
 * upx trace --follow: keeps the `follow` map of trace.bpf.c (shared by fd)
 * equal to the -c command and its live descendants.  A program of its own so
 * that only --follow pays for CO-RE (libbpf then parses the kernel's BTF).
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "follow.bpf.h"

/* A followed process whose last thread exits leaves the map. */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(upx_follow_exit, struct task_struct *p)
{
	follow_forget(p);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
