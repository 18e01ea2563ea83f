// SPDX-License-Identifier: GPL-2.0
/*
 * upx trace --follow: keeps the `follow` map of trace.bpf.c (shared by fd)
 * equal to the -c command and its live descendants.  A program of its own so
 * that only --follow pays for the tracepoints and for the task offsets user
 * space reads from the kernel's BTF; like lifetimes and exitcodes it uses the
 * raw tracepoints of follow.bpf.h: no CO-RE, no vmlinux.h.
 */
#include <stdbool.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "follow.bpf.h"

/* A followed process whose last thread exits leaves the map. */
SEC("raw_tp/sched_process_exit")
int BPF_PROG(upx_follow_exit, const void *task)
{
	follow_forget(task);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
