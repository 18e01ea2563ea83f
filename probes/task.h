/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel structure members that probes/task.bpf.h reads, by index into
 * its task_off[] offsets.  User space finds them in the kernel's BTF
 * (core/run/kfield.c) and sets them before load: the programs need no CO-RE, so
 * libbpf never parses the kernel's BTF.
 */
#ifndef UPX_PROBES_TASK_H
#define UPX_PROBES_TASK_H

enum upx_task_field {
	UPX_TASK_TGID = 0,	/* task_struct.tgid (4 bytes) */
	UPX_TASK_REAL_PARENT,	/* task_struct.real_parent (a pointer) */
	UPX_TASK_GROUP_LEADER,	/* task_struct.group_leader (a pointer) */
	UPX_TASK_START_TIME,	/* task_struct.start_time (CLOCK_MONOTONIC ns, 8 bytes) */
	UPX_TASK_SIGNAL,	/* task_struct.signal (a pointer) */
	UPX_SIGNAL_LIVE,	/* signal_struct.live.counter: threads not yet exited (4 bytes) */
	UPX_TASK_FIELDS,
};

#endif
