// SPDX-License-Identifier: GPL-2.0
/*
 * cgroup v2 directories for --cgroup: a path to (id, level), an id back to
 * a path.  A cgroup's id is its kernfs node id, which the cgroup2 file system
 * gives as the directory's inode number (64-bit kernels); its root's is 1.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "base/util.h"
#include "target/cgroup.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif
#ifndef CGROUP_SUPER_MAGIC
#define CGROUP_SUPER_MAGIC 0x27e0eb
#endif
#define CGROUP_ROOT_ID 1
#define CGROUP_MAX_LEVEL 256

int cgroup_resolve(const char *path, struct cgroup_ref *out, char *err, size_t errlen)
{
	struct statfs sfs;
	struct stat st, up;
	int fd, parent, ret = 0, level = 0;

	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "%s", ret == -ENOTDIR ? "not a directory" : strerror(-ret));
		return ret;
	}
	if (fstatfs(fd, &sfs) || fstat(fd, &st)) {
		ret = -errno;
		snprintf(err, errlen, "%s", strerror(-ret));
		goto out;
	}
	if (sfs.f_type == CGROUP_SUPER_MAGIC) {
		snprintf(err, errlen, "a cgroup v1 directory: --cgroup takes a cgroup v2 one "
			 "(where cgroup2 is mounted, /sys/fs/cgroup/unified on a hybrid host)");
		ret = -EINVAL;
		goto out;
	}
	if (sfs.f_type != CGROUP2_SUPER_MAGIC) {
		snprintf(err, errlen, "not a cgroup v2 directory");
		ret = -EINVAL;
		goto out;
	}
	out->id = st.st_ino;
	/* Up to the hierarchy's root: each step one level; ".." of a mount's root is itself. */
	for (up = st; up.st_ino != CGROUP_ROOT_ID; level++) {
		parent = openat(fd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		close(fd);
		fd = parent;
		if (fd < 0 || fstat(fd, &st)) {
			ret = -errno;
			snprintf(err, errlen, "%s", strerror(-ret));
			goto out;
		}
		if (st.st_dev != up.st_dev || st.st_ino == up.st_ino || level == CGROUP_MAX_LEVEL) {
			snprintf(err, errlen, "cannot tell its depth in the cgroup hierarchy: its "
				 "mount does not begin at the root (a cgroup namespace?)");
			ret = -EXDEV;
			goto out;
		}
		up = st;
	}
	out->level = level;
out:
	if (fd >= 0)
		close(fd);
	return ret;
}

/* mountinfo's octal escapes (\040 for a space) undone in place. */
static void unescape_octal(char *s)
{
	char *w = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*w++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 | (s[3] - '0'));
			s += 3;
		} else {
			*w++ = *s;
		}
	}
	*w = '\0';
}

char *cgroup_v2_mount(void)
{
	char *buf, *line, *next, *found = NULL;
	size_t len;

	if (read_file("/proc/self/mountinfo", &buf, &len))
		return NULL;
	/* "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - TYPE SOURCE SUPER" */
	for (line = buf; *line && !found; line = next) {
		char root[4096], mnt[4096], *dash;

		next = line + strcspn(line, "\n");
		if (*next)
			*next++ = '\0';
		dash = strstr(line, " - ");
		if (!dash || strncmp(dash + 3, "cgroup2 ", 8) ||
		    sscanf(line, "%*s %*s %*s %4095s %4095s", root, mnt) != 2 || strcmp(root, "/"))
			continue;
		unescape_octal(mnt);
		found = xstrdup(mnt);
	}
	free(buf);
	return found;
}

char *cgroup_path_of(const char *mnt, uint64_t id, size_t max_dirs)
{
	/* Breadth first: the cgroups of services and containers are shallow. */
	char **queue = NULL, *found = NULL;
	size_t head = 0, nr = 0, alloc = 0;
	struct stat st;

	if (stat(mnt, &st))
		return NULL;
	if (st.st_ino == id)
		return xstrdup("/");
	ALLOC_GROW(queue, nr + 1, alloc);
	queue[nr++] = xstrdup("");
	while (head < nr && head < max_dirs && !found) {
		char *rel = queue[head++], *dir = xasprintf("%s%s", mnt, rel);
		DIR *d = opendir(dir);
		struct dirent *de;

		while (d && (de = readdir(d)) && !found) {
			if (de->d_type != DT_DIR || de->d_name[0] == '.')
				continue;
			if (de->d_ino == id)
				found = xasprintf("%s/%s", rel, de->d_name);
			ALLOC_GROW(queue, nr + 1, alloc);
			queue[nr++] = xasprintf("%s/%s", rel, de->d_name);
		}
		if (d)
			closedir(d);
		free(dir);
	}
	for (size_t i = 0; i < nr; i++)
		free(queue[i]);
	free(queue);
	return found;
}
