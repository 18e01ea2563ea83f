// SPDX-License-Identifier: GPL-2.0
/* log2 histograms: slots, labels (bpftrace's), percentiles, printing. */
#include <stdlib.h>
#include <string.h>

#include "hist.h"
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
	UNIT_TEST(test_labels),
	UNIT_TEST(test_print),
	UNIT_TEST(test_percentile),
	CU_TEST_INFO_NULL,
};
