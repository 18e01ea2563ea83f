// SPDX-License-Identifier: GPL-2.0
/*
 * Addresses in a process to files, functions and source lines (symbolize.h).
 *
 * Three levels, each kept for the symbolizer's life:
 *  - a process (struct sym_proc): its /proc/PID/maps as read the first time
 *    the pid is seen, sorted by address, each mapping pointing at a file;
 *  - a file (struct sym_file), one per device and inode as maps gives them:
 *    a descriptor opened right away (through /proc/PID/map_files, else the
 *    path in the process's root), so the file can be read after the process
 *    exited or the file was deleted;
 *  - an image (struct sym_image), one per build-id (files without one: per
 *    file), loaded at the first address that falls in it: core/symbols/elf.c's
 *    symbols (the separate debug file's too), the functions sorted by
 *    address for a binary search, the DWARF (separate debug file first),
 *    and the frames found at each address looked up so far.
 * The vDSO is symbolized from a copy of upx's own, which is the same image
 * for every 64-bit process of this kernel.
 */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "base/util.h"
#include "stack/symbolize-priv.h"
#include "stack/symbolize.h"
#include "symbols/elf.h"
#include "symbols/perfmap.h"
#include "target/proc.h"

/* A map from 64-bit keys to pointers, open addressing; a key is never 0 (callers add 1). */
struct htab {
	uint64_t *keys;
	void **vals;
	size_t mask, nr;
};

static uint64_t hash64(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	return k;
}

static void **htab_slot(struct htab *h, uint64_t key, bool add)
{
	size_t i;

	if (add && (h->nr + 1) * 4 > (h->mask + 1) * 3) {
		struct htab n = { .mask = h->mask ? 2 * h->mask + 1 : 63 };

		n.keys = xcalloc(n.mask + 1, sizeof(*n.keys));
		n.vals = xcalloc(n.mask + 1, sizeof(*n.vals));
		for (i = 0; h->mask && i <= h->mask; i++)
			if (h->keys[i])
				*htab_slot(&n, h->keys[i], true) = h->vals[i];
		free(h->keys);
		free(h->vals);
		*h = n;
	}
	if (!h->mask)
		return NULL;
	for (i = hash64(key) & h->mask; h->keys[i]; i = (i + 1) & h->mask)
		if (h->keys[i] == key)
			return &h->vals[i];
	if (!add)
		return NULL;
	h->keys[i] = key;
	h->nr++;
	return &h->vals[i];
}

static void *htab_get(struct htab *h, uint64_t key)
{
	void **v = htab_slot(h, key, false);

	return v ? *v : NULL;
}

static void htab_free(struct htab *h)
{
	free(h->keys);
	free(h->vals);
	memset(h, 0, sizeof(*h));
}

/* One frame as found in an image, without what depends on the mapping. */
struct cframe {
	const char *function;
	uint64_t func_vaddr;	/* the real function's start: offset = vaddr - this */
	const char *src_file;
	int line;
	bool inlined;
	bool has_func;
};

struct cframes {
	int nr;
	struct cframe f[];
};

struct sym_image {
	struct elf_file *ef;
	char *load_err;			/* why the file could not be read as ELF, or NULL */
	struct elf_sym **funcs;		/* defined functions by address, then best name first */
	size_t nr_funcs;
	bool dwarf_tried;
	int dw_fd;
	Elf *dw_elf;
	Dwarf *dw;
	struct htab frames;		/* lookup vaddr + 1 -> struct cframes */
	char **strs;			/* strings made here (source paths) */
	size_t nr_strs, alloc_strs;
	struct sym_image *next;
};

struct name {
	struct name *next;
	char s[];
};

struct symbolizer {
	struct htab procs;		/* pid + 1 -> struct sym_proc */
	struct htab files;		/* hash of dev and inode -> chain of struct sym_file */
	struct htab names;		/* hash of a mapping's name -> chain of struct name */
	struct sym_file *all_files;
	struct sym_image *images;
	struct sym_file *vdso;		/* upx's own vDSO, copied to a memfd */
	bool vdso_tried;
	char cut[256];			/* unwind.c's reason a stack was cut */
	uint64_t deadline_ns;		/* symbolizer_set_deadline(), 0: none */
};

char *symbolizer__cut_buf(struct symbolizer *sy, size_t *len)
{
	*len = sizeof(sy->cut);
	return sy->cut;
}

struct symbolizer *symbolizer_new(void)
{
	return xcalloc(1, sizeof(struct symbolizer));
}

static void image_free(struct sym_image *im)
{
	size_t i;

	for (i = 0; im->frames.mask && i <= im->frames.mask; i++)
		if (im->frames.keys[i])
			free(im->frames.vals[i]);
	htab_free(&im->frames);
	for (i = 0; i < im->nr_strs; i++)
		free(im->strs[i]);
	free(im->strs);
	if (im->dw)
		dwarf_end(im->dw);
	if (im->dw_elf)
		elf_end(im->dw_elf);
	if (im->dw_fd >= 0)
		close(im->dw_fd);
	free(im->funcs);
	free(im->load_err);
	elf_file__close(im->ef);
	free(im);
}

static void proc_free(struct sym_proc *p)
{
	perfmap__free(p->jit);
	if (p->unwind_free)
		p->unwind_free(p->unwind);
	free(p->maps);
	free(p);
}

void symbolizer_forget_process(struct symbolizer *sy, pid_t pid)
{
	void **slot = htab_slot(&sy->procs, (uint64_t)pid + 1, false);

	/* Open addressing has no cheap delete: the slot stays, empty. */
	if (slot && *slot) {
		proc_free(*slot);
		*slot = NULL;
	}
}

void symbolizer_free(struct symbolizer *sy)
{
	size_t i;

	if (!sy)
		return;
	for (i = 0; sy->procs.mask && i <= sy->procs.mask; i++)
		if (sy->procs.keys[i] && sy->procs.vals[i])
			proc_free(sy->procs.vals[i]);
	htab_free(&sy->procs);
	htab_free(&sy->files);
	for (i = 0; sy->names.mask && i <= sy->names.mask; i++) {
		struct name *n = sy->names.keys[i] ? sy->names.vals[i] : NULL;

		while (n) {
			struct name *next = n->next;

			free(n);
			n = next;
		}
	}
	htab_free(&sy->names);
	while (sy->all_files) {
		struct sym_file *f = sy->all_files;

		sy->all_files = f->next_all;
		if (f->fd >= 0 && !f->fd_borrowed)
			close(f->fd);
		free(f->path);
		free(f);
	}
	while (sy->images) {
		struct sym_image *im = sy->images;

		sy->images = im->next;
		image_free(im);
	}
	free(sy);
}

/* Names of mappings, kept for the symbolizer's life (sym_frame.file points at them). */
static const char *intern(struct symbolizer *sy, const char *s)
{
	uint64_t h = 14695981039346656037ULL;
	struct name *n;
	void **slot;
	size_t len = strlen(s);

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
	slot = htab_slot(&sy->names, h | 1, true);
	for (n = *slot; n; n = n->next)
		if (!strcmp(n->s, s))
			return n->s;
	n = xmalloc(sizeof(*n) + len + 1);
	memcpy(n->s, s, len + 1);
	n->next = *slot;
	*slot = n;
	return n->s;
}

/* Files -------------------------------------------------------------------- */

static uint64_t file_key(unsigned int major, unsigned int minor, uint64_t ino)
{
	return hash64(((uint64_t)major << 44 ^ (uint64_t)minor << 24) ^ hash64(ino)) | 1;
}

/*
 * The mapped file itself: /proc/PID/map_files/START-END (CAP_SYS_ADMIN) is the
 * very inode, deleted or not; else the path in the process's root when its
 * inode is the mapped one (or on overlayfs and btrfs, whose maps and stat
 * devices differ, when maps does not say it was deleted).
 */
static int open_mapped(pid_t pid, uint64_t start, uint64_t end, const char *path, bool deleted,
		       unsigned int major, unsigned int minor, uint64_t ino)
{
	char buf[PATH_MAX + 64];
	int fd;

	snprintf(buf, sizeof(buf), "/proc/%d/map_files/%llx-%llx", (int)pid,
		 (unsigned long long)start, (unsigned long long)end);
	fd = open(buf, O_RDONLY | O_CLOEXEC);
	if (fd >= 0)
		return fd;
	if (deleted || path[0] != '/')
		return -1;
	snprintf(buf, sizeof(buf), "/proc/%d/root%s", (int)pid, path);
	fd = open(buf, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		/*
		 * Gone since its maps were read (it exits right after its
		 * call): the path in upx's own view, when it is the very inode.
		 */
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
		if (fd >= 0 && fd_is_inode(fd, &(struct file_id){ major, minor, ino }))
			return fd;
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (fd_is_inode(fd, &(struct file_id){ major, minor, ino }))
		return fd;
	/* Another inode, but maps did not say deleted: overlayfs or btrfs numbers. */
	{
		struct stat st;

		if (!fstat(fd, &st) && S_ISREG(st.st_mode))
			return fd;
	}
	close(fd);
	return -1;
}

static struct sym_file *file_get(struct symbolizer *sy, pid_t pid, uint64_t start, uint64_t end,
				 const char *path, bool deleted, unsigned int major,
				 unsigned int minor, uint64_t ino)
{
	uint64_t key = file_key(major, minor, ino);
	void **slot = htab_slot(&sy->files, key, true);
	struct sym_file *f;

	for (f = *slot; f; f = f->next_hash)
		if (f->ino == ino && f->major == major && f->minor == minor) {
			/* Not opened through the process that mapped it first: try this one. */
			if (f->fd < 0)
				f->fd = open_mapped(pid, start, end, path, deleted, major, minor, ino);
			return f;
		}
	f = xcalloc(1, sizeof(*f));
	f->major = major;
	f->minor = minor;
	f->ino = ino;
	f->path = xstrdup(path);
	f->fd = open_mapped(pid, start, end, path, deleted, major, minor, ino);
	f->next_hash = *slot;
	*slot = f;
	f->next_all = sy->all_files;
	sy->all_files = f;
	return f;
}

/* upx's own vDSO in a memfd: the image every 64-bit process of this kernel maps. */
static struct sym_file *vdso_file(struct symbolizer *sy)
{
	char *maps = NULL, *line;
	uint64_t base = getauxval(AT_SYSINFO_EHDR), size = 0;
	size_t len;
	int fd;

	if (sy->vdso_tried)
		return sy->vdso;
	sy->vdso_tried = true;
	if (!base || read_file("/proc/self/maps", &maps, &len))
		return NULL;
	for (line = maps; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		unsigned long long s, e;

		if (sscanf(line, "%llx-%llx", &s, &e) == 2 && s == base) {
			size = e - s;
			break;
		}
	}
	free(maps);
	if (!size)
		return NULL;
	fd = memfd_create("upx-vdso", MFD_CLOEXEC);
	if (fd < 0)
		return NULL;
	if (write(fd, (const void *)(uintptr_t)base, size) != (ssize_t)size) {
		close(fd);
		return NULL;
	}
	sy->vdso = xcalloc(1, sizeof(*sy->vdso));
	sy->vdso->fd = fd;
	sy->vdso->path = xstrdup("[vdso]");
	sy->vdso->size = size;
	sy->vdso->next_all = sy->all_files;
	sy->all_files = sy->vdso;
	return sy->vdso;
}

/* Processes ---------------------------------------------------------------- */

static int cmp_map(const void *a, const void *b)
{
	const struct sym_map *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

static int proc_load(struct symbolizer *sy, struct sym_proc *p)
{
	char path[64], *buf, *line, *next;
	size_t len, alloc = 0;
	int ret;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)p->pid);
	ret = read_file(path, &buf, &len);
	if (ret)
		return ret;
	for (line = buf; *line; line = next) {
		unsigned long long start, end, pgoff, ino;
		unsigned int major, minor;
		char perms[8];
		struct sym_map m = {};
		char *name;
		size_t nl;
		int n = 0;

		next = line + strcspn(line, "\n");
		if (*next)
			*next++ = '\0';
		if (sscanf(line, "%llx-%llx %7s %llx %x:%x %llu %n", &start, &end, perms, &pgoff,
			   &major, &minor, &ino, &n) < 7 || !n)
			continue;
		name = line + n;
		nl = strlen(name);
		m.start = start;
		m.end = end;
		m.pgoff = pgoff;
		m.exec = perms[2] == 'x';
		if (nl > 10 && !strcmp(name + nl - 10, " (deleted)")) {
			m.deleted = true;
			name[nl - 10] = '\0';
		}
		if (ino) {
			m.file = file_get(sy, p->pid, start, end, name, m.deleted, major, minor, ino);
		} else if (!strcmp(name, "[vdso]")) {
			m.file = vdso_file(sy);
			if (m.file && m.file->size != end - start)
				m.file = NULL;	/* not the image upx has */
		}
		m.name = name[0] ? intern(sy, name) : NULL;
		ALLOC_GROW(p->maps, p->nr_maps + 1, alloc);
		p->maps[p->nr_maps++] = m;
	}
	free(buf);
	if (p->nr_maps)	/* a zombie's maps is empty */
		qsort(p->maps, p->nr_maps, sizeof(*p->maps), cmp_map);
	return 0;
}

/* Its effective uid and its pid in its own namespace (/proc/PID/status), while it lives. */
static void proc_ids(struct sym_proc *p)
{
	char path[64], *buf, *l;
	size_t len;
	unsigned int ruid = 0, euid = 0;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)p->pid);
	if (read_file(path, &buf, &len))
		return;
	p->nspid = p->pid;
	l = strstr(buf, "\nUid:");
	p->ids_known = l && sscanf(l + 5, "%u %u", &ruid, &euid) == 2;
	p->euid = euid;
	l = strstr(buf, "\nNSpid:");
	if (l) {
		char *end = strchr(l + 1, '\n'), *last;

		if (end)
			*end = '\0';
		last = strrchr(l + 7, '\t');
		if (!last)
			last = strrchr(l + 7, ' ');
		if (last)
			p->nspid = atoi(last + 1);
	}
	free(buf);
}

/* When the process started (/proc/PID/stat's field 22), 0 if unknown: tells a reused pid. */
static unsigned long long proc_start_time(pid_t pid)
{
	char path[64], *buf, *p;
	unsigned long long t = 0;
	size_t len;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (read_file(path, &buf, &len))
		return 0;
	p = strrchr(buf, ')');	/* the command name may hold spaces and parentheses */
	if (p && sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d "
			"%*d %*d %*d %llu", &t) != 1)
		t = 0;
	free(buf);
	return t;
}

static bool overlaps_any(const struct sym_map *m, const struct sym_map *maps, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (m->start < maps[i].end && maps[i].start < m->end)
			return true;
	return false;
}

int sym_proc__refresh(struct symbolizer *sy, struct sym_proc *p)
{
	struct sym_proc q = { .pid = p->pid };
	double now = mono_now();
	size_t i, n;

	if (p->gone || now - p->read_at < 0.1)
		return 0;
	p->read_at = now;
	if (proc_start_time(p->pid) != p->start_time || proc_load(sy, &q) || !q.nr_maps) {
		p->gone = true;		/* exited (a zombie), or its pid is another process's now */
		free(q.maps);
		return 0;
	}
	/* The new mappings, and the old ones nothing has replaced (a library dlclose()d since). */
	n = q.nr_maps;
	for (i = 0; i < p->nr_maps; i++) {
		if (overlaps_any(&p->maps[i], q.maps, q.nr_maps))
			continue;
		q.maps = xrealloc(q.maps, (n + 1) * sizeof(*q.maps));
		q.maps[n++] = p->maps[i];
	}
	free(p->maps);
	p->maps = q.maps;
	p->nr_maps = n;
	qsort(p->maps, p->nr_maps, sizeof(*p->maps), cmp_map);
	if (p->unwind_free)
		p->unwind_free(p->unwind);
	p->unwind = NULL;
	p->unwind_free = NULL;
	return 1;
}

struct sym_proc *symbolizer__proc(struct symbolizer *sy, pid_t pid)
{
	return htab_get(&sy->procs, (uint64_t)pid + 1);
}

int symbolizer_add_process(struct symbolizer *sy, pid_t pid)
{
	void **slot;
	struct sym_proc *p;

	if (pid <= 0)
		return -EINVAL;
	slot = htab_slot(&sy->procs, (uint64_t)pid + 1, true);
	if (*slot)
		return ((struct sym_proc *)*slot)->err;
	p = xcalloc(1, sizeof(*p));
	p->pid = pid;
	p->start_time = proc_start_time(pid);
	proc_ids(p);
	p->err = proc_load(sy, p);
	if (!p->err && !p->nr_maps)
		p->err = -ESRCH;	/* a zombie: its mm is gone, maps is empty */
	/* Kept when it failed too (it exited before): not asked again at each address. */
	p->gone = p->err != 0;
	*slot = p;
	return p->err;
}

int sym_snap_open(pid_t pid, const struct sym_snap_map *sm, bool *deleted, const char **tail_used)
{
	const struct file_id id = { sm->major, sm->minor, sm->ino };
	char buf[PATH_MAX + 64];
	struct stat st;
	int fd;

	*deleted = false;
	snprintf(buf, sizeof(buf), "/proc/%d/map_files/%llx-%llx", (int)pid,
		 (unsigned long long)sm->start, (unsigned long long)sm->end);
	/* that inode: the pid may be another process's by now */
	fd = open_if_inode(buf, &id);
	if (fd >= 0) {
		*deleted = !fstat(fd, &st) && !st.st_nlink;
		return fd;
	}
	if (!sm->path || sm->path[0] != '/')
		return -1;
	/*
	 * The path is from the root of the file's mount, which is not upx's
	 * root when upx runs in a chroot below it: the path, then each of its
	 * tails ("/work/tree/usr/lib/x.so", "/tree/usr/lib/x.so", ...), the
	 * first that is the very inode.
	 */
	fd = open_same_inode(sm->path, &id, tail_used);
	if (fd >= 0)
		return fd;
	snprintf(buf, sizeof(buf), "/proc/%d/root%s", (int)pid, sm->path);
	return open_if_inode(buf, &id);
}

int symbolizer_add_mappings(struct symbolizer *sy, pid_t pid, const struct sym_snap_map *maps,
			    size_t n)
{
	struct sym_proc *p;
	const char *path = NULL;
	struct sym_file *opened = NULL;
	bool deleted = false;
	void **slot;

	if (pid <= 0)
		return -EINVAL;
	if (!symbolizer__proc(sy, pid) && !symbolizer_add_process(sy, pid))
		return 0;	/* alive: /proc/PID/maps has it all */
	slot = htab_slot(&sy->procs, (uint64_t)pid + 1, false);
	p = *slot;
	if (!p || p->nr_maps)
		return 0;
	p->maps = xcalloc(n ? n : 1, sizeof(*p->maps));
	for (size_t i = 0; i < n; i++) {
		const struct sym_snap_map *sm = &maps[i];
		struct sym_map *m = &p->maps[p->nr_maps++];
		uint64_t key = file_key(sm->major, sm->minor, sm->ino);
		void **fslot = htab_slot(&sy->files, key, true);
		struct sym_file *f;

		if (sm->path)
			path = sm->path;	/* entries of one file after the first have none */
		m->start = sm->start;
		m->end = sm->end;
		m->pgoff = sm->pgoff;
		m->exec = sm->exec;
		for (f = *fslot; f; f = f->next_hash)
			if (f->ino == sm->ino && f->major == sm->major && f->minor == sm->minor)
				break;
		if (!f) {
			struct sym_snap_map with = *sm;
			const char *tail = path;

			with.path = path;
			f = xcalloc(1, sizeof(*f));
			f->major = sm->major;
			f->minor = sm->minor;
			f->ino = sm->ino;
			f->fd = sym_snap_open(pid, &with, &deleted, &tail);
			f->path = xstrdup(tail ? tail : "[unknown]");
			opened = f;
			f->next_hash = *fslot;
			*fslot = f;
			f->next_all = sy->all_files;
			sy->all_files = f;
		}
		m->deleted = f == opened && deleted;
		m->file = f->fd >= 0 || f->image ? f : NULL;
		m->name = m->file ? intern(sy, f->path) : NULL;
	}
	if (p->nr_maps)
		qsort(p->maps, p->nr_maps, sizeof(*p->maps), cmp_map);
	p->err = 0;
	return 1;
}

struct sym_map *sym_proc__find(struct sym_proc *p, uint64_t addr)
{
	size_t lo = 0, hi = p->nr_maps;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (addr < p->maps[mid].start)
			hi = mid;
		else if (addr >= p->maps[mid].end)
			lo = mid + 1;
		else
			return &p->maps[mid];
	}
	return NULL;
}

/* Images ------------------------------------------------------------------- */

static bool is_func(const struct elf_sym *s)
{
	return s->defined && s->value && (s->type == STT_FUNC || s->type == STT_GNU_IFUNC);
}

/* By address; at one address the sized, global, default-version, shortest name first. */
static int cmp_func(const void *a, const void *b)
{
	const struct elf_sym *x = *(struct elf_sym *const *)a, *y = *(struct elf_sym *const *)b;

	if (x->value != y->value)
		return x->value < y->value ? -1 : 1;
	if (!x->size != !y->size)
		return !x->size - !y->size;
	if ((x->bind == STB_GLOBAL) != (y->bind == STB_GLOBAL))
		return x->bind == STB_GLOBAL ? -1 : 1;
	if (x->default_version != y->default_version)
		return x->default_version ? -1 : 1;
	if (x->name_len != y->name_len)
		return x->name_len < y->name_len ? -1 : 1;
	return strcmp(x->name, y->name);
}

static struct sym_image *image_find_build_id(struct symbolizer *sy, const char *build_id)
{
	struct sym_image *im;

	for (im = sy->images; im; im = im->next)
		if (im->ef && build_id[0] && !strcmp(im->ef->build_id, build_id))
			return im;
	return NULL;
}

static struct sym_image *file_image(struct symbolizer *sy, struct sym_file *f)
{
	struct sym_image *im, *same;
	struct elf_file *ef;
	char path[64], err[256];
	size_t i, n = 0;

	if (f->image || f->fd < 0)
		return f->image;
	im = xcalloc(1, sizeof(*im));
	im->dw_fd = -1;
	f->image = im;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", f->fd);
	if (elf_file__open(path, &ef, err, sizeof(err))) {
		im->load_err = xstrdup(err);
		im->next = sy->images;
		sy->images = im;
		return im;
	}
	same = image_find_build_id(sy, ef->build_id);
	if (same) {
		/* Another file with the same contents: its symbols and DWARF serve. */
		elf_file__close(ef);
		free(im);
		im = same;
	} else {
		/* Named by its own descriptor, which lives as long as it (debuglink lookups). */
		free(ef->path);
		ef->path = xasprintf("/proc/self/fd/%d", ef->fd);
		ef->shown = f->path;
		im->ef = ef;
	}
	/* One descriptor per file: the image's from now on. */
	close(f->fd);
	f->fd = im->ef->fd;
	f->fd_borrowed = true;
	f->image = im;
	if (same)
		return im;
	im->next = sy->images;
	sy->images = im;
	elf_file__load_syms(ef, 0);
	for (i = 0; i < ef->nr_syms; i++)
		n += is_func(&ef->syms[i]);
	im->funcs = xcalloc(n ? n : 1, sizeof(*im->funcs));
	for (i = 0; i < ef->nr_syms; i++)
		if (is_func(&ef->syms[i]))
			im->funcs[im->nr_funcs++] = &ef->syms[i];
	qsort(im->funcs, im->nr_funcs, sizeof(*im->funcs), cmp_func);
	/* One name per address: the best, first. */
	for (i = n = 0; i < im->nr_funcs; i++)
		if (!n || im->funcs[n - 1]->value != im->funcs[i]->value)
			im->funcs[n++] = im->funcs[i];
	im->nr_funcs = n;
	return im;
}

/*
 * The function symbol covering vaddr: the last one starting at or below it
 * whose size reaches it (a size-0 symbol, from assembler, reaches up to the
 * next symbol); a few earlier ones are tried for one that encloses another.
 */
static struct elf_sym *image_func(struct sym_image *im, uint64_t vaddr)
{
	size_t lo = 0, hi = im->nr_funcs, i;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (im->funcs[mid]->value <= vaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	for (i = lo; i-- > 0 && i + 8 >= lo;) {
		struct elf_sym *s = im->funcs[i];

		if (vaddr - s->value < s->size)
			return s;
		if (!s->size && i + 1 == lo)
			return s;
	}
	return NULL;
}

static const char *image_keep(struct sym_image *im, char *s)
{
	ALLOC_GROW(im->strs, im->nr_strs + 1, im->alloc_strs);
	im->strs[im->nr_strs++] = s;
	return s;
}

static bool has_debug_info(Elf *elf)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;

	if (elf_getshdrstrndx(elf, &shstrndx))
		return false;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		const char *name;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type == SHT_NOBITS)
			continue;
		name = elf_strptr(elf, shstrndx, sh.sh_name);
		if (name && !strcmp(name, ".debug_info"))
			return true;
	}
	return false;
}

/*
 * The DWARF of an image: its separate debug file (by build-id or debuglink;
 * the one core/symbols/elf.c read the symbols of, when it did), else its own.
 */
static Dwarf *image_dwarf(struct sym_image *im)
{
	Elf *dbg_elf;
	char *dbg;

	if (im->dwarf_tried)
		return im->dw;
	im->dwarf_tried = true;
	if (!im->ef)
		return NULL;
	dbg_elf = elf_file__debug_elf(im->ef);
	if (dbg_elf && has_debug_info(dbg_elf)) {
		im->dw = dwarf_begin_elf(dbg_elf, DWARF_C_READ, NULL);
		if (im->dw)
			return im->dw;
	}
	dbg = dbg_elf ? NULL : find_debug_file(im->ef);
	if (dbg) {
		im->dw_fd = open(dbg, O_RDONLY | O_CLOEXEC);
		free(dbg);
		if (im->dw_fd >= 0) {
			im->dw_elf = elf_begin(im->dw_fd, ELF_C_READ_MMAP, NULL);
			if (im->dw_elf && has_debug_info(im->dw_elf))
				im->dw = dwarf_begin_elf(im->dw_elf, DWARF_C_READ, NULL);
			if (im->dw)
				return im->dw;
			if (im->dw_elf)
				elf_end(im->dw_elf);
			im->dw_elf = NULL;
			close(im->dw_fd);
			im->dw_fd = -1;
		}
	}
	if (has_debug_info(im->ef->elf))
		im->dw = dwarf_begin_elf(im->ef->elf, DWARF_C_READ, NULL);
	return im->dw;
}

/* The compile unit around vaddr: through .debug_aranges, else (clang's default) each CU asked. */
static bool find_cu(Dwarf *dw, uint64_t vaddr, Dwarf_Die *cudie)
{
	Dwarf_CU *cu = NULL;

	if (dwarf_addrdie(dw, vaddr, cudie))
		return true;
	while (dwarf_get_units(dw, cu, &cu, NULL, NULL, cudie, NULL) == 0)
		if (dwarf_tag(cudie) == DW_TAG_compile_unit && dwarf_haspc(cudie, vaddr) > 0)
			return true;
	return false;
}

/* A path as given, or joined to the compilation directory when relative. */
static const char *src_path(struct sym_image *im, Dwarf_Die *cudie, const char *name)
{
	Dwarf_Attribute attr;
	const char *dir;

	if (!name || name[0] == '/')
		return name;
	dir = dwarf_formstring(dwarf_attr(cudie, DW_AT_comp_dir, &attr));
	if (!dir)
		return name;
	return image_keep(im, xasprintf("%s/%s", dir, name));
}

/* The name of an inlined function: its linkage name demangled, else its DWARF name. */
static const char *die_func_name(struct sym_image *im, Dwarf_Die *die)
{
	Dwarf_Attribute attr;
	const char *name;
	char *dm;

	name = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_linkage_name, &attr));
	if (!name)
		name = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_MIPS_linkage_name, &attr));
	if (name) {
		dm = demangle(name);
		return dm ? image_keep(im, dm) : name;
	}
	return dwarf_diename(die);
}

static void call_site(struct sym_image *im, Dwarf_Die *cudie, Dwarf_Die *inl, struct cframe *f)
{
	Dwarf_Attribute attr;
	Dwarf_Files *files;
	Dwarf_Word file = 0, line = 0;
	size_t nfiles;

	if (dwarf_formudata(dwarf_attr(inl, DW_AT_call_line, &attr), &line) == 0)
		f->line = line;
	if (dwarf_formudata(dwarf_attr(inl, DW_AT_call_file, &attr), &file) == 0 &&
	    dwarf_getsrcfiles(cudie, &files, &nfiles) == 0 && file < nfiles)
		f->src_file = src_path(im, cudie, dwarf_filesrc(files, file, NULL, NULL));
}

#define MAX_INLINE 32

/* The frames at vaddr: the inlined calls (DWARF), then the real function. */
static struct cframes *image_frames(struct sym_image *im, uint64_t vaddr)
{
	void **slot = htab_slot(&im->frames, vaddr + 1, true);
	struct cframe f[MAX_INLINE + 1];
	struct elf_sym *sym;
	Dwarf_Die cudie, *scopes = NULL;
	struct cframes *cf;
	Dwarf *dw;
	int n = 0, i;

	if (*slot)
		return *slot;
	memset(f, 0, sizeof(f));
	sym = image_func(im, vaddr);
	dw = image_dwarf(im);
	if (dw && find_cu(dw, vaddr, &cudie)) {
		Dwarf_Line *line = dwarf_getsrc_die(&cudie, vaddr);
		int ns = dwarf_getscopes(&cudie, vaddr, &scopes);
		Dwarf_Die *chain = NULL;
		int nc = 0;

		/* Then the concrete scopes around the innermost, as eu-addr2line -i does. */
		if (ns > 0)
			nc = dwarf_getscopes_die(&scopes[0], &chain);
		if (line) {
			int lineno = 0;

			f[0].src_file = src_path(im, &cudie, dwarf_linesrc(line, NULL, NULL));
			dwarf_lineno(line, &lineno);
			f[0].line = lineno;
		}
		for (i = 0; i < nc && n < MAX_INLINE; i++) {
			int tag = dwarf_tag(&chain[i]);

			if (tag == DW_TAG_subprogram) {
				if (!sym)
					f[n].function = die_func_name(im, &chain[i]);
				break;
			}
			if (tag != DW_TAG_inlined_subroutine)
				continue;
			f[n].function = die_func_name(im, &chain[i]);
			f[n].inlined = true;
			f[n].has_func = true;
			n++;
			call_site(im, &cudie, &chain[i], &f[n]);
		}
		free(chain);
		free(scopes);
	}
	if (sym) {
		f[n].function = elf_sym__demangled(sym);
		f[n].func_vaddr = sym->value;
		f[n].has_func = true;
	}
	for (i = 0; i < n; i++)
		f[i].func_vaddr = f[n].func_vaddr;
	n++;
	cf = xmalloc(sizeof(*cf) + n * sizeof(cf->f[0]));
	cf->nr = n;
	memcpy(cf->f, f, n * sizeof(f[0]));
	*slot = cf;
	return cf;
}

/* The load bias of a mapping: address - virtual address in the file (0 for ET_EXEC). */
int sym_map__bias(struct symbolizer *sy, struct sym_map *m, uint64_t *bias)
{
	struct sym_image *im;
	uint64_t vaddr;

	if (m->bias_state)
		goto done;
	m->bias_state = -1;
	if (!m->file)
		goto done;
	im = file_image(sy, m->file);
	if (!im || !im->ef || elf_file__offset_to_vaddr(im->ef, m->pgoff, &vaddr))
		goto done;
	m->bias = m->start - vaddr;
	m->bias_state = 1;
done:
	*bias = m->bias;
	return m->bias_state > 0 ? 0 : -ENOENT;
}

const char *sym_file__elf_path(struct symbolizer *sy, struct sym_file *f, char *buf, size_t len)
{
	if (!f || f->fd < 0)
		return NULL;
	snprintf(buf, len, "/proc/self/fd/%d", f->fd);
	return buf;
}

void symbolizer_set_deadline(struct symbolizer *sy, uint64_t deadline_ns)
{
	sy->deadline_ns = deadline_ns;
}

static bool past_deadline(const struct symbolizer *sy)
{
	return sy->deadline_ns && mono_ns() >= sy->deadline_ns;
}

/*
 * The frame of an address in no file from the process's /tmp/perf-PID.map:
 * read at the first such address, again when an address is in none of its
 * entries and the file has grown (at most every 100 ms).  A file that cannot
 * be trusted is said once.  True when out was filled.
 */
static bool jit_frame(struct symbolizer *sy, struct sym_proc *p, uint64_t addr, uint64_t look,
		      struct sym_frame *out)
{
	const char *name;
	uint64_t start;

	if (!p->jit_tried) {
		char why[128];

		p->jit_tried = true;
		p->jit_read_at = mono_now();
		if (!p->ids_known)
			return false;
		p->jit = perfmap__load(p->pid, p->nspid, p->euid, why, sizeof(why));
		if (!p->jit && why[0])
			warning("'/tmp/perf-%d.map' of process %d not read: %s", (int)p->nspid,
				(int)p->pid, why);
	}
	if (!p->jit)
		return false;
	name = perfmap__find(p->jit, look, &start);
	if (!name && mono_now() - p->jit_read_at >= 0.1) {
		p->jit_read_at = mono_now();
		if (perfmap__refresh(p->jit))
			name = perfmap__find(p->jit, look, &start);
	}
	if (!name)
		return false;
	out->file = intern(sy, perfmap__path(p->jit));
	out->function = intern(sy, name);
	out->offset = addr - start;
	out->file_offset = addr;	/* no file behind it: the address tells frames apart */
	out->jit = true;
	return true;
}

int symbolize_addr(struct symbolizer *sy, pid_t pid, uint64_t addr, bool is_return_addr,
		   struct sym_frame *out, int max)
{
	struct sym_proc *p;
	struct sym_map *m;
	struct sym_image *im;
	struct cframes *cf;
	uint64_t bias, look;
	int i, n, skip;

	if (max < 1)
		return 0;
	memset(out, 0, sizeof(*out));
	out->addr = addr;
	p = symbolizer__proc(sy, pid);
	if (!p) {
		symbolizer_add_process(sy, pid);
		p = symbolizer__proc(sy, pid);
	}
	look = is_return_addr && addr ? addr - 1 : addr;
	m = p ? sym_proc__find(p, look) : NULL;
	if (!m && p && sym_proc__refresh(sy, p))
		m = sym_proc__find(p, look);
	/* In no file: code a JIT made, named by its map when it writes one. */
	if (p && (!m || !m->file) && jit_frame(sy, p, addr, look, out))
		return 1;
	if (!m)
		return 1;
	out->file = m->name;
	out->deleted = m->deleted;
	out->file_offset = addr - m->start + m->pgoff;
	/* Past the deadline nothing more is read, a file's symbols neither. */
	if (m->file && !m->file->image && past_deadline(sy)) {
		out->late = true;
		return 1;
	}
	if (!m->file || sym_map__bias(sy, m, &bias))
		return 1;
	im = file_image(sy, m->file);
	if (!im || !im->ef)
		return 1;
	if (im->ef->build_id[0])
		out->build_id = im->ef->build_id;
	/*
	 * Stopping: no file's DWARF is opened any more (tens to hundreds of ms, once a file),
	 * and past the deadline no DWARF is read at all: the function from the symbols.
	 */
	if (sy->deadline_ns && !htab_slot(&im->frames, look - bias + 1, false) &&
	    (!im->dwarf_tried || past_deadline(sy))) {
		struct elf_sym *sym = image_func(im, look - bias);

		out->late = true;
		if (sym) {
			out->function = elf_sym__demangled(sym);
			out->offset = addr - bias - sym->value;
		}
		return 1;
	}
	cf = image_frames(im, look - bias);
	/* More than max: the innermost max - 1 and the real function. */
	n = cf->nr < max ? cf->nr : max;
	skip = cf->nr - n;
	for (i = 0; i < n; i++) {
		const struct cframe *c = &cf->f[i < n - 1 ? i : i + skip];

		out[i] = out[0];
		out[i].function = c->has_func ? c->function : NULL;
		out[i].offset = c->has_func && c->func_vaddr ? addr - bias - c->func_vaddr : 0;
		out[i].src_file = c->src_file;
		out[i].line = c->line;
		out[i].inlined = c->inlined;
	}
	return n;
}
