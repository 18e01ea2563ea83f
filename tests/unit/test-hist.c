// SPDX-License-Identifier: GPL-2.0
/* log2 histograms: slots, labels (bpftrace's), percentiles, printing. */
#include <stdlib.h>
#include <string.h>

#include "output/hist.h"
#include "output/output.h"
#include "unit.h"

static void test_slots(void)
{
	CU_ASSERT_EQUAL(hist_slot(0), 0);
	CU_ASSERT_EQUAL(hist_slot(1), 1);
	CU_ASSERT_EQUAL(hist_slot(2), 2);
	CU_ASSERT_EQUAL(hist_slot(3), 2);
	CU_ASSERT_EQUAL(hist_slot(4), 3);
	CU_ASSERT_EQUAL(hist_slot(1048576), 21);
	CU_ASSERT_EQUAL(hist_slot(~0ULL), 64);
	CU_ASSERT_EQUAL(hist_slot_low(21), 1048576);
}

/* The number of significant bits, one at a time: what a log2 slot must be. */
static unsigned int ref_slot(uint64_t v)
{
	unsigned int n = 0;

	for (; v; v >>= 1)
		n++;
	return n;
}

/*
 * The one log2 (probes/log2.h), as trace.bpf.c buckets in the kernel and
 * hist_slot() in user space: against the reference at 0, ~0 and on each side
 * of every power of two, where a slot begins and ends.
 */
static void test_log2_edges(void)
{
	unsigned int bad = 0;

	CU_ASSERT_EQUAL(upx_log2_slot(0), 0);
	CU_ASSERT_EQUAL(upx_log2_slot(~0ULL), 64);
	CU_ASSERT_EQUAL(UPX_LOG2_SLOTS, 65);
	for (unsigned int k = 0; k < 64; k++) {
		uint64_t p = 1ULL << k;
		uint64_t vals[] = { p - 1, p, p + 1, p | (p >> 1), p | (p - 1) };

		for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
			uint64_t v = vals[i];

			if (upx_log2_slot(v) != ref_slot(v) || hist_slot(v) != ref_slot(v))
				bad++;
		}
		/* p is the low end of its slot, and the slot of p - 1 is the one below */
		CU_ASSERT_EQUAL(upx_log2_slot(p), k + 1);
		CU_ASSERT_EQUAL(hist_slot_low(upx_log2_slot(p)), p);
		if (k)
			CU_ASSERT_EQUAL(upx_log2_slot(p - 1), k);
	}
	CU_ASSERT_EQUAL(bad, 0);
}

static void test_labels(void)
{
	char b[40];

	hist_slot_label(0, b, sizeof(b));
	CU_ASSERT_STRING_EQUAL(b, "[0]");
	hist_slot_label(1, b, sizeof(b));
	CU_ASSERT_STRING_EQUAL(b, "[1]");
	hist_slot_label(2, b, sizeof(b));
	CU_ASSERT_STRING_EQUAL(b, "[2, 4)");
	hist_slot_label(11, b, sizeof(b));
	CU_ASSERT_STRING_EQUAL(b, "[1K, 2K)");
	hist_slot_label(22, b, sizeof(b));
	CU_ASSERT_STRING_EQUAL(b, "[2M, 4M)");
	hist_slot_label(10, b, sizeof(b));
	CU_ASSERT_STRING_EQUAL(b, "[512, 1K)");
}

static void test_print(void)
{
	uint64_t slots[HIST_SLOTS] = {};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	slots[22] = 3;
	slots[24] = 6;
	hist_print(f, slots, HIST_SLOTS);
	fclose(f);
	CU_ASSERT_STRING_EQUAL(buf,
		"[2M, 4M)                3 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n"
		"[4M, 8M)                0 |                                                    |\n"
		"[8M, 16M)               6 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n");
	free(buf);
}

static void test_percentile(void)
{
	uint64_t slots[HIST_SLOTS] = {};

	slots[11] = 100; /* [1K, 2K) */
	CU_ASSERT_DOUBLE_EQUAL(hist_percentile(slots, HIST_SLOTS, 50), 1536, 1);
	slots[21] = 1; /* one in [1M, 2M) */
	CU_ASSERT_TRUE(hist_percentile(slots, HIST_SLOTS, 99) < 2048);
	CU_ASSERT_TRUE(hist_percentile(slots, HIST_SLOTS, 100) >= 1048576);
}

CU_TestInfo hist_tests[] = {
	UNIT_TEST(test_slots),
	UNIT_TEST(test_log2_edges),
	UNIT_TEST(test_labels),
	UNIT_TEST(test_print),
	UNIT_TEST(test_percentile),
	CU_TEST_INFO_NULL,
};
