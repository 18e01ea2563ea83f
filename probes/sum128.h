/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A 128-bit sum of 64-bit values, for the real _sum of a histogram
 * (probes/trace.bpf.c's hist_sums, read by the metrics of `upx trace`): a
 * 64-bit sum of argument values wraps after a few big ones.  Plain C for
 * both sides, as probes/log2.h.  Per CPU, so no atomics: a map of these is
 * a BPF_MAP_TYPE_PERCPU_ARRAY, summed over the CPUs by user space.
 */
#ifndef UPX_PROBES_SUM128_H
#define UPX_PROBES_SUM128_H

struct upx_sum128 {
	unsigned long long lo, hi;
};

static inline __attribute__((always_inline)) void upx_sum128_add(struct upx_sum128 *s,
								  unsigned long long v)
{
	s->lo += v;
	s->hi += s->lo < v; /* the carry */
}

#endif
