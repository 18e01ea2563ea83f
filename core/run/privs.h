/* SPDX-License-Identifier: GPL-2.0 */
/* Can this process load BPF programs and attach uprobes? */
#ifndef UPX_PRIVS_H
#define UPX_PRIVS_H

#include <stdbool.h>

/* 0 when root or holding CAP_BPF and CAP_PERFMON; else prints one line and returns -1. */
int check_bpf_privileges(void);

/*
 * Can this process open a uprobe perf event (what a classic, one-site uprobe
 * link is)?  The kernel's uprobe PMU asks for CAP_SYS_ADMIN: since Linux 6.16
 * and its stable backports (commit ba677dbe77af, "perf: Revert to requiring
 * CAP_SYS_ADMIN for uprobes"); 5.8 to 6.15 took CAP_PERFMON.  A uprobe_multi
 * link is a BPF link, not a perf event: CAP_BPF and CAP_PERFMON load its
 * program and attach it.  True when the capabilities cannot be read.
 */
bool can_open_uprobe_perf_event(void);

/*
 * After the kernel refused a classic uprobe link with err (-EACCES/-EPERM)
 * while can_open_uprobe_perf_event() is false: prints the one line that says
 * why, for what (a probe's label), and returns true; false for other errors.
 */
bool explain_uprobe_perf_event_denied(const char *what, int err);

#endif
