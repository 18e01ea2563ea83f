// SPDX-License-Identifier: GPL-2.0
/* core/symbols/elf.c: refusals on open, offsets, versions, debug files, demangling, patterns, garbage. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/util.h"
#include "symbols/elf.h"
#include "unit.h"

#if defined(__x86_64__)
#define LIBC "/lib/x86_64-linux-gnu/libc.so.6"
#else
#define LIBC "/lib/aarch64-linux-gnu/libc.so.6"
#endif
#define TRUE_BIN "/bin/true"

static char tmpdir[] = "/tmp/upx-unit-elf.XXXXXX";

static char *tmp_path(const char *name)
{
	return xasprintf("%s/%s", tmpdir, name);
}

static void write_bytes(const char *path, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(write(fd, buf, len) == (ssize_t)len);
	close(fd);
}

/* path holds the first len bytes of src (all when len is 0), patched at off when patch. */
static char *copy_of(const char *src, const char *name, size_t len, size_t off,
		     const void *patch, size_t plen)
{
	char *path = tmp_path(name), *buf;
	size_t n;

	CU_ASSERT_FATAL(read_file(src, &buf, &n) == 0);
	if (len && len < n)
		n = len;
	if (patch)
		memcpy(buf + off, patch, plen);
	write_bytes(path, buf, n);
	free(buf);
	return path;
}

/* Opening path fails with a cause that contains want. */
static void expect_refusal(const char *path, const char *want)
{
	struct elf_file *ef = NULL;
	char err[256] = "";
	int ret;

	ret = elf_file__open(path, &ef, err, sizeof(err));
	CU_ASSERT(ret < 0);
	CU_ASSERT_PTR_NULL(ef);
	if (!strstr(err, want))
		fprintf(stderr, "\n  %s: got '%s', want '%s'\n", path, err, want);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, want));
	CU_ASSERT_PTR_NULL(strchr(err, '\n'));
}

static void test_open_refusals(void)
{
	char *p;
	uint16_t em = EM_AARCH64;
	unsigned char cls = ELFCLASS32;
	Elf64_Ehdr eh;
	int fd;

	CU_ASSERT_FATAL(mkdtemp(tmpdir) != NULL);

	p = tmp_path("missing");
	expect_refusal(p, "No such file or directory");
	free(p);
	expect_refusal(tmpdir, "is a directory");

	p = tmp_path("empty");
	write_bytes(p, "", 0);
	expect_refusal(p, "empty file");
	free(p);

	p = tmp_path("text");
	write_bytes(p, "hello, world\n", 13);
	expect_refusal(p, "not an ELF file");
	free(p);

	p = tmp_path("script");
	write_bytes(p, "#!/usr/bin/env bash\necho hi\n", 28);
	expect_refusal(p, "a script (#!/usr/bin/env bash), not an ELF file");
	free(p);

	p = copy_of(TRUE_BIN, "head100", 100, 0, NULL, 0);
	expect_refusal(p, "truncated ELF file");
	free(p);

	/* Cut inside the section headers, which sit at the end of the file. */
	fd = open(TRUE_BIN, O_RDONLY);
	CU_ASSERT_FATAL(read(fd, &eh, sizeof(eh)) == sizeof(eh));
	close(fd);
	p = copy_of(TRUE_BIN, "cut-shdrs", eh.e_shoff + eh.e_shentsize * 3 + 7, 0, NULL, 0);
	expect_refusal(p, "truncated ELF file");
	free(p);

	/* Cut inside the section data, before the section headers. */
	p = copy_of(TRUE_BIN, "cut-data", eh.e_shoff - 64, 0, NULL, 0);
	expect_refusal(p, "truncated ELF file");
	free(p);

	p = copy_of(TRUE_BIN, "elf32", 0, EI_CLASS, &cls, 1);
	expect_refusal(p, "32-bit ELF, upx handles 64-bit only");
	free(p);

	p = copy_of(TRUE_BIN, "aarch64", 0, offsetof(Elf64_Ehdr, e_machine), &em, 2);
#if defined(__x86_64__)
	expect_refusal(p, "ELF for AArch64, this machine is x86-64");
#endif
	free(p);

	/* Header fields that are no valid value at all are named as such. */
	p = copy_of(TRUE_BIN, "class7", 0, EI_CLASS, "\7", 1);
	expect_refusal(p, "invalid ELF class 7");
	free(p);
	p = copy_of(TRUE_BIN, "data3", 0, EI_DATA, "\3", 1);
	expect_refusal(p, "invalid ELF data encoding 3");
	free(p);
	p = copy_of(TRUE_BIN, "phnum0", 0, offsetof(Elf64_Ehdr, e_phnum), "\0\0", 2);
	expect_refusal(p, "no program headers");
	free(p);
	p = copy_of(TRUE_BIN, "phnumffff", 0, offsetof(Elf64_Ehdr, e_phnum), "\377\377", 2);
	expect_refusal(p, "truncated ELF file");
	free(p);
}

/* A FIFO, a device: refused from stat(), never opened (a FIFO's open would block). */
static void test_open_not_regular(void)
{
	char *p = tmp_path("fifo");
	struct stat st;

	CU_ASSERT_FATAL(mkfifo(p, 0600) == 0);
	expect_refusal(p, "not a regular file (a FIFO)");
	CU_ASSERT(open_regular_file(p, &st, NULL, 0) == -EINVAL);
	unlink(p);
	free(p);
	expect_refusal("/dev/zero", "not a regular file (a character device)");
	CU_ASSERT(open_regular_file("/dev/null", &st, NULL, 0) == -EINVAL);
}

static void test_open_true(void)
{
	struct elf_file *ef;
	char err[256];

	CU_ASSERT_FATAL(elf_file__open(TRUE_BIN, &ef, err, sizeof(err)) == 0);
	CU_ASSERT_TRUE(ef->has_interp && ef->has_dynamic && !ef->is_static && !ef->is_go);
	CU_ASSERT_EQUAL(strlen(ef->build_id), 40);
	CU_ASSERT_EQUAL(elf_file__load_syms(ef, ELF_SYMS_NO_DEBUG_FILE), 0);
	CU_ASSERT(ef->nr_syms > 10);
	elf_file__close(ef);
}

/* The section that holds vaddr, for an independent offset computation. */
static bool section_offset(const char *path, uint64_t vaddr, uint64_t *off)
{
	int fd = open(path, O_RDONLY);
	Elf *elf = elf_begin(fd, ELF_C_READ, NULL);
	Elf_Scn *scn = NULL;
	bool found = false;

	while (elf && (scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;

		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_PROGBITS &&
		    (sh.sh_flags & SHF_ALLOC) && vaddr >= sh.sh_addr &&
		    vaddr < sh.sh_addr + sh.sh_size) {
			*off = sh.sh_offset + (vaddr - sh.sh_addr);
			found = true;
			break;
		}
	}
	elf_end(elf);
	close(fd);
	return found;
}

static void test_offsets(void)
{
	struct elf_file *ef;
	char err[256];
	size_t i, checked = 0;

	CU_ASSERT_FATAL(elf_file__open(LIBC, &ef, err, sizeof(err)) == 0);
	CU_ASSERT_FATAL(elf_file__load_syms(ef, ELF_SYMS_NO_DEBUG_FILE) == 0);
	for (i = 0; i < ef->nr_syms; i += 97) {
		struct elf_sym *s = &ef->syms[i];
		uint64_t off, off2;

		if (!s->defined || s->type != STT_FUNC)
			continue;
		CU_ASSERT_TRUE(section_offset(LIBC, s->value, &off));
		CU_ASSERT_EQUAL(s->offset, off);
		CU_ASSERT_EQUAL(elf_file__vaddr_to_offset(ef, s->value, &off2), 0);
		CU_ASSERT_EQUAL(off2, off);
		checked++;
	}
	CU_ASSERT(checked > 10);
	{
		uint64_t off;

		CU_ASSERT_EQUAL(elf_file__vaddr_to_offset(ef, 0xffffffffff000000ULL, &off), -ENOENT);
	}
	elf_file__close(ef);
}

/* The SHF_EXECINSTR of the allocated section holding vaddr (the oracle of elf_sym.exec); -1 none. */
static int section_exec(const char *path, uint64_t vaddr)
{
	int fd = open(path, O_RDONLY), ret = -1;
	Elf *elf = elf_begin(fd, ELF_C_READ, NULL);
	Elf_Scn *scn = NULL;

	while (elf && ret < 0 && (scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;

		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_PROGBITS &&
		    (sh.sh_flags & SHF_ALLOC) && vaddr >= sh.sh_addr &&
		    vaddr < sh.sh_addr + sh.sh_size)
			ret = !!(sh.sh_flags & SHF_EXECINSTR);
	}
	elf_end(elf);
	close(fd);
	return ret;
}

/* exec: in an executable PT_LOAD, as the section holding it says; data typed @function is not. */
static void test_exec(void)
{
	const char *files[] = { LIBC, "build/fixtures/datafunc" };
	size_t funcs = 0, data = 0;

	for (size_t f = 0; f < ARRAY_SIZE(files); f++) {
		struct elf_file *ef;
		char err[256];

		if (access(files[f], R_OK)) {
			fprintf(stderr, "\n    no %s: run make fixtures ", files[f]);
			CU_FAIL("fixture missing");
			continue;
		}
		CU_ASSERT_FATAL(elf_file__open(files[f], &ef, err, sizeof(err)) == 0);
		CU_ASSERT_FATAL(elf_file__load_syms(ef, ELF_SYMS_NO_DEBUG_FILE) == 0);
		for (size_t i = 0; i < ef->nr_syms; i++) {
			struct elf_sym *s = &ef->syms[i];
			int want;

			if (!s->defined || !s->offset)
				continue;
			want = section_exec(files[f], s->value);
			if (want < 0)
				continue;
			CU_ASSERT_EQUAL(s->exec, want);
			CU_ASSERT_EQUAL(!!(elf_file__vaddr_flags(ef, s->value) & PF_X), want);
			funcs += s->type == STT_FUNC && want;
			data += !want;
			if (!strcmp(s->name, "rodata_fn"))
				CU_ASSERT(s->type == STT_FUNC && !s->exec);
		}
		elf_file__close(ef);
	}
	CU_ASSERT(funcs > 1000 && data > 10);
}

static void test_read(void)
{
	struct elf_file *ef;
	char err[256];
	unsigned char buf[16];

	CU_ASSERT_FATAL(elf_file__open(TRUE_BIN, &ef, err, sizeof(err)) == 0);
	CU_ASSERT_EQUAL(elf_file__read(ef, 0, buf, 4), 4);
	CU_ASSERT_EQUAL(memcmp(buf, ELFMAG, 4), 0);
	CU_ASSERT_EQUAL(elf_file__read(ef, 1ULL << 40, buf, sizeof(buf)), 0);
	elf_file__close(ef);
}

static void test_versions(void)
{
	struct elf_file *ef;
	struct elf_sym *s;
	char err[256];
	size_t n, i;
	bool old = false, cur = false;

	CU_ASSERT_FATAL(elf_file__open(LIBC, &ef, err, sizeof(err)) == 0);
	CU_ASSERT_FATAL(elf_file__load_syms(ef, ELF_SYMS_DYNSYM_ONLY) == 0);
	CU_ASSERT_EQUAL_FATAL(elf_file__find_syms(ef, "malloc", &s), 1);
	CU_ASSERT_STRING_EQUAL(s->version, "GLIBC_2.2.5");
	CU_ASSERT_TRUE(s->default_version && s->defined && s->in_dynsym);
	CU_ASSERT_EQUAL(s->type, STT_FUNC);

	/* realpath@GLIBC_2.2.5 (old) and realpath@@GLIBC_2.3 */
	n = elf_file__find_syms(ef, "realpath", &s);
	CU_ASSERT_EQUAL(n, 2);
	for (i = 0; i < n; i++) {
		if (!strcmp(s[i].version, "GLIBC_2.2.5"))
			old = !s[i].default_version;
		if (!strcmp(s[i].version, "GLIBC_2.3"))
			cur = s[i].default_version;
	}
	CU_ASSERT_TRUE(old && cur);
	s = elf_file__find_def(ef, "realpath", NULL);
	CU_ASSERT_TRUE(s && !strcmp(s->version, "GLIBC_2.3"));
	s = elf_file__find_def(ef, "realpath", "GLIBC_2.2.5");
	CU_ASSERT_TRUE(s && !strcmp(s->version, "GLIBC_2.2.5"));
	CU_ASSERT_PTR_NULL(elf_file__find_def(ef, "no_such_function_here", NULL));
	CU_ASSERT_EQUAL(elf_file__find_syms(ef, "no_such_function_here", &s), 0);
	CU_ASSERT_PTR_NULL(s);

	/* Sorted by name, then version. */
	for (i = 1; i < ef->nr_syms; i++)
		CU_ASSERT(strcmp(ef->syms[i - 1].name, ef->syms[i].name) <= 0);
	elf_file__close(ef);

	/* An import carries the version it requires. */
	CU_ASSERT_FATAL(elf_file__open(TRUE_BIN, &ef, err, sizeof(err)) == 0);
	CU_ASSERT_FATAL(elf_file__load_syms(ef, ELF_SYMS_NO_DEBUG_FILE) == 0);
	CU_ASSERT_EQUAL_FATAL(elf_file__find_syms(ef, "free", &s), 1);
	CU_ASSERT_FALSE(s->defined);
	CU_ASSERT_STRING_EQUAL(s->version, "GLIBC_2.2.5");
	CU_ASSERT_FALSE(s->default_version);
	CU_ASSERT_EQUAL(s->offset, 0);
	elf_file__close(ef);
}

/* The order elf_file__load_syms() promises: name, version (none first), value, .dynsym first. */
static int ref_cmp(const struct elf_sym *a, const struct elf_sym *b)
{
	int c = strcmp(a->name, b->name);

	if (c)
		return c;
	if (a->version != b->version) {
		if (!a->version || !b->version)
			return a->version ? 1 : -1;
		c = strcmp(a->version, b->version);
		if (c)
			return c;
	}
	if (a->value != b->value)
		return a->value < b->value ? -1 : 1;
	return (int)b->in_dynsym - (int)a->in_dynsym;
}

/*
 * Files with many names sharing long prefixes (libLLVM's "_ZN4llvm..."), names
 * that are prefixes of others, versions of one name, a debug file's .symtab
 * merged with .dynsym: every neighbour in order, and find_syms() finds each.
 */
static void test_sort_order(void)
{
	static const char *const files[] = {
		LIBC, TRUE_BIN, "/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
		"/usr/lib/x86_64-linux-gnu/libLLVM-14.so.1", "/usr/bin/python3",
	};

	for (size_t f = 0; f < ARRAY_SIZE(files); f++) {
		struct elf_file *ef;
		char err[256];
		size_t i, bad = 0, missed = 0;

		if (elf_file__open(files[f], &ef, err, sizeof(err))) {
			fprintf(stderr, "\n  %s: %s, skipped\n", files[f], err);
			continue;
		}
		CU_ASSERT_FATAL(elf_file__load_syms(ef, 0) == 0);
		CU_ASSERT(ef->nr_syms > 10);
		for (i = 1; i < ef->nr_syms; i++)
			bad += ref_cmp(&ef->syms[i - 1], &ef->syms[i]) > 0;
		for (i = 0; i < ef->nr_syms; i++) {
			struct elf_sym *s;
			size_t n = elf_file__find_syms(ef, ef->syms[i].name, &s);

			missed += !n || &ef->syms[i] < s || &ef->syms[i] >= s + n;
		}
		CU_ASSERT_EQUAL(bad, 0);
		CU_ASSERT_EQUAL(missed, 0);
		elf_file__close(ef);
	}
}

/* libc6-dbg: the full .symtab behind the build-id, merged with .dynsym. */
static void test_debug_file(void)
{
	struct elf_file *ef;
	struct elf_sym *s;
	char err[256], *dbg;

	CU_ASSERT_FATAL(elf_file__open(LIBC, &ef, err, sizeof(err)) == 0);
	dbg = find_debug_file(ef);
	if (!dbg) {
		fprintf(stderr, "\n  no debug file for %s (libc6-dbg?), skipped\n", LIBC);
		elf_file__close(ef);
		return;
	}
	CU_ASSERT_PTR_NOT_NULL(strstr(dbg, "/.build-id/"));
	CU_ASSERT_FALSE(ef->has_symtab);
	CU_ASSERT_FATAL(elf_file__load_syms(ef, 0) == 0);
	CU_ASSERT_STRING_EQUAL(ef->debug_path, dbg);
	/* A local function .dynsym does not have. */
	CU_ASSERT_EQUAL_FATAL(elf_file__find_syms(ef, "_int_malloc", &s), 1);
	CU_ASSERT_TRUE(s->defined && !s->in_dynsym && s->bind == STB_LOCAL && s->offset);
	/* malloc is in both, once. */
	CU_ASSERT_EQUAL_FATAL(elf_file__find_syms(ef, "malloc", &s), 1);
	CU_ASSERT_TRUE(s->in_dynsym && s->version && s->default_version);
	free(dbg);
	elf_file__close(ef);
}

static void test_demangle(void)
{
	char *d;

	d = demangle("_ZN4shop4cart6Basket3addEi");
	CU_ASSERT_STRING_EQUAL(d, "shop::cart::Basket::add(int)");
	free(d);
	d = demangle("_ZNSt6vectorIiSaIiEE9push_backERKi");
	CU_ASSERT_STRING_EQUAL(d, "std::vector<int, std::allocator<int> >::push_back(int const&)");
	free(d);
	CU_ASSERT_PTR_NULL(demangle("malloc"));
	CU_ASSERT_PTR_NULL(demangle("_Z"));
	CU_ASSERT_PTR_NULL(demangle("_Zgarbage!"));
	CU_ASSERT_PTR_NULL(demangle(""));
}

static void test_demangled_lazily(void)
{
	struct elf_sym s = { .name = "_ZN4shop4cart6Basket3addEi" };
	struct elf_sym c = { .name = "printf" };

	CU_ASSERT_PTR_NULL(s.demangled);
	CU_ASSERT_STRING_EQUAL(elf_sym__demangled(&s), "shop::cart::Basket::add(int)");
	CU_ASSERT_TRUE(s.demangle_tried);
	CU_ASSERT_PTR_EQUAL(elf_sym__demangled(&c), c.name);
	free(s.demangled);
}

/*
 * All of a table at once (threads for libstdc++'s thousands of C++ names) gives
 * what one elf_sym__demangled() at a time gives.
 */
static void test_demangle_table(void)
{
	static const char *const files[] = { "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", LIBC };

	for (size_t f = 0; f < ARRAY_SIZE(files); f++) {
		struct elf_file *ef;
		struct elf_sym **rows;
		char err[256];
		size_t i, mangled = 0, wrong = 0, untried = 0;

		if (elf_file__open(files[f], &ef, err, sizeof(err))) {
			fprintf(stderr, "\n  %s: %s, skipped\n", files[f], err);
			continue;
		}
		CU_ASSERT_FATAL(elf_file__load_syms(ef, ELF_SYMS_DYNSYM_ONLY) == 0);
		rows = xcalloc(ef->nr_syms, sizeof(*rows));
		for (i = 0; i < ef->nr_syms; i++)
			rows[i] = &ef->syms[i];
		/* One already done by itself is left as it is. */
		elf_sym__demangled(&ef->syms[ef->nr_syms / 2]);
		elf_syms__demangle(rows, ef->nr_syms);
		for (i = 0; i < ef->nr_syms; i++) {
			struct elf_sym *s = &ef->syms[i];
			char *d = demangle(s->name);

			untried += !s->demangle_tried;
			mangled += d != NULL;
			wrong += d ? !s->demangled || strcmp(d, s->demangled) : s->demangled != NULL;
			free(d);
		}
		CU_ASSERT_EQUAL(untried, 0);
		CU_ASSERT_EQUAL(wrong, 0);
		if (f == 0)
			CU_ASSERT(mangled > 2048);
		free(rows);
		elf_file__close(ef);
	}
}

static void test_patterns(void)
{
	CU_ASSERT_TRUE(pattern_is_glob("mall*"));
	CU_ASSERT_TRUE(pattern_is_glob("mallo?"));
	CU_ASSERT_TRUE(pattern_is_glob("[mc]alloc"));
	CU_ASSERT_FALSE(pattern_is_glob("malloc"));
	CU_ASSERT_FALSE(pattern_is_glob("shop::cart"));

	CU_ASSERT_TRUE(pattern_match_substring("alloc", "malloc"));
	CU_ASSERT_TRUE(pattern_match_substring("alloc", "calloc"));
	CU_ASSERT_FALSE(pattern_match_substring("alloc", "free"));
	CU_ASSERT_TRUE(pattern_match_substring("mall*", "malloc"));
	CU_ASSERT_FALSE(pattern_match_substring("mall*", "__libc_malloc"));
	CU_ASSERT_TRUE(pattern_match_substring("*malloc", "__libc_malloc"));
	CU_ASSERT_TRUE(pattern_match_substring("[mc]alloc", "calloc"));
	CU_ASSERT_TRUE(pattern_match_substring("shop::cart::Basket::add*",
					       "shop::cart::Basket::add(int)"));

	CU_ASSERT_STRING_EQUAL(demangled_skip_return_type("long shop::discount<long>(long, int)"),
			       "shop::discount<long>(long, int)");
	CU_ASSERT_STRING_EQUAL(demangled_skip_return_type("shop::cart::Basket::add(int)"),
			       "shop::cart::Basket::add(int)");
	CU_ASSERT_STRING_EQUAL(demangled_skip_return_type("void f<std::pair<int, int> >(int)"),
			       "f<std::pair<int, int> >(int)");
}

/* Cut and corrupted copies of a real file: refused or read, never a crash. */
static void test_garbage(void)
{
	char *orig, *path = tmp_path("fuzz");
	size_t len, i;
	unsigned int seed = 42;

	CU_ASSERT_FATAL(read_file(TRUE_BIN, &orig, &len) == 0);
	for (i = 0; i < 400; i++) {
		char *buf = xmalloc(len), err[256];
		struct elf_file *ef;
		size_t n = len, k, flips;

		memcpy(buf, orig, len);
		if (i < 100) {
			n = (size_t)rand_r(&seed) % len;
		} else {
			/* Flip bytes in the headers, the tables or anywhere. */
			flips = 1 + rand_r(&seed) % 8;
			for (k = 0; k < flips; k++) {
				size_t r = rand_r(&seed), at;

				if (i % 3 == 0)
					at = r % 64;
				else if (i % 3 == 1)
					at = len - 1 - r % 2048;
				else
					at = r % len;

				buf[at] = rand_r(&seed);
			}
		}
		write_bytes(path, buf, n);
		if (!elf_file__open(path, &ef, err, sizeof(err))) {
			elf_file__load_syms(ef, ELF_SYMS_NO_DEBUG_FILE);
			for (k = 0; k < ef->nr_syms; k++)
				elf_sym__demangled(&ef->syms[k]);
			elf_file__close(ef);
		} else {
			CU_ASSERT(err[0] != '\0');
		}
		free(buf);
	}
	free(orig);
	unlink(path);
	free(path);
}

static void test_cleanup(void)
{
	char *cmd = xasprintf("rm -rf '%s'", tmpdir);

	CU_ASSERT_EQUAL(system(cmd), 0);
	free(cmd);
}

CU_TestInfo elf_tests[] = {
	UNIT_TEST(test_open_refusals),
	UNIT_TEST(test_open_not_regular),
	UNIT_TEST(test_open_true),
	UNIT_TEST(test_offsets),
	UNIT_TEST(test_exec),
	UNIT_TEST(test_read),
	UNIT_TEST(test_versions),
	UNIT_TEST(test_debug_file),
	UNIT_TEST(test_sort_order),
	UNIT_TEST(test_demangle),
	UNIT_TEST(test_demangled_lazily),
	UNIT_TEST(test_demangle_table),
	UNIT_TEST(test_patterns),
	UNIT_TEST(test_garbage),
	UNIT_TEST(test_cleanup),
	CU_TEST_INFO_NULL,
};
