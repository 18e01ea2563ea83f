/* SPDX-License-Identifier: GPL-2.0 */
/*
 * upx trace --stack, kernel side: the Python frames of the calling thread
 * (CPython 3.10+), read at the probe, because the chain changes as soon as
 * the call returns.  The thread's state is found from the process's
 * _PyRuntime (interpreters.head -> threads.head -> next ..., matched by
 * native_thread_id; 3.10: tstate_head, thread_id), its current
 * _PyInterpreterFrame followed through `previous` (3.10: PyFrameObject,
 * f_back); each frame gives its code object, instruction and entry mark.
 * A code object seen for the first time in a process is sent to user space
 * at once (STACK_REC_PYCODE: names and line table read here), so that a
 * process that exits right after its call is still named.  Where the
 * fields are comes from stack_cfg.py[] (core/stack/python-offsets.c), where
 * the runtime is from py_procs (set at the process's first event by
 * probes/vma.bpf.h for the files in stack_cfg.py_files, or by user space).
 * Included by stack.bpf.h; the walk only in trace-stack.bpf.c (the maps in both
 * builds, which have the same maps).
 */
#ifndef UPX_PROBES_PYTHON_BPF_H
#define UPX_PROBES_PYTHON_BPF_H

#include <bpf/bpf_core_read.h>

#include "stack.h"

#define PY_THREADS_MAX 32	/* thread states looked at for the calling thread */
#define PY_EFAULT 14
#define PY_E2BIG 7
#define PY_BUF 520		/* a read structure: any field at an offset under 512 */
#define PY_FRAME 80		/* a frame's fields: a _PyInterpreterFrame's ... */
#define PY_FRAME_310 104	/* ... a PyFrameObject's (3.10) */
#define PY_STK 8192		/* the top of the thread's frame stack, copied at once (a power of 2) */
#define PY_KEPT 64		/* py_stacks' keys this CPU knows are there (a power of 2) */

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct stack_py_proc);
} py_procs SEC(".maps");

/* Interpreter files found during the run (user space), by device and inode: for later processes. */
struct py_file_key {
	__u64 ino;
	__u32 dev;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, struct py_file_key);
	__type(value, struct stack_py_file);
} py_files SEC(".maps");

/* A thread's state, by its id: found again with one read, checked by its native_thread_id. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} py_threads SEC(".maps");

/* (process, code object, identity) sent to user space already. */
struct py_code_key {
	__u64 code;
	__u32 tgid;
	__u32 ident;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1);
	__type(key, struct py_code_key);
	__type(value, __u8);
} py_code_seen SEC(".maps");

/* In front of py_code_seen, per CPU: a direct-mapped cache of the code objects sent. */
#define PY_CACHE 256
struct py_cache {
	struct py_code_key e[PY_CACHE];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct py_cache);
} py_cache SEC(".maps");

/* --count --stack=fp: the Python frames of the stacks counted, by their hash (stack_count_key.py). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, __u64);
	__type(value, struct stack_py_rec);
} py_stacks SEC(".maps");

/* The walk's state and buffers, per CPU (too big for the BPF stack). */
struct py_scratch {
	struct stack_py_rec rec;
	__u64 frame;		/* the next _PyInterpreterFrame */
	__u64 hash;		/* of the frames so far */
	__u32 tgid;
	__u32 table;
	__u64 lo, hi;		/* stk holds the process's bytes [lo, hi) */
	/* the last thread walked on this CPU: its process and state, found again without look-ups */
	__u64 last_id;		/* tgid << 32 | tid; 0: none */
	__u64 last_gen;		/* py_gen when it was taken */
	__u64 last_ts;
	struct stack_py_proc last_proc;
	__u64 kept[PY_KEPT];	/* hashes of stacks in py_stacks, direct-mapped */
	__u8 buf[PY_BUF];
	__u8 stk[PY_STK + PY_BUF];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct py_scratch);
} py_scratch SEC(".maps");

#ifdef UPX_STACK_MAPS
/* Bumped at each new process (py_forget()): every CPU's last thread is looked up again. */
__u64 py_gen;

static __always_inline __u64 py_u64(const __u8 *b, __u32 off)
{
	return *(const __u64 *)(b + (off & 0x1ff));
}

static __always_inline __u32 py_u32(const __u8 *b, __u32 off)
{
	return *(const __u32 *)(b + (off & 0x1ff));
}

static __always_inline __u64 py_mix(__u64 h, __u64 v)
{
	return (h ^ v) * 1099511628211ULL;
}

/*
 * A str object's characters (compact: ASCII after PyASCIIObject, others
 * after PyCompactUnicodeObject) into dst: the bytes copied; *kind: bytes a
 * character; *cut: longer than STACK_PY_NAME.  -1 when unreadable.
 */
static __always_inline int py_str(__u8 *hdr, char *dst, __u64 obj,
				  const volatile struct stack_py_offsets *o, __u8 *kind, bool *cut)
{
	__u64 len, n, data;
	__u32 state;

	if (!obj || bpf_probe_read_user(hdr, 40, (const void *)obj))
		return -1;
	len = py_u64(hdr, o->str_length);
	state = py_u32(hdr, o->str_state);
	*kind = (state >> 2) & 7;
	if (*kind != 1 && *kind != 2 && *kind != 4)
		return -1;
	if (!(state & (1 << 5)))	/* not compact: a legacy string, left alone */
		return -1;
	data = obj + (state & (1 << 6) ? o->str_ascii_data : o->str_compact_data);
	n = len * *kind;
	*cut = n > STACK_PY_NAME;
	if (n > STACK_PY_NAME)
		n = STACK_PY_NAME;
	barrier_var(n);
	if (n > STACK_PY_NAME)	/* for the verifier */
		return -1;
	if (n && bpf_probe_read_user(dst, n, (const void *)data))
		return -1;
	return n;
}

/*
 * A code object's names and line table to user space, once per process and
 * identity (a global function: verified once).  0, or -1 when the ring
 * buffer had no room (it is tried again at the next event that shows it).
 */
__attribute__((noinline)) int upx_py_code(__u32 tgid, __u64 code, __u32 ident, __u32 table)
{
	const volatile struct stack_py_offsets *o = &stack_cfg.py[table & (STACK_PY_VERSIONS - 1)];
	struct stack_py_code_rec *r;
	struct py_scratch *s;
	__u32 zero = 0;
	bool cut = false;
	__u64 lt, file, n;
	int len;

	s = bpf_map_lookup_elem(&py_scratch, &zero);
	if (!s)
		return 0;
	r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
	if (!r)
		return -1;
	r->tgid = tgid;
	r->kind = STACK_REC_PYCODE;
	r->code = code;
	r->ident = ident;
	r->flags = 0;
	r->name_len = r->file_len = r->table_len = 0;
	r->name_kind = r->file_kind = 1;
	r->firstlineno = 0;
	if (o->fr_lasti != STACK_PY_NONE)
		r->flags = STACK_PY_TABLE_310;
	if (bpf_probe_read_user(s->buf, STACK_PY_CODE_WINDOW,
				(const void *)(code + o->co_firstlineno))) {
		r->flags |= STACK_PY_UNREAD;
		goto out;
	}
	r->firstlineno = py_u32(s->buf, 0);
	lt = py_u64(s->buf, o->co_linetable - o->co_firstlineno);
	/* the two names, read over the window: both pointers taken first */
	file = py_u64(s->buf, o->co_filename - o->co_firstlineno);
	len = py_str(s->buf, r->name, py_u64(s->buf, o->co_qualname - o->co_firstlineno), o,
		     &r->name_kind, &cut);
	if (len >= 0)
		r->name_len = len;
	if (cut)
		r->flags |= STACK_PY_NAME_CUT;
	cut = false;
	len = py_str(s->buf, r->file, file, o, &r->file_kind, &cut);
	if (len >= 0)
		r->file_len = len;
	if (cut)
		r->flags |= STACK_PY_FILE_CUT;
	if (lt && !bpf_probe_read_user(s->buf, 32, (const void *)lt)) {
		n = py_u64(s->buf, o->bytes_size);
		if (n > STACK_PY_TABLE) {
			n = STACK_PY_TABLE;
			r->flags |= STACK_PY_TABLE_CUT;
		}
		barrier_var(n);
		if (n <= STACK_PY_TABLE && n && !bpf_probe_read_user(r->table, n, (const void *)(lt + o->bytes_data)))
			r->table_len = n;
	}
out:
	bpf_ringbuf_submit(r, BPF_RB_NO_WAKEUP);	/* the event after it wakes user space */
	return 0;
}

/* 3.10: pthread_self() of the calling thread, its %fs base (PyThreadState.thread_id). */
struct thread_struct___upx {
	unsigned long fsbase;
} __attribute__((preserve_access_index));

struct task_struct___upx {
	struct thread_struct___upx thread;
} __attribute__((preserve_access_index));

static __always_inline __u64 py_pthread_self(void)
{
	struct task_struct___upx *t = (void *)bpf_get_current_task();

	return BPF_CORE_READ(t, thread.fsbase);
}

/* Send the code object unless this CPU's cache or py_code_seen says it was. */
static __always_inline void py_code_announce(struct py_cache *c, __u32 tgid, __u64 code,
					     __u32 ident, __u32 table)
{
	struct py_code_key k = { .code = code, .tgid = tgid, .ident = ident };
	struct py_code_key *e = &c->e[((code >> 4) ^ ident ^ tgid) & (PY_CACHE - 1)];
	__u8 one = 1;

	if (e->code == code && e->tgid == tgid && e->ident == ident)
		return;
	if (!bpf_map_lookup_elem(&py_code_seen, &k)) {
		/* -EEXIST: another CPU sends it */
		if (bpf_map_update_elem(&py_code_seen, &k, &one, BPF_NOEXIST))
			goto cached;
		if (upx_py_code(tgid, code, ident, table)) {
			bpf_map_delete_elem(&py_code_seen, &k);
			return;
		}
	}
cached:
	*e = k;
}

/* One frame of the chain: true to stop. */
static __always_inline bool py_frame_step(struct py_scratch *s, struct py_cache *c,
					  const volatile struct stack_py_offsets *o)
{
	struct stack_py_frame *f;
	__u64 code, instr, frame;
	__u32 n, ident, flags = 0;
	__s64 lasti = -1;
	__u8 *fb;

	if (!s->frame)
		return true;
	n = s->rec.nr;
	if (n >= STACK_PY_MAX) {
		s->rec.err = -PY_E2BIG;
		return true;
	}
	barrier_var(n);	/* the mask stays: the verifier keeps no bound across the loop */
	f = &s->rec.frames[n & (STACK_PY_MAX - 1)];
	frame = s->frame;
	/* in the copy of the frame stack's top, else read on its own (a generator's) */
	if (frame >= s->lo && frame + PY_FRAME <= s->hi) {
		fb = s->stk + ((frame - s->lo) & (PY_STK - 1));
	} else {
		if (o->fr_lasti == STACK_PY_NONE ?
		    bpf_probe_read_user(s->buf, PY_FRAME, (const void *)frame) :
		    bpf_probe_read_user(s->buf, PY_FRAME_310, (const void *)frame)) {
			s->rec.err = -PY_EFAULT;
			return true;
		}
		fb = s->buf;
	}
	code = py_u64(fb, o->fr_code);
	instr = o->fr_instr == STACK_PY_NONE ? 0 : py_u64(fb, o->fr_instr);
	s->frame = py_u64(fb, o->fr_previous);
	if (o->fr_owner != STACK_PY_NONE && o->fr_is_entry == STACK_PY_NONE &&
	    fb[o->fr_owner & 0xff] == STACK_PY_OWNED_BY_CSTACK) {
		f->code = 0;
		f->ident = 0;
		f->at = STACK_PY_SHIM;
	} else {
		/* 3.10: every frame is a C-level call of its own */
		if ((o->fr_is_entry != STACK_PY_NONE && fb[o->fr_is_entry & 0xff]) ||
		    o->fr_lasti != STACK_PY_NONE)
			flags = STACK_PY_ENTRY;
		/*
		 * What changes when the code object's address is reused by another:
		 * the function and module namespace running it (a code object is
		 * freed only after every function of it; 3.10's frame has no function).
		 */
		ident = py_mix(py_mix(code, o->fr_func == STACK_PY_NONE ? 0 : py_u64(fb, o->fr_func)),
			       py_u64(fb, o->fr_globals)) >> 16;
		if (o->fr_lasti != STACK_PY_NONE)
			lasti = (__s32)py_u32(fb, o->fr_lasti);
		else if (instr >= code + o->co_code)
			lasti = (instr - (code + o->co_code)) / 2;
		f->code = code;
		f->ident = ident;
		f->at = (__u32)(lasti + 1) << 2 | flags;
		py_code_announce(c, s->tgid, code, ident, s->table);
	}
	s->hash = py_mix(py_mix(py_mix(s->hash, f->code), f->ident), f->at);
	s->rec.nr = n + 1;
	return !s->frame;
}

/* What bpf_loop()'s steps work on, looked up once. */
struct py_loop {
	struct py_scratch *s;
	struct py_cache *c;
};

#define PY_FRAMES_STEP 4	/* frames a step of bpf_loop() walks */

/*
 * PY_FRAMES_STEP frames from s->frame on (bpf_loop()'s callback): 1 to stop.
 * A bounded loop inside a bpf_loop(): a call every 4 frames, not every frame
 * (as dear as a frame's work here), and a body the verifier walks 4 times,
 * not STACK_PY_MAX times (a bounded loop of them all took 180 ms to load a
 * program, at every start of a --stack run).
 */
static long py_frames_step(__u64 i, struct py_loop *l)
{
#pragma clang loop unroll(disable)
	for (int j = 0; j < PY_FRAMES_STEP; j++) {
		/* from l at each frame: nothing kept across them on the BPF stack, which is short */
		struct py_scratch *s = l->s;
		struct py_cache *c = l->c;

		if (!s || !c ||
		    py_frame_step(s, c, &stack_cfg.py[s->table & (STACK_PY_VERSIONS - 1)]))
			return 1;
	}
	return 0;
}

/*
 * The calling thread's Python frames into this CPU's scratch record; NULL
 * when the process runs no interpreter upx knows (or the thread no Python
 * code now).  s->hash: the frames' hash.
 */
static __always_inline struct py_scratch *py_walk(__u32 tgid, __u32 tid)
{
	const volatile struct stack_py_offsets *o;
	__u64 ts, v, me, *cached, id = (__u64)tgid << 32 | tid, gen = py_gen;
	struct stack_py_proc *p;
	struct py_cache *c;
	struct py_scratch *s;
	__u32 zero = 0;

	if (!stack_cfg.python)
		return NULL;
	s = bpf_map_lookup_elem(&py_scratch, &zero);
	if (!s)
		return NULL;
	/* the same thread as this CPU's last walk (a loop's calls): no look-ups */
	if (s->last_id == id && s->last_gen == gen) {
		ts = s->last_ts;
	} else {
		p = bpf_map_lookup_elem(&py_procs, &tgid);
		if (!p) {
			s->rec.version = 0;	/* stack_fill() takes none */
			return NULL;
		}
		s->last_proc = *p;
		cached = bpf_map_lookup_elem(&py_threads, &tid);
		ts = cached ? *cached : 0;
	}
	s->last_id = 0;
	p = &s->last_proc;
	s->rec.version = STACK_PY_REC_V1;
	s->rec.nr = 0;
	s->rec.err = 0;
	s->hash = 14695981039346656037ULL;
	s->tgid = tgid;
	s->table = p->table & (STACK_PY_VERSIONS - 1);
	s->frame = 0;
	o = &stack_cfg.py[s->table];
	s->lo = s->hi = 0;
	me = o->fr_lasti == STACK_PY_NONE ? tid : py_pthread_self();
	/* the thread's state: where it was at its last call, else walked to from the runtime */
	if (!ts || bpf_probe_read_user(s->buf, 312, (const void *)ts) ||
	    py_u64(s->buf, o->ts_native_tid) != me) {
		if (bpf_probe_read_user(&v, 8, (const void *)(p->runtime + o->rt_interp_head)) ||
		    !v || bpf_probe_read_user(&ts, 8, (const void *)(v + o->interp_threads))) {
			s->rec.err = -PY_EFAULT;
			return s;
		}
		for (int i = 0; i < PY_THREADS_MAX && ts; i++) {
			if (bpf_probe_read_user(s->buf, 312, (const void *)ts)) {
				ts = 0;
				break;
			}
			if (py_u64(s->buf, o->ts_native_tid) == me)
				break;
			ts = py_u64(s->buf, o->ts_next);
		}
		if (ts && py_u64(s->buf, o->ts_native_tid) == me)
			bpf_map_update_elem(&py_threads, &tid, &ts, BPF_ANY);
		else
			ts = 0;
	}
	if (ts) {
		s->last_id = id;
		s->last_gen = gen;
		s->last_ts = ts;
		/* the thread's frames are on its data stack, up to datastack_top: copied at once */
		if (o->ts_stack_top != STACK_PY_NONE) {
			s->hi = py_u64(s->buf, o->ts_stack_top);
			s->lo = py_u64(s->buf, o->ts_stack_chunk);
		}
		v = o->ts_cframe == STACK_PY_NONE ? ts : py_u64(s->buf, o->ts_cframe);
		if (v && bpf_probe_read_user(&s->frame, 8, (const void *)(v + o->ts_frame)))
			s->frame = 0;
	}
	if (s->hi > s->lo + PY_STK)
		s->lo = s->hi - PY_STK;
	v = s->hi - s->lo;
	barrier_var(v);
	if (v > PY_STK || !v || bpf_probe_read_user(s->stk, v, (const void *)s->lo))
		s->lo = s->hi = 0;
	c = bpf_map_lookup_elem(&py_cache, &zero);
	if (s->frame && c) {
		struct py_loop l = { s, c };

		bpf_loop(STACK_PY_MAX / PY_FRAMES_STEP + 1, py_frames_step, &l, 0);
	}
	return s;
}

/*
 * --count --stack=fp: the frames py_walk() found, in py_stacks under their
 * hash (key, odd), unless this CPU knows they are there: a look-up is a
 * call, as dear as a frame's walk.  Entries are never taken out of py_stacks.
 */
static __always_inline void py_stack_keep(struct py_scratch *s, __u64 key)
{
	__u64 *k = &s->kept[(key >> 1) & (PY_KEPT - 1)];

	if (*k == key)
		return;
	if (bpf_map_lookup_elem(&py_stacks, &key) ||
	    !bpf_map_update_elem(&py_stacks, &key, &s->rec, BPF_NOEXIST))
		*k = key;
}

/*
 * An event's Python record: the frames py_walk() found, copied by a bounded
 * loop (a helper's call costs as much as a copy of 20 frames).
 */
static __always_inline void py_rec_copy(struct stack_py_rec *r, const struct py_scratch *s)
{
	__u32 n = s->rec.nr;

	r->version = s->rec.version;
	r->nr = n;
	r->err = s->rec.err;
#pragma clang loop unroll(disable)
	for (__u32 i = 0; i < STACK_PY_MAX; i++) {
		if (i >= n)
			break;
		r->frames[i] = s->rec.frames[i];
	}
}

/* The frames py_walk() found for this event (version 0: none). */
static __always_inline struct py_scratch *py_walk_result(__u32 *zero)
{
	return bpf_map_lookup_elem(&py_scratch, zero);
}

/* A new process under a tgid seen before: no runtime until its mappings say where. */
static __always_inline void py_forget(__u32 tgid)
{
	__sync_fetch_and_add(&py_gen, 1);
	bpf_map_delete_elem(&py_procs, &tgid);
}

/*
 * At a process's first event, for each file mapping at pgoff 0: is it an
 * interpreter file known before the run?  Then its runtime's address, once
 * Py_Version in the process says the same version as the file did (a page
 * not present yet is taken on the file's word: the same inode).
 */
static __always_inline void py_vma_file(__u32 tgid, __u64 start,
					const volatile struct stack_py_file *f)
{
	struct stack_py_proc p = {};
	__u64 bias = start - f->load_vaddr;
	__u32 v;

	/* 3.10 has no Py_Version: its file's word is taken */
	if (f->version_addr && !bpf_probe_read_user(&v, 4, (const void *)(bias + f->version_addr)) &&
	    v != f->version)
		return;
	p.runtime = bias + f->runtime;
	p.table = f->table;
	bpf_map_update_elem(&py_procs, &tgid, &p, BPF_ANY);
}

__attribute__((noinline)) int upx_py_vma(__u32 tgid, __u64 start, __u32 dev, __u64 ino)
{
	struct py_file_key k = { .ino = ino, .dev = dev };
	struct stack_py_file *late;

	for (int i = 0; i < STACK_PY_FILES; i++) {
		const volatile struct stack_py_file *f = &stack_cfg.py_files[i];

		if (i >= stack_cfg.nr_py_files)
			break;
		if (f->dev == dev && f->ino == ino) {
			py_vma_file(tgid, start, f);
			return 0;
		}
	}
	late = bpf_map_lookup_elem(&py_files, &k);
	if (late)
		py_vma_file(tgid, start, late);
	return 0;
}

#else
/* The object without --stack (trace.bpf.c): the same maps, no walk. */
static __always_inline void py_stack_keep(struct py_scratch *s, __u64 key)
{
}

static __always_inline struct py_scratch *py_walk(__u32 tgid, __u32 tid)
{
	return NULL;
}

static __always_inline struct py_scratch *py_walk_result(__u32 *zero)
{
	return NULL;
}

static __always_inline void py_rec_copy(struct stack_py_rec *r, const struct py_scratch *s)
{
}

static __always_inline void py_forget(__u32 tgid)
{
}
#endif /* UPX_STACK_MAPS */

#endif
