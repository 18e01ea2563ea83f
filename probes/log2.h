/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The log2 slot of a value, the one definition behind the histograms the BPF
 * programs fill (trace --hist, --latency) and those user space fills and
 * prints (core/output/hist.c): slot 0 holds 0, slot 1 holds 1, slot k holds
 * [2^(k-1), 2^k), up to slot 64 for [2^63, 2^64).  Plain C for both sides:
 * shifts and compares only, no builtin the BPF target would have to expand.
 */
#ifndef UPX_PROBES_LOG2_H
#define UPX_PROBES_LOG2_H

#define UPX_LOG2_SLOTS 65

/* floor(log2(v)) + 1, and 0 for 0: the number of significant bits of v. */
static inline __attribute__((always_inline)) unsigned int upx_log2_slot(unsigned long long v)
{
	unsigned int r = 0;

	if (!v)
		return 0;
	/* halves of 32, 16, ... 1 bits: a constant trip count, unrolled */
	for (unsigned int s = 32; s; s >>= 1) {
		if (v >> s) {
			v >>= s;
			r += s;
		}
	}
	return r + 1;
}

#endif
