/* SPDX-License-Identifier: GPL-2.0 */
/*
 * upx trace --stack, kernel side: the user stack of a call appended to its
 * event (frame pointers walked by bpf_get_stack(), or the registers and a
 * copy of the top of the stack for user space to unwind with DWARF), and
 * --count --stack=fp counted per stack in the kernel (a stack map and a hash
 * of (probe, process, stack id) -> calls, as BCC's stackcount does).
 * Include after common.bpf.h; trace.bpf.c calls stack_extra(), stack_fill()
 * and stack_count() from its hooks.
 */
#ifndef UPX_PROBES_STACK_BPF_H
#define UPX_PROBES_STACK_BPF_H

#include "stack.h"

/* Set by name before load (core/stack/ustack.c's ustack__configure()). */
const volatile struct stack_config stack_cfg = { STACK_NONE, STACK_SIZE_DEFAULT };

/* --count --stack=fp (max_entries set before load; 1 when unused). */
struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, 1);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, STACK_MAX_DEPTH * sizeof(__u64));
} stack_traces SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, struct stack_count_key);
	__type(value, __u64);
} stack_counts SEC(".maps");

/* --stack=fp: where an event's stack is walked before its record is reserved. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct stack_fp_rec);
} stack_fp SEC(".maps");

/* Processes already announced to user space (LRU: a long run sees many). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u8);
} stack_seen SEC(".maps");

/*
 * Where a path is put together (per CPU), and how many bytes it has: kept in
 * the map, not the loop's context, a value the verifier does not track, so
 * the loop body is verified in a pass or two instead of once per component.
 */
struct vma_path_buf {
	__u32 off;
	char b[STACK_VMA_PATH + STACK_VMA_NAME];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vma_path_buf);
} vma_path_scratch SEC(".maps");

#include "python.bpf.h"
#ifdef UPX_STACK_MAPS
#include "vma.bpf.h"
#else
/* The object without --stack (trace.bpf.c): no mappings walk, no kernel BTF needed. */
static __always_inline int upx_vma_snapshot(__u32 tgid)
{
	return 0;
}
#endif
#include "unwind.bpf.h"

/*
 * --stack=dwarf: the stack unwound here (s, NULL: the copy) and the bytes of
 * its native record, decided once: each of bpf_ringbuf_reserve()'s paths has
 * its size as a constant, the one stack_fill() writes.
 */
struct stack_walk {
	struct kunwind_scratch *s;
	struct stack_fp_rec *fp;	/* --stack=fp: the stack walked, in stack_fp */
	__u32 native;
};

/* Bytes the stack record adds to an event: the native one, then the Python frames. */
static __always_inline __u32 stack_extra(struct stack_walk w)
{
	return w.native + (stack_cfg.python ? sizeof(struct stack_py_rec) : 0);
}

/* Before an event is reserved: --stack=dwarf's stack unwound here when the tables allow. */
static __always_inline struct stack_walk stack_unwind(struct pt_regs *ctx)
{
	struct stack_walk w = { NULL, NULL, 0 };
	__u32 zero = 0;

	if (stack_cfg.mode == STACK_FP) {
		/* walked before the event is reserved: a short stack takes a short record */
		struct stack_fp_rec *r = bpf_map_lookup_elem(&stack_fp, &zero);

		w.native = sizeof(struct stack_fp_rec);
		if (!r)
			return w;
		r->pad = 0;
		if (bpf_probe_read_user(&r->sp0, sizeof(r->sp0), (const void *)ctx->rsp))
			r->sp0 = 0;
		r->len = bpf_get_stack(ctx, r->ips, sizeof(r->ips), BPF_F_USER_STACK);
		w.fp = r;
		if (r->len <= 8 * STACK_IPS_SHORT)
			w.native = STACK_FP_SIZE(0);
	} else if (stack_cfg.mode == STACK_DWARF) {
		w.s = kunwind(ctx);
		if (!w.s)
			w.native = sizeof(struct stack_dwarf_rec) + stack_cfg.size;
		else if (w.s->rec.nr <= STACK_IPS_SHORT)
			w.native = STACK_IPS_SIZE(0);
		else
			w.native = STACK_IPS_SIZE(STACK_MAX_DEPTH);
	}
	return w;
}

/*
 * The top of the stack, as much of stack_cfg.size bytes from sp as is mapped.
 * bpf_probe_read_user() copies all or nothing, and a probe in main or a thread's
 * first function is close to the top of its stack mapping: then try the part up to
 * a page boundary plus as many whole pages as are readable, largest first.
 */
static __always_inline __s32 stack_copy(__u8 *dst, __u64 sp)
{
	__u64 first = STACK_PAGE - (sp & (STACK_PAGE - 1));
	long err = bpf_probe_read_user(dst, stack_cfg.size, (const void *)sp);

	if (!err)
		return stack_cfg.size;
	for (int i = STACK_SIZE_MAX / STACK_PAGE - 1; i >= 0; i--) {
		/* 64 bits and the very register tested: the verifier needs n's bound at the call */
		__u64 n = first + (__u64)i * STACK_PAGE;

		barrier_var(n);
		if (n >= stack_cfg.size)
			continue;
		err = bpf_probe_read_user(dst, n, (const void *)sp);
		if (!err)
			return n;
	}
	return err;
}

/* After the native record: the Python frames stack_announce() found, or none (version 0). */
static __always_inline void stack_fill_py(struct stack_py_rec *r)
{
	struct py_scratch *s;
	__u32 zero = 0;

	if (!stack_cfg.python)
		return;
	s = py_walk_result(&zero);
	if (!s || s->rec.version != STACK_PY_REC_V1) {
		r->version = 0;
		r->nr = 0;
		r->err = 0;
		return;
	}
	py_rec_copy(r, s);
}

static __always_inline void stack_fill(struct pt_regs *ctx, void *rec, struct stack_walk w)
{
	stack_fill_py(rec + w.native);
	if (w.s) {
		bpf_probe_read_kernel(rec, w.native, w.s);
	} else if (w.fp) {
		bpf_probe_read_kernel(rec, w.native, w.fp);
	} else if (stack_cfg.mode == STACK_FP) {
		struct stack_fp_rec *r = rec;

		r->pad = 0;
		if (bpf_probe_read_user(&r->sp0, sizeof(r->sp0), (const void *)ctx->rsp))
			r->sp0 = 0;
		r->len = bpf_get_stack(ctx, r->ips, sizeof(r->ips), BPF_F_USER_STACK);
	} else if (stack_cfg.mode == STACK_DWARF) {
		struct stack_dwarf_rec *r = rec;

		r->kind = STACK_REC_COPY;
		r->pad = 0;
		r->regs[0] = ctx->rax;
		r->regs[1] = ctx->rdx;
		r->regs[2] = ctx->rcx;
		r->regs[3] = ctx->rbx;
		r->regs[4] = ctx->rsi;
		r->regs[5] = ctx->rdi;
		r->regs[6] = ctx->rbp;
		r->regs[7] = ctx->rsp;
		r->regs[8] = ctx->r8;
		r->regs[9] = ctx->r9;
		r->regs[10] = ctx->r10;
		r->regs[11] = ctx->r11;
		r->regs[12] = ctx->r12;
		r->regs[13] = ctx->r13;
		r->regs[14] = ctx->r14;
		r->regs[15] = ctx->r15;
		r->regs[16] = ctx->rip;
		r->size = stack_cfg.size;
		r->len = stack_copy(r->data, ctx->rsp);
	}
}


/*
 * What must reach user space before an event: at a process's first, its
 * mappings, which user space keeps for its stacks; at each, the code objects
 * of its Python frames not sent yet (python.bpf.h), whose frames stay in this
 * CPU's scratch for stack_fill() or stack_count().
 */
static __always_inline struct py_scratch *stack_announce(__u32 tgid)
{
	__u8 one = 1;

	if (stack_cfg.mode == STACK_NONE)
		return NULL;
	/* another CPU may be first */
	if (!bpf_map_lookup_elem(&stack_seen, &tgid) &&
	    !bpf_map_update_elem(&stack_seen, &tgid, &one, BPF_NOEXIST)) {
		py_forget(tgid);	/* a pid reused: its runtime is found again */
		upx_vma_snapshot(tgid);
	}
	return py_walk(tgid, (__u32)bpf_get_current_pid_tgid());
}

/*
 * --count --stack=fp, and --stack=dwarf unwound here: one more call of probe
 * on this stack.  True when the call must go as an event after all: a
 * --stack=dwarf stack the kernel could not unwind, counted by user space.
 * Sleepable programs may not use a stack map: no --stack=fp counts there.
 */
static __always_inline bool stack_count(struct pt_regs *ctx, __u32 probe, __u32 tgid,
					bool sleepable)
{
	struct stack_count_key k = { .probe = probe, .tgid = tgid };
	__u64 zero = 0, *v;
	struct kunwind_scratch *ks = NULL;
	struct py_scratch *py;

	if (stack_cfg.mode == STACK_DWARF && !stack_cfg.kcount)
		return false;
	if (stack_cfg.mode == STACK_NONE || (stack_cfg.mode == STACK_FP && sleepable))
		return false;
	py = stack_announce(tgid);
	if (stack_cfg.mode == STACK_DWARF) {
		ks = kunwind(ctx);
		if (!ks)
			return true;
	}
	if (py && py->rec.version == STACK_PY_REC_V1 && py->rec.nr) {
		/* the frames under their hash, which the count's key carries */
		k.py = py->hash | 1;
		py_stack_keep(py, k.py);
	}
	if (ks) {
		if (!stack_count_kstack(&k, ks))
			return true;
	} else if (!sleepable) {	/* a constant: not even named in a sleepable program */
		if (bpf_probe_read_user(&k.sp0, sizeof(k.sp0), (const void *)ctx->rsp))
			k.sp0 = 0;
		k.stackid = bpf_get_stackid(ctx, &stack_traces, BPF_F_USER_STACK);
		if (k.stackid < 0)
			k.tgid = 0;	/* one row per error, not per process */
	}
	v = bpf_map_lookup_elem(&stack_counts, &k);
	if (!v) {
		bpf_map_update_elem(&stack_counts, &k, &zero, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&stack_counts, &k);
	}
	if (v)
		__sync_fetch_and_add(v, 1);
	return false;
}

#endif
