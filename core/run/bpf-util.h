/* SPDX-License-Identifier: GPL-2.0 */
/* Small things every command that loads a skeleton needs. */
#ifndef UPX_BPF_UTIL_H
#define UPX_BPF_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* libbpf's own messages: shown with -v, otherwise only upx's one-line errors. */
void bpf_util_setup_logging(void);

/* The CPUs a per-CPU map holds a value for (a lookup fills that many). */
int percpu_nr_cpus(void);
/* Sum of a per-CPU map value of 8 bytes over all CPUs. */
uint64_t percpu_u64_sum(int map_fd, uint32_t key);
/* The same under any key (a per-CPU hash); 0 when there is none. */
uint64_t percpu_u64_sum_key(int map_fd, const void *key);

struct bpf_object;

/*
 * A variable of the object's .rodata, found by name in its BTF (core sets
 * those every program declares, probes/common.bpf.h, without knowing the
 * skeleton's type); before load.  NULL when the object has no such variable
 * of that size.
 */
void *bpf_rodata_var(struct bpf_object *obj, const char *name, size_t size);

/* A skeleton failed to load: one line, with the hint that -vv shows the verifier's log; -1. */
int bpf_load_error(void);

#endif
