// SPDX-License-Identifier: GPL-2.0
/* Library search: ld.so.cache layouts, $ORIGIN/$LIB/$PLATFORM, ld.so's search order, bad files. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/util.h"
#include "target/libsearch.h"
#include "unit.h"

#if defined(__x86_64__)
#define CACHE_FLAGS 0x0303
#define FOREIGN_FLAGS 0x0a03 /* an aarch64 entry */
#else
#define CACHE_FLAGS 0x0a03
#define FOREIGN_FLAGS 0x0303
#endif

struct tentry {
	int32_t flags;
	const char *key, *value;
	uint64_t hwcap;
};

static void put32(char *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

/*
 * Write a cache in glibc's layout: the "glibc-ld.so.cache1.1" table, with
 * old_nr "ld.so-1.7.0" entries in front of it when old_nr > 0 (they point at
 * old_value so the test can tell which table was read).
 */
static void write_cache(const char *path, const struct tentry *e, size_t nr, size_t old_nr,
			const char *old_value)
{
	char buf[8192] = { 0 };
	size_t old_end = old_nr ? 16 + old_nr * 12 : 0;
	size_t off = old_nr ? (old_end + 7) & ~(size_t)7 : 0;
	size_t strs = off + 48 + nr * 24, pos = strs, keys[16];
	char *h = buf + off;
	FILE *f;

	CU_ASSERT_FATAL(nr <= ARRAY_SIZE(keys) && old_nr <= nr);
	memcpy(h, "glibc-ld.so.cache1.1", 20);
	put32(h + 20, nr);
	for (size_t i = 0; i < nr; i++) {
		char *ent = h + 48 + i * 24;

		put32(ent, e[i].flags);
		keys[i] = pos;
		/* New-format strings count from the new header. */
		put32(ent + 4, pos - off);
		strcpy(buf + pos, e[i].key);
		pos += strlen(e[i].key) + 1;
		put32(ent + 8, pos - off);
		strcpy(buf + pos, e[i].value);
		pos += strlen(e[i].value) + 1;
		memcpy(ent + 16, &e[i].hwcap, 8);
	}
	put32(h + 24, pos - strs);
	if (old_nr) {
		size_t value = pos;

		strcpy(buf + pos, old_value);
		pos += strlen(old_value) + 1;
		memcpy(buf, "ld.so-1.7.0", 11);
		put32(buf + 12, old_nr);
		for (size_t i = 0; i < old_nr; i++) {
			char *ent = buf + 16 + i * 12;

			/* Old-format strings count from the end of the old entries. */
			put32(ent, CACHE_FLAGS);
			put32(ent + 4, keys[i] - old_end);
			put32(ent + 8, value - old_end);
		}
	}
	f = fopen(path, "w");
	CU_ASSERT_FATAL(f != NULL);
	fwrite(buf, 1, pos, f);
	fclose(f);
}

static const struct tentry entries[] = {
	/* A glibc-hwcaps entry comes first for its name; the plain one is taken. */
	{ CACHE_FLAGS, "libfoo.so.1", "/hw/x86-64-v3/libfoo.so.1", (1ull << 62) | 1 },
	{ CACHE_FLAGS, "libfoo.so.1", "/plain/libfoo.so.1", 0 },
	{ CACHE_FLAGS, "libfoo.so.1", "/second/libfoo.so.1", 0 },
	{ FOREIGN_FLAGS, "libbar.so.2", "/foreign/libbar.so.2", 0 },
	{ 0x0001, "libold.so", "/libc5/libold.so", 0 },
	{ CACHE_FLAGS, "libbaz.so", "/lib/libbaz.so", 0 },
};

static void test_cache_new_format(void)
{
	char path[] = "/tmp/upx-cache-XXXXXX";
	struct ld_cache *c;
	int fd = mkstemp(path);

	CU_ASSERT_FATAL(fd >= 0);
	close(fd);
	write_cache(path, entries, ARRAY_SIZE(entries), 0, NULL);
	CU_ASSERT_EQUAL_FATAL(ld_cache__open(path, &c), 0);
	CU_ASSERT_EQUAL(ld_cache__count(c), ARRAY_SIZE(entries));
	CU_ASSERT_STRING_EQUAL(ld_cache__lookup(c, "libfoo.so.1"), "/plain/libfoo.so.1");
	CU_ASSERT_STRING_EQUAL(ld_cache__lookup(c, "libbaz.so"), "/lib/libbaz.so");
	CU_ASSERT_PTR_NULL(ld_cache__lookup(c, "libbar.so.2"));
	CU_ASSERT_PTR_NULL(ld_cache__lookup(c, "libold.so"));
	CU_ASSERT_PTR_NULL(ld_cache__lookup(c, "libnone.so"));
	ld_cache__free(c);
	unlink(path);
}

static void test_cache_old_and_new(void)
{
	char path[] = "/tmp/upx-cache-XXXXXX";
	struct ld_cache *c;
	int fd = mkstemp(path);

	CU_ASSERT_FATAL(fd >= 0);
	close(fd);
	/* 3 old entries: 16 + 36 = 52 bytes, so the new table starts at 56. */
	write_cache(path, entries, ARRAY_SIZE(entries), 3, "/old/table");
	CU_ASSERT_EQUAL_FATAL(ld_cache__open(path, &c), 0);
	CU_ASSERT_EQUAL(ld_cache__count(c), ARRAY_SIZE(entries));
	CU_ASSERT_STRING_EQUAL(ld_cache__lookup(c, "libfoo.so.1"), "/plain/libfoo.so.1");
	CU_ASSERT_STRING_EQUAL(ld_cache__lookup(c, "libbaz.so"), "/lib/libbaz.so");
	ld_cache__free(c);

	/* Without a valid new table after them, the old entries are read. */
	fd = open(path, O_WRONLY);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL(pwrite(fd, "X", 1, 56), 1);
	close(fd);
	CU_ASSERT_EQUAL_FATAL(ld_cache__open(path, &c), 0);
	CU_ASSERT_EQUAL(ld_cache__count(c), 3);
	CU_ASSERT_STRING_EQUAL(ld_cache__lookup(c, "libfoo.so.1"), "/old/table");
	ld_cache__free(c);
	unlink(path);
}

static void test_cache_bad(void)
{
	char path[] = "/tmp/upx-cache-XXXXXX";
	struct ld_cache *c = (void *)1;
	int fd = mkstemp(path);
	char junk[64] = "glibc-ld.so.cache1.1";

	CU_ASSERT_FATAL(fd >= 0);
	/* Empty, then a header that claims far more entries than the file holds. */
	CU_ASSERT(ld_cache__open(path, &c) < 0);
	CU_ASSERT_PTR_NULL(c);
	put32(junk + 20, 1000000);
	CU_ASSERT_EQUAL(write(fd, junk, sizeof(junk)), (ssize_t)sizeof(junk));
	close(fd);
	CU_ASSERT(ld_cache__open(path, &c) < 0);
	CU_ASSERT(ld_cache__open("/nonexistent/ld.so.cache", &c) < 0);
	unlink(path);
	/* A FIFO as the cache is refused, not opened (the open would wait for a writer). */
	CU_ASSERT_FATAL(mkfifo(path, 0600) == 0);
	CU_ASSERT(ld_cache__open(path, &c) == -EINVAL);
	CU_ASSERT_PTR_NULL(c);
	unlink(path);
}

static void test_cache_system(void)
{
	struct ld_cache *c;
	const char *p;

	if (access("/etc/ld.so.cache", R_OK))
		return;
	CU_ASSERT_EQUAL_FATAL(ld_cache__open("/etc/ld.so.cache", &c), 0);
	CU_ASSERT(ld_cache__count(c) > 10);
	p = ld_cache__lookup(c, "libc.so.6");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL(access(p, R_OK), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(p, "/libc.so.6"));
	ld_cache__free(c);
}

static void check_dst(const char *in, const char *origin, const char *want)
{
	char *got = expand_dst(in, origin);

	if (!want) {
		CU_ASSERT_PTR_NULL(got);
	} else {
		CU_ASSERT_PTR_NOT_NULL_FATAL(got);
		if (strcmp(got, want))
			fprintf(stderr, "\nexpand_dst(%s) = %s, want %s\n", in, got, want);
		CU_ASSERT_STRING_EQUAL(got, want);
	}
	free(got);
}

/*
 * $PLATFORM as ld.so itself says (its --help names the AT_PLATFORM it uses,
 * which glibc <= 2.36 sets from the CPU on x86-64: "haswell"), else the kernel's.
 */
static const char *ldso_platform(void)
{
	static char buf[64];
	char line[256];
	FILE *f = popen("/lib64/ld-linux-x86-64.so.2 --help 2>/dev/null || "
			"/lib/ld-linux-aarch64.so.1 --help 2>/dev/null", "r");

	while (f && fgets(line, sizeof(line), f))
		if (strstr(line, " (AT_PLATFORM;") && sscanf(line, " %63s", buf) == 1)
			break;
	if (f)
		pclose(f);
	return buf[0] ? buf : (const char *)getauxval(AT_PLATFORM);
}

static void test_expand_dst(void)
{
	const char *plat = ldso_platform();
	struct stat st;
	/* Debian's glibc: $LIB is lib/<triplet> (checked against ld.so with LD_DEBUG=libs). */
	const char *lib = !stat("/usr/lib/x86_64-linux-gnu", &st) ? "lib/x86_64-linux-gnu" :
			  !stat("/usr/lib/aarch64-linux-gnu", &st) ? "lib/aarch64-linux-gnu" :
								      "lib64";
	char want[256];

	check_dst("$ORIGIN/../lib", "/opt/app/bin", "/opt/app/bin/../lib");
	check_dst("${ORIGIN}/x:$ORIGIN", "/o", "/o/x:/o");
	snprintf(want, sizeof(want), "/usr/%s/foo", lib);
	check_dst("/usr/$LIB/foo", "/o", want);
	snprintf(want, sizeof(want), "/x/%s", lib);
	check_dst("/x/${LIB}", "/o", want);
	if (plat) {
		snprintf(want, sizeof(want), "/p/%s/q", plat);
		check_dst("/p/$PLATFORM/q", "/o", want);
		snprintf(want, sizeof(want), "/p/%s", plat);
		check_dst("/p/${PLATFORM}", "/o", want);
	}
	/* Not tokens: a longer name, an unknown one, a lone or trailing '$'. */
	check_dst("$ORIGINAL/x", "/o", "$ORIGINAL/x");
	check_dst("$LIBRARY", "/o", "$LIBRARY");
	check_dst("${ORIGIN", "/o", "${ORIGIN");
	check_dst("/a/$FOO/b$", "/o", "/a/$FOO/b$");
	check_dst("/plain/dir", NULL, "/plain/dir");
	/* ld.so drops an element whose origin is unknown. */
	check_dst("$ORIGIN/lib", NULL, NULL);
}

static void test_lib_how_names(void)
{
	CU_ASSERT_STRING_EQUAL(lib_how_name(LIB_HOW_RPATH), "rpath");
	CU_ASSERT_STRING_EQUAL(lib_how_name(LIB_HOW_RUNPATH), "runpath");
	CU_ASSERT_STRING_EQUAL(lib_how_name(LIB_HOW_LD_LIBRARY_PATH), "LD_LIBRARY_PATH");
	CU_ASSERT_STRING_EQUAL(lib_how_name(LIB_HOW_CACHE), "cache");
	CU_ASSERT_STRING_EQUAL(lib_how_name(LIB_HOW_DEFAULT), "default");
	CU_ASSERT_STRING_EQUAL(lib_how_name(LIB_HOW_NOT_FOUND), "not found");
	CU_ASSERT_STRING_EQUAL(lib_how_name(LIB_HOW_INTERP), "interp");
}

static void test_resolve_target(void)
{
	char err[256], *p;

	p = resolve_target("/bin/sh", err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL(p[0], '/');
	free(p);
	p = resolve_target("sh", err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL(p);
	free(p);
	p = resolve_target("libc.so.6", err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL(access(p, R_OK), 0);
	free(p);
	p = resolve_target("libupx-no-such-lib.so.9", err, sizeof(err));
	CU_ASSERT_PTR_NULL(p);
	CU_ASSERT_STRING_EQUAL(err, "no such file, program in PATH or library");
	p = resolve_target("/no/such/file", err, sizeof(err));
	CU_ASSERT_PTR_NULL(p);
	CU_ASSERT_STRING_EQUAL(err, "No such file or directory");
}

/* Search order on libraries built here ------------------------------------ */

static char tmp[] = "/tmp/upx-libsearch-XXXXXX";
static bool have_gcc;

static int sh(const char *fmt, ...) __printf(1, 2);
static int sh(const char *fmt, ...)
{
	char *cmd;
	va_list ap;
	int ret;

	va_start(ap, fmt);
	if (vasprintf(&cmd, fmt, ap) < 0)
		return -1;
	va_end(ap);
	ret = system(cmd);
	free(cmd);
	return ret;
}

/*
 * GNU ld (2.40) ignores -z nodeflib: link with -z now, which makes a
 * DT_FLAGS_1, and add DF_1_NODEFLIB to it.
 */
static void set_nodeflib(const char *rel)
{
	char path[512];
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	Elf64_Dyn dyn;
	int fd, done = 0;

	snprintf(path, sizeof(path), "%s/%s", tmp, rel);
	fd = open(path, O_RDWR);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(pread(fd, &eh, sizeof(eh), 0) == sizeof(eh));
	for (int i = 0; i < eh.e_phnum; i++) {
		off_t at = eh.e_phoff + i * sizeof(ph);

		CU_ASSERT_FATAL(pread(fd, &ph, sizeof(ph), at) == sizeof(ph));
		if (ph.p_type != PT_DYNAMIC)
			continue;
		for (off_t off = ph.p_offset; off < (off_t)(ph.p_offset + ph.p_filesz);
		     off += sizeof(dyn)) {
			CU_ASSERT_FATAL(pread(fd, &dyn, sizeof(dyn), off) == sizeof(dyn));
			if (dyn.d_tag == DT_FLAGS_1) {
				dyn.d_un.d_val |= DF_1_NODEFLIB;
				done = pwrite(fd, &dyn, sizeof(dyn), off) == sizeof(dyn);
				break;
			}
		}
	}
	close(fd);
	CU_ASSERT_TRUE(done);
}

/*
 * dir/{a,b,c,d}/libdep.so; dir/lib/libmid.so needs libdep.so;
 * rpath: RPATH=$ORIGIN/a;  runpath: RUNPATH=$ORIGIN/c;
 * chain: RPATH=$ORIGIN/a:$ORIGIN/lib, needs libmid.so only (libmid has neither);
 * nodeflib, plain: need lib/libnd.so (-z nodeflib) or lib/libplain.so, both need libz.
 */
static bool build_tree(void)
{
	static int built;

	if (built)
		return built > 0;
	built = -1;
	if (sh("command -v gcc >/dev/null 2>&1"))
		return false;
	CU_ASSERT_FATAL(mkdtemp(tmp) != NULL);
	if (sh("cd %s && mkdir a b c d lib bad &&"
	       " echo 'int dep(void){return 1;}' > dep.c &&"
	       " echo 'int dep(void); int mid(void){return dep();}' > mid.c &&"
	       " echo 'int dep(void); int main(void){return dep();}' > m.c &&"
	       " echo 'int mid(void); int main(void){return mid();}' > m2.c &&"
	       " for d in a b c d; do gcc -shared -fPIC -o $d/libdep.so dep.c || exit 1; done &&"
	       " gcc -shared -fPIC -o lib/libmid.so mid.c -La -ldep &&"
	       " gcc -o rpath m.c -La -ldep -Wl,--disable-new-dtags -Wl,-rpath,'$ORIGIN/a' &&"
	       " gcc -o runpath m.c -La -ldep -Wl,--enable-new-dtags -Wl,-rpath,'$ORIGIN/c' &&"
	       " gcc -o chain m2.c -Llib -lmid -Wl,-rpath-link,a -Wl,--disable-new-dtags"
	       "   -Wl,-rpath,'$ORIGIN/a:$ORIGIN/lib' &&"
	       " gcc -o chainrun m2.c -Llib -lmid -Wl,-rpath-link,a -Wl,--enable-new-dtags"
	       "   -Wl,-rpath,'$ORIGIN/a:$ORIGIN/lib' &&"
	       " echo 'int nd(void){return 0;}' > nd.c &&"
	       " echo 'int nd(void); int main(void){return nd();}' > m3.c &&"
	       " gcc -shared -fPIC -o lib/libnd.so nd.c -Wl,-z,now -Wl,--no-as-needed -lz &&"
	       " gcc -shared -fPIC -o lib/libplain.so nd.c -Wl,--no-as-needed -lz &&"
	       " gcc -o nodeflib m3.c -Llib -lnd -Wl,-rpath,'$ORIGIN/lib' &&"
	       " gcc -o plain m3.c -Llib -lplain -Wl,-rpath,'$ORIGIN/lib'", tmp)) {
		CU_FAIL("building the test libraries failed");
		return false;
	}
	set_nodeflib("lib/libnd.so");
	built = 1;
	have_gcc = true;
	return true;
}

static const struct lib_entry *find_lib(const struct lib_deps *d, const char *soname)
{
	for (size_t i = 0; i < d->nr; i++)
		if (!strcmp(d->libs[i].soname, soname))
			return &d->libs[i];
	return NULL;
}

/* Load prog from the tree with LD_LIBRARY_PATH=llp; check how soname is found. */
static void expect_lib(const char *prog, const char *llp, const char *soname, const char *want_path,
		       enum lib_how how)
{
	struct lib_deps *d;
	const struct lib_entry *e;
	char path[512], err[256];

	snprintf(path, sizeof(path), "%s/%s", tmp, prog);
	if (llp) {
		char *v = xasprintf("%s/%s", tmp, llp);

		setenv("LD_LIBRARY_PATH", v, 1);
		free(v);
	} else {
		unsetenv("LD_LIBRARY_PATH");
	}
	CU_ASSERT_EQUAL_FATAL(lib_deps__load(path, &d, err, sizeof(err)), 0);
	unsetenv("LD_LIBRARY_PATH");
	e = find_lib(d, soname);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	if (e->how != how)
		fprintf(stderr, "\n%s: %s found by %s, want %s\n", prog, soname,
			lib_how_name(e->how), lib_how_name(how));
	CU_ASSERT_EQUAL(e->how, how);
	if (want_path) {
		CU_ASSERT_PTR_NOT_NULL_FATAL(e->path);
		CU_ASSERT_STRING_EQUAL(e->path, want_path);
	} else {
		CU_ASSERT_PTR_NULL(e->path);
	}
	lib_deps__free(d);
}

static void expect_dep(const char *prog, const char *llp, const char *dir, enum lib_how how)
{
	char want[512];

	snprintf(want, sizeof(want), "%s/%s/libdep.so", tmp, dir ? dir : "");
	expect_lib(prog, llp, "libdep.so", dir ? want : NULL, how);
}

static void test_search_order(void)
{
	struct ld_cache *c;

	if (!build_tree())
		return;
	/* DT_RPATH comes before LD_LIBRARY_PATH; DT_RUNPATH after it. */
	expect_dep("rpath", NULL, "a", LIB_HOW_RPATH);
	expect_dep("rpath", "b", "a", LIB_HOW_RPATH);
	expect_dep("runpath", NULL, "c", LIB_HOW_RUNPATH);
	expect_dep("runpath", "b", "b", LIB_HOW_LD_LIBRARY_PATH);
	/* The program's DT_RPATH serves its libraries' needs; DT_RUNPATH does not. */
	expect_dep("chain", NULL, "a", LIB_HOW_RPATH);
	expect_dep("chainrun", NULL, NULL, LIB_HOW_NOT_FOUND);
	expect_dep("chainrun", "d", "d", LIB_HOW_LD_LIBRARY_PATH);
	/* A library built with -z nodeflib skips the cache's system entries and the defaults. */
	expect_lib("nodeflib", NULL, "libz.so.1", NULL, LIB_HOW_NOT_FOUND);
	if (!ld_cache__open("/etc/ld.so.cache", &c)) {
		const char *want = ld_cache__lookup(c, "libz.so.1");

		expect_lib("plain", NULL, "libz.so.1", want, LIB_HOW_CACHE);
		ld_cache__free(c);
	}
}

/* Patch one byte of a copy of a good library. */
static void patch_copy(const char *from, const char *to, long off, unsigned char byte)
{
	int fd;

	CU_ASSERT_EQUAL_FATAL(sh("cp %s %s", from, to), 0);
	fd = open(to, O_WRONLY);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL(pwrite(fd, &byte, 1, off), 1);
	close(fd);
}

static void test_wrong_class_skipped(void)
{
	char from[512], to[512];

	if (!build_tree())
		return;
	/* a/libdep.so becomes 32-bit, then another machine's: ld.so goes on to b/. */
	snprintf(from, sizeof(from), "%s/b/libdep.so", tmp);
	snprintf(to, sizeof(to), "%s/a/libdep.so", tmp);
	patch_copy(from, to, EI_CLASS, ELFCLASS32);
	expect_dep("rpath", "b", "b", LIB_HOW_LD_LIBRARY_PATH);
	patch_copy(from, to, offsetof(Elf64_Ehdr, e_machine), EM_S390);
	expect_dep("rpath", "b", "b", LIB_HOW_LD_LIBRARY_PATH);
	patch_copy(from, to, 0, 0);
	CU_ASSERT_EQUAL(sh("cp %s %s", from, to), 0);
	expect_dep("rpath", "b", "a", LIB_HOW_RPATH);
}

static void expect_error(const char *path, const char *want)
{
	struct lib_deps *d = (void *)1;
	char err[256];

	CU_ASSERT(lib_deps__load(path, &d, err, sizeof(err)) < 0);
	CU_ASSERT_PTR_NULL(d);
	if (!strstr(err, want))
		fprintf(stderr, "\n%s: '%s', want '%s'\n", path, err, want);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, want));
}

static void test_bad_files(void)
{
	char p[512], from[512];

	if (!build_tree())
		return;
	snprintf(from, sizeof(from), "%s/b/libdep.so", tmp);
	expect_error(tmp, "is a directory");
	snprintf(p, sizeof(p), "%s/bad/empty", tmp);
	CU_ASSERT_EQUAL(sh("true > %s", p), 0);
	expect_error(p, "empty file");
	snprintf(p, sizeof(p), "%s/bad/script", tmp);
	CU_ASSERT_EQUAL(sh("printf '#!/bin/sh -e\\necho hi\\n' > %s", p), 0);
	expect_error(p, "a script (#!/bin/sh -e)");
	snprintf(p, sizeof(p), "%s/bad/text", tmp);
	CU_ASSERT_EQUAL(sh("echo hello > %s", p), 0);
	expect_error(p, "not an ELF file");
	snprintf(p, sizeof(p), "%s/bad/trunc", tmp);
	CU_ASSERT_EQUAL(sh("head -c 40 %s > %s", from, p), 0);
	expect_error(p, "truncated ELF file");
	snprintf(p, sizeof(p), "%s/bad/trunc2", tmp);
	CU_ASSERT_EQUAL(sh("head -c 2000 %s > %s", from, p), 0);
	expect_error(p, "truncated ELF file");
	snprintf(p, sizeof(p), "%s/bad/elf32", tmp);
	patch_copy(from, p, EI_CLASS, ELFCLASS32);
	expect_error(p, "32-bit");
	snprintf(p, sizeof(p), "%s/bad/s390", tmp);
	patch_copy(from, p, offsetof(Elf64_Ehdr, e_machine), EM_S390);
	expect_error(p, "for s390");
	snprintf(p, sizeof(p), "%s/bad/missing", tmp);
	expect_error(p, "No such file or directory");
}

static void test_cleanup(void)
{
	if (have_gcc)
		sh("rm -rf %s", tmp);
}

CU_TestInfo libsearch_tests[] = {
	UNIT_TEST(test_cache_new_format),
	UNIT_TEST(test_cache_old_and_new),
	UNIT_TEST(test_cache_bad),
	UNIT_TEST(test_cache_system),
	UNIT_TEST(test_expand_dst),
	UNIT_TEST(test_lib_how_names),
	UNIT_TEST(test_resolve_target),
	UNIT_TEST(test_search_order),
	UNIT_TEST(test_wrong_class_skipped),
	UNIT_TEST(test_bad_files),
	UNIT_TEST(test_cleanup),
	CU_TEST_INFO_NULL,
};
