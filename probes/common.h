/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the records of probes/ share with user space: the length of a
 * task's name as bpf_get_current_comm() copies it (TASK_COMM_LEN, with its
 * NUL), and the one slot of the `stats` counters every program has.
 * probes/common.bpf.h includes it for the --comm filter and stat_inc().
 */
#ifndef UPX_PROBES_COMMON_H
#define UPX_PROBES_COMMON_H

#define UPX_COMM_LEN 16

/*
 * Slot of every program's per-CPU `stats` array (probes/common.bpf.h): the
 * records dropped because the ring buffer was full.  core/run/ reads it,
 * reports it after the command's report and serves it as upx_events_lost
 * (session_lost()); a program numbers its own slots after it.
 */
#define UPX_STAT_LOST 0

#endif
