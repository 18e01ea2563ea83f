// SPDX-License-Identifier: GPL-2.0
/* core/target/imports.c: where the imports of cxxshop (a fixture) are defined, ldd the oracle. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/util.h"
#include "symbols/elf.h"
#include "target/imports.h"
#include "target/libsearch.h"
#include "unit.h"

/* The path ldd gives soname in path's dependencies, or NULL. */
static char *ldd_path(const char *path, const char *soname)
{
	char *cmd = xasprintf("ldd '%s' | awk '$1 == \"%s\" { print $3 }'", path, soname);
	char line[4096] = "";
	FILE *p = popen(cmd, "r");

	free(cmd);
	if (!p)
		return NULL;
	if (!fgets(line, sizeof(line), p))
		line[0] = '\0';
	pclose(p);
	line[strcspn(line, "\n")] = '\0';
	return *line ? realpath(line, NULL) : NULL;
}

static struct elf_sym *undefined(struct elf_file *ef, const char *name)
{
	for (size_t i = 0; i < ef->nr_syms; i++)
		if (!ef->syms[i].defined && !strcmp(ef->syms[i].name, name))
			return &ef->syms[i];
	return NULL;
}

static void test_imports_of_cxxshop(void)
{
	static const struct {
		const char *name, *lib;
	} imports[] = {
		{ "printf", "libc.so.6" },
		{ "strtol", "libc.so.6" },
		{ "__libc_start_main", "libc.so.6" },
		{ "_ZdlPvm", "libstdc++.so.6" },	/* operator delete(void*, unsigned long) */
	};
	const char *path = "build/fixtures/cxxshop";
	struct importer im;
	struct elf_file *ef;
	char err[256];

	if (access(path, R_OK)) {
		fprintf(stderr, "\n    no %s: run make fixtures ", path);
		CU_FAIL_FATAL("fixture missing");
	}
	CU_ASSERT_EQUAL_FATAL(elf_file__open(path, &ef, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(elf_file__load_syms(ef, 0), 0);
	CU_ASSERT_EQUAL_FATAL(importer__init(&im, path, err, sizeof(err)), 0);
	for (size_t i = 0; i < ARRAY_SIZE(imports); i++) {
		struct elf_sym *u = undefined(ef, imports[i].name);
		struct import_def d;
		char *want, *got;

		CU_ASSERT_PTR_NOT_NULL_FATAL(u);
		d = importer__find(&im, u);
		CU_ASSERT_PTR_NOT_NULL_FATAL(d.lib);
		CU_ASSERT_STRING_EQUAL(d.lib->soname, imports[i].lib);
		/* The same file ldd says, and a definition of the name asked for. */
		want = ldd_path(path, imports[i].lib);
		got = d.lib->path ? realpath(d.lib->path, NULL) : NULL;
		CU_ASSERT_PTR_NOT_NULL(want);
		CU_ASSERT(want && got && !strcmp(want, got));
		free(want);
		free(got);
		CU_ASSERT_PTR_NOT_NULL_FATAL(d.sym);
		CU_ASSERT_TRUE(d.sym->defined);
		CU_ASSERT_STRING_EQUAL(d.sym->name, imports[i].name);
	}
	importer__free(&im);
	elf_file__close(ef);
}

static void test_imports_bad_file(void)
{
	struct importer im;
	char err[256] = "";

	CU_ASSERT_EQUAL(importer__init(&im, "/nonexistent/upx-unit", err, sizeof(err)), -1);
	CU_ASSERT_NOT_EQUAL(err[0], '\0');
}

CU_TestInfo imports_tests[] = {
	UNIT_TEST(test_imports_of_cxxshop),
	UNIT_TEST(test_imports_bad_file),
	CU_TEST_INFO_NULL,
};
