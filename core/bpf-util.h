/* SPDX-License-Identifier: GPL-2.0 */
/* Small things every command that loads a skeleton needs. */
#ifndef UPX_BPF_UTIL_H
#define UPX_BPF_UTIL_H

#include <stdint.h>

/* libbpf's own messages: shown with -v, otherwise only upx's one-line errors. */
void bpf_util_setup_logging(void);

/* Sum of a per-CPU map value of 8 bytes over all CPUs. */
uint64_t percpu_u64_sum(int map_fd, uint32_t key);

/* CLOCK_REALTIME - CLOCK_MONOTONIC in ns, to date bpf_ktime_get_ns() stamps. */
long long realtime_offset_ns(void);

/* "10:41:02.123456" (local time) for a CLOCK_REALTIME stamp in ns. */
void format_clock(long long realtime_ns, char *buf, unsigned long size);

#endif
