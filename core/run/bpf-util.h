/* SPDX-License-Identifier: GPL-2.0 */
/* Small things every command that loads a skeleton needs. */
#ifndef UPX_BPF_UTIL_H
#define UPX_BPF_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/bpf-obj.h"

/* libbpf's own messages: shown with -v, otherwise only upx's one-line errors. */
void bpf_util_setup_logging(void);

/* The CPUs a per-CPU map holds a value for (a lookup fills that many). */
int percpu_nr_cpus(void);
/* Sum of a per-CPU map value of 8 bytes over all CPUs. */
uint64_t percpu_u64_sum(int map_fd, uint32_t key);
/* The same under any key (a per-CPU hash); 0 when there is none. */
uint64_t percpu_u64_sum_key(int map_fd, const void *key);
/*
 * Sum of a per-CPU map value that is a 128-bit sum (probes/sum128.h) over
 * all CPUs, into *sum; false (and 0) when key cannot be read.
 */
bool percpu_sum128(int map_fd, uint32_t key, unsigned __int128 *sum);

/*
 * What went into an LRU hash map (counted in slot in of stats, a per-CPU
 * array of u64), was neither taken out (slot out) nor is in it now: evicted.
 */
struct bpf_map;
uint64_t lru_evicted(const struct bpf_map *stats, uint32_t in, uint32_t out,
		     const struct bpf_map *map);

/* A skeleton failed to load: one line, with the hint that -vv shows the verifier's log; -1. */
int bpf_load_error(void);

#endif
