// SPDX-License-Identifier: GPL-2.0
/* The one log2 histogram printer, shared by trace, lifetimes and the rest. */
#include <string.h>

#include "output/hist.h"

unsigned int hist_slot(uint64_t v)
{
	return upx_log2_slot(v);
}

uint64_t hist_slot_low(unsigned int slot)
{
	return slot ? 1ULL << (slot - 1) : 0;
}

static void human(uint64_t v, char *buf, size_t size)
{
	static const char suffix[] = " KMGTPE";
	int i = 0;

	while (v >= 1024 && !(v & 1023) && i < 6) {
		v >>= 10;
		i++;
	}
	if (i)
		snprintf(buf, size, "%llu%c", (unsigned long long)v, suffix[i]);
	else
		snprintf(buf, size, "%llu", (unsigned long long)v);
}

void hist_slot_label(unsigned int slot, char *buf, size_t size)
{
	char lo[24], hi[24];

	if (slot <= 1) {
		snprintf(buf, size, "[%u]", slot);
		return;
	}
	human(hist_slot_low(slot), lo, sizeof(lo));
	if (slot == 64)
		snprintf(hi, sizeof(hi), "...");
	else
		human(hist_slot_low(slot + 1), hi, sizeof(hi));
	snprintf(buf, size, "[%s, %s)", lo, hi);
}

double hist_percentile(const uint64_t *slots, unsigned int nr, double pct)
{
	uint64_t total = 0, seen = 0;
	double want;
	unsigned int i;

	for (i = 0; i < nr; i++)
		total += slots[i];
	if (!total)
		return 0;
	want = total * pct / 100.0;
	for (i = 0; i < nr; i++) {
		double lo, hi;

		if (!slots[i])
			continue;
		if (seen + slots[i] >= want) {
			lo = (double)hist_slot_low(i);
			hi = i ? (double)hist_slot_low(i) * 2 : 0;
			if (i == 1)
				hi = 1;
			return lo + (hi - lo) * ((want - seen) / slots[i]);
		}
		seen += slots[i];
	}
	return (double)hist_slot_low(nr - 1);
}
