// SPDX-License-Identifier: GPL-2.0
/*
 * The copies of a file that processes map, found in /proc/PID/maps.  One pass
 * over every process: its maps read whole (one read for most), each
 * executable mapping's device and inode looked up in a set of the files seen
 * so far, so a file's name and DT_SONAME are looked at once whatever the
 * number of processes that map it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "base/util.h"
#include "target/copies.h"
#include "target/libsearch.h"

#ifndef PROCMAP_QUERY
/* Linux 6.11's ioctl on /proc/PID/maps (include/uapi/linux/fs.h), for older headers. */
enum procmap_query_flags {
	PROCMAP_QUERY_VMA_READABLE = 0x01,
	PROCMAP_QUERY_VMA_WRITABLE = 0x02,
	PROCMAP_QUERY_VMA_EXECUTABLE = 0x04,
	PROCMAP_QUERY_VMA_SHARED = 0x08,
	PROCMAP_QUERY_COVERING_OR_NEXT_VMA = 0x10,
	PROCMAP_QUERY_FILE_BACKED_VMA = 0x20,
};

struct procmap_query {
	__u64 size;
	__u64 query_flags;
	__u64 query_addr;
	__u64 vma_start;
	__u64 vma_end;
	__u64 vma_flags;
	__u64 vma_page_size;
	__u64 vma_offset;
	__u64 inode;
	__u32 dev_major;
	__u32 dev_minor;
	__u32 vma_name_size;
	__u32 build_id_size;
	__u64 vma_name_addr;
	__u64 build_id_addr;
};
#define PROCMAP_QUERY _IOWR('f', 17, struct procmap_query)
#endif

/* "55d0c6e00000-55d0c6e28000 r-xp 00028000 fe:00 1234    /usr/bin/bash" */
bool maps_line_parse(char *line, struct maps_line *out)
{
	char *p = line, *end;
	size_t len;

	memset(out, 0, sizeof(*out));
	out->start = strtoul(p, &end, 16);
	if (end == p || *end != '-')
		return false;
	p = end + 1;
	out->end = strtoul(p, &end, 16);
	if (end == p || *end != ' ' || strlen(end + 1) < 5 || end[5] != ' ')
		return false;
	out->exec = end[3] == 'x';
	p = end + 6;
	/* the offset */
	strtoul(p, &end, 16);
	if (end == p || *end != ' ')
		return false;
	p = end + 1;
	out->major = strtoul(p, &end, 16);
	if (end == p || *end != ':')
		return false;
	p = end + 1;
	out->minor = strtoul(p, &end, 16);
	if (end == p || *end != ' ')
		return false;
	p = end + 1;
	out->ino = strtoul(p, &end, 10);
	if (end == p || (*end && *end != ' '))
		return false;
	p = end + strspn(end, " ");
	if (*p != '/')
		return true;	/* anonymous, [heap], [vdso] ... */
	len = strlen(p);
	if (len > 10 && !strcmp(p + len - 10, " (deleted)")) {
		p[len - 10] = '\0';
		out->deleted = true;
	}
	out->path = p;
	return true;
}

int copy_name_matches(const struct copy_target *t, const char *base)
{
	const char *so;
	size_t stem;

	for (size_t i = 0; i < ARRAY_SIZE(t->names); i++)
		if (t->names[i] && !strcmp(base, t->names[i]))
			return 1;
	if (!t->soname)
		return 0;
	if (!strcmp(base, t->soname))
		return 1;
	/* libc.so.6 may be libc-2.31.so, libstdc++.so.6 libstdc++.so.6.0.30: the same stem */
	so = strstr(t->soname, ".so");
	if (!so)
		return 0;
	stem = so - t->soname;
	if (strncmp(base, t->soname, stem) || (base[stem] != '.' && base[stem] != '-') ||
	    !strstr(base + stem, ".so"))
		return 0;
	return 2;
}

const char *path_in_root(const char *path, const char *root)
{
	size_t n = strlen(root);

	if (n <= 1 || strncmp(path, root, n) || path[n] != '/')
		return path;
	return path + n;
}

/* The set of files seen --------------------------------------------------- */

static size_t ino_hash(dev_t dev, ino_t ino)
{
	return (size_t)((ino * 0x9e3779b97f4a7c15ULL) ^ (dev * 0xc2b2ae3d27d4eb4fULL)) >> 7;
}

static struct copy_ino *seen_slot(struct copy_ino *set, size_t cap, dev_t dev, ino_t ino)
{
	size_t i = ino_hash(dev, ino) & (cap - 1);

	while (set[i].verdict != 0 && (set[i].dev != dev || set[i].ino != ino))
		i = (i + 1) & (cap - 1);
	return &set[i];
}

/*
 * The file's entry, made when new.  Slots are free while verdict is 0, so the
 * values kept are offset by 3: -2 unknown is stored as 1, -1 none as 2, target
 * t as t + 3 (copy_verdict() reads them).
 */
static struct copy_ino *seen_get(struct copies *c, dev_t dev, ino_t ino)
{
	struct copy_ino *s;

	if (2 * (c->nr_seen + 1) > c->cap_seen) {
		size_t cap = c->cap_seen ? 2 * c->cap_seen : 1024;
		struct copy_ino *set = xcalloc(cap, sizeof(*set));

		for (size_t i = 0; i < c->cap_seen; i++)
			if (c->seen[i].verdict)
				*seen_slot(set, cap, c->seen[i].dev, c->seen[i].ino) = c->seen[i];
		free(c->seen);
		c->seen = set;
		c->cap_seen = cap;
	}
	s = seen_slot(c->seen, c->cap_seen, dev, ino);
	if (!s->verdict) {
		*s = (struct copy_ino){ .dev = dev, .ino = ino, .verdict = 1 };
		c->nr_seen++;
	}
	return s;
}

static int copy_verdict(const struct copy_ino *s)
{
	return s->verdict - 3;
}

/* One process ---------------------------------------------------------------- */

/* What is read of a process once, when a file it maps is a copy. */
struct proc_view {
	pid_t pid;
	bool have_root, have_comm;
	char root_path[PATH_MAX];	/* readlink /proc/PID/root */
	char root[PATH_MAX + 80];	/* as upx names it */
	char comm[COPY_COMM_LEN];
};

static void read_link(const char *link, char *buf, size_t size)
{
	ssize_t n = readlink(link, buf, size - 1);

	buf[n > 0 && (size_t)n < size - 1 ? n : 0] = '\0';
}

static const char *self_mnt_ns(void)
{
	static char ns[64];

	if (!ns[0])
		read_link("/proc/self/ns/mnt", ns, sizeof(ns));
	return ns;
}

/* The process's root: "/srv/jail", or its mount namespace's when it is not upx's. */
static void view_root(struct proc_view *v)
{
	char link[64], ns[64];

	if (v->have_root)
		return;
	v->have_root = true;
	snprintf(link, sizeof(link), "/proc/%d/root", (int)v->pid);
	read_link(link, v->root_path, sizeof(v->root_path));
	snprintf(link, sizeof(link), "/proc/%d/ns/mnt", (int)v->pid);
	read_link(link, ns, sizeof(ns));
	if (!ns[0] || !strcmp(ns, self_mnt_ns()))
		snprintf(v->root, sizeof(v->root), "%s", v->root_path[0] ? v->root_path : "?");
	else if (!strcmp(v->root_path, "/") || !v->root_path[0])
		snprintf(v->root, sizeof(v->root), "%s", ns);
	else
		snprintf(v->root, sizeof(v->root), "%s (%s)", v->root_path, ns);
}

static void view_comm(struct proc_view *v)
{
	char path[64], *buf;
	size_t len;

	if (v->have_comm)
		return;
	v->have_comm = true;
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)v->pid);
	if (read_file(path, &buf, &len))
		return;
	len = strcspn(buf, "\n");
	snprintf(v->comm, sizeof(v->comm), "%.*s", (int)len, buf);
	free(buf);
}

static bool same_file(const struct stat *st, dev_t dev, ino_t ino)
{
	return st->st_dev == dev && st->st_ino == ino;
}

/* The mapped file as a path here, when the path maps shows reaches that very file. */
static bool reaches(const char *path, dev_t dev, ino_t ino)
{
	struct stat st;

	return !stat(path, &st) && same_file(&st, dev, ino);
}

/*
 * A descriptor of the mapped file: through the mapping itself (CAP_SYS_ADMIN),
 * else by its path in the process's root; the very inode, or -1.  Its device
 * is not compared: on btrfs stat() gives a subvolume's, maps the file system's.
 */
static int open_mapped(struct proc_view *v, const struct maps_line *ml, dev_t dev, ino_t ino)
{
	char *path = xasprintf("/proc/%d/map_files/%lx-%lx", (int)v->pid, ml->start, ml->end);
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	free(path);
	if (fd < 0 && !ml->deleted) {
		view_root(v);
		path = xasprintf("/proc/%d/root%s", (int)v->pid,
				 path_in_root(ml->path, v->root_path));
		fd = open(path, O_RDONLY | O_CLOEXEC);
		free(path);
	}
	if (fd >= 0 && (fstat(fd, &st) || st.st_ino != ino)) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* Has the mapped file the target's DT_SONAME?  1, 0, or -1 when it cannot be read. */
static int soname_matches(struct proc_view *v, const struct maps_line *ml, dev_t dev, ino_t ino,
			  const char *soname)
{
	const char *have;
	char path[64];
	int fd;

	if (!ml->deleted && reaches(ml->path, dev, ino)) {
		have = lib_soname(ml->path);
		return have && !strcmp(have, soname);
	}
	fd = open_mapped(v, ml, dev, ino);
	if (fd < 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	have = lib_soname(path);
	close(fd);
	return have && !strcmp(have, soname);
}

/* Which target a mapped file answers to: >= 0, -1 none, -2 not known (it could not be read). */
static int judge(struct proc_view *v, const struct maps_line *ml, dev_t dev, ino_t ino,
		 const struct copy_target *t, size_t nr)
{
	const char *base = strrchr(ml->path, '/') + 1;
	int verdict = -1;

	for (size_t i = 0; i < nr; i++) {
		int m = copy_name_matches(&t[i], base);

		if (m == 2)
			m = soname_matches(v, ml, dev, ino, t[i].soname);
		if (m > 0)
			return i;
		if (m < 0)
			verdict = -2;
	}
	return verdict;
}

/* The new copy of the file ml maps, opened; NULL when it cannot be (its process is gone). */
static struct copy *add_copy(struct copies *c, struct proc_view *v, const struct maps_line *ml,
			     dev_t dev, ino_t ino, int target)
{
	struct copy cp = { .target = target, .dev = dev, .ino = ino, .fd = -1 };
	char link[64], here[PATH_MAX];
	struct stat st, there;

	view_root(v);
	if (!ml->deleted && !stat(ml->path, &st) && same_file(&st, dev, ino)) {
		cp.path = xstrdup(ml->path);
	} else {
		cp.fd = open_mapped(v, ml, dev, ino);
		if (cp.fd < 0 || fstat(cp.fd, &st)) {
			if (cp.fd >= 0)
				close(cp.fd);
			return NULL;
		}
		/* A path here to the very file (a layer's, a bind mount's) reads better. */
		snprintf(link, sizeof(link), "/proc/self/fd/%d", cp.fd);
		read_link(link, here, sizeof(here));
		if (here[0] == '/' && !stat(here, &there) && there.st_dev == st.st_dev &&
		    there.st_ino == st.st_ino) {
			close(cp.fd);
			cp.fd = -1;
			cp.path = xstrdup(here);
		} else {
			cp.path = xstrdup(link);
		}
	}
	cp.st_dev = st.st_dev;
	cp.st_ino = st.st_ino;
	cp.in_root = xstrdup(path_in_root(ml->path, v->root_path));
	cp.root = xstrdup(v->root);
	ALLOC_GROW(c->v, c->nr + 1, c->alloc);
	c->v[c->nr] = cp;
	return &c->v[c->nr++];
}

/* Has (copy, pid) been counted?  It is from now on. */
static bool counted_before(struct copies *c, size_t copy, pid_t pid)
{
	uint64_t key = (uint64_t)(copy + 1) << 32 | (uint32_t)pid;
	size_t i;

	if (2 * (c->nr_counted + 1) > c->cap_counted) {
		size_t cap = c->cap_counted ? 2 * c->cap_counted : 4096;
		uint64_t *set = xcalloc(cap, sizeof(*set));

		for (size_t k = 0; k < c->cap_counted; k++) {
			if (!c->counted[k])
				continue;
			i = ino_hash(c->counted[k], 0) & (cap - 1);
			while (set[i])
				i = (i + 1) & (cap - 1);
			set[i] = c->counted[k];
		}
		free(c->counted);
		c->counted = set;
		c->cap_counted = cap;
	}
	for (i = ino_hash(key, 0) & (c->cap_counted - 1); c->counted[i];
	     i = (i + 1) & (c->cap_counted - 1))
		if (c->counted[i] == key)
			return true;
	c->counted[i] = key;
	c->nr_counted++;
	return false;
}

static void count_process(struct copies *c, struct copy *cp, struct proc_view *v)
{
	if (counted_before(c, cp - c->v, v->pid))
		return;
	if (cp->nr_procs < COPY_PIDS) {
		view_comm(v);
		cp->pids[cp->nr_procs] = v->pid;
		memcpy(cp->comms[cp->nr_procs], v->comm, COPY_COMM_LEN);
	}
	cp->nr_procs++;
}

/* One file looked for in a process's maps (copies_scan_pid()). */
struct want {
	dev_t dev;
	ino_t ino;
	enum copy_mapped how;
};

/* How a mapping of the wanted file tells of it (an executable one says most). */
static void note_want(struct want *w, const struct maps_line *ml, const struct copy_target *t,
		      size_t nr)
{
	const char *base = strrchr(ml->path, '/') + 1;

	if (ml->exec) {
		w->how = COPY_MAPPED_EXEC;
		return;
	}
	for (size_t i = 0; i < nr && w->how < COPY_MAPPED_TARGET; i++)
		if (copy_name_matches(&t[i], base))
			w->how = COPY_MAPPED_TARGET;
	if (w->how < COPY_MAPPED_OTHER)
		w->how = COPY_MAPPED_OTHER;
}

/* One executable mapping of a file: counted, judged once per file, a copy added when it is one. */
static void take_mapping(struct copies *c, struct proc_view *v, const struct maps_line *ml,
			 const struct copy_target *t, size_t nr)
{
	dev_t dev = makedev(ml->major, ml->minor);
	struct copy_ino *s = seen_get(c, dev, ml->ino);
	int verdict = copy_verdict(s);
	struct copy *cp;

	if (verdict == -2) {
		verdict = judge(v, ml, dev, ml->ino, t, nr);
		/* (the set may have moved: look the slot up again) */
		s = seen_get(c, dev, ml->ino);
		s->verdict = verdict + 3;
	}
	if (verdict < 0)
		return;
	cp = copies_find(c, dev, ml->ino);
	if (!cp)
		cp = add_copy(c, v, ml, dev, ml->ino, verdict);
	if (cp)
		count_process(c, cp, v);
}

/* The text of /proc/PID/maps, line by line (kernels without PROCMAP_QUERY). */
static bool scan_text(struct copies *c, struct proc_view *v, const struct copy_target *t,
		      size_t nr, struct want *w)
{
	char path[64], *buf, *line, *next;
	size_t len;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)v->pid);
	if (read_file(path, &buf, &len))
		return false;
	for (line = buf; *line; line = next) {
		struct maps_line ml;

		next = line + strcspn(line, "\n");
		if (*next)
			*next++ = '\0';
		if (!maps_line_parse(line, &ml) || !ml.path || !ml.ino)
			continue;
		if (w && w->dev == makedev(ml.major, ml.minor) && w->ino == ml.ino)
			note_want(w, &ml, t, nr);
		if (ml.exec)
			take_mapping(c, v, &ml, t, nr);
	}
	free(buf);
	return true;
}

/*
 * The mapping at or after addr with the flags asked (PROCMAP_QUERY_*), its path
 * into name when name_size: 0, -ENOENT past the last, another -errno.
 */
static int query(int fd, unsigned long addr, unsigned long long flags, struct maps_line *ml,
		 char *name, size_t name_size)
{
	struct procmap_query q = {
		.size = sizeof(q),
		.query_flags = flags | PROCMAP_QUERY_COVERING_OR_NEXT_VMA,
		.query_addr = addr,
		.vma_name_addr = (uintptr_t)name,
		.vma_name_size = name_size,
	};
	size_t len;

	if (ioctl(fd, PROCMAP_QUERY, &q))
		return -errno;
	*ml = (struct maps_line){
		.start = q.vma_start,
		.end = q.vma_end,
		.exec = q.vma_flags & PROCMAP_QUERY_VMA_EXECUTABLE,
		.major = q.dev_major,
		.minor = q.dev_minor,
		.ino = q.inode,
	};
	if (!name_size || !q.vma_name_size || name[0] != '/')
		return 0;
	len = strlen(name);
	if (len > 10 && !strcmp(name + len - 10, " (deleted)")) {
		name[len - 10] = '\0';
		ml->deleted = true;
	}
	ml->path = name;
	return 0;
}

/* The mapping again, with its path (looked up only for a file not judged yet). */
static bool query_path(int fd, struct maps_line *ml, char *name, size_t size)
{
	bool exec = ml->exec;

	if (query(fd, ml->start, 0, ml, name, size) || !ml->path)
		return false;
	ml->exec = exec;
	return true;
}

/*
 * The executable file mappings alone, asked of the kernel one by one
 * (PROCMAP_QUERY, Linux 6.11): no line of text made for the others, no path
 * made but for a file seen the first time.  -ENOTTY on older kernels.
 */
static int scan_query(struct copies *c, int fd, struct proc_view *v, const struct copy_target *t,
		      size_t nr, struct want *w)
{
	const unsigned long long exec = PROCMAP_QUERY_VMA_EXECUTABLE |
					PROCMAP_QUERY_FILE_BACKED_VMA;
	char name[PATH_MAX];
	struct maps_line ml;
	unsigned long addr = 0;
	struct copy *cp;
	int ret, verdict;

	while (!(ret = query(fd, addr, exec, &ml, NULL, 0))) {
		dev_t dev = makedev(ml.major, ml.minor);

		addr = ml.end;
		if (!ml.ino)
			continue;
		if (w && w->dev == dev && w->ino == ml.ino)
			w->how = COPY_MAPPED_EXEC;
		verdict = copies_verdict(c, dev, ml.ino);
		if (verdict == -1)
			continue;	/* judged: no target's */
		cp = verdict >= 0 ? copies_find(c, dev, ml.ino) : NULL;
		if (cp) {		/* a copy known: no path needed */
			count_process(c, cp, v);
			continue;
		}
		if (!query_path(fd, &ml, name, sizeof(name)))
			continue;
		take_mapping(c, v, &ml, t, nr);
	}
	if (ret != -ENOENT)
		return ret;
	/* The wanted file, when it is not mapped executable: how, and by what name. */
	for (addr = 0; w && w->how != COPY_MAPPED_EXEC &&
		       !query(fd, addr, PROCMAP_QUERY_FILE_BACKED_VMA, &ml, NULL, 0); addr = ml.end)
		if (w->dev == makedev(ml.major, ml.minor) && w->ino == ml.ino &&
		    query_path(fd, &ml, name, sizeof(name)))
			note_want(w, &ml, t, nr);
	return 0;
}

static bool scan_pid(struct copies *c, const struct copy_target *t, size_t nr, pid_t pid,
		     struct want *w)
{
	struct proc_view v = { .pid = pid };
	char path[32];
	bool ok = true;
	int fd, ret = -ENOTTY;

	/* From /proc's descriptor: no walk from / for each of a thousand processes. */
	if (!c->has_proc_fd) {
		c->proc_fd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
		c->has_proc_fd = c->proc_fd >= 0;
	}
	snprintf(path, sizeof(path), "%d/maps", (int)pid);
	fd = openat(c->proc_fd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	if (!c->text_only) {
		ret = scan_query(c, fd, &v, t, nr, w);
		if (ret == -ENOTTY || ret == -EINVAL)
			c->text_only = true;
		else if (ret)
			ok = false;	/* gone meanwhile: ESRCH */
	}
	close(fd);
	if (c->text_only)
		ok = scan_text(c, &v, t, nr, w);
	return ok;
}

/*
 * A helper thread's share of a scan: the executable mappings of its processes,
 * read with PROCMAP_QUERY, the path of each file the first time it meets it.
 * It judges nothing (libsearch is not thread-safe): the scan's own thread
 * takes its mappings afterwards, in order, as if it had read them itself.
 */
struct helper {
	pthread_t thread;
	int proc_fd;
	const pid_t *pids;
	size_t nr_pids, procs;
	struct copies files;		/* only its set of files seen */
	struct helper_map {
		pid_t pid;
		struct maps_line ml;	/* its path malloc'd, or NULL: a file met before */
	} *maps;
	size_t nr_maps, alloc_maps;
};

static void *helper_main(void *p)
{
	const unsigned long long exec = PROCMAP_QUERY_VMA_EXECUTABLE |
					PROCMAP_QUERY_FILE_BACKED_VMA;
	struct helper *h = p;
	char name[PATH_MAX], path[32];

	for (size_t i = 0; i < h->nr_pids; i++) {
		unsigned long addr = 0;
		struct maps_line ml;
		int fd;

		snprintf(path, sizeof(path), "%d/maps", (int)h->pids[i]);
		fd = openat(h->proc_fd, path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		h->procs++;
		while (!query(fd, addr, exec, &ml, NULL, 0)) {
			struct copy_ino *f;

			addr = ml.end;
			if (!ml.ino)
				continue;
			f = seen_get(&h->files, makedev(ml.major, ml.minor), ml.ino);
			if (f->verdict == 1 && query_path(fd, &ml, name, sizeof(name))) {
				f->verdict = 2;
				ml.path = xstrdup(ml.path);
			} else {
				ml.path = NULL;
			}
			ALLOC_GROW(h->maps, h->nr_maps + 1, h->alloc_maps);
			h->maps[h->nr_maps++] = (struct helper_map){ h->pids[i], ml };
		}
		close(fd);
	}
	return NULL;
}

/* What the helper read, taken as the scan's own thread would have. */
static void helper_take(struct copies *c, struct helper *h, const struct copy_target *t,
			size_t nr)
{
	for (size_t i = 0; i < h->nr_maps; i++) {
		struct helper_map *m = &h->maps[i];
		dev_t dev = makedev(m->ml.major, m->ml.minor);
		struct proc_view v = { .pid = m->pid };
		int verdict = copies_verdict(c, dev, m->ml.ino);
		struct copy *cp = verdict >= 0 ? copies_find(c, dev, m->ml.ino) : NULL;

		if (cp)
			count_process(c, cp, &v);
		else if (verdict != -1 && m->ml.path)
			take_mapping(c, &v, &m->ml, t, nr);
		free((char *)m->ml.path);
	}
	free(h->maps);
	copies__free(&h->files);
}

/* Processes from this many on are read by two threads (on 2 cores, in about half the time). */
#define COPIES_SCAN_SHARED 128

size_t copies_scan(struct copies *c, const struct copy_target *t, size_t nr, pid_t only)
{
	pid_t self = getpid(), *pids = NULL;
	size_t n = 0, nr_pids = 0, alloc = 0, mine;
	struct helper h = {};
	struct dirent *de;
	bool helped = false;
	DIR *d;

	if (only > 0)
		return only != self && scan_pid(c, t, nr, only, NULL);
	d = opendir("/proc");
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		pid_t pid;

		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		pid = strtol(de->d_name, NULL, 10);
		if (pid == self)
			continue;
		ALLOC_GROW(pids, nr_pids + 1, alloc);
		pids[nr_pids++] = pid;
	}
	closedir(d);
	/* The first process tells whether the kernel has PROCMAP_QUERY (the helper's way). */
	for (mine = 0; mine < nr_pids && !c->has_proc_fd; mine++)
		n += scan_pid(c, t, nr, pids[mine], NULL);
	if (nr_pids - mine >= COPIES_SCAN_SHARED && !c->text_only && c->has_proc_fd) {
		h.proc_fd = c->proc_fd;
		h.pids = pids + mine + (nr_pids - mine) / 2;
		h.nr_pids = pids + nr_pids - h.pids;
		helped = !pthread_create(&h.thread, NULL, helper_main, &h);
	}
	for (size_t i = mine; i < nr_pids && (!helped || pids + i < h.pids); i++)
		n += scan_pid(c, t, nr, pids[i], NULL);
	if (helped) {
		pthread_join(h.thread, NULL);
		helper_take(c, &h, t, nr);
		n += h.procs;
	}
	free(pids);
	return n;
}

bool copies_scan_pid(struct copies *c, const struct copy_target *t, size_t nr, pid_t pid,
		     dev_t dev, ino_t ino, enum copy_mapped *how)
{
	struct want w = { .dev = dev, .ino = ino };
	bool ok = pid != getpid() && scan_pid(c, t, nr, pid, &w);

	*how = w.how;
	return ok;
}

int copies_verdict(const struct copies *c, dev_t dev, ino_t ino)
{
	const struct copy_ino *s;

	if (!c->cap_seen)
		return -3;
	s = seen_slot(c->seen, c->cap_seen, dev, ino);
	return s->verdict ? copy_verdict(s) : -3;
}

struct copy *copies_find(struct copies *c, dev_t dev, ino_t ino)
{
	for (size_t i = 0; i < c->nr; i++)
		if (c->v[i].ino == ino && c->v[i].dev == dev)
			return &c->v[i];
	return NULL;
}

void copies__free(struct copies *c)
{
	for (size_t i = 0; i < c->nr; i++) {
		free(c->v[i].in_root);
		free(c->v[i].root);
		free(c->v[i].path);
		if (c->v[i].fd >= 0)
			close(c->v[i].fd);
	}
	free(c->v);
	free(c->seen);
	if (c->has_proc_fd)
		close(c->proc_fd);
	free(c->counted);
	memset(c, 0, sizeof(*c));
}
