// SPDX-License-Identifier: GPL-2.0
/*
 * The unit-test runner: one CUnit table of suites.  Each tests/unit/test-*.c
 * defines `CU_TestInfo <name>_tests[]` and is listed in SUITES below.
 */
#include <CUnit/Basic.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "unit.h"

void unit_golden(const char *dir, const char *name, const char *text, size_t len)
{
	char path[256], *want = NULL;
	size_t want_len = 0;
	const char *over = getenv("UPX_GOLDEN_DIR");
	FILE *f;

	snprintf(path, sizeof(path), "%s%s", over ? over : dir, name);
	if (getenv("UPX_GOLDEN_WRITE")) {
		f = fopen(path, "w");
		CU_ASSERT_FATAL(f != NULL);
		fwrite(text, 1, len, f);
		fclose(f);
		return;
	}
	CU_ASSERT_EQUAL_FATAL(read_file(path, &want, &want_len), 0);
	CU_ASSERT_EQUAL(want_len, len);
	if (want_len != len || memcmp(want, text, len))
		fprintf(stderr, "\n%s differs; got:\n%.*s", path, (int)len, text);
	else
		CU_PASS("same");
	CU_ASSERT(want_len == len && !memcmp(want, text, len));
	free(want);
}

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
