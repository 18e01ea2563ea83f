/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What probes/lifetimes.bpf.c and `upx lifetimes` share: one record per
 * process that ends through libc, with how long it lived.
 */
#ifndef UPX_PROBES_LIFETIMES_H
#define UPX_PROBES_LIFETIMES_H

#include "common.h"

/* Where a lifetime was measured from. */
enum lifetimes_from {
	LIFETIMES_FROM_LIBC = 0, /* __libc_start_main, seen while tracing */
	LIFETIMES_FROM_TASK = 1, /* the task's start time: it was running before tracing began */
};

struct lifetimes_event {
	__u64 lifetime_ns;
	__u32 pid;
	__u32 from;	/* enum lifetimes_from */
	char comm[UPX_COMM_LEN];
};

#endif
