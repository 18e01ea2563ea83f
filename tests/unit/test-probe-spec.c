// SPDX-License-Identifier: GPL-2.0
/* The probe-spec parser: prefixes, C++ names, offsets, errors. */
#include <errno.h>
#include <string.h>

#include "target/probe-spec.h"
#include "unit.h"

static void check(const char *text, bool ret, const char *target, const char *func,
		  bool has_off, unsigned long long off)
{
	struct probe_spec s;
	char err[128];

	CU_ASSERT_EQUAL_FATAL(probe_spec_parse(text, &s, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(s.is_return, ret);
	CU_ASSERT_STRING_EQUAL(s.target, target);
	CU_ASSERT_STRING_EQUAL(s.function, func);
	CU_ASSERT_EQUAL(s.has_offset, has_off);
	CU_ASSERT_EQUAL(s.offset, off);
	probe_spec_free(&s);
}

static void test_plain(void)
{
	check("libc.so.6:malloc", false, "libc.so.6", "malloc", false, 0);
	check("r:bash:readline", true, "bash", "readline", false, 0);
	check("uretprobe:/bin/bash:readline", true, "/bin/bash", "readline", false, 0);
	check("uprobe:./uprobeme:foo", false, "./uprobeme", "foo", false, 0);
	check("p:x:y", false, "x", "y", false, 0);
	check("./uprobeme:foo+0x4", false, "./uprobeme", "foo", true, 4);
	check("./uprobeme:foo+12", false, "./uprobeme", "foo", true, 12);
	check("libc.so.6:str*", false, "libc.so.6", "str*", false, 0);
}

static void test_cxx(void)
{
	check("./shop:shop::cart::Basket::add(int)", false, "./shop", "shop::cart::Basket::add(int)",
	      false, 0);
	check("r:./shop:ns::Widget::*", true, "./shop", "ns::Widget::*", false, 0);
	/* operator+ is a name, not an offset */
	check("./v:Vec::operator+(Vec const&)", false, "./v", "Vec::operator+(Vec const&)", false, 0);
	check("./v:Vec::operator+", false, "./v", "Vec::operator+", false, 0);
}

static void test_errors(void)
{
	struct probe_spec s;
	char err[128];

	CU_ASSERT_EQUAL(probe_spec_parse("malloc", &s, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "TARGET:FUNCTION"));
	CU_ASSERT_EQUAL(probe_spec_parse(":malloc", &s, err, sizeof(err)), -EINVAL);
	CU_ASSERT_EQUAL(probe_spec_parse("libc.so.6:", &s, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "no function"));
	CU_ASSERT_EQUAL(probe_spec_parse("r:libc.so.6:malloc+4", &s, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "return probe"));
}

CU_TestInfo probe_spec_tests[] = {
	UNIT_TEST(test_plain),
	UNIT_TEST(test_cxx),
	UNIT_TEST(test_errors),
	CU_TEST_INFO_NULL,
};
