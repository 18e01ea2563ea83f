// SPDX-License-Identifier: GPL-2.0
/* core/symbols/dwarf.c: parameter names, kinds and sizes from programs built here, glibc's malloc, no DWARF. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/util.h"
#include "symbols/dwarf.h"
#include "symbols/elf.h"
#include "unit.h"

#if defined(__x86_64__)
#define LIBC "/lib/x86_64-linux-gnu/libc.so.6"
#else
#define LIBC "/lib/aarch64-linux-gnu/libc.so.6"
#endif
#define TRUE_BIN "/bin/true"

/* f: one parameter of each kind, -O0.  The enum's and typedefs' kinds come through peeling. */
static const char src_types[] =
	"struct s { int a; double b; };\n"
	"enum color { RED, GREEN };\n"
	"typedef const char *cstr;\n"
	"typedef unsigned int u32;\n"
	"int f(const char *name, long count, void *p, unsigned short u, struct s by_value)\n"
	"{ return name[0] + count + (p != 0) + u + by_value.a; }\n"
	"int g(cstr const s, char *buf, unsigned char *bytes, u32 n, volatile signed char c,\n"
	"      _Bool b, enum color col, double d, int (*cb)(int))\n"
	"{ return s[0] + buf[0] + bytes[0] + n + c + b + col + (int)d + (cb != 0); }\n"
	"void none(void) {}\n"
	"int main(void) { struct s v = { 1, 2 }; none(); return f(\"x\", 1, 0, 2, v); }\n";

/*
 * -O2: h is inlined into main and also emitted for other objects, so its
 * out-of-line copy refers to an abstract DIE through DW_AT_abstract_origin.
 */
static const char src_inline[] =
	"int h(int first, const char *second) { return first + second[0] * 3; }\n"
	"int main(int argc, char **argv) { return h(argc, argv[0]); }\n";

/* -O2: GCC clones k without its unused parameter and passes b->a[3] instead of b. */
static const char src_clone[] =
	"struct big { int a[10]; };\n"
	"static __attribute__((noinline)) int k(int unused, struct big *b, const char *s)\n"
	"{ return b->a[3] + s[1]; }\n"
	"int main(int argc, char **argv)\n"
	"{ struct big b = { { argc } }; return k(5, &b, argv[0]) + k(6, &b, argv[1]); }\n";

/* A C++ method: the definition refers to the declaration in the class (DW_AT_specification). */
static const char src_cxx[] =
	"struct K { int m(const char *s, double d, int); int v; };\n"
	"int K::m(const char *s, double d, int) { return v + s[0] + (int)d; }\n"
	"int main() { K k{1}; return k.m(\"a\", 2.0, 3); }\n";

struct prog {
	char dir[32];
	char *exe;
	struct elf_file *ef;
};

/* Build src with compiler and flags into a fresh temporary directory and load its symbols. */
static int prog_build(struct prog *pg, const char *compiler, const char *ext, const char *src,
		      const char *flags)
{
	char err[256] = "", *path, *cmd;
	FILE *f;
	int ret;

	memset(pg, 0, sizeof(*pg));
	strcpy(pg->dir, "/tmp/upx-unit-dwarf.XXXXXX");
	if (!mkdtemp(pg->dir))
		return -errno;
	path = xasprintf("%s/prog.%s", pg->dir, ext);
	f = fopen(path, "w");
	CU_ASSERT_FATAL(f != NULL);
	fputs(src, f);
	fclose(f);
	pg->exe = xasprintf("%s/prog", pg->dir);
	cmd = xasprintf("%s %s -o %s %s", compiler, flags, pg->exe, path);
	ret = system(cmd);
	free(cmd);
	free(path);
	if (ret != 0)
		return -1;
	ret = elf_file__open(pg->exe, &pg->ef, err, sizeof(err));
	if (ret == 0)
		ret = elf_file__load_syms(pg->ef, ELF_SYMS_NO_DEBUG_FILE);
	return ret;
}

static void prog_free(struct prog *pg)
{
	char *cmd = xasprintf("rm -rf %s", pg->dir);

	if (pg->ef)
		elf_file__close(pg->ef);
	CU_ASSERT(system(cmd) == 0);
	free(cmd);
	free(pg->exe);
}

static uint64_t sym_vaddr(struct elf_file *ef, const char *name)
{
	struct elf_sym *sym = elf_file__find_def(ef, name, NULL);

	CU_ASSERT_PTR_NOT_NULL_FATAL(sym);
	return sym->value;
}

static void expect_param(const struct dwarf_param *p, const char *name,
			 enum dwarf_param_kind kind, int size)
{
	CU_ASSERT_STRING_EQUAL(p->name, name);
	CU_ASSERT_EQUAL(p->kind, kind);
	CU_ASSERT_EQUAL(p->size, size);
	if (strcmp(p->name, name) || p->kind != kind || p->size != size)
		fprintf(stderr, "\n    param '%s' kind %d size %d, expected '%s' kind %d size %d\n",
			p->name, p->kind, p->size, name, kind, size);
}

static void test_params_of_each_kind(void)
{
	struct dwarf_param p[16];
	struct prog pg;
	int n;

	CU_ASSERT_FATAL(prog_build(&pg, "gcc", "c", src_types, "-g -O0") == 0);

	n = dwarf_func_params(pg.exe, NULL, sym_vaddr(pg.ef, "f"), p, ARRAY_SIZE(p));
	CU_ASSERT_EQUAL_FATAL(n, 5);
	expect_param(&p[0], "name", DWARF_PARAM_STRING, 8);
	expect_param(&p[1], "count", DWARF_PARAM_INT, 8);
	expect_param(&p[2], "p", DWARF_PARAM_POINTER, 8);
	expect_param(&p[3], "u", DWARF_PARAM_UINT, 2);
	expect_param(&p[4], "by_value", DWARF_PARAM_OTHER, 16);

	n = dwarf_func_params(pg.exe, NULL, sym_vaddr(pg.ef, "g"), p, ARRAY_SIZE(p));
	CU_ASSERT_EQUAL_FATAL(n, 9);
	expect_param(&p[0], "s", DWARF_PARAM_STRING, 8);
	expect_param(&p[1], "buf", DWARF_PARAM_STRING, 8);
	expect_param(&p[2], "bytes", DWARF_PARAM_POINTER, 8);
	expect_param(&p[3], "n", DWARF_PARAM_UINT, 4);
	expect_param(&p[4], "c", DWARF_PARAM_INT, 1);
	expect_param(&p[5], "b", DWARF_PARAM_UINT, 1);
	expect_param(&p[6], "col", DWARF_PARAM_UINT, 4);
	expect_param(&p[7], "d", DWARF_PARAM_OTHER, 8);
	expect_param(&p[8], "cb", DWARF_PARAM_POINTER, 8);

	/* Fewer slots than parameters: the first ones. */
	n = dwarf_func_params(pg.exe, NULL, sym_vaddr(pg.ef, "g"), p, 2);
	CU_ASSERT_EQUAL(n, 2);
	CU_ASSERT_STRING_EQUAL(p[1].name, "buf");
	CU_ASSERT_EQUAL(dwarf_func_params(pg.exe, NULL, sym_vaddr(pg.ef, "none"), p, 16), 0);
	/* Inside f, not its entry: still f's parameters (the innermost function around). */
	CU_ASSERT_EQUAL(dwarf_func_params(pg.exe, NULL, sym_vaddr(pg.ef, "f") + 4, p, 16), 5);
	/* Not in any function. */
	CU_ASSERT_EQUAL(dwarf_func_params(pg.exe, NULL, 0x10, p, 16), -ENOENT);
	/* A debug file without DWARF (the program is its own): the program's DWARF. */
	n = dwarf_func_params(pg.exe, TRUE_BIN, sym_vaddr(pg.ef, "f"), p, 16);
	CU_ASSERT_EQUAL(n, 5);
	prog_free(&pg);
}

static void test_abstract_origin(void)
{
	struct dwarf_param p[4];
	struct prog pg;
	int n;

	CU_ASSERT_FATAL(prog_build(&pg, "gcc", "c", src_inline, "-g -O2") == 0);
	n = dwarf_func_params(pg.exe, NULL, sym_vaddr(pg.ef, "h"), p, ARRAY_SIZE(p));
	CU_ASSERT_EQUAL_FATAL(n, 2);
	expect_param(&p[0], "first", DWARF_PARAM_INT, 4);
	expect_param(&p[1], "second", DWARF_PARAM_STRING, 8);
	prog_free(&pg);
}

static void test_clone(void)
{
	struct dwarf_param p[4];
	struct elf_sym *clone = NULL;
	struct prog pg;

	CU_ASSERT_FATAL(prog_build(&pg, "gcc", "c", src_clone, "-g -O2") == 0);
	for (size_t i = 0; i < pg.ef->nr_syms; i++)
		if (!strncmp(pg.ef->syms[i].name, "k.", 2))
			clone = &pg.ef->syms[i];
	if (!clone) {
		fprintf(stderr, "\n    skipped: gcc did not clone k\n");
	} else {
		/* Its parameters are no longer in the registers' order: no labels. */
		CU_ASSERT_EQUAL(dwarf_func_params(pg.exe, NULL, clone->value, p, 4), -ENOENT);
	}
	prog_free(&pg);
}

static void test_cxx_method(void)
{
	struct dwarf_param p[4];
	struct prog pg;
	int n;

	if (system("command -v g++ >/dev/null") != 0) {
		fprintf(stderr, "\n    skipped: no g++\n");
		return;
	}
	CU_ASSERT_FATAL(prog_build(&pg, "g++", "cc", src_cxx, "-g -O0") == 0);
	n = dwarf_func_params(pg.exe, NULL, sym_vaddr(pg.ef, "_ZN1K1mEPKcdi"), p, ARRAY_SIZE(p));
	CU_ASSERT_EQUAL_FATAL(n, 4);
	expect_param(&p[0], "this", DWARF_PARAM_POINTER, 8);
	expect_param(&p[1], "s", DWARF_PARAM_STRING, 8);
	expect_param(&p[2], "d", DWARF_PARAM_OTHER, 8);
	expect_param(&p[3], "", DWARF_PARAM_INT, 4);
	prog_free(&pg);
}

static double elapsed(const struct timespec *a, const struct timespec *b)
{
	return (b->tv_sec - a->tv_sec) + (b->tv_nsec - a->tv_nsec) / 1e9;
}

static void test_glibc_malloc(void)
{
	struct timespec t0, t1, t2;
	struct elf_file *ef = NULL;
	struct dwarf_param p[4];
	char err[256] = "", *dbg;
	uint64_t vaddr;
	int n;

	CU_ASSERT_FATAL(elf_file__open(LIBC, &ef, err, sizeof(err)) == 0);
	CU_ASSERT_FATAL(elf_file__load_syms(ef, ELF_SYMS_DYNSYM_ONLY | ELF_SYMS_NO_DEBUG_FILE) == 0);
	vaddr = sym_vaddr(ef, "malloc");
	dbg = find_debug_file(ef);
	if (!dbg) {
		fprintf(stderr, "\n    skipped: no debug file for %s (libc6-dbg)\n", LIBC);
		elf_file__close(ef);
		return;
	}

	dwarf_cache_free(); /* time a cold lookup: open, inflate, aranges */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	n = dwarf_func_params(LIBC, dbg, vaddr, p, ARRAY_SIZE(p));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	CU_ASSERT_EQUAL_FATAL(n, 1);
	expect_param(&p[0], "bytes", DWARF_PARAM_UINT, 8);
	n = dwarf_func_params(LIBC, dbg, sym_vaddr(ef, "free"), p, ARRAY_SIZE(p));
	clock_gettime(CLOCK_MONOTONIC, &t2);
	CU_ASSERT_EQUAL(n, 1);
	expect_param(&p[0], "mem", DWARF_PARAM_POINTER, 8);
	fprintf(stderr, "\n    malloc: %.1f ms cold, free: %.2f ms cached ", elapsed(&t0, &t1) * 1e3,
		elapsed(&t1, &t2) * 1e3);
	CU_ASSERT(elapsed(&t0, &t1) < 1.0);
	CU_ASSERT(elapsed(&t1, &t2) < 0.05);

	/* Without the debug file: libc itself has no DWARF. */
	CU_ASSERT_EQUAL(dwarf_func_params(LIBC, NULL, vaddr, p, ARRAY_SIZE(p)), -ENOENT);
	free(dbg);
	elf_file__close(ef);
}

static void test_no_dwarf(void)
{
	struct dwarf_param p[4];
	struct elf_file *ef = NULL;
	char err[256] = "";

	CU_ASSERT_FATAL(elf_file__open(TRUE_BIN, &ef, err, sizeof(err)) == 0);
	CU_ASSERT_FATAL(elf_file__load_syms(ef, ELF_SYMS_NO_DEBUG_FILE) == 0);
	if (ef->has_symtab) {
		fprintf(stderr, "\n    skipped: %s is not stripped\n", TRUE_BIN);
	} else {
		uint64_t entry = ef->nr_syms ? ef->syms[0].value : 0x1000;

		CU_ASSERT_EQUAL(dwarf_func_params(TRUE_BIN, NULL, entry, p, 4), -ENOENT);
		/* Cached as "no DWARF": asked again, the same answer. */
		CU_ASSERT_EQUAL(dwarf_func_params(TRUE_BIN, NULL, entry, p, 4), -ENOENT);
	}
	elf_file__close(ef);
	CU_ASSERT_EQUAL(dwarf_func_params("/nonexistent/upx", NULL, 0x1000, p, 4), -ENOENT);
	CU_ASSERT_EQUAL(dwarf_func_params("/etc/passwd", NULL, 0x1000, p, 4), -EINVAL);
	CU_ASSERT_EQUAL(dwarf_func_params(TRUE_BIN, NULL, 0x1000, NULL, 4), -EINVAL);
	dwarf_cache_free();
}

CU_TestInfo dwarf_tests[] = {
	UNIT_TEST(test_params_of_each_kind),
	UNIT_TEST(test_abstract_origin),
	UNIT_TEST(test_clone),
	UNIT_TEST(test_cxx_method),
	UNIT_TEST(test_glibc_malloc),
	UNIT_TEST(test_no_dwarf),
	CU_TEST_INFO_NULL,
};
