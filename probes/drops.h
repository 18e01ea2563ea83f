/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Calls a filter dropped, as probes/drops.bpf.h counts them in the kernel
 * and core/run/whyzero.c reads them for the zero report: per probe and filter a
 * count (with the extreme value --min or --max dropped), and per value seen
 * (a comm, a uid, a cgroup id) a count of its own, in a bounded map.
 * Fixed-size fields only.
 */
#ifndef UPX_PROBES_DROPS_H
#define UPX_PROBES_DROPS_H

#include "common.h"

/* A call is counted under the first filter that drops it, in this order. */
enum upx_filter {
	UPX_FILTER_PID = 0,	/* -p, the -c command (its children with --follow) */
	UPX_FILTER_UID,		/* --uid */
	UPX_FILTER_COMM,	/* --comm */
	UPX_FILTER_CGROUP,	/* --cgroup */
	UPX_FILTER_MIN,		/* --min */
	UPX_FILTER_MAX,		/* --max */
	UPX_FILTER_NR,
};

/* drops[probe * UPX_FILTER_NR + filter], per CPU. */
struct upx_drop {
	__u64 count;
	__u64 extreme;	/* --min: the largest value dropped; --max: the smallest (when count) */
};

/* The distinct values dropped calls had, per probe and filter (drop_values). */
#define UPX_DROP_VALUES 4096
struct upx_drop_key {
	__u32 probe;
	__u32 filter;
	/* the comm (PID, COMM), or a __u32 uid (UID) or __u64 cgroup id (CGROUP) at its start */
	char value[UPX_COMM_LEN];
};

#endif
