// SPDX-License-Identifier: GPL-2.0
/* core/unwind.c: placeholder until the tests land. */
#include "unit.h"

CU_TestInfo unwind_tests[] = {
	CU_TEST_INFO_NULL,
};
