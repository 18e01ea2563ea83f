/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What probes/readline.bpf.c and `upx readline` share: one record per line
 * typed into a readline prompt, and the role of each probe.
 */
#ifndef UPX_PROBES_READLINE_H
#define UPX_PROBES_READLINE_H

#include "common.h"

#define READLINE_LINE_MAX 4096	/* bytes of a line shown; one more is read to see a cut */
#define READLINE_MAX_PROBES 8	/* entries of the attach plan (cookies) */

/* What a probe (by cookie) is. */
enum readline_role {
	READLINE_ROLE_READLINE = 0,	/* return of readline(): the line it returns */
	READLINE_ROLE_TEARDOWN = 1,	/* return of readline_internal_teardown(): the same line,
					 * also for a call that began before tracing and for the
					 * callback interface (python3, gdb) */
};

struct readline_event {
	__u64 ts_ns;	/* CLOCK_MONOTONIC */
	__u32 pid;
	__u32 tid;
	__s32 len;	/* bytes in line without the NUL (> READLINE_LINE_MAX: cut), or -errno */
	__u32 pad;
	char comm[UPX_COMM_LEN];
	char line[READLINE_LINE_MAX + 2];
};

#endif
