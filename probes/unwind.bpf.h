/* SPDX-License-Identifier: GPL-2.0 */
/*
 * upx trace --stack=dwarf, unwound in the kernel (issue 25): the probe walks
 * the user stack with the rows user space built from each mapped file's CFI
 * (core/stack/cfitab.c) and loaded into cfi_rows / cfi_files
 * (core/stack/kunwind.c).  From the probe's %rip, %rsp and %rbp, each frame:
 * the mapping of pc (bpf_find_vma(), the last one kept: most frames are in
 * the same file), its file offset (less one past the first frame: a return
 * address may be just after a noreturn call), the file's rows by its dev and
 * inode, a binary search, then the rule: CFA = %rsp or %rbp + offset, the
 * return address at CFA - 8, the caller's %rbp where the row says.  The
 * stack goes into a per-CPU scratch record; any step the tables cannot take
 * (a file without a table yet, a row the kernel does not follow, anonymous
 * code, a fault) leaves it to the copy of today (stack_fill()), and each
 * outcome is counted in kunwind_stats.  Included by stack.bpf.h: the maps
 * in both objects of trace, the walk with UPX_STACK_MAPS only (after
 * vma.bpf.h: its CO-RE structs and kfuncs).
 */
#ifndef UPX_PROBES_UNWIND_BPF_H
#define UPX_PROBES_UNWIND_BPF_H

#include "stack.h"

/* The rows of every file (max_entries set before load: 1 without --stack=dwarf). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct stack_cfi_row);
} cfi_rows SEC(".maps");

/* Where each file's rows are, by the kernel's (dev, inode); inserted after its rows. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, struct stack_cfi_file_key);
	__type(value, struct stack_cfi_file);
} cfi_files SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, KUNWIND_NR_STATS);
	__type(key, __u32);
	__type(value, __u64);
} kunwind_stats SEC(".maps");

/* --count --stack=dwarf: the stacks counted, by their hash (stack_count_key.kstack). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, __u64);
	__type(value, struct stack_ips_rec);
} kunwind_stacks SEC(".maps");

/* The mapping bpf_find_vma() found: where it is and which file. */
struct kunwind_vma {
	__u64 start, end, pgoff;	/* pgoff in bytes */
	struct stack_cfi_file_key key;
	__u64 file;			/* it has one */
};

/*
 * The stack being unwound and the walk's state (per CPU: too big for the BPF
 * stack).  The state lives here, not in bpf_loop()'s context: values the
 * verifier does not track, so a step is verified in a pass or two instead of
 * once per value they could have.
 */
struct kunwind_scratch {
	struct stack_ips_rec rec;
	__u64 hash;
	__u64 pc, sp, bp;
	__u32 bp_ok;
	__s32 stat;			/* why it stopped: KUNWIND_*, -1: not yet */
	__u32 lo, hi;			/* kunwind_row()'s bounds */
	__u32 failed;			/* this event's walk failed: not done again (kunwind()) */
	struct kunwind_vma vma;		/* the last mapping found */
	struct stack_cfi_file file;	/* its rows */
	struct stack_cfi_file_key file_key;	/* the file those rows are of (ino 0: none) */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct kunwind_scratch);
} kunwind_scratch SEC(".maps");

/* bpf_loop()'s context: the scratch, looked up once, and the task. */
struct kunwind_ctx {
	struct kunwind_scratch *s;
	struct task_struct *task;
};

#ifdef UPX_STACK_MAPS
/* bpf_find_vma()'s callback: the mapping into the scratch (its context must be on the stack). */
static long kunwind_vma_cb(struct task_struct *task, struct vm_area_struct *vma,
			   struct kunwind_ctx *c)
{
	struct file___upx *f = vma->vm_file;
	struct kunwind_vma *out = &c->s->vma;

	/* vma is the kernel's own pointer here: its fields read as they are, no copies */
	out->start = vma->vm_start;
	out->end = vma->vm_end;
	out->pgoff = (__u64)vma->vm_pgoff << 12;
	out->file = !!f;
	if (f) {
		out->key.ino = f->f_inode->i_ino;
		out->key.dev = f->f_inode->i_sb->s_dev;
		out->key.pad = 0;
	}
	return 0;
}

/*
 * The row that covers file offset off among the file's rows; NULL: none.
 * The bounds live in the scratch, not in registers: values the verifier
 * does not track, so the search's steps are verified once each instead of
 * once per way they could go.
 */
static __always_inline struct stack_cfi_row *kunwind_row(struct kunwind_scratch *s,
							 const struct stack_cfi_file *f, __u32 off)
{
	struct stack_cfi_row *r;
	__u32 idx;

	s->lo = 0;
	s->hi = f->nr;	/* the row is in [lo, hi) */
	for (int i = 0; i < STACK_CFI_SEARCH; i++) {
		__u32 lo = s->lo, hi = s->hi, mid;

		if (hi - lo <= 1)
			break;
		mid = lo + (hi - lo) / 2;
		idx = f->first + mid;
		r = bpf_map_lookup_elem(&cfi_rows, &idx);
		if (!r)
			return NULL;
		if (r->off <= off)
			s->lo = mid;
		else
			s->hi = mid;
	}
	if (s->hi - s->lo != 1)
		return NULL;
	idx = f->first + s->lo;
	r = bpf_map_lookup_elem(&cfi_rows, &idx);
	return r && r->off <= off ? r : NULL;
}

/* One frame: the caller of pc into the record.  1 to stop (s->stat says why). */
static long kunwind_step(__u64 i, struct kunwind_ctx *c)
{
	struct kunwind_scratch *s = c->s;
	struct stack_cfi_row *row;
	__u64 off, cfa, ra, pc = s->pc;
	__u32 n;

	if (pc < s->vma.start || pc >= s->vma.end) {
		s->vma.start = s->vma.end = 0;
		if (bpf_find_vma(c->task, pc, kunwind_vma_cb, c, 0) ||
		    pc < s->vma.start || pc >= s->vma.end) {
			s->stat = KUNWIND_NO_FILE;
			return 1;
		}
	}
	if (!s->vma.file) {
		s->stat = KUNWIND_NO_FILE;
		return 1;
	}
	if (s->file_key.ino != s->vma.key.ino || s->file_key.dev != s->vma.key.dev) {
		struct stack_cfi_file *f = bpf_map_lookup_elem(&cfi_files, &s->vma.key);

		if (!f) {
			s->stat = KUNWIND_NO_TABLE;
			return 1;
		}
		s->file = *f;
		s->file_key = s->vma.key;
	}
	off = pc - s->vma.start + s->vma.pgoff - (i > 0);
	row = off >> 32 ? NULL : kunwind_row(s, &s->file, off);
	if (!row || row->cfa == STACK_CFI_NONE) {
		s->stat = KUNWIND_NO_RULE;
		return 1;
	}
	if (row->cfa == STACK_CFI_END) {
		s->stat = KUNWIND_OK;
		return 1;
	}
	if (row->cfa == STACK_CFI_RBP && !s->bp_ok) {
		s->stat = KUNWIND_NO_RBP;
		return 1;
	}
	cfa = (row->cfa == STACK_CFI_RBP ? s->bp : s->sp) + (__s64)row->cfa_off * 8;
	if (bpf_probe_read_user(&ra, sizeof(ra), (const void *)(cfa - 8))) {
		s->stat = KUNWIND_FAULT;
		return 1;
	}
	if (row->rbp == STACK_CFI_RBP_UNKNOWN) {
		s->bp_ok = 0;
	} else if (row->rbp != STACK_CFI_RBP_SAME) {
		if (bpf_probe_read_user(&s->bp, sizeof(s->bp), (const void *)(cfa + row->rbp * 8))) {
			s->stat = KUNWIND_FAULT;
			return 1;
		}
		s->bp_ok = 1;
	}
	/* no caller: libdw's unwind ends there too, in its own way; the copy says how */
	if (!ra) {
		s->stat = KUNWIND_NO_RULE;
		return 1;
	}
	n = s->rec.nr;
	if (n >= STACK_MAX_DEPTH) {
		s->stat = KUNWIND_DEPTH;
		return 1;
	}
	s->rec.ips[n] = ra;
	s->rec.nr = n + 1;
	s->hash = (s->hash ^ ra) * 1099511628211ULL;
	s->sp = cfa;
	s->pc = ra;
	return 0;
}

/*
 * Unwind the stack of the probe's registers into this CPU's scratch: it, or
 * NULL when the kernel could not (the copy then).  The outcome is counted.
 */
static __always_inline struct kunwind_scratch *kunwind(struct pt_regs *ctx)
{
	struct kunwind_ctx c = { .task = bpf_get_current_task_btf() };
	struct kunwind_scratch *s;
	__u32 zero = 0, stat;
	__u64 *v;

	if (!stack_cfg.kunwind)
		return NULL;
	s = c.s = bpf_map_lookup_elem(&kunwind_scratch, &zero);
	if (!s)
		return NULL;
	/* --count: the walk that failed in stack_count(), before emit() copies the stack */
	if (s->failed) {
		s->failed = 0;
		return NULL;
	}
	s->rec.kind = STACK_REC_IPS;
	s->rec.nr = 1;
	s->rec.ips[0] = ctx->rip;
	s->hash = (1469598103934665603ULL ^ ctx->rip) * 1099511628211ULL;
	s->pc = ctx->rip;
	s->sp = ctx->rsp;
	s->bp = ctx->rbp;
	s->bp_ok = 1;
	s->stat = -1;
	/* the mapping is found again (another process, or this one's mappings changed); the file's rows are kept */
	s->vma.start = s->vma.end = 0;
	bpf_loop(STACK_MAX_DEPTH, kunwind_step, &c, 0);
	stat = s->stat < 0 ? KUNWIND_DEPTH : s->stat;
	v = bpf_map_lookup_elem(&kunwind_stats, &stat);
	if (v)
		(*v)++;
	if (stat != KUNWIND_OK) {
		s->failed = stack_cfg.kcount;	/* an event follows, its stack copied */
		return NULL;
	}
	return s;
}

/*
 * --count --stack=dwarf: the stack under its hash, which the count's key
 * carries.  False when it could not be kept (the map is full): then it goes
 * as an event, copied, counted by user space.
 */
static __always_inline bool stack_count_kstack(struct stack_count_key *k, struct kunwind_scratch *ks)
{
	k->kstack = ks->hash | 1;
	/* a look-up first: most stacks are there already, and an update locks its bucket */
	return bpf_map_lookup_elem(&kunwind_stacks, &k->kstack) ||
	       !bpf_map_update_elem(&kunwind_stacks, &k->kstack, &ks->rec, BPF_NOEXIST) ||
	       bpf_map_lookup_elem(&kunwind_stacks, &k->kstack);	/* another CPU's */
}

#else
/* The object without --stack (trace.bpf.c): the same maps, no walk. */
static __always_inline struct kunwind_scratch *kunwind(struct pt_regs *ctx)
{
	return NULL;
}

static __always_inline bool stack_count_kstack(struct stack_count_key *k, struct kunwind_scratch *ks)
{
	return false;
}
#endif /* UPX_STACK_MAPS */

#endif
