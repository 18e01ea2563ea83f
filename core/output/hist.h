/* SPDX-License-Identifier: GPL-2.0 */
/*
 * log2 histograms printed like bpftrace's:
 *   [2M, 4M)               3 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|
 * Slot 0 holds 0, slot 1 holds 1, slot k holds [2^(k-1), 2^k).  The slots
 * and their labels; the printers, hist_print() and hist_json(), are in
 * core/output/output.h.
 */
#ifndef UPX_HIST_H
#define UPX_HIST_H

#include <stdint.h>
#include <stdio.h>

#include "log2.h"

#define HIST_SLOTS UPX_LOG2_SLOTS

/* The slot of v: upx_log2_slot() (probes/log2.h), as the BPF programs bucket it. */
unsigned int hist_slot(uint64_t v);
/* Lower bound of a slot's range (0, 1, 2, 4, ...). */
uint64_t hist_slot_low(unsigned int slot);
/* "[2M, 4M)", "[0]", "[1]" into buf; suffixes K M G T P E are powers of 1024. */
void hist_slot_label(unsigned int slot, char *buf, size_t size);
/* Estimated percentile (0..100) from the buckets: interpolated inside the bucket. */
double hist_percentile(const uint64_t *slots, unsigned int nr_slots, double pct);

#endif
