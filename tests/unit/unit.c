// SPDX-License-Identifier: GPL-2.0
/*
 * The unit-test runner: one CUnit table of suites.  Each tests/unit/test-*.c
 * defines `CU_TestInfo <name>_tests[]` and is listed in SUITES below.
 */
#include <CUnit/Basic.h>
#include <stdlib.h>

#include "unit.h"

#define SUITE(n) extern CU_TestInfo n##_tests[];
UNIT_SUITES
#undef SUITE

#define SUITE(n) { .pName = #n, .pTests = n##_tests },
static CU_SuiteInfo suites[] = {
	UNIT_SUITES
	CU_SUITE_INFO_NULL,
};
#undef SUITE

int main(void)
{
	unsigned int failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	if (CU_register_suites(suites) != CUE_SUCCESS) {
		fprintf(stderr, "unit: %s\n", CU_get_error_msg());
		return 1;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return failed ? 1 : 0;
}
