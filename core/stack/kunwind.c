// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's unwind tables: a queue of files, a thread that builds each
 * one's rows (core/stack/cfitab.c) and loads them, and -v's account.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "base/bpf-obj.h"
#include "base/cmd.h"
#include "base/util.h"
#include "stack/cfitab.h"
#include "stack/kunwind.h"
#include "stack/symbolize.h"
#include "target/proc.h"

/* A file wanted: who it must be (the kernel's dev and inode), and where to open it. */
struct kw_item {
	uint32_t dev;
	uint64_t ino;
	char *path;		/* tried first (/proc/PID/map_files/... while the process lives) */
	char *alt;		/* else this (NULL: none) */
	char *name;		/* what -v calls it */
};

struct kw_file {
	uint32_t dev;
	uint64_t ino;
};

#define KW_SCANS 64

struct kunwind {
	struct bpf_map *rows_map, *files_map, *stats_map;
	int files_fd, stats_fd;
	struct stack_cfi_row *rows;	/* cfi_rows, mapped */
	size_t cap, map_len;
	pthread_t thread;
	bool started, stop, busy;
	bool abandoned;			/* kunwind__free() left k to the thread, busy then */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	/* under mu: the queue, the files wanted so far, what the thread did */
	struct kw_item *q;
	size_t q_head, nr_q, alloc_q;
	struct kw_file *seen;
	size_t nr_seen, alloc_seen;
	size_t used;			/* rows loaded */
	/*
	 * A descriptor of each file whose rows are loaded, held for the run:
	 * the rows are found by (dev, inode), and an inode held open is not
	 * freed, so its number cannot be another file's while they are used.
	 */
	int *held;
	size_t nr_held, alloc_held;
	size_t nr_loaded, nr_failed, nr_full;
	uint64_t build_ns;
	/* the main thread's: when a process's maps were last read */
	struct { pid_t pid; uint64_t ns; } scans[KW_SCANS];
};

static size_t rows_cap(void)
{
	const char *e = getenv("UPX_KUNWIND_ROWS");
	char *end;
	unsigned long long n;

	if (!e || !*e)
		return STACK_CFI_ROWS_DEFAULT;
	n = strtoull(e, &end, 0);
	if (*end || !n || n > 1u << STACK_CFI_SEARCH) {
		warning("UPX_KUNWIND_ROWS='%s': not a number of rows from 1 to %u: %u taken", e,
			1u << STACK_CFI_SEARCH, STACK_CFI_ROWS_DEFAULT);
		return STACK_CFI_ROWS_DEFAULT;
	}
	return n;
}

struct kunwind *kunwind__new(struct bpf_object *obj, bool on)
{
	struct bpf_map *rows = bpf_map_named(obj, "cfi_rows");
	struct bpf_map *files = bpf_map_named(obj, "cfi_files");
	struct bpf_map *stats = bpf_map_named(obj, "kunwind_stats");
	struct kunwind *k;

	if (!rows || !files || !stats || !on)
		return NULL;
	k = xcalloc(1, sizeof(*k));
	k->rows_map = rows;
	k->files_map = files;
	k->stats_map = stats;
	k->files_fd = k->stats_fd = -1;
	k->cap = rows_cap();
	bpf_map__set_max_entries(rows, k->cap);
	bpf_map__set_max_entries(files, 4096);
	pthread_mutex_init(&k->mu, NULL);
	pthread_cond_init(&k->cv, NULL);
	if (upx_verbose)
		note("stacks: unwound in the kernel from tables built from each file's CFI (at most "
		     "%zu rows, %zu MB); else copied and unwound here", k->cap,
		     k->cap * sizeof(struct stack_cfi_row) >> 20);
	return k;
}

/* The kernel's dev_t of a user-space one. */
static uint32_t kdev(dev_t d)
{
	return major(d) << 20 | minor(d);
}

/* Queue a file unless it was; the strings are taken. */
static void want(struct kunwind *k, uint32_t dev, uint64_t ino, char *path, char *alt, char *name)
{
	pthread_mutex_lock(&k->mu);
	for (size_t i = 0; i < k->nr_seen; i++)
		if (k->seen[i].dev == dev && k->seen[i].ino == ino) {
			pthread_mutex_unlock(&k->mu);
			free(path);
			free(alt);
			free(name);
			return;
		}
	ALLOC_GROW(k->seen, k->nr_seen + 1, k->alloc_seen);
	k->seen[k->nr_seen++] = (struct kw_file){ dev, ino };
	ALLOC_GROW(k->q, k->nr_q + 1, k->alloc_q);
	k->q[k->nr_q++] = (struct kw_item){ dev, ino, path, alt, name };
	pthread_cond_signal(&k->cv);
	pthread_mutex_unlock(&k->mu);
}

void kunwind__want_file(struct kunwind *k, const char *path)
{
	struct stat st;

	if (!k || stat(path, &st) || !S_ISREG(st.st_mode))
		return;
	want(k, kdev(st.st_dev), st.st_ino, xstrdup(path), NULL, xstrdup(path));
}

/* Was pid's maps read in the last 50 ms?  If not, it is now. */
static bool scanned_lately(struct kunwind *k, pid_t pid)
{
	uint64_t now = mono_ns();
	size_t slot = (unsigned int)pid % KW_SCANS;

	if (k->scans[slot].pid == pid && now - k->scans[slot].ns < 50000000)
		return true;
	k->scans[slot].pid = pid;
	k->scans[slot].ns = now;
	return false;
}

void kunwind__want_maps(struct kunwind *k, pid_t pid)
{
	char maps[64], line[4096 + 256];
	FILE *f;

	if (!k || scanned_lately(k, pid))
		return;
	snprintf(maps, sizeof(maps), "/proc/%d/maps", (int)pid);
	f = fopen(maps, "re");
	while (f && fgets(line, sizeof(line), f)) {
		unsigned long long start, end, ino;
		unsigned int maj, min;
		char perms[8], *path = strchr(line, '/');

		line[strcspn(line, "\n")] = '\0';
		if (!path || sscanf(line, "%llx-%llx %7s %*x %x:%x %llu", &start, &end, perms, &maj,
				    &min, &ino) != 6 || perms[2] != 'x' || !ino)
			continue;
		want(k, maj << 20 | min, ino,
		     xasprintf("/proc/%d/map_files/%llx-%llx", (int)pid, start, end),
		     xstrdup(path), xstrdup(path));
	}
	if (f)
		fclose(f);
}

void kunwind__want_snapshot(struct kunwind *k, pid_t pid, const struct sym_snap_map *maps,
			    size_t n)
{
	const char *path = NULL;

	for (size_t i = 0; k && i < n; i++) {
		const struct sym_snap_map *m = &maps[i];

		/* a file's path is in its first mapping's entry only */
		if (m->path || !i || m->ino != maps[i - 1].ino || m->minor != maps[i - 1].minor ||
		    m->major != maps[i - 1].major)
			path = m->path && *m->path ? m->path : NULL;
		if (!m->exec || !m->ino)
			continue;
		want(k, m->major << 20 | m->minor, m->ino,
		     xasprintf("/proc/%d/map_files/%llx-%llx", (int)pid,
			       (unsigned long long)m->start, (unsigned long long)m->end),
		     path ? xstrdup(path) : NULL, xstrdup(path ? path : "(a file whose path was cut)"));
	}
}

/* Build and load one file's table (on the thread, mu not held). */
static void load(struct kunwind *k, struct kw_item *it)
{
	/* the very file wanted (not another one at the same path by now) */
	const struct file_id id = { it->dev >> 20, it->dev & 0xfffff, it->ino };
	int fd = it->path ? open_if_inode(it->path, &id) : -1;
	char path[64];
	struct stack_cfi_file_key key = { .ino = it->ino, .dev = it->dev };
	struct stack_cfi_file val;
	struct cfitab t = {};
	const char *why = "the file is gone";
	uint64_t t0 = mono_ns();
	bool full = false;
	int err = -ENOENT;

	/* the path the kernel or maps gave, in upx's own view (under a chroot: a suffix of it) */
	if (fd < 0)
		fd = open_same_inode(it->alt, &id, NULL);
	if (fd >= 0) {
		/* the very inode opened, whatever its path becomes meanwhile */
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		err = cfitab_build(path, &t, &why);
	}
	pthread_mutex_lock(&k->mu);
	k->build_ns += mono_ns() - t0;
	if (!err && !t.nr) {
		err = -ENODATA;
		why = "no CFI";
	}
	if (!err && !k->stop) {
		full = k->used + t.nr > k->cap;
		if (!full) {
			/* the rows first: the probe finds the file only once they are all there */
			memcpy(k->rows + k->used, t.rows, t.nr * sizeof(*t.rows));
			val = (struct stack_cfi_file){ k->used, t.nr };
			if (bpf_map_update_elem(k->files_fd, &key, &val, BPF_ANY)) {
				err = -errno;
				why = "the kernel's table of files is full";
			} else {
				k->used += t.nr;
				ALLOC_GROW(k->held, k->nr_held + 1, k->alloc_held);
				k->held[k->nr_held++] = fd;
				fd = -1;
			}
		}
	}
	if (err)
		k->nr_failed++;
	else if (full)
		k->nr_full++;
	else
		k->nr_loaded++;
	pthread_mutex_unlock(&k->mu);
	if (upx_verbose && !k->stop) {
		if (err)
			note("stacks: no unwind table for '%s': %s", it->name,
			     why ? why : strerror(-err));
		else if (full)
			note("stacks: no unwind table for '%s': the tables are full (%zu rows more, "
			     "UPX_KUNWIND_ROWS=%zu)", it->name, t.nr, k->cap);
		else
			note("stacks: unwind table of '%s' loaded: %zu rows", it->name, t.nr);
	}
	cfitab_free(&t);
	if (fd >= 0)
		close(fd);
}

static void release(struct kunwind *k)
{
	if (k->rows)
		munmap(k->rows, k->map_len);
	for (size_t i = 0; i < k->nr_held; i++)
		close(k->held[i]);
	free(k->held);
	for (size_t i = k->q_head; i < k->nr_q; i++) {
		free(k->q[i].path);
		free(k->q[i].alt);
		free(k->q[i].name);
	}
	free(k->q);
	free(k->seen);
	pthread_mutex_destroy(&k->mu);
	pthread_cond_destroy(&k->cv);
	free(k);
}

static void *worker(void *arg)
{
	struct kunwind *k = arg;
	bool abandoned;

	/*
	 * Below upx's own thread (nice 10): on a CPU they share, loading and
	 * attaching the probes, and reading events, come first (a start on one
	 * CPU took 200 ms more, building python3.11's tables beside it).
	 */
	setpriority(PRIO_PROCESS, gettid(), 10);

	pthread_mutex_lock(&k->mu);
	for (;;) {
		struct kw_item it;

		while (!k->stop && k->q_head == k->nr_q)
			pthread_cond_wait(&k->cv, &k->mu);
		if (k->stop)
			break;
		it = k->q[k->q_head++];
		k->busy = true;
		pthread_mutex_unlock(&k->mu);
		load(k, &it);
		free(it.path);
		free(it.alt);
		free(it.name);
		pthread_mutex_lock(&k->mu);
		k->busy = false;
		pthread_cond_broadcast(&k->cv);
	}
	abandoned = k->abandoned;
	pthread_mutex_unlock(&k->mu);
	if (abandoned)	/* upx stopped while a table was being built: the thread frees */
		release(k);
	return NULL;
}

int kunwind__start(struct kunwind *k)
{
	int fd;
	void *p;

	if (!k || k->started)
		return 0;
	fd = bpf_map__fd(k->rows_map);
	k->files_fd = bpf_map__fd(k->files_map);
	/* the counters are read at the end, after the object is closed */
	k->stats_fd = fcntl(bpf_map__fd(k->stats_map), F_DUPFD_CLOEXEC, 3);
	k->map_len = (k->cap * sizeof(struct stack_cfi_row) + 4095) & ~4095UL;
	p = mmap(NULL, k->map_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return error("cannot map the kernel's unwind table: %s", strerror(errno));
	k->rows = p;
	errno = pthread_create(&k->thread, NULL, worker, k);
	if (errno) {
		munmap(p, k->map_len);
		k->rows = NULL;
		return error("cannot start the unwind tables' thread: %s", strerror(errno));
	}
	k->started = true;
	return 0;
}

bool kunwind__started(const struct kunwind *k)
{
	return k && k->started;
}

/* -v: what became of the stacks (kunwind_stats, summed over the CPUs). */
static void report_stats(struct kunwind *k)
{
	static const char *const why[KUNWIND_NR_STATS] = {
		[KUNWIND_NO_TABLE] = "no table yet",
		[KUNWIND_NO_RULE] = "no rule (expression, signal frame, PLT, no CFI)",
		[KUNWIND_NO_FILE] = "anonymous code or no mapping",
		[KUNWIND_NO_RBP] = "no %rbp",
		[KUNWIND_FAULT] = "stack not readable",
		[KUNWIND_DEPTH] = "too deep",
	};
	int ncpu = libbpf_num_possible_cpus();
	uint64_t n[KUNWIND_NR_STATS] = {}, copied = 0, *v;
	char line[512];
	size_t len = 0;

	if (k->stats_fd < 0 || ncpu <= 0)
		return;
	v = xcalloc(ncpu, sizeof(*v));
	for (uint32_t i = 0; i < KUNWIND_NR_STATS; i++) {
		if (bpf_map_lookup_elem(k->stats_fd, &i, v))
			continue;
		for (int c = 0; c < ncpu; c++)
			n[i] += v[c];
		if (i != KUNWIND_OK)
			copied += n[i];
	}
	free(v);
	for (int i = 0; i < KUNWIND_NR_STATS; i++)
		if (i != KUNWIND_OK && n[i] && len < sizeof(line))
			len += snprintf(line + len, sizeof(line) - len, "%s%" PRIu64 " %s",
					len ? ", " : ": ", n[i], why[i]);
	line[len < sizeof(line) ? len : sizeof(line) - 1] = '\0';
	note("stacks: %" PRIu64 " unwound in the kernel, %" PRIu64 " copied%s", n[KUNWIND_OK],
	     copied, line);
}

void kunwind__free(struct kunwind *k)
{
	pthread_t thread;
	bool abandon;

	if (!k)
		return;
	if (upx_verbose) {
		pthread_mutex_lock(&k->mu);
		report_stats(k);
		note("stacks: unwind tables of %s in %.1f ms: %zu of %zu rows (%.1f of %.1f MB)%s",
		     count_noun(k->nr_loaded, "file", "files"), k->build_ns / 1e6, k->used, k->cap,
		     k->used * sizeof(struct stack_cfi_row) / 1048576.0,
		     k->cap * sizeof(struct stack_cfi_row) / 1048576.0,
		     k->nr_failed ? "; some files have none (said above)" : "");
		if (k->nr_full)
			note("stacks: the unwind tables are full: %s not loaded (UPX_KUNWIND_ROWS=%zu); "
			     "their stacks were copied", count_noun(k->nr_full, "file", "files"), k->cap);
		pthread_mutex_unlock(&k->mu);
	}
	if (k->stats_fd >= 0)
		close(k->stats_fd);
	thread = k->thread;
	pthread_mutex_lock(&k->mu);
	k->stop = true;
	pthread_cond_broadcast(&k->cv);
	/*
	 * A stop does not wait for a table being built: the thread is left to
	 * it, and frees k when it is done (k is not touched here after that).
	 */
	abandon = k->abandoned = k->busy;
	pthread_mutex_unlock(&k->mu);
	if (abandon) {
		pthread_detach(thread);
		return;
	}
	if (k->started)
		pthread_join(thread, NULL);
	release(k);
}
