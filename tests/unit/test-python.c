// SPDX-License-Identifier: GPL-2.0
/*
 * core/stack/python.c: the line of an instruction from a 3.11 location table
 * and from a 3.10 line table (a function's co_linetable and the lines its
 * co_lines() gives, taken from python3.11 and python3.10), and which files
 * are interpreters of a version upx knows.
 */
#include <stdint.h>
#include <unistd.h>

#include "stack/python.h"
#include "unit.h"

/*
 * def f(x):                 1
 *     y = x + 1             2
 *     if y:                 3
 *         z = [i            4
 *              for i in range(y)]   5
 *     return g(y,           6
 *              z)           7
 */
static const uint8_t table[] = {
	0x80, 0x00, 0xd8, 0x08, 0x09, 0x88, 0x41, 0x89, 0x05, 0x80, 0x41, 0xd8, 0x07, 0x08,
	0xf0, 0x00, 0x02, 0x05, 0x20, 0xf0, 0x02, 0x01, 0x0d, 0x20, 0xf0, 0x00, 0x01, 0x0d,
	0x20, 0xdd, 0x16, 0x1b, 0x98, 0x41, 0x91, 0x68, 0x94, 0x68, 0xf0, 0x03, 0x01, 0x0d,
	0x20, 0xf1, 0x00, 0x01, 0x0d, 0x20, 0xf4, 0x00, 0x01, 0x0d, 0x20, 0x88, 0x01, 0xe5,
	0x0b, 0x0c, 0x88, 0x51, 0xd8, 0x0d, 0x0e, 0xf1, 0x03, 0x01, 0x0c, 0x10, 0xf4, 0x00,
	0x01, 0x0c, 0x10, 0xf0, 0x00, 0x01, 0x05, 0x10,
};

/* co_lines(): the line of each instruction (code unit) 0..48 */
static const int lines[] = {
	1, 2, 2, 2, 2, 2, 3, 3, 4, 4, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 4,
	4, 4, 4, 4, 4, 4, 4, 4, 6, 6, 6, 6, 6, 6, 6, 7, 6, 6, 6, 6, 6, 6, 6, 6,
};

static void test_line_table(void)
{
	for (int i = 0; i < (int)(sizeof(lines) / sizeof(lines[0])); i++)
		CU_ASSERT_EQUAL(python_line(table, sizeof(table), 1, i), lines[i]);
	/* before the first instruction: the first line; past the table: none */
	CU_ASSERT_EQUAL(python_line(table, sizeof(table), 1, -1), 1);
	CU_ASSERT_EQUAL(python_line(table, sizeof(table), 1, 49), 0);
	/* a table cut in the middle of an entry gives no line past the cut */
	CU_ASSERT_EQUAL(python_line(table, 20, 1, 40), 0);
	CU_ASSERT_EQUAL(python_line(NULL, 0, 7, 0), 0);
}

/* The same function's co_linetable under python3.10: (bytes, line delta) pairs */
static const uint8_t table_310[] = {
	0x08, 0x01, 0x04, 0x01, 0x06, 0x01, 0x06, 0x01, 0x06, 0xff, 0x04, 0x02, 0x02, 0x01,
	0x04, 0xff,
};

/* its co_lines(): the line of each instruction (code unit) 0..19 */
static const int lines_310[] = {
	2, 2, 2, 2, 3, 3, 4, 4, 4, 5, 5, 5, 4, 4, 4, 6, 6, 7, 6, 6,
};

static void test_line_table_310(void)
{
	/* an empty range adds its delta; -128 (0x80) is a range without a line */
	static const uint8_t none[] = { 0x04, 0x01, 0x00, 0x02, 0x02, 0x80, 0x02, 0x01 };

	for (int i = 0; i < (int)(sizeof(lines_310) / sizeof(lines_310[0])); i++)
		CU_ASSERT_EQUAL(python_line_310(table_310, sizeof(table_310), 1, i), lines_310[i]);
	CU_ASSERT_EQUAL(python_line_310(table_310, sizeof(table_310), 1, -1), 1);
	CU_ASSERT_EQUAL(python_line_310(table_310, sizeof(table_310), 1, 20), 0);
	CU_ASSERT_EQUAL(python_line_310(none, sizeof(none), 10, 1), 11);
	CU_ASSERT_EQUAL(python_line_310(none, sizeof(none), 10, 2), 0);
	CU_ASSERT_EQUAL(python_line_310(none, sizeof(none), 10, 3), 14);
	/* a cut in the middle of a pair: its half is not read */
	CU_ASSERT_EQUAL(python_line_310(table_310, 3, 1, 4), 0);
}

static void test_check_file(void)
{
	struct python *py = python__new();
	struct stack_py_file f;
	const char *why;

	/* a program that is no interpreter */
	CU_ASSERT_EQUAL(python__check_file(py, "/bin/sh", &f, &why), 0);
	CU_ASSERT_PTR_NULL(why);
	/* Debian's python3.11: stripped, its version from Py_Version in the file */
	if (!access("/usr/bin/python3.11", R_OK)) {
		CU_ASSERT_EQUAL(python__check_file(py, "/usr/bin/python3.11", &f, &why), 1);
		CU_ASSERT_EQUAL(f.version >> 16, 0x030b);
		CU_ASSERT_EQUAL(python_tables[f.table].version, 0x030b0000);
		CU_ASSERT_NOT_EQUAL(f.runtime, 0);
		CU_ASSERT_EQUAL(f.load_vaddr, 0x400000);	/* not PIE */
	}
	/* pyenv's 3.10 (no Py_Version): told by PyAIter_Check; 3.9: neither */
	if (!access("/root/.pyenv/versions/3.10.13/lib/libpython3.10.so.1.0", R_OK)) {
		CU_ASSERT_EQUAL(python__check_file(
			py, "/root/.pyenv/versions/3.10.13/lib/libpython3.10.so.1.0", &f, &why), 1);
		CU_ASSERT_EQUAL(python_tables[f.table].version, 0x030a0000);
		CU_ASSERT_EQUAL(f.version_addr, 0);
	}
	if (!access("/root/.pyenv/versions/3.9.18/lib/libpython3.9.so.1.0", R_OK)) {
		CU_ASSERT_EQUAL(python__check_file(
			py, "/root/.pyenv/versions/3.9.18/lib/libpython3.9.so.1.0", &f, &why), -1);
		CU_ASSERT_STRING_EQUAL(why, "CPython older than 3.10 (no Py_Version, no PyAIter_Check)");
	}
	python__free(py);
}

CU_TestInfo python_tests[] = {
	UNIT_TEST(test_line_table),
	UNIT_TEST(test_line_table_310),
	UNIT_TEST(test_check_file),
	CU_TEST_INFO_NULL,
};
