// SPDX-License-Identifier: GPL-2.0
/* core/symbols/ifunc.c: the implementations libc's IFUNCs resolve to on this machine. */
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "symbols/elf.h"
#include "symbols/ifunc.h"
#include "target/libsearch.h"
#include "unit.h"

/* The name of a defined FUNC at vaddr whose name starts with prefix, or NULL. */
static const char *impl_named(struct elf_file *ef, uint64_t vaddr, const char *prefix)
{
	for (size_t i = 0; i < ef->nr_syms; i++) {
		struct elf_sym *s = &ef->syms[i];

		if (s->defined && s->type == STT_FUNC && s->value == vaddr &&
		    !strncmp(s->name, prefix, strlen(prefix)))
			return s->name;
	}
	return NULL;
}

static void test_ifunc_libc(void)
{
	struct ifunc_result res[] = {
		{ .name = "strlen" }, { .name = "memcpy" }, { .name = "strchr" },
		{ .name = "upx_unit_no_such_ifunc" },
	};
	char err[256], *libc = resolve_target("libc.so.6", err, sizeof(err));
	struct elf_file *ef;

	CU_ASSERT_PTR_NOT_NULL_FATAL(libc);
	CU_ASSERT_EQUAL_FATAL(ifunc_resolve_all(libc, res, ARRAY_SIZE(res), err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(elf_file__open(libc, &ef, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(elf_file__load_syms(ef, 0), 0);
	/* Each lands on an implementation of its own family (with libc6-dbg's names). */
	CU_ASSERT_EQUAL(res[0].status, 0);
	CU_ASSERT_PTR_NOT_NULL(impl_named(ef, res[0].vaddr, "__strlen_"));
	CU_ASSERT_EQUAL(res[1].status, 0);
	CU_ASSERT_PTR_NOT_NULL(impl_named(ef, res[1].vaddr, "__memmove_"));
	CU_ASSERT_EQUAL(res[2].status, 0);
	CU_ASSERT_PTR_NOT_NULL(impl_named(ef, res[2].vaddr, "__strchr_"));
	/* Never the resolver itself: strlen's own symbol points at that. */
	CU_ASSERT_NOT_EQUAL(res[0].vaddr, elf_file__find_def(ef, "strlen", NULL)->value);
	CU_ASSERT_EQUAL(res[3].status, IFUNC_UNRESOLVED);
	elf_file__close(ef);
	free(libc);
}

static void test_ifunc_bad_library(void)
{
	struct ifunc_result res[] = { { .name = "strlen" } };
	char err[256] = "";

	CU_ASSERT_EQUAL(ifunc_resolve_all("/nonexistent/libupx-unit.so", res, 1, err,
					  sizeof(err)), -1);
	CU_ASSERT_NOT_EQUAL(err[0], '\0');
}

CU_TestInfo ifunc_tests[] = {
	UNIT_TEST(test_ifunc_libc),
	UNIT_TEST(test_ifunc_bad_library),
	CU_TEST_INFO_NULL,
};
