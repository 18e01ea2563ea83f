// SPDX-License-Identifier: GPL-2.0
/* core/target/cgroup.c: --cgroup paths to (id, level) and back, on this host's own hierarchy. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/util.h"
#include "target/cgroup.h"
#include "unit.h"

static void test_cgroup_root(void)
{
	struct cgroup_ref cg = { 99, 99 };
	char *mnt = cgroup_v2_mount(), *path, err[256];
	struct stat st;

	if (!mnt) {
		fprintf(stderr, "\n    no cgroup v2 hierarchy mounted here ");
		return;
	}
	CU_ASSERT_EQUAL(cgroup_resolve(mnt, &cg, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(cg.level, 0);
	CU_ASSERT_EQUAL(stat(mnt, &st), 0);
	CU_ASSERT_EQUAL(cg.id, st.st_ino);
	path = cgroup_path_of(mnt, cg.id, 100);
	CU_ASSERT_STRING_EQUAL(path, "/");
	free(path);
	/* Not a cgroup at all. */
	CU_ASSERT_PTR_NULL(cgroup_path_of(mnt, (uint64_t)-2, 100));
	free(mnt);
}

/* This process's own cgroup: its depth is the number of components of its path. */
static void test_cgroup_self(void)
{
	char *mnt = cgroup_v2_mount(), *buf, *rel, *path, *back, err[256];
	struct cgroup_ref cg;
	size_t len;
	int level = 0;

	if (!mnt || read_file("/proc/self/cgroup", &buf, &len)) {
		free(mnt);
		return;
	}
	rel = strstr(buf, "0::");
	CU_ASSERT_PTR_NOT_NULL_FATAL(rel);
	rel += 3;
	rel[strcspn(rel, "\n")] = '\0';
	for (const char *c = rel; *c; c++)
		level += *c == '/' && c[1];
	path = xasprintf("%s%s", mnt, rel);
	CU_ASSERT_EQUAL(cgroup_resolve(path, &cg, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(cg.level, level);
	back = cgroup_path_of(mnt, cg.id, 100000);
	CU_ASSERT_STRING_EQUAL(back, rel);
	free(back);
	free(path);
	free(buf);
	free(mnt);
}

static void test_cgroup_errors(void)
{
	struct cgroup_ref cg;
	char err[256];

	CU_ASSERT_EQUAL(cgroup_resolve("/nonexistent/cg", &cg, err, sizeof(err)), -ENOENT);
	CU_ASSERT_STRING_EQUAL(err, "No such file or directory");
	CU_ASSERT_EQUAL(cgroup_resolve("/etc/passwd", &cg, err, sizeof(err)), -ENOTDIR);
	CU_ASSERT_STRING_EQUAL(err, "not a directory");
	CU_ASSERT_EQUAL(cgroup_resolve("/etc", &cg, err, sizeof(err)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "not a cgroup v2 directory");
}

CU_TestInfo cgroup_tests[] = {
	UNIT_TEST(test_cgroup_root),
	UNIT_TEST(test_cgroup_self),
	UNIT_TEST(test_cgroup_errors),
	CU_TEST_INFO_NULL,
};
