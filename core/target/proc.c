// SPDX-License-Identifier: GPL-2.0
/*
 * Finding a probe target among the files a running process has mapped.
 *
 * /proc/PID/maps names each file as upx sees it: a process in a chroot maps
 * /srv/root/bin/prog, one in its own mount namespace (pivot_root, a
 * container) maps /bin/prog, a path that may be another file here or none.
 * So TARGET is resolved as the process sees it (its root, its cwd, its PATH)
 * and matched to a mapping by device and inode, which maps lists too.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "base/util.h"
#include "target/proc.h"

int proc_exists(pid_t pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	return access(path, F_OK) ? -errno : 0;
}

int file_id_of(const char *path, struct file_id *id)
{
	struct stat st;

	if (stat(path, &st))
		return -errno;
	id->major = major(st.st_dev);
	id->minor = minor(st.st_dev);
	id->ino = st.st_ino;
	return 0;
}

int proc_maps_which(pid_t pid, const struct file_id *files, size_t n, bool *hit)
{
	char path[64], *buf, *line, *next;
	size_t len;
	int ret;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	ret = read_file(path, &buf, &len);
	if (ret)
		return ret;
	for (line = buf; *line; line = next) {
		struct file_id m;

		next = line + strcspn(line, "\n");
		if (*next)
			*next++ = '\0';
		if (sscanf(line, "%*s %*s %*s %x:%x %lu", &m.major, &m.minor, &m.ino) != 3 || !m.ino)
			continue;
		for (size_t i = 0; i < n; i++)
			if (files[i].ino == m.ino && files[i].major == m.major &&
			    files[i].minor == m.minor)
				hit[i] = true;
	}
	free(buf);
	return 0;
}

/* One mapped file (its first mapping) as /proc/PID/maps lists it. */
struct mapped {
	char range[40];		/* "START-END", the name under /proc/PID/map_files */
	unsigned int major, minor;
	unsigned long ino;
	char *path;		/* as upx sees it, or relative to the process's namespace */
};

struct proc_maps {
	pid_t pid;
	struct mapped *m;
	size_t nr, alloc;
	char root[PATH_MAX];	/* readlink of /proc/PID/root */
	char cwd[PATH_MAX];	/* the process's working directory in its own view */
};

static void proc_maps__free(struct proc_maps *pm)
{
	for (size_t i = 0; i < pm->nr; i++)
		free(pm->m[i].path);
	free(pm->m);
}

static bool proc_maps__has(const struct proc_maps *pm, const struct mapped *m, const char *file)
{
	for (size_t i = 0; i < pm->nr; i++)
		if (pm->m[i].ino == m->ino && pm->m[i].major == m->major &&
		    pm->m[i].minor == m->minor && !strcmp(pm->m[i].path, file))
			return true;
	return false;
}

/* readlink into buf, "" when it fails. */
static void read_link(const char *link, char *buf, size_t size)
{
	ssize_t n = readlink(link, buf, size - 1);

	buf[n > 0 && (size_t)n < size - 1 ? n : 0] = '\0';
}

static int proc_maps__load(struct proc_maps *pm, pid_t pid)
{
	char path[64], *buf, *line, *next;
	size_t len;
	int ret;

	pm->pid = pid;
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	ret = read_file(path, &buf, &len);
	if (ret)
		return ret;
	for (line = buf; *line; line = next) {
		struct mapped m = {};
		char *file;
		int n = 0;

		next = line + strcspn(line, "\n");
		if (*next)
			*next++ = '\0';
		if (sscanf(line, "%39s %*s %*s %x:%x %lu %n", m.range, &m.major, &m.minor,
			   &m.ino, &n) < 4 || !n || !m.ino)
			continue;
		file = line + n;
		if (file[0] != '/' || strstr(file, " (deleted)") || proc_maps__has(pm, &m, file))
			continue;
		m.path = xstrdup(file);
		ALLOC_GROW(pm->m, pm->nr + 1, pm->alloc);
		pm->m[pm->nr++] = m;
	}
	free(buf);

	/* The working directory as the process sees it: below its root. */
	snprintf(path, sizeof(path), "/proc/%d/root", (int)pid);
	read_link(path, pm->root, sizeof(pm->root));
	snprintf(path, sizeof(path), "/proc/%d/cwd", (int)pid);
	read_link(path, pm->cwd, sizeof(pm->cwd));
	if (strcmp(pm->root, "/")) {
		size_t r = strlen(pm->root);

		if (!r || strncmp(pm->cwd, pm->root, r) || (pm->cwd[r] && pm->cwd[r] != '/'))
			pm->cwd[0] = '\0';	/* outside its root, or unknown */
		else if (!pm->cwd[r])
			strcpy(pm->cwd, "/");
		else
			memmove(pm->cwd, pm->cwd + r, strlen(pm->cwd + r) + 1);
	}
	return 0;
}

/* The file as stat and as a path (how maps would name it) through an O_PATH fd. */
struct found {
	struct stat st;
	char path[PATH_MAX];
};

static int found_from_fd(int fd, struct found *f)
{
	char link[64];

	if (fstat(fd, &f->st))
		return -errno;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	read_link(link, f->path, sizeof(f->path));
	return 0;
}

/*
 * Open path as process pm->pid sees it: in its root, with its symlinks and
 * ".." kept there too (openat2 RESOLVE_IN_ROOT); a relative path from its cwd.
 */
static int find_in_view(const struct proc_maps *pm, const char *path, struct found *f)
{
	struct open_how how = { .flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT };
	char root[64], *full = NULL;
	int dirfd, fd, ret;

	if (path[0] != '/') {
		if (!pm->cwd[0])
			return -ENOENT;
		full = xasprintf("%s/%s", pm->cwd, path);
		path = full;
	}
	snprintf(root, sizeof(root), "/proc/%d/root", (int)pm->pid);
	dirfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0) {
		ret = -errno;
		goto out;
	}
	fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
	if (fd < 0 && errno == ENOSYS) {
		/* Before Linux 5.6: an absolute symlink would leave the root. */
		fd = openat(dirfd, path[0] == '/' ? path + 1 : path, O_PATH | O_CLOEXEC);
	}
	ret = fd < 0 ? -errno : found_from_fd(fd, f);
	if (fd >= 0)
		close(fd);
	close(dirfd);
out:
	free(full);
	return ret;
}

/* Open path as upx sees it. */
static int find_here(const char *path, struct found *f)
{
	int fd = open(path, O_PATH | O_CLOEXEC), ret;

	if (fd < 0)
		return -errno;
	ret = found_from_fd(fd, f);
	close(fd);
	return ret;
}

static bool same_inode(const struct mapped *m, const struct stat *st)
{
	return m->ino == st->st_ino && m->major == major(st->st_dev) &&
	       m->minor == minor(st->st_dev);
}

/*
 * The mapping of the file f. By device and inode; by the path when they
 * differ, as on overlayfs (maps gives the inode of the layer's file) or
 * btrfs (stat gives a subvolume's device): the readlink of an fd renders a
 * path the way maps does.
 */
static const struct mapped *mapping_of(const struct proc_maps *pm, const struct found *f)
{
	for (size_t i = 0; i < pm->nr; i++)
		if (same_inode(&pm->m[i], &f->st))
			return &pm->m[i];
	for (size_t i = 0; i < pm->nr; i++)
		if (f->path[0] && !strcmp(pm->m[i].path, f->path))
			return &pm->m[i];
	return NULL;
}

/* A program name in the process's PATH (execvp's default without one). */
static const struct mapped *find_in_path(const struct proc_maps *pm, const char *name)
{
	const struct mapped *m = NULL;
	char path[64], *env, *p;
	const char *dirs = "/bin:/usr/bin";
	size_t len;

	snprintf(path, sizeof(path), "/proc/%d/environ", (int)pm->pid);
	if (read_file(path, &env, &len))
		return NULL;
	for (p = env; p < env + len; p += strlen(p) + 1)
		if (!strncmp(p, "PATH=", 5)) {
			dirs = p + 5;
			break;
		}
	while (!m) {
		size_t n = strcspn(dirs, ":");
		struct found f;
		char *file;

		file = xasprintf("%.*s%s%s", (int)n, dirs, n ? "/" : "", name);
		if (!find_in_view(pm, file, &f))
			m = mapping_of(pm, &f);
		free(file);
		if (!dirs[n])
			break;
		dirs += n + 1;
	}
	free(env);
	return m;
}

/* A mapped file by its base name, or libfoo.so.1 as its real libfoo.so.1.2.3. */
static const struct mapped *find_by_name(const struct proc_maps *pm, const char *name,
					 bool soname_prefix)
{
	size_t n = strlen(name);

	for (size_t i = 0; i < pm->nr; i++) {
		const char *base = strrchr(pm->m[i].path, '/') + 1;

		if (!strcmp(base, name))
			return &pm->m[i];
		if (soname_prefix && strstr(name, ".so") && !strncmp(base, name, n) &&
		    base[n] == '.')
			return &pm->m[i];
	}
	return NULL;
}

/* Does path, as upx opens it, reach the mapped file m? */
static bool reaches(const char *path, const struct mapped *m)
{
	struct stat st;

	return !stat(path, &st) && same_inode(m, &st);
}

/*
 * A path upx can open that is the mapped file: the one maps shows when it is
 * that file here, else the mapping itself (map_files, which needs
 * CAP_SYS_ADMIN), else the maps path in the process's root.
 */
static char *open_path(const struct proc_maps *pm, const struct mapped *m, int *err)
{
	char *path;
	int fd;

	if (reaches(m->path, m))
		return xstrdup(m->path);
	path = xasprintf("/proc/%d/map_files/%s", (int)pm->pid, m->range);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		close(fd);
		return path;
	}
	*err = errno;
	free(path);
	path = xasprintf("/proc/%d/root%s", (int)pm->pid, m->path);
	if (reaches(path, m))
		return path;
	free(path);
	return NULL;
}

char *proc_find_mapped(pid_t pid, const char *target, char *err, size_t errlen)
{
	struct proc_maps pm = {};
	const struct mapped *m = NULL;
	char *path = NULL, in_root[PATH_MAX + 16] = "";
	struct found f;
	int ret, view_err = 0, here_err = 0, open_err = 0;

	ret = proc_maps__load(&pm, pid);
	if (ret) {
		snprintf(err, errlen, "cannot read /proc/%d/maps: %s", (int)pid,
			 ret == -ENOENT ? "no such process" : strerror(-ret));
		return NULL;
	}
	if (pm.root[0] && strcmp(pm.root, "/"))
		snprintf(in_root, sizeof(in_root), " (root '%s')", pm.root);
	if (strchr(target, '/')) {
		size_t r = strlen(pm.root);

		/* The process's own path first, */
		view_err = find_in_view(&pm, target, &f);
		if (!view_err)
			m = mapping_of(&pm, &f);
		/* then ROOT/bin/prog as upx names it, its symlinks resolved in ROOT, */
		if (!m && in_root[0] && !strncmp(target, pm.root, r) && target[r] == '/') {
			view_err = find_in_view(&pm, target + r, &f);
			if (!view_err)
				m = mapping_of(&pm, &f);
		}
		/* then upx's own path to it (a container's file, seen from here). */
		if (!m) {
			here_err = find_here(target, &f);
			if (!here_err)
				m = mapping_of(&pm, &f);
		}
	} else {
		m = find_by_name(&pm, target, false);
		if (!m)
			m = find_in_path(&pm, target);
		if (!m)
			m = find_by_name(&pm, target, true);
	}
	if (!m) {
		if (view_err && here_err)
			snprintf(err, errlen, "process %d%s has no '%s': %s", (int)pid, in_root,
				 target, strerror(-view_err));
		else
			snprintf(err, errlen, "process %d%s has no '%s' mapped", (int)pid,
				 in_root, target);
		goto out;
	}
	path = open_path(&pm, m, &open_err);
	if (!path)
		snprintf(err, errlen, "process %d maps '%s' as '%s', which upx cannot open: %s",
			 (int)pid, target, m->path, strerror(open_err));
out:
	proc_maps__free(&pm);
	return path;
}

bool pid_gone(pid_t pid)
{
	char path[64], *buf, *p;
	size_t len;
	bool gone;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (read_file(path, &buf, &len))
		return true;
	/* "pid (comm) S ...": comm may hold ')' itself, so look for the last one */
	p = strrchr(buf, ')');
	gone = !p || p[1] != ' ' || p[2] == 'Z' || p[2] == 'X';
	free(buf);
	return gone;
}

bool fd_is_inode(int fd, const struct file_id *id)
{
	struct stat st;

	return !fstat(fd, &st) && S_ISREG(st.st_mode) && st.st_ino == id->ino &&
	       major(st.st_dev) == id->major && minor(st.st_dev) == id->minor;
}

int open_if_inode(const char *path, const struct file_id *id)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		return -1;
	if (fd_is_inode(fd, id))
		return fd;
	close(fd);
	return -1;
}

int open_same_inode(const char *path, const struct file_id *id, const char **tail)
{
	int fd;

	if (!path || path[0] != '/')
		return -1;
	for (const char *p = path; p; p = strchr(p + 1, '/')) {
		fd = open_if_inode(p, id);
		if (fd >= 0) {
			if (tail)
				*tail = p;
			return fd;
		}
	}
	return -1;
}
