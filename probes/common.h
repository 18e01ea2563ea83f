/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the records of probes/ share with user space: the length of a
 * task's name as bpf_get_current_comm() copies it (TASK_COMM_LEN, with its
 * NUL).  probes/common.bpf.h includes it for the --comm filter.
 */
#ifndef UPX_PROBES_COMMON_H
#define UPX_PROBES_COMMON_H

#define UPX_COMM_LEN 16

#endif
