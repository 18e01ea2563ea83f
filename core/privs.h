/* SPDX-License-Identifier: GPL-2.0 */
/* Can this process load BPF programs and attach uprobes? */
#ifndef UPX_PRIVS_H
#define UPX_PRIVS_H

/* 0 when root or holding CAP_BPF and CAP_PERFMON; else prints one line and returns -1. */
int check_bpf_privileges(void);

#endif
