/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What probes/exitcodes.bpf.c and `upx exitcodes` share: one record per
 * process that exits through libc, whichever of exit() and _exit() it used.
 */
#ifndef UPX_PROBES_EXITCODES_H
#define UPX_PROBES_EXITCODES_H

#include "common.h"

enum exitcodes_via {
	EXITCODES_VIA_EXIT = 0,  /* exit(): atexit handlers and stdio flushing ran */
	EXITCODES_VIA__EXIT = 1, /* _exit() called directly: nothing ran */
};

struct exitcodes_event {
	__u64 ts_ns;    /* CLOCK_MONOTONIC */
	__u32 pid;      /* thread group id */
	__u32 tid;      /* the thread that called exit */
	__u32 ppid;     /* real parent's thread group id */
	__s32 status;   /* the argument as passed; the parent sees status & 0xff */
	__u32 via;      /* enum exitcodes_via */
	__u32 pad;
	char comm[UPX_COMM_LEN];
};

#endif
