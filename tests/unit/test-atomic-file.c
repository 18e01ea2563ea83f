// SPDX-License-Identifier: GPL-2.0
/* core/output/atomic-file.c: a file replaced whole or not at all, and only a regular file. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/util.h"
#include "output/atomic-file.h"
#include "unit.h"

static char dir[] = "/tmp/upx-unit-atomic.XXXXXX";

static char *in_dir(const char *name)
{
	return xasprintf("%s/%s", dir, name);
}

static char *slurp(const char *path)
{
	char *buf;
	size_t len;

	return read_file(path, &buf, &len) ? NULL : buf;
}

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(text, f);
	fclose(f);
}

/* Files in dir other than those named: temporaries left behind. */
static int others(void)
{
	char *cmd = xasprintf("ls -A %s | grep -c '^\\.' || true", dir);
	FILE *p = popen(cmd, "r");
	int n = -1;

	if (p) {
		if (fscanf(p, "%d", &n) != 1)
			n = -1;
		pclose(p);
	}
	free(cmd);
	return n;
}

static void test_replace_and_keep(void)
{
	struct atomic_file af;
	char *path, *got;
	struct stat st;

	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	path = in_dir("m.prom");
	/* A new file gets the mode asked for. */
	CU_ASSERT_EQUAL_FATAL(atomic_file__open(&af, path, 0640), 0);
	fputs("one\n", af.f);
	CU_ASSERT_EQUAL(atomic_file__commit(&af), 0);
	got = slurp(path);
	CU_ASSERT_STRING_EQUAL(got, "one\n");
	free(got);
	CU_ASSERT_EQUAL(stat(path, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 07777, 0640);
	/* An existing one keeps its own. */
	chmod(path, 0604);
	CU_ASSERT_EQUAL_FATAL(atomic_file__open(&af, path, 0600), 0);
	fputs("two\n", af.f);
	CU_ASSERT_EQUAL(atomic_file__commit(&af), 0);
	CU_ASSERT_EQUAL(stat(path, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 07777, 0604);
	/* Aborted: the file as it was, no temporary left. */
	CU_ASSERT_EQUAL_FATAL(atomic_file__open(&af, path, 0644), 0);
	fputs("half", af.f);
	atomic_file__abort(&af);
	got = slurp(path);
	CU_ASSERT_STRING_EQUAL(got, "two\n");
	free(got);
	CU_ASSERT_EQUAL(others(), 0);
	free(path);
}

static void test_link_followed(void)
{
	char *target = in_dir("real.svg"), *link = in_dir("link.svg"), *got, buf[64];
	struct atomic_file af;
	ssize_t n;

	put(target, "old\n");
	CU_ASSERT_EQUAL_FATAL(symlink("real.svg", link), 0);
	CU_ASSERT_EQUAL_FATAL(atomic_file__open(&af, link, 0644), 0);
	fputs("new\n", af.f);
	CU_ASSERT_EQUAL(atomic_file__commit(&af), 0);
	/* the link stays a link, the file it names is replaced */
	n = readlink(link, buf, sizeof(buf) - 1);
	CU_ASSERT_EQUAL(n, 8);
	got = slurp(target);
	CU_ASSERT_STRING_EQUAL(got, "new\n");
	free(got);
	free(target);
	free(link);
}

static void test_not_regular_refused(void)
{
	char *fifo = in_dir("fifo"), *sock = in_dir("sock"), *sub = in_dir("sub"),
	     *lfifo = in_dir("lfifo"), *dangling = in_dir("dangling"), *nodir = in_dir("no/x");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct atomic_file af;
	char why[128];
	struct stat st;
	int fd;

	CU_ASSERT_EQUAL_FATAL(mkfifo(fifo, 0600), 0);
	CU_ASSERT_EQUAL_FATAL(mkdir(sub, 0700), 0);
	CU_ASSERT_EQUAL_FATAL(symlink("fifo", lfifo), 0);
	CU_ASSERT_EQUAL_FATAL(symlink("nothing", dangling), 0);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
	CU_ASSERT_EQUAL_FATAL(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);

	CU_ASSERT_EQUAL(atomic_file_check(fifo, why, sizeof(why)), -1);
	CU_ASSERT_STRING_EQUAL(why, "a FIFO, not a regular file");
	CU_ASSERT_EQUAL(atomic_file_check(lfifo, why, sizeof(why)), -1);
	CU_ASSERT_STRING_EQUAL(why, "a FIFO, not a regular file");
	CU_ASSERT_EQUAL(atomic_file_check(sock, why, sizeof(why)), -1);
	CU_ASSERT_STRING_EQUAL(why, "a socket, not a regular file");
	CU_ASSERT_EQUAL(atomic_file_check(sub, why, sizeof(why)), -1);
	CU_ASSERT_STRING_EQUAL(why, "a directory, not a regular file");
	CU_ASSERT_EQUAL(atomic_file_check("/dev/null", why, sizeof(why)), -1);
	CU_ASSERT_STRING_EQUAL(why, "a character device, not a regular file");
	CU_ASSERT_EQUAL(atomic_file_check(dangling, why, sizeof(why)), -1);
	CU_ASSERT_STRING_EQUAL(why, "a symbolic link to nothing");
	CU_ASSERT_EQUAL(atomic_file_check(nodir, why, sizeof(why)), -1);
	CU_ASSERT_STRING_EQUAL(why, strerror(ENOENT));
	CU_ASSERT_EQUAL(atomic_file_check("", why, sizeof(why)), -1);
	/* open refuses it too, and leaves nothing behind */
	CU_ASSERT_EQUAL(atomic_file__open(&af, fifo, 0644), -1);
	CU_ASSERT_STRING_EQUAL(af.why, "a FIFO, not a regular file");
	CU_ASSERT_EQUAL(lstat(fifo, &st), 0);
	CU_ASSERT_TRUE(S_ISFIFO(st.st_mode));
	CU_ASSERT_EQUAL(others(), 0);

	close(fd);
	free(fifo);
	free(sock);
	free(sub);
	free(lfifo);
	free(dangling);
	free(nodir);
}

static int fill_text(FILE *f, void *ctx)
{
	fputs(ctx, f);
	return strcmp(ctx, "bad\n") ? 0 : -EOVERFLOW;
}

static void test_write_cycle(void)
{
	char *path = in_dir("cycle"), *got, why[128];
	int err;

	CU_ASSERT_EQUAL(atomic_file_write(path, 0644, fill_text, "good\n", &err, why, sizeof(why)), 0);
	CU_ASSERT_EQUAL(err, 0);
	/* the content failed: fill's error, the file as it was */
	CU_ASSERT_EQUAL(atomic_file_write(path, 0644, fill_text, "bad\n", &err, why, sizeof(why)), -1);
	CU_ASSERT_EQUAL(err, -EOVERFLOW);
	CU_ASSERT_STRING_EQUAL(why, strerror(EOVERFLOW));
	got = slurp(path);
	CU_ASSERT_STRING_EQUAL(got, "good\n");
	free(got);
	CU_ASSERT_EQUAL(others(), 0);
	free(path);
}

/* Something else put at the path between open and commit is not renamed over. */
static void test_changed_before_commit(void)
{
	char *path = in_dir("late"), *cmd;
	struct atomic_file af;
	struct stat st;

	CU_ASSERT_EQUAL_FATAL(atomic_file__open(&af, path, 0644), 0);
	fputs("x\n", af.f);
	CU_ASSERT_EQUAL_FATAL(mkfifo(path, 0600), 0);
	CU_ASSERT_EQUAL(atomic_file__commit(&af), -1);
	CU_ASSERT_STRING_EQUAL(af.why, "a FIFO, not a regular file");
	CU_ASSERT_EQUAL(lstat(path, &st), 0);
	CU_ASSERT_TRUE(S_ISFIFO(st.st_mode));
	CU_ASSERT_EQUAL(others(), 0);
	free(path);
	cmd = xasprintf("rm -rf %s", dir);
	CU_ASSERT_EQUAL(system(cmd), 0);
	free(cmd);
}

CU_TestInfo atomic_file_tests[] = {
	UNIT_TEST(test_replace_and_keep),
	UNIT_TEST(test_link_followed),
	UNIT_TEST(test_not_regular_refused),
	UNIT_TEST(test_write_cycle),
	UNIT_TEST(test_changed_before_commit),
	CU_TEST_INFO_NULL,
};
