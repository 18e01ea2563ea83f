/* SPDX-License-Identifier: GPL-2.0 */
/* Small things every command that loads a skeleton needs. */
#ifndef UPX_BPF_UTIL_H
#define UPX_BPF_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* libbpf's own messages: shown with -v, otherwise only upx's one-line errors. */
void bpf_util_setup_logging(void);

/* Sum of a per-CPU map value of 8 bytes over all CPUs. */
uint64_t percpu_u64_sum(int map_fd, uint32_t key);

/* CLOCK_REALTIME - CLOCK_MONOTONIC in ns, to date bpf_ktime_get_ns() stamps. */
long long realtime_offset_ns(void);

/* "10:41:02.123456" (local time) for a CLOCK_REALTIME stamp in ns. */
void format_clock(long long realtime_ns, char *buf, unsigned long size);

struct json_writer;
struct bpf_link;
struct bpf_map;
struct bpf_program;

/* A skeleton failed to load: one line, with the hint that -vv shows the verifier's log; -1. */
int bpf_load_error(void);


/*
 * Start the JSON object of one event with the fields every stream shares:
 * time, time_ns (CLOCK_REALTIME), pid, tid, comm (at most comm_max bytes; comm_hex
 * too when it is not valid UTF-8).
 */
void json_event_start(struct json_writer *jw, long long realtime_ns, uint32_t pid, uint32_t tid,
		      const char *comm, unsigned long comm_max);

/* Events the kernel dropped (a full ring buffer): {"lost": N} in JSON, else a warning. */
void report_lost(struct json_writer *jw, uint64_t lost, const char *what);

#endif
