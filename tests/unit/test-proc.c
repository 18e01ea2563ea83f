// SPDX-License-Identifier: GPL-2.0
/* proc_find_mapped on this very process: paths, names, sonames, errors. */
#include <dlfcn.h>
#include <gnu/libc-version.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "target/proc.h"
#include "unit.h"

/* Is path the same file as want? */
static int same_file(const char *path, const char *want)
{
	struct stat a, b;

	return path && !stat(path, &a) && !stat(want, &b) && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

static char *find(const char *target, char *err, size_t errlen)
{
	err[0] = '\0';
	return proc_find_mapped(getpid(), target, err, errlen);
}

static void test_find_self(void)
{
	char exe[PATH_MAX], cwd[PATH_MAX], rel[PATH_MAX + 2], err[512], *p, *dir;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	CU_ASSERT_FATAL(n > 0);
	exe[n] = '\0';
	/* the program by its path, and by its base name */
	p = find(exe, err, sizeof(err));
	CU_ASSERT_TRUE(same_file(p, exe));
	free(p);
	p = find(strrchr(exe, '/') + 1, err, sizeof(err));
	CU_ASSERT_TRUE(same_file(p, exe));
	free(p);
	/* a relative path is from the process's cwd: here, its own */
	CU_ASSERT_FATAL(getcwd(cwd, sizeof(cwd)) != NULL);
	dir = strdup(exe);
	CU_ASSERT_FATAL(dir && chdir(dirname(dir)) == 0);
	snprintf(rel, sizeof(rel), "./%s", strrchr(exe, '/') + 1);
	p = find(rel, err, sizeof(err));
	CU_ASSERT_FATAL(chdir(cwd) == 0);
	CU_ASSERT_TRUE(same_file(p, exe));
	free(p);
	free(dir);
}

static void test_find_libc(void)
{
	char err[512], *p;
	Dl_info info;

	/*
	 * The oracle: where the dynamic linker says a libc function comes
	 * from (one that ASan does not intercept, unlike printf).
	 */
	CU_ASSERT_FATAL(dladdr((void *)gnu_get_libc_version, &info) && info.dli_fname);
	p = find("libc.so.6", err, sizeof(err));
	CU_ASSERT_TRUE(same_file(p, info.dli_fname));
	free(p);
	/* "libc" is no soname: nothing answers to it */
	p = find("libc", err, sizeof(err));
	CU_ASSERT_PTR_NULL(p);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "has no 'libc' mapped"));
}

static void test_find_errors(void)
{
	char err[512], want[128], *p;

	p = find("/nonexistent/prog", err, sizeof(err));
	CU_ASSERT_PTR_NULL(p);
	snprintf(want, sizeof(want), "process %d has no '/nonexistent/prog': No such file",
		 (int)getpid());
	CU_ASSERT_PTR_NOT_NULL(strstr(err, want));
	/* there, a directory, but not mapped */
	p = find("/", err, sizeof(err));
	CU_ASSERT_PTR_NULL(p);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "has no '/' mapped"));
	p = proc_find_mapped(0x3fffffff, "libc.so.6", err, sizeof(err));
	CU_ASSERT_PTR_NULL(p);
	CU_ASSERT_STRING_EQUAL(err, "cannot read /proc/1073741823/maps: no such process");
}

CU_TestInfo proc_tests[] = {
	UNIT_TEST(test_find_self),
	UNIT_TEST(test_find_libc),
	UNIT_TEST(test_find_errors),
	CU_TEST_INFO_NULL,
};
