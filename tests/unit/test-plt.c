// SPDX-License-Identifier: GPL-2.0
/*
 * core/symbols/plt.c: the PLT stub of each import, objdump's foo@plt the oracle, in
 * a program built here three ways: lazy .plt, IBT's .plt.sec (-z ibtplt),
 * and -fno-plt (no stub for malloc; __cxa_finalize's in .plt.got).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/util.h"
#include "symbols/elf.h"
#include "symbols/plt.h"
#include "unit.h"

static const char prog[] =
	"#include <stdio.h>\n#include <stdlib.h>\n"
	"int main(int c, char **v) { void *p = malloc(c); printf(\"%p\\n\", p); free(p); return 0; }\n";

/* objdump's address of name@plt in path, 0 when it has none. */
static unsigned long long objdump_stub(const char *path, const char *name)
{
	char *cmd = xasprintf("objdump -d '%s' | sed -n 's/^\\([0-9a-f]*\\) <%s@plt>:$/\\1/p'", path,
			      name);
	char line[64] = "";
	FILE *p = popen(cmd, "r");

	free(cmd);
	if (!p)
		return 0;
	if (!fgets(line, sizeof(line), p))
		line[0] = '\0';
	pclose(p);
	return strtoull(line, NULL, 16);
}

/* Build prog with flags into dir/name; false when the compiler is missing. */
static bool build(const char *dir, const char *name, const char *flags)
{
	char *cmd = xasprintf("cd '%s' && printf '%%s' '%s' >p.c && gcc -O2 %s -o %s p.c 2>/dev/null",
			      dir, prog, flags, name);
	int ret = system(cmd);

	free(cmd);
	return ret == 0;
}

static void check(const char *dir, const char *name, const char *flags)
{
	static const char *const imports[] = { "malloc", "free", "printf", "__cxa_finalize" };
	char *path = xasprintf("%s/%s", dir, name), err[256];
	struct elf_file *ef;

	if (!build(dir, name, flags)) {
		fprintf(stderr, "\n    no gcc: %s not built ", name);
		free(path);
		return;
	}
	CU_ASSERT_EQUAL_FATAL(elf_file__open(path, &ef, err, sizeof(err)), 0);
	for (size_t i = 0; i < ARRAY_SIZE(imports); i++) {
		unsigned long long want = objdump_stub(path, imports[i]);
		uint64_t vaddr = 0, size = 0;
		int ret = elf_plt_stub(ef, imports[i], &vaddr, &size);

		if (!want) {
			CU_ASSERT_EQUAL(ret, -ENOENT);
			continue;
		}
		CU_ASSERT_EQUAL(ret, 0);
		CU_ASSERT_EQUAL(vaddr, want);
		CU_ASSERT(size == 8 || size == 16);
	}
	elf_file__close(ef);
	free(path);
}

static void test_plt_stubs(void)
{
	char dir[] = "/tmp/upx-unit-plt.XXXXXX";
	char *rm;

	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	check(dir, "lazy", "");
	check(dir, "ibt", "-fcf-protection=full -Wl,-z,ibtplt");
	check(dir, "noplt", "-fno-plt");
	rm = xasprintf("rm -rf '%s'", dir);
	CU_ASSERT_EQUAL(system(rm), 0);
	free(rm);
}

/* -fno-plt: malloc is called through its GOT slot, with no stub: none is found. */
static void test_plt_none(void)
{
	char dir[] = "/tmp/upx-unit-plt.XXXXXX", *path, *rm, err[256];
	struct elf_file *ef;
	uint64_t vaddr, size;

	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	if (build(dir, "noplt", "-fno-plt")) {
		path = xasprintf("%s/noplt", dir);
		CU_ASSERT_EQUAL_FATAL(elf_file__open(path, &ef, err, sizeof(err)), 0);
		CU_ASSERT_EQUAL(elf_plt_stub(ef, "malloc", &vaddr, &size), -ENOENT);
		CU_ASSERT_EQUAL(elf_plt_stub(ef, "no_such_import", &vaddr, &size), -ENOENT);
		elf_file__close(ef);
		free(path);
	}
	rm = xasprintf("rm -rf '%s'", dir);
	CU_ASSERT_EQUAL(system(rm), 0);
	free(rm);
}

CU_TestInfo plt_tests[] = {
	UNIT_TEST(test_plt_stubs),
	UNIT_TEST(test_plt_none),
	CU_TEST_INFO_NULL,
};
