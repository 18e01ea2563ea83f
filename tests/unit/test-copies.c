// SPDX-License-Identifier: GPL-2.0
/*
 * core/target/copies.c: maps lines, which mapped names answer to a TARGET, paths in
 * a process's root, and a scan that finds a child's copy of libc.
 */
#include <CUnit/CUnit.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/util.h"
#include "target/copies.h"
#include "target/libsearch.h"
#include "unit.h"

static void test_maps_lines(void)
{
	char exec[] = "7f7cf9de2000-7f7cf9f38000 r-xp 00028000 fe:00 332835     "
		      "/usr/lib/x86_64-linux-gnu/libc.so.6";
	char data[] = "55b6e5b1b000-55b6e5bdc000 rw-p 00000000 08:11 247101 /srv/a b/bash";
	char deleted[] = "7f00-7f10 r-xp 00000000 fe:00 9 /usr/lib/libold.so (deleted)";
	char anon[] = "7ffd1a2b3000-7ffd1a2d4000 rw-p 00000000 00:00 0                  [stack]";
	char junk[] = "not a line";
	struct maps_line ml;

	CU_ASSERT_FATAL(maps_line_parse(exec, &ml));
	CU_ASSERT_EQUAL(ml.start, 0x7f7cf9de2000UL);
	CU_ASSERT_EQUAL(ml.end, 0x7f7cf9f38000UL);
	CU_ASSERT(ml.exec);
	CU_ASSERT_EQUAL(ml.major, 0xfe);
	CU_ASSERT_EQUAL(ml.minor, 0);
	CU_ASSERT_EQUAL(ml.ino, 332835);
	CU_ASSERT_STRING_EQUAL(ml.path, "/usr/lib/x86_64-linux-gnu/libc.so.6");
	CU_ASSERT(!ml.deleted);

	CU_ASSERT_FATAL(maps_line_parse(data, &ml));
	CU_ASSERT(!ml.exec);
	CU_ASSERT_EQUAL(ml.major, 8);
	CU_ASSERT_EQUAL(ml.minor, 0x11);
	CU_ASSERT_STRING_EQUAL(ml.path, "/srv/a b/bash");

	CU_ASSERT_FATAL(maps_line_parse(deleted, &ml));
	CU_ASSERT(ml.deleted);
	CU_ASSERT_STRING_EQUAL(ml.path, "/usr/lib/libold.so");

	CU_ASSERT_FATAL(maps_line_parse(anon, &ml));
	CU_ASSERT_PTR_NULL(ml.path);
	CU_ASSERT_EQUAL(ml.ino, 0);

	CU_ASSERT(!maps_line_parse(junk, &ml));
}

static void test_names(void)
{
	const struct copy_target libc = { .names = { "libc.so.6" }, .soname = "libc.so.6" };
	const struct copy_target cxx = { .names = { "libstdc++.so.6" },
					 .soname = "libstdc++.so.6" };
	const struct copy_target py = { .names = { "python3", "python3.11" } };

	CU_ASSERT_EQUAL(copy_name_matches(&libc, "libc.so.6"), 1);
	/* another version of glibc names its file otherwise: its DT_SONAME decides */
	CU_ASSERT_EQUAL(copy_name_matches(&libc, "libc-2.31.so"), 2);
	CU_ASSERT_EQUAL(copy_name_matches(&libc, "libcrypt.so.1"), 0);
	CU_ASSERT_EQUAL(copy_name_matches(&libc, "libc.so"), 2);
	CU_ASSERT_EQUAL(copy_name_matches(&libc, "libc-2.31"), 0);
	CU_ASSERT_EQUAL(copy_name_matches(&cxx, "libstdc++.so.6.0.30"), 2);
	CU_ASSERT_EQUAL(copy_name_matches(&py, "python3.11"), 1);
	CU_ASSERT_EQUAL(copy_name_matches(&py, "python3"), 1);
	/* a program has no soname: another name is another program */
	CU_ASSERT_EQUAL(copy_name_matches(&py, "python3.12"), 0);
}

static void test_path_in_root(void)
{
	CU_ASSERT_STRING_EQUAL(path_in_root("/srv/jail/lib/libc.so.6", "/srv/jail"),
			       "/lib/libc.so.6");
	CU_ASSERT_STRING_EQUAL(path_in_root("/srv/jailbreak/lib/x", "/srv/jail"),
			       "/srv/jailbreak/lib/x");
	CU_ASSERT_STRING_EQUAL(path_in_root("/usr/lib/libc.so.6", "/"), "/usr/lib/libc.so.6");
	CU_ASSERT_STRING_EQUAL(path_in_root("/lib/x", ""), "/lib/x");
}

/* A child of this process maps libc: the scan finds that copy, with the child's pid. */
static void test_scan_finds_a_child(void)
{
	char *libc = resolve_target("libc.so.6", (char[128]){ 0 }, 128);
	const struct copy_target t = { .names = { "libc.so.6" }, .soname = "libc.so.6" };
	struct copies c = {};
	enum copy_mapped how;
	struct copy *cp;
	struct stat st;
	bool found = false;
	pid_t child;
	int p[2];
	char b;

	CU_ASSERT_FATAL(libc && !stat(libc, &st));
	CU_ASSERT_FATAL(!pipe(p));
	child = fork();
	CU_ASSERT_FATAL(child >= 0);
	if (!child) {
		close(p[0]);
		if (write(p[1], "r", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(p[1]);
	CU_ASSERT_FATAL(read(p[0], &b, 1) == 1);
	close(p[0]);

	CU_ASSERT(copies_scan(&c, &t, 1, 0) > 1);
	cp = copies_find(&c, st.st_dev, st.st_ino);
	CU_ASSERT_FATAL(cp != NULL);
	CU_ASSERT_EQUAL(cp->target, 0);
	CU_ASSERT(cp->nr_procs >= 1);
	for (size_t i = 0; i < cp->nr_procs && i < COPY_PIDS; i++)
		found |= cp->pids[i] == child;
	CU_ASSERT(found || cp->nr_procs > COPY_PIDS);
	CU_ASSERT_EQUAL(copies_verdict(&c, st.st_dev, st.st_ino), 0);
	CU_ASSERT_STRING_EQUAL(cp->root, "/");

	/* scanned again: no process counted twice */
	{
		size_t before = cp->nr_procs;

		copies_scan(&c, &t, 1, child);
		CU_ASSERT_EQUAL(copies_find(&c, st.st_dev, st.st_ino)->nr_procs, before);
	}
	CU_ASSERT(copies_scan_pid(&c, &t, 1, child, st.st_dev, st.st_ino, &how));
	CU_ASSERT_EQUAL(how, COPY_MAPPED_EXEC);
	CU_ASSERT(copies_scan_pid(&c, &t, 1, child, st.st_dev, st.st_ino + 1, &how));
	CU_ASSERT_EQUAL(how, COPY_NOT_MAPPED);

	/* The same from the text of maps (kernels without PROCMAP_QUERY). */
	{
		struct copies text = { .text_only = true };
		struct copy *tp;

		CU_ASSERT(copies_scan(&text, &t, 1, child) == 1);
		tp = copies_find(&text, st.st_dev, st.st_ino);
		CU_ASSERT_FATAL(tp != NULL);
		CU_ASSERT_EQUAL(tp->nr_procs, 1);
		CU_ASSERT_EQUAL(tp->pids[0], child);
		CU_ASSERT_STRING_EQUAL(tp->path, cp->path);
		CU_ASSERT(copies_scan_pid(&text, &t, 1, child, st.st_dev, st.st_ino, &how));
		CU_ASSERT_EQUAL(how, COPY_MAPPED_EXEC);
		copies__free(&text);
	}
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	/* gone: no process to read */
	CU_ASSERT(!copies_scan_pid(&c, &t, 1, child, st.st_dev, st.st_ino, &how));
	copies__free(&c);
	free(libc);
}

/* Hundreds of processes: the scan is shared by two threads, and every process is counted. */
static void test_scan_many(void)
{
	char *libc = resolve_target("libc.so.6", (char[128]){ 0 }, 128);
	const struct copy_target t = { .names = { "libc.so.6" }, .soname = "libc.so.6" };
	struct copies shared = {}, text = { .text_only = true };
	enum { N = 300 };
	pid_t kids[N];
	struct stat st;
	int p[2];
	char b;

	CU_ASSERT_FATAL(libc && !stat(libc, &st));
	CU_ASSERT_FATAL(!pipe(p));
	for (int i = 0; i < N; i++) {
		kids[i] = fork();
		CU_ASSERT_FATAL(kids[i] >= 0);
		if (!kids[i]) {
			close(p[0]);
			if (write(p[1], "r", 1) != 1)
				_exit(1);
			pause();
			_exit(0);
		}
	}
	close(p[1]);
	for (int i = 0; i < N; i++)
		CU_ASSERT_FATAL(read(p[0], &b, 1) == 1);
	close(p[0]);

	CU_ASSERT(copies_scan(&shared, &t, 1, 0) > N);
	CU_ASSERT(copies_scan(&text, &t, 1, 0) > N);
	CU_ASSERT_FATAL(copies_find(&shared, st.st_dev, st.st_ino) != NULL);
	CU_ASSERT_FATAL(copies_find(&text, st.st_dev, st.st_ino) != NULL);
	CU_ASSERT(copies_find(&shared, st.st_dev, st.st_ino)->nr_procs >= N);
	CU_ASSERT(copies_find(&text, st.st_dev, st.st_ino)->nr_procs >= N);
	/* every file judged by both ways */
	CU_ASSERT_EQUAL(copies_verdict(&shared, st.st_dev, st.st_ino), 0);

	for (int i = 0; i < N; i++)
		kill(kids[i], SIGKILL);
	for (int i = 0; i < N; i++)
		waitpid(kids[i], NULL, 0);
	copies__free(&shared);
	copies__free(&text);
	free(libc);
}

CU_TestInfo copies_tests[] = {
	UNIT_TEST(test_maps_lines),
	UNIT_TEST(test_names),
	UNIT_TEST(test_path_in_root),
	UNIT_TEST(test_scan_finds_a_child),
	UNIT_TEST(test_scan_many),
	CU_TEST_INFO_NULL,
};
