// SPDX-License-Identifier: GPL-2.0
/*
 * upx leaks: which allocations are never freed, by stack.  The kernel side
 * (probes/leaks.bpf.c) keeps every live block of the C allocator in a map by
 * (process, address) with its size, time and stack; here the map is read
 * every -i seconds and at the end, its blocks summed per stack (bytes,
 * allocations, the oldest's age, growth since the last report) and handed to
 * the table engine, or drawn as folded stacks and flame graphs.  With
 * --stack=dwarf each allocation's stack comes through the ring buffer,
 * numbered: the map holds the number, and the stack is unwound here only
 * while its block is still live.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "base/bpf-obj.h"
#include "base/cmd.h"
#include "base/options.h"
#include "base/util.h"
#include "copywatch.skel.h"
#include "leaks.h"
#include "stack.h"
#include "leaks.skel.h"
#include "output/json.h"
#include "output/output.h"
#include "output/table.h"
#include "plan/plan.h"
#include "run/attach.h"
#include "run/kfield.h"
#include "run/run.h"
#include "run/runopt.h"
#include "run/session.h"
#include "stack/ustack.h"
#include "symbols/insn.h"
#include "target/libsearch.h"
#include "target/proc.h"

static const char *const leaks_usage[] = {
	"upx leaks [--all | --sample-bytes N] [--max-tracked N] [-i SECONDS] [--older-than SECONDS] [--top N]",
	"          [--stack=fp|dwarf] [--json | --folded | --flamegraph FILE] [-p PID | -c CMD | -- CMD [ARGS...]]",
	NULL,
};

/* The ring buffer of --all --stack=dwarf (the program's own is 16 MB). */
#define LEAKS_ALL_EVENTS_SIZE (64 << 20)

static struct run_opts ro;
static struct {
	bool all;
	bool sample_given;
	unsigned long long sample_bytes;
	long long max_tracked;
	double interval;
	double older_than;
	long long top;
	struct ustack_opts stack;
} opt = { .sample_bytes = 512 * 1024, .max_tracked = 1000000 };

static int sample_bytes_cb(const struct upx_option *o, const char *arg)
{
	if (!parse_u64(arg, o->value) || !*(unsigned long long *)o->value)
		return usage_error("--sample-bytes takes a number of bytes from 1 (K, M, G), not '%s'",
				   arg);
	opt.sample_given = true;
	return 0;
}

static int max_tracked_cb(const struct upx_option *o, const char *arg)
{
	long long *v = o->value;

	if (!parse_s64(arg, v) || *v < 1 || *v > (1 << 26))
		return usage_error("--max-tracked takes a number of blocks from 1 to 64M, not '%s'",
				   arg);
	return 0;
}

static const struct upx_option leaks_options[] = {
	OPT_BOOL(0, "all", &opt.all, "track every allocation: exact bytes and counts (default: sampled)"),
	OPT_CALLBACK(0, "sample-bytes", &opt.sample_bytes, "N",
		     "sample one allocation every N bytes on average (default 512K)", sample_bytes_cb),
	OPT_CALLBACK(0, "max-tracked", &opt.max_tracked, "N",
		     "track at most N live blocks (default 1M); more are counted, not tracked",
		     max_tracked_cb),
	OPT_CALLBACK('i', "interval", &opt.interval, "SECONDS", "report every SECONDS, and at the end",
		     opt_seconds_cb),
	OPT_CALLBACK(0, "older-than", &opt.older_than, "SECONDS",
		     "only blocks allocated at least SECONDS ago", opt_seconds_cb),
	OPT_CALLBACK(0, "top", &opt.top, "N", "show the N stacks with the most bytes only",
		     opt_positive_cb),
	OPT_CALLBACK_OPTARG(0, "stack", &opt.stack, "fp|dwarf",
			    "how stacks are walked (default: dwarf, see STACKS)", ustack_opt_cb),
	OPT_UINT(0, "stack-size", &opt.stack.size, "BYTES",
		 "--stack=dwarf: bytes of stack copied per allocation (default 8K, at most 64K)"),
	OPT_JSON(),
	OPT_BOOL(0, "folded", &opt.stack.folded, "print folded stacks weighted by bytes (main;a;b N)"),
	OPT_STRING(0, "flamegraph", &opt.stack.flamegraph, "FILE",
		   "write an SVG flame graph of the bytes outstanding to FILE"),
	OPT_RUN_PID(&ro),
	OPT_RUN_COMM(&ro),
	OPT_RUN_CGROUP(&ro),
	OPT_RUN_DURATION(&ro),
	OPT_RUN_CMD(&ro),
	OPT_VERBOSE(),
	OPT_END(),
};

/* A function of an allocator, and what it does (every one but a free gets a return probe). */
struct alloc_fn {
	const char *name;
	enum leaks_fn fn;
};

static const struct alloc_fn glibc_fns[] = {
	{ "malloc", LEAKS_MALLOC },
	{ "calloc", LEAKS_CALLOC },
	{ "realloc", LEAKS_REALLOC },
	{ "reallocarray", LEAKS_REALLOCARRAY },
	{ "free", LEAKS_FREE },
	{ "posix_memalign", LEAKS_POSIX_MEMALIGN },
	{ "aligned_alloc", LEAKS_ALIGNED_ALLOC },
	{ "memalign", LEAKS_MEMALIGN },
	{ "valloc", LEAKS_VALLOC },
	{ "pvalloc", LEAKS_PVALLOC },
	{ NULL },
};

/* jemalloc 5 (Debian's libjemalloc2): the C functions, and its own *allocx API. */
static const struct alloc_fn jemalloc_fns[] = {
	{ "malloc", LEAKS_MALLOC },
	{ "calloc", LEAKS_CALLOC },
	{ "realloc", LEAKS_REALLOC },
	{ "free", LEAKS_FREE },
	{ "posix_memalign", LEAKS_POSIX_MEMALIGN },
	{ "aligned_alloc", LEAKS_ALIGNED_ALLOC },
	{ "memalign", LEAKS_MEMALIGN },
	{ "valloc", LEAKS_VALLOC },
	{ "mallocx", LEAKS_MALLOC },		/* (size, flags) */
	{ "rallocx", LEAKS_REALLOC },		/* (ptr, size, flags) */
	{ "dallocx", LEAKS_FREE },		/* (ptr, flags) */
	{ "sdallocx", LEAKS_FREE },		/* (ptr, size, flags) */
	/* its own C++ operators (libstdc++'s call malloc; these do not): the size or the block first */
	{ "_Znwm", LEAKS_MALLOC },
	{ "_Znam", LEAKS_MALLOC },
	{ "_ZnwmRKSt9nothrow_t", LEAKS_MALLOC },
	{ "_ZnamRKSt9nothrow_t", LEAKS_MALLOC },
	{ "_ZnwmSt11align_val_t", LEAKS_MALLOC },
	{ "_ZnamSt11align_val_t", LEAKS_MALLOC },
	{ "_ZnwmSt11align_val_tRKSt9nothrow_t", LEAKS_MALLOC },
	{ "_ZnamSt11align_val_tRKSt9nothrow_t", LEAKS_MALLOC },
	{ "_ZdlPv", LEAKS_FREE },
	{ "_ZdaPv", LEAKS_FREE },
	{ "_ZdlPvm", LEAKS_FREE },
	{ "_ZdaPvm", LEAKS_FREE },
	{ "_ZdlPvRKSt9nothrow_t", LEAKS_FREE },
	{ "_ZdaPvRKSt9nothrow_t", LEAKS_FREE },
	{ "_ZdlPvSt11align_val_t", LEAKS_FREE },
	{ "_ZdaPvSt11align_val_t", LEAKS_FREE },
	{ "_ZdlPvmSt11align_val_t", LEAKS_FREE },
	{ "_ZdaPvmSt11align_val_t", LEAKS_FREE },
	{ "_ZdlPvSt11align_val_tRKSt9nothrow_t", LEAKS_FREE },
	{ "_ZdaPvSt11align_val_tRKSt9nothrow_t", LEAKS_FREE },
	{ NULL },
};

/*
 * gperftools' tcmalloc (Debian's libtcmalloc-minimal4, libgoogle-perftools4):
 * one name per address (tc_malloc is malloc, aligned_alloc is memalign,
 * operator delete is free, operator new[] is new, ...: a second name would
 * be a second probe on the same instruction).
 */
static const struct alloc_fn tcmalloc_fns[] = {
	{ "malloc", LEAKS_MALLOC },
	{ "calloc", LEAKS_CALLOC },
	{ "realloc", LEAKS_REALLOC },
	{ "free", LEAKS_FREE },
	{ "posix_memalign", LEAKS_POSIX_MEMALIGN },
	{ "memalign", LEAKS_MEMALIGN },
	{ "valloc", LEAKS_VALLOC },
	{ "pvalloc", LEAKS_PVALLOC },
	{ "tc_malloc_skip_new_handler", LEAKS_MALLOC },
	/* its C++ operators: no calls of malloc or free */
	{ "_Znwm", LEAKS_MALLOC },
	{ "_ZnwmRKSt9nothrow_t", LEAKS_MALLOC },
	{ "_ZnwmSt11align_val_t", LEAKS_MALLOC },
	{ "_ZnwmSt11align_val_tRKSt9nothrow_t", LEAKS_MALLOC },
	{ "_ZdlPvm", LEAKS_FREE },
	{ "_ZdlPvRKSt9nothrow_t", LEAKS_FREE },
	{ "_ZdlPvSt11align_val_t", LEAKS_FREE },
	{ "_ZdlPvmSt11align_val_t", LEAKS_FREE },
	{ "_ZdlPvSt11align_val_tRKSt9nothrow_t", LEAKS_FREE },
	{ NULL },
};

/*
 * mimalloc 2 (Debian's libmimalloc2.0): glibc's C functions (its malloc is
 * mi_malloc, its free mi_free, and so on; posix_memalign and the like jump
 * to their mi_ twins, not probed: one probe a call), and these.  Its sized
 * operator delete calls free.
 */
static const struct alloc_fn mimalloc_fns[] = {
	{ "mi_zalloc", LEAKS_MALLOC },		/* (size) */
	{ "mi_mallocn", LEAKS_CALLOC },		/* (count, size) */
	{ "_Znwm", LEAKS_MALLOC },
	{ "_ZnwmRKSt9nothrow_t", LEAKS_MALLOC },
	{ "_ZnamRKSt9nothrow_t", LEAKS_MALLOC },
	{ "_ZnwmSt11align_val_t", LEAKS_MALLOC },
	{ "_ZnwmSt11align_val_tRKSt9nothrow_t", LEAKS_MALLOC },
	{ "_ZnamSt11align_val_tRKSt9nothrow_t", LEAKS_MALLOC },
	{ "_ZdlPvSt11align_val_t", LEAKS_FREE },
	{ "_ZdaPvSt11align_val_t", LEAKS_FREE },
	{ "_ZdlPvmSt11align_val_t", LEAKS_FREE },
	{ "_ZdaPvmSt11align_val_t", LEAKS_FREE },
	{ NULL },
};

/*
 * The allocators upx knows: glibc's always; one that replaces it (LD_PRELOAD,
 * or linked in) where its library is found: in the -p process's mappings, or
 * here for -c and every process (its copies in containers too).
 */
static const struct allocator {
	const char *name;	/* as the Tracking line says it */
	const char *soname;
	const struct alloc_fn *fns, *more;	/* more: NULL, or a second list */
	bool optional;
} allocators[] = {
	{ "glibc's malloc", "libc.so.6", glibc_fns, NULL, false },
	{ "jemalloc", "libjemalloc.so.2", jemalloc_fns, NULL, true },
	{ "tcmalloc", "libtcmalloc_minimal.so.4", tcmalloc_fns, NULL, true },
	{ "tcmalloc", "libtcmalloc.so.4", tcmalloc_fns, NULL, true },
	{ "mimalloc", "libmimalloc.so.2", glibc_fns, mimalloc_fns, true },
};

/* The sums of one stack (ustack__intern()'s number - 1) in the report being made. */
struct lstack {
	uint64_t bytes, count, oldest_ns;
	double est_bytes, est_count, var_bytes;
};

/* An open-addressed map of 64-bit keys to stack numbers (index + 1; 0: empty slot). */
struct idmap {
	uint64_t *keys;
	uint32_t *vals;
	size_t nr, cap;
};

/* The bytes of a stack (by its key across processes) at the last report: growth. */
struct prev_row {
	char *key;
	uint64_t bytes;
};

/* An allocator found, and the plan's file of its library. */
struct found_alloc {
	const char *name;
	size_t file;
};

struct leaks_ctx {
	struct session s;
	struct found_alloc found[ARRAY_SIZE(allocators)];
	size_t nr_found;
	struct ustack *stk;
	struct bpf_map *outstanding;
	int stats_fd;
	struct lstack *stacks;		/* by stack number - 1 */
	size_t nr_stacks, alloc_stacks;
	struct idmap seqs;		/* dwarf: record number -> stack */
	struct idmap fp_ids;		/* fp: (tgid, stack map id) -> stack */
	struct prev_row *prev;
	size_t nr_prev;
	uint64_t nr_reports;
	uint64_t dead_records;		/* dwarf: stacks not unwound, their block already freed */
	bool failed;			/* the flame graph could not be written */
};

/* ---- maps of ids ---- */

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return x;
}

static void idmap_put(struct idmap *m, uint64_t key, uint32_t val);

static void idmap_grow(struct idmap *m)
{
	struct idmap old = *m;

	m->cap = old.cap ? old.cap * 2 : 1024;
	m->keys = xcalloc(m->cap, sizeof(*m->keys));
	m->vals = xcalloc(m->cap, sizeof(*m->vals));
	m->nr = 0;
	for (size_t i = 0; i < old.cap; i++)
		if (old.vals[i])
			idmap_put(m, old.keys[i], old.vals[i]);
	free(old.keys);
	free(old.vals);
}

static void idmap_put(struct idmap *m, uint64_t key, uint32_t val)
{
	size_t s;

	if ((m->nr + 1) * 2 > m->cap)
		idmap_grow(m);
	for (s = mix64(key) & (m->cap - 1); m->vals[s] && m->keys[s] != key; s = (s + 1) & (m->cap - 1))
		;
	m->nr += !m->vals[s];
	m->keys[s] = key;
	m->vals[s] = val;
}

static uint32_t idmap_get(const struct idmap *m, uint64_t key)
{
	if (!m->cap)
		return 0;
	for (size_t s = mix64(key) & (m->cap - 1); m->vals[s]; s = (s + 1) & (m->cap - 1))
		if (m->keys[s] == key)
			return m->vals[s];
	return 0;
}

static void idmap_free(struct idmap *m)
{
	free(m->keys);
	free(m->vals);
	*m = (struct idmap){};
}

/* ---- stacks ---- */

/* The number of a stack (from 1), its sums made room for. */
static uint32_t stack_intern(struct leaks_ctx *ctx, pid_t pid, const uint64_t *ips, int n,
			     const struct stack_py_frame *py, int nr_py, const char *cut, int err)
{
	size_t id = ustack__intern(ctx->stk, pid, ips, n, py, nr_py, cut, err);

	if (id > ctx->nr_stacks) {
		ALLOC_GROW(ctx->stacks, id, ctx->alloc_stacks);
		for (; ctx->nr_stacks < id; ctx->nr_stacks++)
			ctx->stacks[ctx->nr_stacks] = (struct lstack){ .oldest_ns = UINT64_MAX };
	}
	return id;
}

/* ---- the ring buffer: mappings, and --stack=dwarf's stacks ---- */

/* A process's mappings at its first event, even when a hurried stop only counts the rest. */
static bool announce(void *data, const void *buf, size_t size)
{
	return ustack__proc_record(((struct leaks_ctx *)data)->stk, buf, size);
}

static int on_event(void *data, void *buf, size_t size)
{
	struct leaks_ctx *ctx = data;
	const struct leaks_rec *r = buf;
	struct leaks_key k;
	struct leaks_val v;
	uint64_t ips[STACK_MAX_DEPTH];
	const struct stack_py_frame *py;
	const char *cut;
	int n, nr_py, err;

	if (announce(data, buf, size))
		return 0;
	if (size < sizeof(*r) || r->kind != LEAKS_REC_ALLOC)
		return 0;
	/* A block already freed needs no stack: most are, and unwinding is the cost here. */
	k = (struct leaks_key){ .tgid = r->tgid, .addr = r->addr };
	if (bpf_map_lookup_elem(bpf_map__fd(ctx->outstanding), &k, &v) || v.ref != r->seq) {
		ctx->dead_records++;
		return 0;
	}
	n = ustack__unwind(ctx->stk, r->tgid, r + 1, size - sizeof(*r), ips, STACK_MAX_DEPTH, &py,
			   &nr_py, &cut, &err);
	idmap_put(&ctx->seqs, r->seq, stack_intern(ctx, r->tgid, ips, n, py, nr_py, cut, err));
	return 0;
}

/* ---- the report ---- */

/* The counters of `stats`, summed over the CPUs. */
static uint64_t stat_sum(struct leaks_ctx *ctx, uint32_t slot)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t *v, sum = 0;

	if (ncpu <= 0 || ctx->stats_fd < 0)
		return 0;
	v = xcalloc(ncpu, sizeof(*v));
	if (!bpf_map_lookup_elem(ctx->stats_fd, &slot, v))
		for (int i = 0; i < ncpu; i++)
			sum += v[i];
	free(v);
	return sum;
}

/* The stack of a block, as a number (0: not known yet: its record is not read). */
static uint32_t stack_of(struct leaks_ctx *ctx, const struct leaks_key *k, const struct leaks_val *v)
{
	uint64_t ips[STACK_MAX_DEPTH], id;
	const char *cut;
	uint32_t n;
	int nr, err;

	if (ustack__mode(ctx->stk) == STACK_DWARF)
		return idmap_get(&ctx->seqs, v->ref);
	id = (uint64_t)k->tgid << 32 | (uint32_t)v->ref;
	n = idmap_get(&ctx->fp_ids, id);
	if (n)
		return n;
	nr = ustack__kernel_ips(ctx->stk, (int)v->ref, ips, STACK_MAX_DEPTH, &cut, &err);
	n = stack_intern(ctx, err ? 0 : k->tgid, ips, nr, NULL, 0, cut, err);
	idmap_put(&ctx->fp_ids, id, n);
	return n;
}

/*
 * What one block stands for.  --all: itself.  Sampled: a block of size s was
 * sampled with probability p = 1 - e^(-s/I), so it stands for 1/p blocks and
 * s/p bytes (an unbiased estimate, Horvitz-Thompson); the variance of the
 * bytes it adds is s^2 (1 - p) / p^2.
 */
static void weigh(struct lstack *st, uint64_t size)
{
	double s = size, p, w;

	if (opt.all) {
		st->est_bytes += s;
		st->est_count += 1;
		return;
	}
	p = -expm1(-s / (double)opt.sample_bytes);
	if (p <= 0)
		p = 1.0 / opt.sample_bytes;	/* a block of 0 bytes: as if it had one */
	w = 1 / p;
	st->est_bytes += s * w;
	st->est_count += w;
	st->var_bytes += s * s * (1 - p) * w * w;
}

/* Every live block into its stack's sums; the dwarf record numbers of dead blocks dropped. */
static void sum_blocks(struct leaks_ctx *ctx, uint64_t now, uint64_t *unknown_bytes,
		       uint64_t *unknown_count)
{
	int fd = bpf_map__fd(ctx->outstanding);
	bool dwarf = ustack__mode(ctx->stk) == STACK_DWARF;
	struct idmap live = {};
	struct leaks_key keys[1024];
	struct leaks_val vals[1024];
	void *in = NULL;
	uint64_t out;
	int err;

	for (size_t i = 0; i < ctx->nr_stacks; i++) {
		struct lstack *st = &ctx->stacks[i];

		st->bytes = st->count = 0;
		st->oldest_ns = UINT64_MAX;
		st->est_bytes = st->est_count = st->var_bytes = 0;
	}
	do {
		__u32 n = ARRAY_SIZE(keys);

		err = bpf_map_lookup_batch(fd, in, &out, keys, vals, &n, NULL);
		if (err && errno != ENOENT)
			break;
		for (__u32 i = 0; i < n; i++) {
			uint32_t id = stack_of(ctx, &keys[i], &vals[i]);
			struct lstack *st;

			if (dwarf && id)
				idmap_put(&live, vals[i].ref, id);
			if (opt.older_than > 0 && now - vals[i].ts_ns < opt.older_than * 1e9)
				continue;
			if (!id) {
				*unknown_bytes += vals[i].size;
				(*unknown_count)++;
				continue;
			}
			st = &ctx->stacks[id - 1];
			st->bytes += vals[i].size;
			st->count++;
			if (vals[i].ts_ns < st->oldest_ns)
				st->oldest_ns = vals[i].ts_ns;
			weigh(st, vals[i].size);
		}
		in = &out;
	} while (!err);
	if (err && errno != ENOENT)
		warning("cannot read the outstanding blocks: %s", strerror(errno));
	if (dwarf) {
		idmap_free(&ctx->seqs);
		ctx->seqs = live;
	}
}

/* One row: the stacks of one code path, merged over the processes that have it. */
struct lrow {
	char *key;
	struct ustack_weighted st;	/* the first (its process symbolizes) */
	const char *cut;
	int err;
	uint64_t bytes, count, oldest_ns;
	double est_bytes, est_count, var_bytes;
};

static int cmp_lrow_key(const void *a, const void *b)
{
	return strcmp(((const struct lrow *)a)->key, ((const struct lrow *)b)->key);
}

static size_t build_rows(struct leaks_ctx *ctx, struct lrow **out)
{
	struct lrow *rows = xcalloc(ctx->nr_stacks + 1, sizeof(*rows));
	size_t n = 0, m = 0;

	for (size_t i = 0; i < ctx->nr_stacks; i++) {
		const struct lstack *st = &ctx->stacks[i];
		struct lrow *r = &rows[n];
		char prefix[16];

		if (!st->count)
			continue;
		ustack__interned(ctx->stk, i + 1, &r->st, &r->cut, &r->err);
		snprintf(prefix, sizeof(prefix), "%d", r->err);
		r->key = ustack__stack_key(ctx->stk, r->st.pid, r->st.ips, r->st.nr, r->st.py,
					   r->st.nr_py, prefix);
		r->bytes = st->bytes;
		r->count = st->count;
		r->oldest_ns = st->oldest_ns;
		r->est_bytes = st->est_bytes;
		r->est_count = st->est_count;
		r->var_bytes = st->var_bytes;
		n++;
	}
	qsort(rows, n, sizeof(*rows), cmp_lrow_key);
	for (size_t i = 0; i < n; i++) {
		struct lrow *r = &rows[m - 1];

		if (m && !strcmp(r->key, rows[i].key)) {
			r->bytes += rows[i].bytes;
			r->count += rows[i].count;
			if (rows[i].oldest_ns < r->oldest_ns)
				r->oldest_ns = rows[i].oldest_ns;
			r->est_bytes += rows[i].est_bytes;
			r->est_count += rows[i].est_count;
			r->var_bytes += rows[i].var_bytes;
			free(rows[i].key);
			continue;
		}
		rows[m++] = rows[i];
	}
	*out = rows;
	return m;
}

static int cmp_prev(const void *a, const void *b)
{
	return strcmp(((const struct prev_row *)a)->key, ((const struct prev_row *)b)->key);
}

/* The bytes of key at the last report (0: none). */
static uint64_t prev_bytes(struct leaks_ctx *ctx, const char *key)
{
	struct prev_row k = { (char *)key, 0 }, *p;

	if (!ctx->nr_prev)	/* the first report: no rows yet (and bsearch() takes no NULL) */
		return 0;
	p = bsearch(&k, ctx->prev, ctx->nr_prev, sizeof(k), cmp_prev);
	return p ? p->bytes : 0;
}

/* The rows' bytes, kept for the next report's growth (rows are sorted by key). */
static void keep_prev(struct leaks_ctx *ctx, struct lrow *rows, size_t n)
{
	for (size_t i = 0; i < ctx->nr_prev; i++)
		free(ctx->prev[i].key);
	free(ctx->prev);
	ctx->prev = xcalloc(n + 1, sizeof(*ctx->prev));
	for (size_t i = 0; i < n; i++)
		ctx->prev[i] = (struct prev_row){ xstrdup(rows[i].key), rows[i].bytes };
	ctx->nr_prev = n;
}

static uint64_t row_bytes(const struct lrow *r)
{
	return opt.all ? r->bytes : (uint64_t)(r->est_bytes + 0.5);
}

/* "12.3 s", "2 min 3 s" */
static void human_age(uint64_t ns, char *buf, size_t size)
{
	double s = ns / 1e9;

	if (s < 120)
		snprintf(buf, size, "%.1fs", s);
	else
		snprintf(buf, size, "%.0fm%02.0fs", floor(s / 60), fmod(s, 60));
}

static void row_detail(void *arg, void *data, FILE *f, struct json_writer *jw)
{
	struct leaks_ctx *ctx = arg;
	const struct lrow *r = data;

	if (!opt.all) {
		if (jw) {
			json_u64_field(jw, "sampled_blocks", r->count);
			json_u64_field(jw, "sampled_bytes", r->bytes);
			json_u64_field(jw, "error_bytes", (uint64_t)(sqrt(r->var_bytes) + 0.5));
		} else {
			char e[COUNT_NOUN_MAX];

			text_line(f, "    [estimate: +-%llu bytes (1 sigma), from %s]",
				  (unsigned long long)(sqrt(r->var_bytes) + 0.5),
				  count_noun_to(e, r->count, "sampled block", "sampled blocks"));
		}
	}
	ustack__print_frames(ctx->stk, r->st.pid, r->st.ips, r->st.nr, r->st.py, r->st.nr_py, r->cut,
			     r->err, jw);
	if (f)
		fputc('\n', f);
}

static void print_table(struct leaks_ctx *ctx, struct lrow *rows, size_t n, uint64_t now,
			uint64_t unknown_bytes, uint64_t unknown_count)
{
	struct table *t = table__new(&(struct table_spec){
		.noun = "stack",
		.json_doc = "stacks",
		.count_name = "bytes",
		.empty = "No outstanding allocations.",
	});
	const char *older = opt.older_than > 0 ? " (allocated --older-than seconds ago at least)" : "";
	uint64_t total = 0, blocks = 0;
	double var = 0;

	table__col(t, &(struct table_col){ .head = "blocks", .json = "blocks", .flags = TABLE_RIGHT });
	table__col(t, &(struct table_col){ .head = "oldest", .json = "oldest_ns", .flags = TABLE_RIGHT });
	table__col(t, &(struct table_col){ .head = "growth", .json = "growth", .flags = TABLE_RIGHT });
	table__top(t, opt.top);
	table__detail(t, row_detail, ctx);
	table__doc_str(t, "unwinder", stack_mode_name(ustack__mode(ctx->stk)));
	for (size_t i = 0; i < n; i++) {
		uint64_t bytes = row_bytes(&rows[i]), count, prev = prev_bytes(ctx, rows[i].key);
		int64_t growth = (int64_t)(bytes - prev);
		char age[32], g[32];

		count = opt.all ? rows[i].count : (uint64_t)(rows[i].est_count + 0.5);
		total += bytes;
		blocks += count;
		var += rows[i].var_bytes;
		human_age(now - rows[i].oldest_ns, age, sizeof(age));
		snprintf(g, sizeof(g), "%+lld", (long long)growth);
		table__row(t, &rows[i]);
		table__u64(t, count);
		table__num_text(t, now - rows[i].oldest_ns, false, age);
		table__num_text(t, (uint64_t)growth, true, g);
		table__count(t, bytes);
	}
	table__total(t, "bytes_total", NULL, METRIC_GAUGE, NULL, total);
	table__total(t, "sample_bytes", NULL, METRIC_GAUGE, NULL, opt.all ? 0 : opt.sample_bytes);
	table__total(t, "error_bytes_total", NULL, METRIC_GAUGE, NULL, (uint64_t)(sqrt(var) + 0.5));
	table__total(t, "blocks_total", NULL, METRIC_GAUGE, NULL, blocks);
	table__total(t, "unknown_stack_bytes", NULL, METRIC_GAUGE, NULL, unknown_bytes);
	table__total(t, "untracked_blocks", NULL, METRIC_COUNTER, NULL,
		     stat_sum(ctx, LEAKS_STAT_UNTRACKED));
	table__total(t, "untracked_bytes", NULL, METRIC_COUNTER, NULL,
		     stat_sum(ctx, LEAKS_STAT_UNTRACKED_BYTES));
	if (output_json())
		;
	else if (opt.all)
		printf("Outstanding: %s in %s, by stack%s:\n", count_noun(total, "byte", "bytes"),
		       count_noun(blocks, "block", "blocks"), older);
	else
		printf("Outstanding (estimated from blocks sampled every %llu bytes on average): "
		       "%s +-%llu (1 sigma) in %s, by stack%s:\n", opt.sample_bytes,
		       count_noun(total, "byte", "bytes"), (unsigned long long)(sqrt(var) + 0.5),
		       count_noun(blocks, "block", "blocks"), older);
	table__print(t, stdout, ctx->s.jw);
	table__free(t);
	if (unknown_count)
		note("%s (%s) not in the table: their stacks were not read before the report "
		     "(a stop does not wait for them to be unwound)",
		     count_noun(unknown_count, "block", "blocks"),
		     count_noun(unknown_bytes, "byte", "bytes"));
}

static void report(struct leaks_ctx *ctx)
{
	uint64_t now = mono_ns(), unknown_bytes = 0, unknown_count = 0;
	struct lrow *rows;
	size_t n;

	sum_blocks(ctx, now, &unknown_bytes, &unknown_count);
	n = build_rows(ctx, &rows);
	if (opt.stack.folded || opt.stack.flamegraph) {
		struct ustack_weighted *w = xcalloc(n + 1, sizeof(*w));

		for (size_t i = 0; i < n; i++) {
			w[i] = rows[i].st;
			w[i].weight = row_bytes(&rows[i]);
		}
		if (ustack__flame(ctx->stk, w, n, opt.stack.folded, opt.stack.flamegraph,
				  "upx leaks: bytes outstanding", "byte", "bytes"))
			ctx->failed = true;
		free(w);
	} else {
		print_table(ctx, rows, n, now, unknown_bytes, unknown_count);
	}
	keep_prev(ctx, rows, n);
	for (size_t i = 0; i < n; i++)
		free(rows[i].key);
	free(rows);
	ctx->nr_reports++;
	fflush(stdout);
}

/* -i: a report now (the ring buffer is read between ticks). */
static void leaks_tick(void *p)
{
	report(p);
}

/* ---- the run ---- */

/* Is an optional allocator's library there: mapped by the -p process, or installed here? */
static bool allocator_present(const struct session *s, const struct allocator *a)
{
	char err[256], *path;

	if (s->plan.pid > 0)
		path = proc_find_mapped(s->plan.pid, a->soname, err, sizeof(err));
	else
		path = resolve_soname(a->soname, NULL);
	free(path);
	return path != NULL;
}

/*
 * A free() that starts `test %rdi,%rdi; je` (glibc's) is probed at the
 * instruction after the jump, which the kernel emulates (a push), instead
 * of at the test, which it single-steps: some 10 us less a call here.  It
 * misses only free(NULL), which frees nothing.
 */
static void free_past_null_test(struct plan *plan, size_t from)
{
	for (size_t i = from; i < plan->nr; i++) {
		struct plan_entry *e = &plan->entries[i];
		struct insn_info test, je, next;
		uint8_t b[32];
		ssize_t n = -1;
		int fd;

		if (e->tag != LEAKS_FREE || e->is_return || e->site != PLAN_SITE_START)
			continue;
		fd = open(plan->files[e->file].path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			n = pread(fd, b, sizeof(b), e->offset);
			close(fd);
		}
		if (n != sizeof(b) || memcmp(b, "\x48\x85\xff", 3) ||
		    insn_decode(INSN_X86_64, b, n, &test) ||
		    insn_decode(INSN_X86_64, b + test.len, n - test.len, &je) ||
		    !((b[test.len] == 0x74 && je.len == 2) ||
		      (b[test.len] == 0x0f && b[test.len + 1] == 0x84 && je.len == 6)) ||
		    insn_decode(INSN_X86_64, b + test.len + je.len, n - test.len - je.len, &next) ||
		    !next.emulated || !next.uprobe_ok)
			continue;
		e->offset += test.len + je.len;
		e->vaddr += test.len + je.len;
		e->site = PLAN_SITE_AT_OFFSET;
	}
}

static int leaks_plan(struct session *s, void *p)
{
	struct leaks_ctx *ctx = p;

	for (size_t k = 0; k < ARRAY_SIZE(allocators); k++) {
		const struct allocator *a = &allocators[k];
		const struct alloc_fn *lists[] = { a->fns, a->more };
		size_t before = s->plan.nr_files;

		if (a->optional && !allocator_present(s, a))
			continue;
		size_t first = s->plan.nr;

		for (size_t l = 0; l < ARRAY_SIZE(lists) && lists[l]; l++)
			for (const struct alloc_fn *f = lists[l]; f->name; f++) {
				if (plan_add_function(&s->plan, a->soname, f->name, false, f->fn))
					return -1;
				if (f->fn != LEAKS_FREE &&
				    plan_add_function(&s->plan, a->soname, f->name, true, f->fn))
					return -1;
			}
		free_past_null_test(&s->plan, first);
		if (s->plan.nr_files > before)
			ctx->found[ctx->nr_found++] = (struct found_alloc){ a->name, before };
	}
	return 0;
}

/*
 * Is entry i's site probed by an earlier entry too (two names of one
 * function in a build the tables do not know)?  Its program then does
 * nothing: a call is seen once, and sampled once.
 */
static bool same_site_before(const struct plan *plan, size_t i)
{
	const struct plan_entry *e = &plan->entries[i];

	for (size_t k = 0; k < i; k++)
		if (plan->entries[k].file == e->file && plan->entries[k].offset == e->offset &&
		    plan->entries[k].is_return == e->is_return)
			return true;
	return false;
}

static int leaks_configure(struct session *s, void *skel_, struct attach_progs *progs, void *p)
{
	struct leaks_ctx *ctx = p;
	struct leaks_bpf *skel = skel_;
	struct leaks_config *cfg = &skel->rodata->leaks_cfg;
	bool follow = s->cmd_argv != NULL;

	if (s->plan.nr_probes > LEAKS_MAX_PROBES)
		return error("%zu probes: at most %d", s->plan.nr_probes, LEAKS_MAX_PROBES);
	for (size_t i = 0; i < s->plan.nr_probes; i++)
		cfg->fn_of[plan_cookie_probe(s->plan.entries[i].cookie)] =
			same_site_before(&s->plan, i) ? LEAKS_NONE : s->plan.entries[i].tag;
	cfg->mode = opt.all ? LEAKS_MODE_ALL : LEAKS_MODE_SAMPLE;
	cfg->sample_bytes = opt.sample_bytes;
	cfg->page_size = sysconf(_SC_PAGESIZE);
	skel->rodata->use_follow = follow;
	if (kfield_task_offsets(skel->rodata->task_off))
		return -1;
	bpf_program__set_autoload(skel->progs.upx_follow_fork, follow);
	bpf_program__set_autoload(skel->progs.upx_leaks_gone, follow);
	bpf_map__set_max_entries(skel->maps.leaks_outstanding, opt.max_tracked);
	if (ustack__configure(ctx->stk, skel->obj, &s->plan, s->cmd_argv ? *s->cmd_argv : NULL,
			      ro.pid))
		return -1;
	/*
	 * --all with DWARF stacks: one 8K record per allocation, unwound here at
	 * a fraction of the rate a program allocates; room for bursts of them.
	 */
	if (opt.all && ustack__mode(ctx->stk) == STACK_DWARF)
		bpf_map__set_max_entries(skel->maps.events, LEAKS_ALL_EVENTS_SIZE);
	ctx->outstanding = skel->maps.leaks_outstanding;
	s->attach_pid = ro.pid > 0 ? ro.pid : -1;
	if (opt.interval > 0) {
		s->loop.interval = opt.interval;
		s->loop.tick = leaks_tick;
		s->loop.ctx = ctx;
	}
	*progs = (struct attach_progs){
		.entry = skel->progs.upx_leaks_entry,
		.entry_multi = skel->progs.upx_leaks_entry_multi,
		.ret = skel->progs.upx_leaks_return,
		.ret_multi = skel->progs.upx_leaks_return_multi,
		.session = skel->progs.upx_leaks_session,
	};
	return 0;
}

static int leaks_attached(struct session *s, void *skel_, void *p)
{
	struct leaks_ctx *ctx = p;
	struct leaks_bpf *skel = skel_;

	ctx->stats_fd = bpf_map__fd(skel->maps.stats);
	if (!s->cmd_argv)
		return 0;
	return session_follow(s, skel->maps.follow, skel->progs.upx_follow_fork) ||
	       session_attach(s, skel->progs.upx_leaks_gone, "sched_process_exit") ? -1 : 0;
}

static struct bpf_map *leaks_events(void *skel)
{
	return ((struct leaks_bpf *)skel)->maps.events;
}

static void leaks_armed(struct session *s, void *p)
{
	struct leaks_ctx *ctx = p;
	char mode[96], what[2 * (PATH_MAX + 64)] = "";
	size_t len = 0;

	ustack__armed(ctx->stk);	/* --stack=dwarf: the kernel's unwind tables */
	if (opt.all)
		snprintf(mode, sizeof(mode), "every allocation");
	else
		snprintf(mode, sizeof(mode), "allocations sampled every %llu bytes on average",
			 opt.sample_bytes);
	for (size_t i = 0; i < ctx->nr_found && len < sizeof(what); i++)
		len += snprintf(what + len, sizeof(what) - len, "%s%s in %s",
				i ? " and " : "", ctx->found[i].name,
				s->plan.files[ctx->found[i].file].path);
	status_line("Tracking %s: %s, stacks by %s%s", what, mode, stack_mode_name(opt.stack.mode),
		    s->cmd_argv ? "." : ". Hit Ctrl-C to end.");
	if (!upx_verbose)
		return;
	if (attach_uses_session(&s->progs))
		note("uprobe session links: a call's return is probed only when its entry asks");
	else
		note("entry and return probes: %s", getenv("UPX_NO_SESSION") ?
		     "UPX_NO_SESSION is set" : "the kernel has no uprobe session links");
}

static void leaks_report(struct session *s, void *skel, uint64_t lost, void *p)
{
	struct leaks_ctx *ctx = p;
	uint64_t untracked = stat_sum(ctx, LEAKS_STAT_UNTRACKED);

	report(ctx);
	if (untracked)
		warning("%s (%s) not tracked: the outstanding map was full (--max-tracked %lld)",
			count_noun(untracked, "allocation", "allocations"),
			count_noun(stat_sum(ctx, LEAKS_STAT_UNTRACKED_BYTES), "byte", "bytes"),
			opt.max_tracked);
	if (upx_verbose && ctx->dead_records)
		note("%s not unwound: freed before they were read",
		     count_noun(ctx->dead_records, "stack", "stacks"));
}

RUN_SKELETON(leaks_bpf);
RUN_SKELETON(copywatch_bpf);

static const struct run_ops leaks_run = {
	.skel = &leaks_bpf_run_skeleton,
	.flags = RUN_PID | RUN_CMD | RUN_COMM | RUN_CGROUP | RUN_COPIES,
	.copies_watch = &copywatch_bpf_run_skeleton,
	.plan = leaks_plan,
	.configure = leaks_configure,
	.attached = leaks_attached,
	.events = leaks_events,
	.on_event = on_event,
	.announce = announce,
	.armed = leaks_armed,
	.report = leaks_report,
	.record_one = "allocation",
	.record_many = "allocations",
	.lost_help = "Allocations not tracked: the ring buffer was full (their stacks could not be sent).",
};

static void leaks_free(struct leaks_ctx *ctx)
{
	free(ctx->stacks);
	idmap_free(&ctx->seqs);
	idmap_free(&ctx->fp_ids);
	for (size_t i = 0; i < ctx->nr_prev; i++)
		free(ctx->prev[i].key);
	free(ctx->prev);
	ustack__free(ctx->stk);
}

static int cmd_leaks(int argc, const char **argv)
{
	struct leaks_ctx ctx = { .stats_fd = -1 };
	bool count = true;
	int ret;

	argc = parse_options(argc, argv, leaks_options, leaks_usage, PARSE_OPT_KEEP_DASHDASH);
	if (argc < 0)
		return parse_options_exit(argc);
	if (!opt.stack.mode)
		opt.stack.mode = STACK_DWARF;
	if (opt.all && opt.sample_given)
		return usage_error("--all tracks every allocation: not with --sample-bytes");
	if (opt.stack.folded && opt.stack.flamegraph)
		return usage_error("--folded and --flamegraph exclude each other");
	ret = ustack_check_options(&opt.stack, opt.top, &count, false, false, output_json());
	if (ret)
		return ret;
	session_init(&ctx.s);
	ctx.stk = ustack__new(&opt.stack, true);
	ret = run_main(&leaks_run, &ro, argc, argv, &ctx);
	if (!ret && ctx.failed)
		ret = UPX_EXIT_FAILURE;
	leaks_free(&ctx);
	return ret;
}

const struct upx_cmd upx_cmd_leaks = {
	.name = "leaks",
	.summary = "show the allocations not freed, by stack: exact or sampled by bytes",
	.fn = cmd_leaks,
	.flags = UPX_CMD_NEEDS_BPF,
	.opts = leaks_options,
};
