// SPDX-License-Identifier: GPL-2.0
/*
 * User stacks for upx trace --stack: records to return addresses, frames to
 * text and JSON, counts per stack, folded stacks and flame graphs, and the
 * check that marks frame-pointer stacks that cannot be trusted.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "base/bpf-obj.h"
#include "base/cmd.h"
#include "base/stop.h"
#include "base/util.h"
#include "output/atomic-file.h"
#include "output/flamegraph.h"
#include "output/json.h"
#include "output/output.h"
#include "output/pprof.h"
#include "output/table.h"
#include "plan/plan.h"
#include "stack/kunwind.h"
#include "stack/python.h"
#include "stack/symbolize.h"
#include "stack/unwind.h"
#include "stack/ustack.h"
#include "symbols/insn.h"
#include "target/libsearch.h"

#define MAX_INLINE 8
#define STR_(x) #x
#define STR(x) STR_(x)	/* frames one address may stand for (inlined calls) */

const char *stack_mode_name(enum stack_mode m)
{
	return m == STACK_FP ? "fp" : m == STACK_DWARF ? "dwarf" : "none";
}

int ustack_opt_cb(const struct upx_option *o, const char *arg)
{
	struct ustack_opts *u = o->value;

	/*
	 * DWARF by default: Debian builds libc, libpython and most libraries
	 * without frame pointers, so a frame-pointer walk stops or lies at the
	 * first of their frames.
	 */
	if (!arg || !strcmp(arg, "dwarf"))
		u->mode = STACK_DWARF;
	else if (!strcmp(arg, "fp"))
		u->mode = STACK_FP;
	else
		return usage_error("--stack takes fp or dwarf, not '%s'", arg);
	return 0;
}

int ustack_check_options(struct ustack_opts *o, long long top, bool *count, bool hist,
			 bool latency, bool json)
{
	bool wants_stack = o->mode != STACK_NONE;
	char why[128];

	if (o->pprof) {
		struct stat st;

		/* Refused before tracing rather than after (pprof__write() checks again). */
		if (!lstat(o->pprof, &st) && !S_ISREG(st.st_mode))
			return usage_error("--pprof: '%s': not a regular file (%s)", o->pprof,
					   file_kind(st.st_mode));
	}
	if (o->folded || o->flamegraph || o->pprof) {
		if (hist || latency)
			return usage_error("--folded, --flamegraph and --pprof count calls per stack: "
					   "not with --hist or --latency");
		if (o->folded && json)
			return usage_error("--folded is a text format: not with --json");
		*count = true;
		if (!wants_stack)
			o->mode = STACK_DWARF;
	}
	if (o->mode == STACK_NONE) {
		if (o->size)
			return usage_error("--stack-size goes with --stack=dwarf");
		return 0;
	}
	if (hist || latency)
		return usage_error("--stack shows or counts stacks of calls; per-stack histograms "
				   "are not kept: use --stack with events or --count, not with %s",
				   hist ? "--hist" : "--latency");
	if (o->size && o->mode != STACK_DWARF)
		return usage_error("--stack-size goes with --stack=dwarf (fp copies no stack)");
	if (o->size && (o->size < 512 || o->size > STACK_SIZE_MAX || o->size % 8))
		return usage_error("--stack-size must be a multiple of 8 from 512 to 64K");
	if (top && !*count)
		return usage_error("--top N goes with --count --stack: events are not ranked");
	/* Before anything is attached: a FILE that cannot be written costs no trace. */
	if (o->flamegraph && atomic_file_check(o->flamegraph, why, sizeof(why))) {
		error("cannot write '%s': %s", o->flamegraph, why);
		return UPX_EXIT_FAILURE;
	}
	return 0;
}

/* One stack counted: the key is (probe, process, addresses). */
struct count_entry {
	uint32_t probe;
	pid_t pid;
	int nr;
	uint64_t *ips;
	const char *cut;
	int err;		/* the kernel could not take the stack: -errno */
	uint64_t count;
	uint64_t kcount;	/* of count, what the kernel counted (read_kernel()) */
	uint64_t hash;
	struct stack_py_frame *py;	/* the Python frames, innermost first */
	int nr_py;
};

/* The start of one function, cached by file and offset (the frame-pointer check). */
struct fp_fn {
	const char *file;
	uint64_t start;		/* file offset of the function */
	int entry_off;		/* its first instruction past endbr64 (0 or 4) */
	int push_off, body_off;	/* -1: no `push %rbp; mov %rsp,%rbp` prologue */
};

struct ustack {
	enum stack_mode mode;
	size_t size;
	bool count;
	bool python;			/* the kernel appends Python frames (stack_cfg.python) */
	long long top_n;		/* --top, for the report */
	const struct plan *plan;	/* the probes' labels and functions */
	struct bpf_map *counts, *traces;	/* --count --stack=fp: the kernel's */
	struct bpf_map *kstacks;		/* --count --stack=dwarf: the stacks it unwound */
	bool kunwind;			/* --stack=dwarf unwound in the kernel where it can */
	struct kunwind *kw;		/* its tables */
	struct bpf_map *py_procs, *py_stacks;	/* Python processes; --count --stack=fp's frames */
	struct bpf_map *py_files;		/* interpreter files found during the run */
	struct python *py;
	bool folded;
	const char *svg;
	const char *pprof;
	uint64_t start_ns;		/* when counting began (--pprof), Unix time */
	struct symbolizer *sy;
	/* count table: open addressing over entries (index + 1, 0 empty) */
	struct count_entry *entries;
	size_t nr_entries, alloc_entries;
	size_t *slots;
	size_t nr_slots;
	struct fp_fn *fns;
	size_t nr_fns, alloc_fns;
	bool warned;
	bool warned_gone;
	uint64_t nr_snapshots;		/* processes whose mappings came from the kernel */
	uint64_t nr_unsymbolized;	/* stacks of processes with no mappings */
	uint64_t nr_unwound, unwind_ns;	/* -v: DWARF unwinding throughput */
	uint64_t nr_skipped;		/* stacks left out after it */
	uint64_t nr_late;		/* frames shown not fully symbolized after it */
	char **owned;		/* strings made here (folded names) */
	size_t nr_owned, alloc_owned;
};

static uint64_t wall_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	return t.tv_sec * 1000000000ULL + t.tv_nsec;
}

struct ustack *ustack__new(const struct ustack_opts *o, bool count)
{
	struct ustack *u;

	if (o->mode == STACK_NONE)
		return NULL;
	u = xcalloc(1, sizeof(*u));
	u->mode = o->mode;
	u->size = o->size ? o->size : STACK_SIZE_DEFAULT;
	u->count = count;
	u->folded = o->folded;
	u->svg = o->flamegraph;
	u->pprof = o->pprof;
	u->start_ns = wall_ns();
	u->sy = symbolizer_new();
	u->py = python__new();
	/* UPX_NO_KUNWIND=1: every stack copied and unwound here (make bench's baseline, the tests' oracle) */
	u->kunwind = u->mode == STACK_DWARF &&
		     (!getenv("UPX_NO_KUNWIND") || strcmp(getenv("UPX_NO_KUNWIND"), "1"));
	return u;
}

static void clear_counts(struct ustack *u)
{
	for (size_t i = 0; i < u->nr_entries; i++) {
		free(u->entries[i].ips);
		free(u->entries[i].py);
		free((char *)u->entries[i].cut);
	}
	u->nr_entries = 0;
	free(u->slots);
	u->slots = NULL;
	u->nr_slots = 0;
}

void ustack__free(struct ustack *u)
{
	if (!u)
		return;
	if (u->nr_skipped)
		warning("%s not unwound: upx was stopping",
			count_noun(u->nr_skipped, "stack", "stacks"));
	if (u->nr_late)
		warning("%s not fully symbolized (no source line, inlined calls, or "
			"function): upx was stopping", count_noun(u->nr_late, "frame", "frames"));
	if (u->nr_unsymbolized)
		warning("%s not symbolized: %s process exited before its mappings were read",
			count_noun(u->nr_unsymbolized, "stack", "stacks"),
			plural(u->nr_unsymbolized, "its", "their"));
	if (upx_verbose && u->nr_snapshots)
		note("stacks: mappings of %s taken in the kernel at the first event",
		     count_noun(u->nr_snapshots, "process", "processes"));
	if (upx_verbose && u->nr_unwound)
		note("stacks: %s unwound with DWARF in %.1f ms (%.0f stacks/s)",
		     count_noun(u->nr_unwound, "stack", "stacks"), u->unwind_ns / 1e6,
		     u->unwind_ns ? u->nr_unwound * 1e9 / u->unwind_ns : 0.0);
	kunwind__free(u->kw);
	clear_counts(u);
	free(u->entries);
	free(u->fns);
	for (size_t i = 0; i < u->nr_owned; i++)
		free(u->owned[i]);
	free(u->owned);
	symbolizer_free(u->sy);
	python__free(u->py);
	free(u);
}

/* Is rec (len bytes) a stack unwound in the kernel, whole? */
static bool is_ips_rec(const void *rec, size_t len)
{
	const struct stack_ips_rec *r = rec;

	return len >= offsetof(struct stack_ips_rec, ips) && r->kind == STACK_REC_IPS &&
	       r->nr <= STACK_MAX_DEPTH && len >= STACK_IPS_SIZE(r->nr);
}

/*
 * Bytes of the native part of an event's stack record rec (len bytes; the
 * Python frames follow): --stack=dwarf's is the stack unwound in the kernel
 * or the copy, as its first word says.
 */
static size_t native_size(const struct ustack *u, const void *rec, size_t len)
{
	if (u->mode == STACK_FP)	/* short when its addresses fit */
		return len >= offsetof(struct stack_fp_rec, ips) ?
			       STACK_FP_SIZE(((const struct stack_fp_rec *)rec)->len) :
			       sizeof(struct stack_fp_rec);
	if (is_ips_rec(rec, len))
		return STACK_IPS_SIZE(((const struct stack_ips_rec *)rec)->nr);
	return sizeof(struct stack_dwarf_rec) + u->size;
}

bool ustack__counts_in_kernel(const struct ustack *u)
{
	return u && u->count && (u->mode == STACK_FP || u->kunwind);
}

enum stack_mode ustack__mode(const struct ustack *u)
{
	return u ? u->mode : STACK_NONE;
}

/*
 * --stack=dwarf unwound in the kernel: its maps sized, and the files whose
 * tables are wanted first: the probed files, then the -c command's program
 * and the libraries it needs, the files process pid maps.
 */
static int configure_kunwind(struct ustack *u, struct bpf_object *obj, struct stack_config *cfg,
			     const struct plan *plan, const char *cmd, pid_t pid)
{
	struct bpf_map *kstacks = bpf_map_named(obj, "kunwind_stacks");
	char err[256];

	if (!kstacks)
		return -1;
	u->kw = kunwind__new(obj, u->kunwind);
	u->kunwind = u->kw;
	cfg->kunwind = u->kunwind;
	cfg->kcount = u->kunwind && u->count;
	u->kstacks = kstacks;
	bpf_map__set_max_entries(kstacks, cfg->kcount ? 16384 : 1);
	if (!u->kw)
		return 0;
	/* the probed files first: every stack goes through one */
	for (size_t i = 0; plan && i < plan->nr_files; i++)
		kunwind__want_file(u->kw, plan->files[i].path);
	if (cmd) {
		char *path = strchr(cmd, '/') ? xstrdup(cmd) : resolve_program(cmd);
		struct lib_deps *deps;

		if (path) {
			kunwind__want_file(u->kw, path);
			if (!lib_deps__load(path, &deps, err, sizeof(err))) {
				for (size_t i = 0; i < deps->nr; i++)
					if (deps->libs[i].path)
						kunwind__want_file(u->kw, deps->libs[i].path);
				lib_deps__free(deps);
			}
		}
		free(path);
	}
	if (pid > 0)
		kunwind__want_maps(u->kw, pid);
	return 0;
}

int ustack__configure(struct ustack *u, struct bpf_object *obj, const struct plan *plan,
		      const char *cmd, pid_t pid)
{
	struct stack_config *cfg = bpf_rodata_named(obj, "stack_cfg", sizeof(*cfg));
	struct bpf_map *seen = bpf_map_named(obj, "stack_seen");
	struct bpf_map *counts = bpf_map_named(obj, "stack_counts");
	struct bpf_map *traces = bpf_map_named(obj, "stack_traces");
	struct bpf_map *events = bpf_map_named(obj, "events");
	struct bpf_map *seen_code, *threads;
	bool kcount = ustack__counts_in_kernel(u);

	if (!cfg || !seen || !counts || !traces || !events)
		return -1;
	cfg->mode = ustack__mode(u);
	cfg->size = u ? u->size : STACK_SIZE_DEFAULT;
	bpf_map__set_max_entries(traces, kcount && u->mode == STACK_FP ? 16384 : 1);
	bpf_map__set_max_entries(counts, kcount ? 16384 : 1);
	bpf_map__set_max_entries(seen, u ? 4096 : 1);
	/*
	 * Only the records that announce a process and its code objects; with
	 * --stack=dwarf the stacks the kernel could not unwind too, copied.
	 */
	if (kcount && u->mode == STACK_FP)
		bpf_map__set_max_entries(events, 1024 * 1024);
	if (!u)
		return 0;
	if (configure_kunwind(u, obj, cfg, plan, cmd, pid))
		return -1;
	u->py_procs = bpf_map_named(obj, "py_procs");
	u->py_stacks = bpf_map_named(obj, "py_stacks");
	u->py_files = bpf_map_named(obj, "py_files");
	seen_code = bpf_map_named(obj, "py_code_seen");
	threads = bpf_map_named(obj, "py_threads");
	if (!u->py_procs || !u->py_stacks || !u->py_files || !seen_code || !threads)
		return -1;
	bpf_map__set_max_entries(threads, 4096);
	bpf_map__set_max_entries(u->py_files, 64);
	bpf_map__set_max_entries(u->py_procs, 4096);
	bpf_map__set_max_entries(seen_code, 65536);
	bpf_map__set_max_entries(u->py_stacks, kcount ? 16384 : 1);
	/* UPX_NO_PYTHON=1: native frames only (make bench's baseline for what the walk costs) */
	if (!getenv("UPX_NO_PYTHON") || strcmp(getenv("UPX_NO_PYTHON"), "1"))
		python__configure(u->py, cfg, cmd, pid);
	u->python = cfg->python;
	u->plan = plan;
	u->counts = counts;
	u->traces = traces;
	if (upx_verbose && !u->kw)
		note("stacks: %s", u->mode == STACK_FP ?
		     "frame pointers walked in the kernel (bpf_get_stack)" :
		     "registers and the top of the stack copied, unwound with DWARF CFI here");
	return 0;
}

void ustack__armed(struct ustack *u)
{
	if (u && kunwind__start(u->kw)) {
		/* the copy then, as with UPX_NO_KUNWIND=1 */
		kunwind__free(u->kw);
		u->kw = NULL;
	}
}

/*
 * A process's mappings, read at its first event and kept: it may be gone by
 * the time its stacks are printed.  One that exited before its first event
 * was read cannot be symbolized: say so once.
 */
static int add_process(struct ustack *u, pid_t pid)
{
	int err = symbolizer_add_process(u->sy, pid);

	if (err < 0 && !u->warned_gone && upx_verbose) {
		u->warned_gone = true;
		note("process %d exited before its mappings were read (%s): its frames show as "
		     "addresses", (int)pid, strerror(-err));
	}
	return err;
}

/* A path from the kernel's dentry names, leaf first, each NUL-terminated: NULL if cut short. */
static char *snap_path(const struct stack_vma *v)
{
	size_t len = v->path_len & ~STACK_VMA_PATH_TRUNC, i = len, out = 0;
	char *s;

	if ((v->path_len & STACK_VMA_PATH_TRUNC) || !len || len > sizeof(v->path))
		return NULL;
	s = xmalloc(len + 2);
	/* components from the last (next to the root) to the first */
	while (i > 0) {
		size_t end = i - 1, start = end;	/* path[end] is a NUL */

		while (start > 0 && v->path[start - 1])
			start--;
		s[out++] = '/';
		memcpy(s + out, v->path + start, end - start);
		out += end - start;
		i = start;
	}
	s[out] = '\0';
	return s;
}

bool ustack__proc_record(struct ustack *u, const void *data, size_t size)
{
	const struct stack_maps_rec *r = data;
	struct sym_snap_map maps[STACK_MAPS_MAX];	/* n of them filled: not cleared for every event */
	char *paths[STACK_MAPS_MAX];
	struct stack_py_proc pp;
	struct stack_py_file pf;
	size_t n;
	ssize_t py;

	if (u && size == sizeof(struct stack_py_code_rec) &&
	    ((const struct stack_py_code_rec *)data)->kind == STACK_REC_PYCODE)
		return python__code_record(u->py, data, size);
	if (!u || size != sizeof(*r) || r->kind != STACK_REC_MAPS)
		return false;
	n = r->nr < STACK_MAPS_MAX ? r->nr : STACK_MAPS_MAX;
	for (size_t i = 0; i < n; i++) {
		const struct stack_vma *v = &r->maps[i];

		paths[i] = v->path_len ? snap_path(v) : NULL;
		maps[i] = (struct sym_snap_map){
			.start = v->start, .end = v->end, .pgoff = v->pgoff,
			.major = v->dev >> 20, .minor = v->dev & 0xfffff, .ino = v->ino,
			.path = paths[i], .exec = v->flags & STACK_VMA_EXEC,
		};
		/* a path cut short: the entries of that file after it have none either */
		if (v->path_len && !paths[i])
			maps[i].path = "";
	}
	/* the tables of its files, unless they are loaded or on their way */
	if (!kunwind__started(u->kw))
		ustack__armed(u);
	kunwind__want_snapshot(u->kw, r->tgid, maps, n);
	if (symbolizer_add_mappings(u->sy, r->tgid, maps, n) > 0) {
		u->nr_snapshots++;
		if (upx_verbose && r->dropped)
			note("process %u: %s past the first %d not kept: frames in them show "
			     "as addresses", r->tgid,
			     count_noun(r->dropped, "file mapping", "file mappings"), STACK_MAPS_MAX);
	}
	/*
	 * An interpreter the configuration did not know (a python started by
	 * a shell, system-wide): its frames from its next event on.
	 */
	if (bpf_map__lookup_elem(u->py_procs, &r->tgid, sizeof(r->tgid), &pp, sizeof(pp), 0) &&
	    (py = python__find_runtime(u->py, r->tgid, maps, n, &pp, &pf)) >= 0) {
		struct { __u64 ino; __u32 dev, pad; } key = { pf.ino, pf.dev, 0 };

		bpf_map__update_elem(u->py_procs, &r->tgid, sizeof(r->tgid), &pp, sizeof(pp),
				     BPF_NOEXIST);
		bpf_map__update_elem(u->py_files, &key, sizeof(key), &pf, sizeof(pf), BPF_ANY);
		if (upx_verbose)
			note("stacks: Python frames of '%s' (CPython %u.%u) found in process %u: "
			     "from its next event on, and from the first of the processes that "
			     "map it after", maps[py].path, pf.version >> 24,
			     (pf.version >> 16) & 0xff, r->tgid);
	}
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	return true;
}

static const char *own(struct ustack *u, char *s)
{
	ALLOC_GROW(u->owned, u->nr_owned + 1, u->alloc_owned);
	u->owned[u->nr_owned++] = s;
	return s;
}

/* ---- the frame-pointer check ---- */

/* Is the instruction b[0..len) part of Go's stack bound check (ABIInternal, g in %r14)? */
static bool go_stack_check(const uint8_t *b, int len)
{
	/* cmp d8(%r14),%rsp; cmp d8(%r14),%r12 */
	if (len == 4 && (b[0] == 0x49 || b[0] == 0x4d) && b[1] == 0x3b && b[2] == 0x66)
		return true;
	/* lea -N(%rsp),%r12 (a frame larger than the guard) */
	if ((len == 5 || len == 8) && b[0] == 0x4c && b[1] == 0x8d && (b[2] & 0xc7) == 0x44 &&
	    b[3] == 0x24)
		return true;
	/* jbe to the morestack call */
	return (len == 2 && b[0] == 0x76) || (len == 6 && b[0] == 0x0f && b[1] == 0x86);
}

/* The displacement of `OP %rbp,D(%rsp)` / `OP D(%rsp),%rbp` (48 OP 6c 24 d8 | 48 OP ac 24 d32). */
static bool rbp_rsp_disp(const uint8_t *b, int len, uint8_t op, int64_t *d)
{
	if (b[0] != 0x48 || b[1] != op || b[3] != 0x24)
		return false;
	if (len == 5 && b[2] == 0x6c) {
		*d = (int8_t)b[4];
		return true;
	}
	if (len == 8 && b[2] == 0xac) {
		*d = (int32_t)(b[4] | b[5] << 8 | b[6] << 16 | (uint32_t)b[7] << 24);
		return true;
	}
	return false;
}

/*
 * Go's frame set-up after `sub $N,%rsp`: `mov %rbp,N-8(%rsp); lea N-8(%rsp),%rbp`, a frame
 * record like push's (the saved %rbp, the return address above it).  The length of the
 * three instructions at b, or 0.
 */
static int go_frame_setup(const uint8_t *b, int n)
{
	struct insn_info sub, mov, lea;
	int64_t size, d1, d2;

	if (insn_decode(INSN_X86_64, b, n, &sub) || b[0] != 0x48 || b[2] != 0xec)
		return 0;
	if (sub.len == 4 && b[1] == 0x83)
		size = b[3];
	else if (sub.len == 7 && b[1] == 0x81)
		size = (int32_t)(b[3] | b[4] << 8 | b[5] << 16 | (uint32_t)b[6] << 24);
	else
		return 0;
	if (insn_decode(INSN_X86_64, b + sub.len, n - sub.len, &mov) ||
	    !rbp_rsp_disp(b + sub.len, mov.len, 0x89, &d1) ||
	    insn_decode(INSN_X86_64, b + sub.len + mov.len, n - sub.len - mov.len, &lea) ||
	    !rbp_rsp_disp(b + sub.len + mov.len, lea.len, 0x8d, &d2) || d1 != d2 ||
	    d1 + 8 != size)
		return 0;
	return sub.len + mov.len + lea.len;
}

/*
 * Where does the function at file offset start begin, past endbr64, and
 * does it set up the frame pointer: `[endbr64] push %rbp; mov %rsp,%rbp`,
 * or Go's `sub $N,%rsp; mov %rbp,N-8(%rsp); lea N-8(%rsp),%rbp`, either
 * after Go's stack bound check (`cmp 16(%r14),%rsp; jbe` ...)?
 */
static void read_prologue(pid_t pid, struct fp_fn *fn)
{
	uint8_t b[64];
	struct insn_info ii;
	char root[64 + 4096];
	int fd, off = 0, setup;
	ssize_t n;

	fn->entry_off = 0;
	fn->push_off = fn->body_off = -1;
	snprintf(root, sizeof(root), "/proc/%d/root%s", (int)pid, fn->file);
	fd = open(root, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		fd = open(fn->file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = pread(fd, b, sizeof(b), fn->start);
	close(fd);
	if (n < 8)
		return;
	if (!insn_decode(INSN_X86_64, b, n, &ii) && ii.is_endbr64)
		off = ii.len;
	fn->entry_off = off;
	for (int k = 0; k < 4 && !insn_decode(INSN_X86_64, b + off, n - off, &ii) &&
			go_stack_check(b + off, ii.len); k++)
		off += ii.len;
	if (off + 4 <= n && b[off] == 0x55 && b[off + 1] == 0x48 &&
	    ((b[off + 2] == 0x89 && b[off + 3] == 0xe5) || (b[off + 2] == 0x8b && b[off + 3] == 0xec))) {
		fn->push_off = off;
		fn->body_off = off + 4;
	} else if ((setup = go_frame_setup(b + off, n - off))) {
		fn->push_off = off;
		fn->body_off = off + setup;
	}
}

static const struct fp_fn *fp_fn_of(struct ustack *u, pid_t pid, const struct sym_frame *f)
{
	uint64_t start = f->file_offset - f->offset;
	struct fp_fn *fn;

	for (size_t i = 0; i < u->nr_fns; i++)
		if (u->fns[i].start == start && !strcmp(u->fns[i].file, f->file))
			return &u->fns[i];
	ALLOC_GROW(u->fns, u->nr_fns + 1, u->alloc_fns);
	fn = &u->fns[u->nr_fns++];
	fn->file = f->file;
	fn->start = start;
	read_prologue(pid, fn);
	return fn;
}

/* The function (not an inlined call) at an address, and its start (NULL for JIT code); false when unknown. */
static bool real_frame(struct ustack *u, pid_t pid, uint64_t ip, bool ret, struct sym_frame *out,
		       const struct fp_fn **fn)
{
	struct sym_frame sf[MAX_INLINE];
	int k = symbolize_addr(u->sy, pid, ip, ret, sf, MAX_INLINE);

	out->late = k > 0 && sf[k - 1].late;
	if (k <= 0 || !sf[k - 1].file || !sf[k - 1].function)
		return false;
	*out = sf[k - 1];
	/* JIT code: no file holds its prologue (NULL: not checked) */
	*fn = out->jit ? NULL : fp_fn_of(u, pid, out);
	return true;
}

/* fp_unreliable() of a stack upx had no time to check (a stop signal). */
static const char fp_not_checked[] = "not checked: upx was stopping";

/*
 * A probe at a function's entry: %rbp is still the caller's, so the walk
 * from it starts at the caller's caller.  The return address is the word at
 * %rsp (sp0): put it in as the first caller, unless the kernel already did
 * (Linux 6.12 does for a probe on `push %rbp` in some paths).
 */
static int fp_fix_entry(struct ustack *u, pid_t pid, uint64_t *ips, int n, int max, uint64_t sp0)
{
	struct sym_frame f;
	const struct fp_fn *fn;

	if (n < 1 || !sp0 || (n > 1 && ips[1] == sp0))
		return n;
	if (!real_frame(u, pid, ips[0], false, &f, &fn) || !fn || (int64_t)f.offset > fn->entry_off)
		return n;
	if (n == max)
		n--;
	memmove(ips + 2, ips + 1, (n - 1) * sizeof(*ips));
	ips[1] = sp0;
	return n + 1;
}

/* Functions where a stack begins: the walk may end in them though they keep no frame pointer. */
static bool is_stack_root(const char *fn)
{
	static const char *const roots[] = {
		"_start", "__libc_start_call_main", "__libc_start_main", "__libc_start_main_impl",
		"start_thread", "clone", "clone3", "__clone", "__clone3", "thread_start",
		/* Go: a goroutine's first frame returns to goexit; a thread's stack starts in mstart */
		"runtime.goexit", "runtime.goexit.abi0", "runtime.mstart", "runtime.mstart.abi0",
		"runtime.rt0_go", "runtime.rt0_go.abi0",
	};

	for (size_t i = 0; i < ARRAY_SIZE(roots); i++)
		if (!strcmp(fn, roots[i]))
			return true;
	return false;
}

/*
 * A frame-pointer walk is right only where every frame it passed through
 * keeps %rbp as its frame pointer: frame k+1 is read from the frame record
 * %rbp points to in frame k, so the function of each frame but the outermost
 * must have set %rbp up (`push %rbp; mov %rsp,%rbp` at its start).  A
 * function that does not either leaves its caller's %rbp (its caller is
 * skipped) or uses %rbp for data (what follows is garbage); either way it
 * is itself in the stack, below the outermost frame, so this finds it.  The
 * innermost frame is the probe: at the function's entry its caller is the
 * word at %rsp (fp_fix_entry()), inside the prologue it is lost.  The
 * outermost frame keeps a frame pointer too, or is where stacks begin
 * (_start, __libc_start_call_main, start_thread, clone3): else the walk
 * stopped at a function that keeps none, and its callers are lost.
 * NULL when the stack holds up, else why not (a static buffer).
 */
static const char *fp_unreliable(struct ustack *u, pid_t pid, const uint64_t *ips, int n)
{
	static char why[512];

	for (int i = 0; i < n; i++) {
		struct sym_frame f;
		const struct fp_fn *fn;

		if (!real_frame(u, pid, ips[i], i > 0, &f, &fn)) {
			if (f.late)
				return fp_not_checked;
			snprintf(why, sizeof(why), "0x%llx is in no known function",
				 (unsigned long long)ips[i]);
			return why;
		}
		if (!fn)
			continue;	/* JIT code: taken on trust, as perf does */
		if (i == 0 && (int64_t)f.offset <= fn->entry_off)
			continue;	/* at the entry: the caller came from %rsp */
		if (i == 0 && fn->push_off >= 0 && (int64_t)f.offset < fn->body_off) {
			snprintf(why, sizeof(why), "the probe in %s is inside its prologue", f.function);
			return why;
		}
		if (fn->push_off >= 0 || (i == n - 1 && i > 0 && is_stack_root(f.function)))
			continue;
		snprintf(why, sizeof(why), "%s in %s keeps no frame pointer%s", f.function, f.file,
			 i == n - 1 ? ": the walk ends there" : "");
		return why;
	}
	return NULL;
}

/* ---- records to addresses ---- */

/* The return addresses of one record; *err: -errno when the kernel could not take the stack. */
static int rec_ips(struct ustack *u, pid_t pid, const void *rec, size_t len, uint64_t *ips,
		   int max, const char **cut, int *err)
{
	*cut = NULL;
	*err = 0;
	if (u->mode == STACK_FP) {
		const struct stack_fp_rec *r = rec;
		size_t room;
		int n;

		if (len < offsetof(struct stack_fp_rec, ips))
			return 0;
		if (r->len < 0) {
			*err = r->len;
			return 0;
		}
		/* a short record (STACK_FP_SIZE) has room for its addresses only */
		room = (len - offsetof(struct stack_fp_rec, ips)) / 8;
		n = r->len / 8 < max ? r->len / 8 : max;
		if ((size_t)n > room)
			n = room;
		memcpy(ips, r->ips, n * 8);
		n = fp_fix_entry(u, pid, ips, n, max, r->sp0);
		if (n >= STACK_MAX_DEPTH)
			*cut = "deeper than " STR(STACK_MAX_DEPTH) " frames";
		return n;
	} else if (is_ips_rec(rec, len)) {
		/* unwound in the kernel: the addresses libdw's unwind of the copy gives */
		const struct stack_ips_rec *r = rec;
		int n = r->nr < (__u32)max ? (int)r->nr : max;

		memcpy(ips, r->ips, n * sizeof(*ips));
		return n;
	} else {
		const struct stack_dwarf_rec *r = rec;
		struct timespec t0, t1;
		size_t have;
		int n;

		if (len < sizeof(*r))
			return 0;
		/* a file the kernel has no table of yet (a library dlopen()ed): its table now */
		kunwind__want_maps(u->kw, pid);
		have = r->len > 0 ? (size_t)r->len : 0;
		if (have > len - sizeof(*r))
			have = len - sizeof(*r);
		if (r->len < 0)
			*err = r->len;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		n = unwind_user_stack(u->sy, pid, (const uint64_t *)r->regs, r->data, have, ips, max,
				      cut);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		u->unwind_ns += (t1.tv_sec - t0.tv_sec) * 1000000000ULL + t1.tv_nsec - t0.tv_nsec;
		u->nr_unwound++;
		return n;
	}
}

/* ---- printing ---- */

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

static const char *err_name(int err)
{
	const char *n = strerrorname_np(-err);

	return n ? n : "unknown error";
}

/* A frame's line into [p, end): the end of it, or NULL when it does not fit. */
static char *frame_line(char *p, char *end, const struct sym_frame *s)
{
	/* the most a line has besides its three names */
#define FRAME_FIXED 96
	if (end - p < FRAME_FIXED)
		return NULL;
	p = mempcpy(p, "    ", 4);
	if (s->function) {
		if (!(p = escape_put(p, end - FRAME_FIXED, s->function, -1)))
			return NULL;
		if (s->inlined) {
			p = mempcpy(p, " (inlined)", 10);
		} else {
			*p++ = '+';
			p = put_hex(p, s->offset);
		}
	} else {
		p = put_hex(p, s->addr);
	}
	if (s->file) {
		p = mempcpy(p, " (", 2);
		if (!(p = escape_put(p, end - FRAME_FIXED, s->file, -1)))
			return NULL;
		if (!s->function) {
			*p++ = '+';
			p = put_hex(p, s->file_offset);
		}
		if (s->deleted)
			p = mempcpy(p, " (deleted)", 10);
		*p++ = ')';
	} else {
		p = mempcpy(p, " ([unknown])", 12);
	}
	if (s->src_file && s->line > 0) {
		*p++ = ' ';
		if (!(p = escape_put(p, end - FRAME_FIXED, base_name(s->src_file), -1)))
			return NULL;
		*p++ = ':';
		p = put_u64(p, (unsigned int)s->line);
	}
	*p++ = '\n';
	return p;
#undef FRAME_FIXED
}

/* A frame's "line": its number, null when unknown. */
static void line_json(struct json_writer *jw, int line)
{
	json_name(jw, "line");
	if (line > 0)
		json_u64(jw, line);
	else
		json_null(jw);
}

/* One fwrite a frame: formatting a frame is most of what a --stack event costs upx. */
void ustack_frame_text(FILE *f, const struct sym_frame *s)
{
	char small[1024], *line = small, *p;
	size_t size;

	p = frame_line(small, small + sizeof(small), s);
	if (!p) {
		/* Long names: room for each escaped, and the rest. */
		size = 256 + (s->function ? escaped_len(s->function, -1) : 0) +
		       (s->file ? escaped_len(s->file, -1) : 0) +
		       (s->src_file ? escaped_len(s->src_file, -1) : 0);
		line = xmalloc(size);
		p = frame_line(line, line + size, s);
	}
	fwrite(line, 1, p - line, f);
	if (line != small)
		free(line);
}

void ustack_frame_json(struct json_writer *jw, const struct sym_frame *s)
{
	json_object_start(jw);
	json_u64_field(jw, "addr", s->addr);
	json_string_field(jw, "file", s->file);
	json_string_field(jw, "build_id", s->build_id);
	json_u64_field(jw, "file_offset", s->file_offset);
	json_string_field(jw, "function", s->function);
	json_u64_field(jw, "offset", s->offset);
	json_string_field(jw, "src_file", s->src_file);
	line_json(jw, s->line);
	json_bool_field(jw, "inlined", s->inlined);
	json_bool_field(jw, "deleted", s->deleted);
	json_object_end(jw);
}

/* ---- Python frames in place of the interpreter's ---- */

/* Is this the interpreter's loop, whose frames the Python frames replace? */
static bool is_eval_frame(const struct sym_frame *f)
{
	static const char eval[] = "_PyEval_EvalFrameDefault";

	return f->function && !f->inlined && !strncmp(f->function, eval, sizeof(eval) - 1) &&
	       (!f->function[sizeof(eval) - 1] || f->function[sizeof(eval) - 1] == '.');
}

/* Where the frames of one C-level _PyEval_EvalFrameDefault end: after an entry frame, at a shim. */
static int py_group_end(const struct stack_py_frame *py, int nr_py, int from)
{
	for (int j = from; j < nr_py; j++) {
		if (py[j].at & STACK_PY_SHIM)
			return j;
		if (py[j].at & STACK_PY_ENTRY)
			return j + 1;
	}
	return nr_py;
}

/*
 * Which Python frames stand in place of each native frame: from[i] to
 * to[i] (from[i] < 0: the native frame itself), innermost first, each
 * _PyEval_EvalFrameDefault frame the group of Python frames it ran; Python
 * frames left over (an interpreter frame the unwinder did not reach) go
 * with the outermost one, or after the stack when none was found: the
 * return value, where those start (nr_py when none are left).
 */
static int py_place(struct ustack *u, pid_t pid, const uint64_t *ips, int n,
		    const struct stack_py_frame *py, int nr_py, int *from, int *to)
{
	struct sym_frame sf[MAX_INLINE];
	int next = 0, last = -1;

	for (int i = 0; i < n; i++) {
		int k;

		from[i] = -1;
		if (next >= nr_py)
			continue;
		k = symbolize_addr(u->sy, pid, ips[i], i > 0, sf, MAX_INLINE);
		if (k <= 0 || !is_eval_frame(&sf[k - 1]))
			continue;
		from[i] = next;
		to[i] = py_group_end(py, nr_py, next);
		next = to[i] < nr_py && (py[to[i]].at & STACK_PY_SHIM) ? to[i] + 1 : to[i];
		last = i;
	}
	if (next < nr_py && last >= 0) {
		to[last] = nr_py;
		next = nr_py;
	}
	return next;
}

static void py_frame_text(FILE *f, const struct py_frame *pf)
{
	if (!pf->function) {
		fprintf(f, "    py: [code object 0x%llx not read]\n", (unsigned long long)pf->code);
		return;
	}
	fputs("    py: ", f);
	fputs_escaped(f, pf->function, -1);
	fputs(" (", f);
	fputs_escaped(f, pf->file, -1);
	if (pf->line > 0)
		fprintf(f, ":%d", pf->line);
	fputs(")\n", f);
}

static void py_frame_json(struct json_writer *jw, const struct py_frame *pf)
{
	json_object_start(jw);
	json_string_field(jw, "kind", "python");
	json_u64_field(jw, "code", pf->code);
	json_string_field(jw, "function", pf->function);
	json_string_field(jw, "src_file", pf->file);
	line_json(jw, pf->line);
	json_object_end(jw);
}

/* Python frames [from, to), text lines or JSON objects; shims left out. */
static void print_py(struct ustack *u, pid_t pid, const struct stack_py_frame *py, int from,
		     int to, struct json_writer *jw)
{
	for (int j = from; j < to; j++) {
		struct py_frame pf;

		if (py[j].at & STACK_PY_SHIM)
			continue;
		python__frame(u->py, pid, &py[j], &pf);
		if (jw)
			py_frame_json(jw, &pf);
		else
			py_frame_text(stdout, &pf);
	}
}

/* A Python frame's name in folded stacks: "py: f (file.py:12)" (owned by u). */
static const char *py_folded_name(struct ustack *u, pid_t pid, const struct stack_py_frame *f)
{
	struct py_frame pf;

	python__frame(u->py, pid, f, &pf);
	if (!pf.function)
		return own(u, xasprintf("py: [code object 0x%llx]", (unsigned long long)pf.code));
	return own(u, pf.line > 0 ? xasprintf("py: %s (%s:%d)", pf.function, pf.file, pf.line) :
				    xasprintf("py: %s (%s)", pf.function, pf.file));
}

static void warn_unreliable(struct ustack *u, const char *why)
{
	if (u->warned)
		return;
	u->warned = true;
	warning("--stack=fp: stacks pass through code without frame pointers (%s): they are "
		"unreliable, frames may be missing or wrong; --stack=dwarf unwinds them", why);
}

/* The frames of a stack, text or the fields of the open JSON object. */
void ustack__print_frames(struct ustack *u, pid_t pid, const uint64_t *ips, int n,
			  const struct stack_py_frame *py, int nr_py, const char *cut, int err,
			  struct json_writer *jw)
{
	const char *bad = u->mode == STACK_FP && n ? fp_unreliable(u, pid, ips, n) : NULL;
	struct sym_frame sf[MAX_INLINE];
	int from[STACK_MAX_DEPTH + 1], to[STACK_MAX_DEPTH + 1];
	int tail = nr_py ? py_place(u, pid, ips, n, py, nr_py, from, to) : 0;

	if (bad && bad != fp_not_checked)
		warn_unreliable(u, bad);
	if (jw) {
		json_name(jw, "stack");
		json_array_start(jw);
	}
	for (int i = 0; i < n; i++) {
		int k;

		if (nr_py && from[i] >= 0) {
			print_py(u, pid, py, from[i], to[i], jw);
			continue;
		}
		k = symbolize_addr(u->sy, pid, ips[i], i > 0, sf, MAX_INLINE);
		u->nr_late += sf[0].late;
		for (int j = 0; j < k; j++)
			if (jw)
				ustack_frame_json(jw, &sf[j]);
			else
				ustack_frame_text(stdout, &sf[j]);
	}
	print_py(u, pid, py, tail, nr_py, jw);
	if (jw) {
		json_array_end(jw);
		json_string_field(jw, "unwinder", stack_mode_name(u->mode));
		json_string_field(jw, "stack_cut", cut);
		json_string_field(jw, "stack_error", err ? err_name(err) : NULL);
		json_string_field(jw, "stack_unreliable", bad);
		return;
	}
	if (err == -EINTR)
		printf("    [stack not unwound: upx was stopping]\n");
	else if (err)
		printf("    [no stack: %s]\n", err_name(err));
	/* both name functions and files */
	if (bad)
		text_line(stdout, "    [unreliable: %s]", bad);
	if (cut && upx_verbose)
		text_line(stdout, "    [%s: cut: %s]", stack_mode_name(u->mode), cut);
}


/* ---- counting ---- */

static uint64_t hash_key(uint32_t probe, pid_t pid, const uint64_t *ips, int n, int err,
			 const struct stack_py_frame *py, int nr_py)
{
	uint64_t h = 1469598103934665603ULL;
	uint64_t parts[3] = { probe, (uint64_t)pid, (uint64_t)(uint32_t)err };

	for (int i = 0; i < 3; i++)
		h = (h ^ parts[i]) * 1099511628211ULL;
	for (int i = 0; i < n; i++)
		h = (h ^ ips[i]) * 1099511628211ULL;
	for (int i = 0; i < nr_py; i++)
		h = (h ^ py[i].code ^ (uint64_t)py[i].at << 32 ^ py[i].ident) * 1099511628211ULL;
	return h ^ (h >> 29);
}

static void rehash(struct ustack *u, size_t nr_slots)
{
	free(u->slots);
	u->slots = xcalloc(nr_slots, sizeof(*u->slots));
	u->nr_slots = nr_slots;
	for (size_t i = 0; i < u->nr_entries; i++) {
		size_t s = u->entries[i].hash & (nr_slots - 1);

		while (u->slots[s])
			s = (s + 1) & (nr_slots - 1);
		u->slots[s] = i + 1;
	}
}

/* Counts a stack; its number (index + 1).  *is_new: it was not counted before. */
static size_t count_find_add(struct ustack *u, uint32_t probe, pid_t pid, const uint64_t *ips,
			     int n, const char *cut, int err, const struct stack_py_frame *py,
			     int nr_py, uint64_t count, bool *is_new)
{
	uint64_t h = hash_key(probe, pid, ips, n, err, py, nr_py);
	struct count_entry *e;
	size_t s;

	*is_new = false;
	if ((u->nr_entries + 1) * 2 > u->nr_slots)
		rehash(u, u->nr_slots ? u->nr_slots * 2 : 256);
	for (s = h & (u->nr_slots - 1); u->slots[s]; s = (s + 1) & (u->nr_slots - 1)) {
		e = &u->entries[u->slots[s] - 1];
		if (e->hash == h && e->probe == probe && e->pid == pid && e->nr == n &&
		    e->err == err && !memcmp(e->ips, ips, n * sizeof(*ips)) && e->nr_py == nr_py &&
		    (!nr_py || !memcmp(e->py, py, nr_py * sizeof(*py)))) {
			e->count += count;
			return u->slots[s];
		}
	}
	*is_new = true;
	ALLOC_GROW(u->entries, u->nr_entries + 1, u->alloc_entries);
	e = &u->entries[u->nr_entries];
	/* cut may be the unwinder's buffer, rewritten by the next stack: a copy */
	*e = (struct count_entry){ probe, pid, n, xmalloc(n * sizeof(*ips) + 1),
				   cut ? xstrdup(cut) : NULL, err, count, 0, h,
				   xmalloc(nr_py * sizeof(*py) + 1), nr_py };
	memcpy(e->ips, ips, n * sizeof(*ips));
	if (nr_py)	/* py may be NULL then */
		memcpy(e->py, py, nr_py * sizeof(*py));
	u->slots[s] = ++u->nr_entries;
	return u->nr_entries;
}

/* Counts a stack; true when it is a new one. */
static bool count_add(struct ustack *u, uint32_t probe, pid_t pid, const uint64_t *ips, int n,
		      const char *cut, int err, const struct stack_py_frame *py, int nr_py,
		      uint64_t count)
{
	bool is_new;

	count_find_add(u, probe, pid, ips, n, cut, err, py, nr_py, count, &is_new);
	return is_new;
}

size_t ustack__intern(struct ustack *u, pid_t pid, const uint64_t *ips, int nr,
		      const struct stack_py_frame *py, int nr_py, const char *cut, int err)
{
	bool is_new;

	return count_find_add(u, 0, pid, ips, nr, cut, err, py, nr_py, 1, &is_new);
}

void ustack__interned(const struct ustack *u, size_t id, struct ustack_weighted *st,
		      const char **cut, int *err)
{
	const struct count_entry *e = &u->entries[id - 1];

	*st = (struct ustack_weighted){ e->pid, e->ips, e->nr, 0, e->py, e->nr_py };
	*cut = e->cut;
	*err = e->err;
}

/*
 * After a stop signal the events still in the ring buffer are unwound until
 * its STOP_UNWIND share (a process's first stack can take tens of ms): past
 * it they are shown or counted without their stacks, so a stop stays a stop.
 */
static bool out_of_time(struct ustack *u)
{
	/* ... and symbolized until its STOP_SYMBOLIZE share, the report's too. */
	if (upx_stop_ns)
		symbolizer_set_deadline(u->sy, stop_deadline_ns(STOP_SYMBOLIZE));
	return stop_overdue(STOP_UNWIND);
}

int ustack__unwind(struct ustack *u, pid_t pid, const void *rec, size_t len, uint64_t *ips, int max,
		   const struct stack_py_frame **py, int *nr_py, const char **cut, int *err)
{
	size_t native = native_size(u, rec, len);
	const struct stack_py_rec *pr = (const void *)((const char *)rec + native);

	*cut = NULL;
	*py = NULL;
	*nr_py = 0;
	/* the Python frames after the native record (only their part was copied) */
	if (len >= native + offsetof(struct stack_py_rec, frames)) {
		if (pr->version == STACK_PY_REC_V1 && pr->nr <= STACK_PY_MAX &&
		    len >= native + offsetof(struct stack_py_rec, frames) +
				   pr->nr * sizeof(pr->frames[0])) {
			*py = pr->frames;
			*nr_py = pr->nr;
		}
		len = native;
	}
	if (out_of_time(u)) {
		*nr_py = 0;
		u->nr_skipped++;
		*err = -EINTR;
		return 0;
	}
	/*
	 * The mappings: the kernel's snapshot came before this first event of
	 * the process; else /proc/PID/maps now, while it may still live.
	 */
	if (add_process(u, pid) < 0)
		u->nr_unsymbolized++;
	return rec_ips(u, pid, rec, len, ips, max, cut, err);
}

int ustack__kernel_ips(struct ustack *u, int stackid, uint64_t *ips, int max, const char **cut,
		       int *err)
{
	uint64_t all[STACK_MAX_DEPTH] = {};
	int n = 0;

	*cut = NULL;
	*err = stackid < 0 ? stackid : 0;
	if (!*err && bpf_map_lookup_elem(bpf_map__fd(u->traces), &stackid, all))
		*err = -ENOENT;
	while (!*err && n < max && n < STACK_MAX_DEPTH && all[n])
		n++;
	memcpy(ips, all, n * sizeof(*ips));
	if (n >= STACK_MAX_DEPTH)
		*cut = "deeper than " STR(STACK_MAX_DEPTH) " frames";
	return n;
}

void ustack__event(struct ustack *u, pid_t pid, uint32_t probe, const void *rec, size_t len,
		   struct json_writer *jw)
{
	uint64_t ips[STACK_MAX_DEPTH];
	const struct stack_py_frame *py;
	const char *cut;
	int err, nr_py, n = ustack__unwind(u, pid, rec, len, ips, STACK_MAX_DEPTH, &py, &nr_py,
					   &cut, &err);

	if (u->count) {
		/*
		 * A new stack is symbolized now, while no stop waits on it: its files' DWARF
		 * is not opened at a stop (symbolizer_set_deadline()), and its frames are
		 * cached for the report.
		 */
		if (count_add(u, probe, pid, ips, n, cut, err, py, nr_py, 1) &&
		    !upx_stop)
			for (int i = 0; i < n; i++) {
				struct sym_frame sf[MAX_INLINE];

				symbolize_addr(u->sy, pid, ips[i], i > 0, sf, MAX_INLINE);
			}
	} else
		ustack__print_frames(u, pid, ips, n, py, nr_py, cut, err, jw);
}

/* --count --stack=dwarf: a stack the kernel unwound, by its hash. */
static int kernel_kstack(struct ustack *u, __u64 hash, uint64_t *ips, int *err)
{
	struct stack_ips_rec r;
	int n;

	*err = 0;
	if (bpf_map__lookup_elem(u->kstacks, &hash, sizeof(hash), &r, sizeof(r), 0) ||
	    r.kind != STACK_REC_IPS) {
		*err = -ENOENT;
		return 0;
	}
	n = r.nr < STACK_MAX_DEPTH ? (int)r.nr : STACK_MAX_DEPTH;
	memcpy(ips, r.ips, n * sizeof(*ips));
	return n;
}

/*
 * --count --stack=fp and --stack=dwarf: the counts and stacks the kernel
 * kept, replacing what was read of them before; the stacks user space
 * counted (--stack=dwarf's copies) stay.
 */
static void read_kernel(struct ustack *u, int counts_fd)
{
	struct stack_count_key key, next, *prev = NULL;
	uint64_t ips[STACK_MAX_DEPTH];
	struct stack_py_rec *py = xmalloc(sizeof(*py));

	for (size_t i = 0; i < u->nr_entries; i++) {
		u->entries[i].count -= u->entries[i].kcount;
		u->entries[i].kcount = 0;
	}
	out_of_time(u);
	while (!bpf_map_get_next_key(counts_fd, prev, &next)) {
		uint64_t count;
		const char *cut;
		bool is_new;
		size_t id;
		int n, err;

		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(counts_fd, &key, &count))
			continue;
		if (u->mode == STACK_DWARF) {
			cut = NULL;
			n = kernel_kstack(u, key.kstack, ips, &err);
		} else {
			n = ustack__kernel_ips(u, key.stackid, ips, STACK_MAX_DEPTH, &cut, &err);
			if (!err)
				n = fp_fix_entry(u, key.tgid, ips, n, STACK_MAX_DEPTH, key.sp0);
		}
		py->nr = 0;
		if (key.py && (bpf_map__lookup_elem(u->py_stacks, &key.py, sizeof(key.py), py,
						    sizeof(*py), 0) ||
			       py->version != STACK_PY_REC_V1 || py->nr > STACK_PY_MAX))
			py->nr = 0;
		id = count_find_add(u, key.probe, key.tgid, ips, n, cut, err, py->frames, py->nr,
				    count, &is_new);
		u->entries[id - 1].kcount += count;
	}
	free(py);
}

/* ---- the report ---- */

/* One stack as shown: its frames symbolized, the same stacks of several processes merged. */
struct row {
	uint32_t probe;
	uint64_t count;
	const struct count_entry *e;	/* the first entry (its pid symbolizes) */
	char *key;			/* probe and frames by file and offset */
};

static int cmp_key(const void *a, const void *b)
{
	return strcmp(((const struct row *)a)->key, ((const struct row *)b)->key);
}

static int cmp_rows(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return strcmp(x->key, y->key);
}

char *ustack__stack_key(struct ustack *u, pid_t pid, const uint64_t *ips, int nr,
			const struct stack_py_frame *py, int nr_py, const char *prefix)
{
	size_t cap = strlen(prefix) + 64 + nr * 48, len;
	char *k = xmalloc(cap);
	struct sym_frame sf[MAX_INLINE];

	len = snprintf(k, cap, "%s", prefix);
	for (int i = 0; i < nr; i++) {
		int n = symbolize_addr(u->sy, pid, ips[i], i > 0, sf, MAX_INLINE);
		const struct sym_frame *f = &sf[n > 0 ? n - 1 : 0];
		size_t need = (f->file ? strlen(f->file) : 0) + 48;

		if (len + need >= cap) {
			cap = (len + need) * 2;
			k = xrealloc(k, cap);
		}
		if (n > 0 && f->file)
			len += snprintf(k + len, cap - len, ";%s+%llx", f->file,
					(unsigned long long)f->file_offset);
		else
			len += snprintf(k + len, cap - len, ";%d:%llx", (int)pid,
					(unsigned long long)ips[i]);
	}
	/* the Python frames by name, file and line: the same code in another process */
	for (int i = 0; i < nr_py; i++) {
		const char *name = py_folded_name(u, pid, &py[i]);
		size_t need = strlen(name) + 24;

		if (len + need >= cap) {
			cap = (len + need) * 2;
			k = xrealloc(k, cap);
		}
		len += snprintf(k + len, cap - len, ";%s %u", name, py[i].at & 3);
	}
	return k;
}

/* The identity of a counted stack beyond one process: its probe, error and frames. */
static char *row_key(struct ustack *u, const struct count_entry *e)
{
	char prefix[32];

	snprintf(prefix, sizeof(prefix), "%08x %d", e->probe, e->err);
	return ustack__stack_key(u, e->pid, e->ips, e->nr, e->py, e->nr_py, prefix);
}

static size_t build_rows(struct ustack *u, struct row **out)
{
	struct row *rows = xcalloc(u->nr_entries + 1, sizeof(*rows));
	size_t n = 0;

	size_t nr = 0;

	/* a stack the kernel no longer counts (read_kernel()) has none left */
	for (size_t i = 0; i < u->nr_entries; i++)
		if (u->entries[i].count)
			rows[nr++] = (struct row){ u->entries[i].probe, u->entries[i].count,
						   &u->entries[i], row_key(u, &u->entries[i]) };
	qsort(rows, nr, sizeof(*rows), cmp_key);
	for (size_t i = 0; i < nr; i++) {
		if (n && !strcmp(rows[n - 1].key, rows[i].key)) {
			rows[n - 1].count += rows[i].count;
			free(rows[i].key);
			continue;
		}
		rows[n++] = rows[i];
	}
	qsort(rows, n, sizeof(*rows), cmp_rows);
	*out = rows;
	return n;
}

/* A frame's name in folded stacks and profiles: its function, else "[file]", else "[unknown]". */
static const char *frame_name(struct ustack *u, const struct sym_frame *f)
{
	if (f->function)
		return f->function;
	return f->file ? own(u, xasprintf("[%s]", base_name(f->file))) : "[unknown]";
}

/* The folded names of e's Python frames [from, to), outermost first, after names[0..*nr). */
static void add_py_names(struct ustack *u, pid_t pid, const struct stack_py_frame *py, int from,
			 int to, const char ***names, size_t *nr, size_t *alloc)
{
	for (int j = to - 1; j >= from; j--)
		if (!(py[j].at & STACK_PY_SHIM)) {
			ALLOC_GROW(*names, *nr + 1, *alloc);
			(*names)[(*nr)++] = py_folded_name(u, pid, &py[j]);
		}
}

/* Folded frame names of a row, outermost first (inlined calls as frames of their own). */
static size_t row_frames(struct ustack *u, pid_t pid, const uint64_t *ips, int nr_ips,
			 const struct stack_py_frame *py, int nr_py, const char ***out)
{
	size_t nr = 0, alloc = 0;
	const char **names = NULL;
	struct sym_frame sf[MAX_INLINE];
	int from[STACK_MAX_DEPTH + 1], to[STACK_MAX_DEPTH + 1];
	int tail = nr_py ? py_place(u, pid, ips, nr_ips, py, nr_py, from, to) : 0;

	/* outermost first: Python frames left after the stack, then the stack with its own */
	add_py_names(u, pid, py, tail, nr_py, &names, &nr, &alloc);
	for (int i = nr_ips - 1; i >= 0; i--) {
		int k;

		if (nr_py && from[i] >= 0) {
			add_py_names(u, pid, py, from[i], to[i], &names, &nr, &alloc);
			continue;
		}
		k = symbolize_addr(u->sy, pid, ips[i], i > 0, sf, MAX_INLINE);
		u->nr_late += sf[0].late;
		for (int j = k - 1; j >= 0; j--) {
			ALLOC_GROW(names, nr + 1, alloc);
			names[nr++] = frame_name(u, &sf[j]);
		}
	}
	*out = names;
	return nr;
}

/* Python frames [from, to) of a stack as profile locations (no address), innermost first. */
static size_t py_locations(struct ustack *u, pid_t pid, const struct stack_py_frame *py, int from,
			   int to, struct pprof_addr *addrs, struct pprof_frame *frames)
{
	size_t n = 0;

	for (int j = from; j < to; j++) {
		struct py_frame pf;

		if (py[j].at & STACK_PY_SHIM)
			continue;
		python__frame(u->py, pid, &py[j], &pf);
		frames[n] = (struct pprof_frame){
			pf.function ? pf.function :
				own(u, xasprintf("[code object 0x%llx]", (unsigned long long)pf.code)),
			pf.function ? pf.file : NULL, pf.function ? pf.line : 0 };
		addrs[n] = (struct pprof_addr){ .frames = &frames[n], .nr = 1 };
		n++;
	}
	return n;
}

/*
 * The profile of the rows: each address a location (its frames, inlined
 * calls first), each Python frame one with no address, each row a sample
 * under its probe's label.  The names are those of the folded stacks.
 */
static int write_pprof(struct ustack *u, struct row *rows, size_t n, const char *const *labels,
		       size_t nr_probes)
{
	struct pprof *p = pprof__new("calls", "count");
	uint64_t now = wall_ns();
	int ret;

	for (size_t r = 0; r < n; r++) {
		const struct count_entry *e = rows[r].e;
		size_t cap = e->nr + e->nr_py + 1, nr = 0;
		struct pprof_addr *addrs = xcalloc(cap, sizeof(*addrs));
		struct pprof_frame *frames = xcalloc(cap * MAX_INLINE, sizeof(*frames));
		struct sym_frame sf[MAX_INLINE];
		int from[STACK_MAX_DEPTH + 1], to[STACK_MAX_DEPTH + 1];
		int tail = e->nr_py ? py_place(u, e->pid, e->ips, e->nr, e->py, e->nr_py, from, to) : 0;

		/* leaf first: each interpreter frame the Python frames it ran, those left over last */
		for (int i = 0; i < e->nr; i++) {
			struct pprof_frame *fr = frames + nr * MAX_INLINE;
			int k;

			if (e->nr_py && from[i] >= 0) {
				nr += py_locations(u, e->pid, e->py, from[i], to[i], addrs + nr, fr);
				continue;
			}
			k = symbolize_addr(u->sy, e->pid, e->ips[i], i > 0, sf, MAX_INLINE);
			for (int j = 0; j < k; j++)
				fr[j] = (struct pprof_frame){ frame_name(u, &sf[j]), sf[j].src_file,
							      sf[j].line };
			addrs[nr++] = (struct pprof_addr){ sf[0].file, sf[0].build_id,
							   sf[0].file_offset, e->ips[i], fr, k };
		}
		nr += py_locations(u, e->pid, e->py, tail, e->nr_py, addrs + nr,
				   frames + nr * MAX_INLINE);
		pprof__add(p, addrs, nr, rows[r].count,
			   rows[r].probe < nr_probes ? labels[rows[r].probe] : NULL);
		free(frames);
		free(addrs);
	}
	ret = pprof__write(p, u->pprof, u->start_ns, now - u->start_ns);
	pprof__free(p);
	return ret;
}

static int cmp_folded(const void *a, const void *b)
{
	const struct fg_stack *x = a, *y = b;

	for (size_t i = 0; i < x->nr && i < y->nr; i++) {
		int c = strcmp(x->frames[i], y->frames[i]);

		if (c)
			return c;
	}
	return (x->nr > y->nr) - (x->nr < y->nr);
}

struct svg_fill {
	const struct fg_stack *st;
	size_t n;
	const char *title, *many;
};

static int fill_svg(FILE *f, void *p)
{
	const struct svg_fill *sf = p;

	return flamegraph_svg_write(f, sf->st, sf->n, sf->title, sf->many);
}

/* The SVG replaces FILE only once it is whole (core/output/atomic-file.h); stderr says where it went. */
static int write_svg(const char *svg, const struct fg_stack *st, size_t n, const char *title,
		     const char *one, const char *many)
{
	struct svg_fill sf = { st, n, title, many };
	uint64_t calls = 0;
	char why[128];
	int err;

	if (atomic_file_write(svg, atomic_file_fopen_mode(), fill_svg, &sf, &err, why, sizeof(why)))
		return error("cannot write '%s': %s", svg, err == -EOVERFLOW ?
			     "the counts add up to more than 2^64 - 1" : why);
	for (size_t i = 0; i < n; i++)
		calls += st[i].count;
	note("flame graph of %s (%s) written to '%s'", count_noun(n, "stack", "stacks"),
	     count_noun(calls, one, many), svg);
	return 0;
}

int ustack__flame(struct ustack *u, const struct ustack_weighted *w, size_t n, bool folded,
		  const char *svg, const char *title, const char *one, const char *many)
{
	struct fg_stack *st = xcalloc(n + 1, sizeof(*st));
	int ret = 0;

	for (size_t i = 0; i < n; i++) {
		const char **names;

		st[i].nr = row_frames(u, w[i].pid, w[i].ips, w[i].nr, w[i].py, w[i].nr_py, &names);
		st[i].frames = names;
		st[i].count = w[i].weight;
	}
	/* As stackcollapse sorts them: the same input gives the same lines. */
	qsort(st, n, sizeof(*st), cmp_folded);
	if (folded)
		folded_write(stdout, st, n);
	if (svg) {
		/* The names --folded shows: the SVG is the one upx flamegraph draws from them. */
		for (size_t i = 0; i < n; i++) {
			char **names = xcalloc(st[i].nr + 1, sizeof(*names));

			for (size_t k = 0; k < st[i].nr; k++)
				names[k] = folded_name(st[i].frames[k]);
			free((void *)st[i].frames);
			st[i].frames = (const char *const *)names;
		}
		ret = write_svg(svg, st, n, title, one, many);
	}
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; svg && k < st[i].nr; k++)
			free((void *)st[i].frames[k]);
		free((void *)st[i].frames);
	}
	free(st);
	return ret;
}

static int write_flame(struct ustack *u, struct row *rows, size_t n, bool folded,
		       const char *svg)
{
	struct ustack_weighted *w = xcalloc(n + 1, sizeof(*w));
	int ret;

	for (size_t i = 0; i < n; i++)
		w[i] = (struct ustack_weighted){ rows[i].e->pid, rows[i].e->ips, rows[i].e->nr,
						 rows[i].count, rows[i].e->py, rows[i].e->nr_py };
	ret = ustack__flame(u, w, n, folded, svg, "upx trace --stack", "call", "calls");
	free(w);
	return ret;
}

/* A row's stack: lines under its count, or "frames" in its JSON object (table.h's detail). */
static void row_stack(void *arg, void *data, FILE *f, struct json_writer *jw)
{
	const struct row *r = data;

	ustack__print_frames(arg, r->e->pid, r->e->ips, r->e->nr, r->e->py, r->e->nr_py, r->e->cut,
			     r->e->err, jw);
	if (f)
		fputc('\n', f);
}

static int ustack__report(struct ustack *u, const char *const *labels, const char *const *funcs,
			  size_t nr_probes, struct json_writer *jw)
{
	struct table *t;
	struct row *rows;
	size_t n;
	int ret = 0;

	out_of_time(u);
	n = build_rows(u, &rows);
	if (u->folded || u->svg)
		ret = write_flame(u, rows, n, u->folded, u->svg);
	if (u->pprof && write_pprof(u, rows, n, labels, nr_probes))
		ret = -1;
	/* without the folded lines or the flame graph as the output: the stacks' table */
	if (!u->folded && !u->svg) {
		t = table__new(&(struct table_spec){ .noun = "stack", .json_doc = "stacks" });
		table__col(t, &(struct table_col){ .head = "probe", .json = "probe" });
		table__col(t, &(struct table_col){ .json = "function" });
		table__top(t, u->top_n);
		table__detail(t, row_stack, u);
		table__doc_str(t, "unwinder", stack_mode_name(u->mode));
		for (size_t i = 0; i < n; i++) {
			if (rows[i].probe >= nr_probes)
				continue;
			table__row(t, &rows[i]);
			table__str(t, labels[rows[i].probe], -1);
			table__str(t, funcs[rows[i].probe], -1);
			table__count(t, rows[i].count);
		}
		table__total(t, "stacks_total", NULL, METRIC_COUNTER, NULL, n);
		table__print(t, stdout, jw);
		table__free(t);
	}
	for (size_t i = 0; i < n; i++)
		free(rows[i].key);
	free(rows);
	return ret;
}

int ustack__print(struct ustack *u, long long top, struct json_writer *jw)
{
	size_t nr = u->plan->nr_probes;
	const char **labels = xcalloc(nr + 1, sizeof(*labels));
	const char **funcs = xcalloc(nr + 1, sizeof(*funcs));
	int ret;

	for (size_t i = 0; i < nr; i++) {
		labels[i] = u->plan->entries[i].label;
		funcs[i] = u->plan->entries[i].func;
	}
	if (ustack__counts_in_kernel(u))
		read_kernel(u, bpf_map__fd(u->counts));
	u->top_n = top;
	ret = ustack__report(u, labels, funcs, nr, jw);
	free(labels);
	free(funcs);
	return ret;
}
