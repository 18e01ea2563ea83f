/* SPDX-License-Identifier: GPL-2.0 */
/*
 * upx trace --stack, kernel side: a process's file-backed mappings, read in
 * the process itself at its first event (its mm alive), so that user space
 * symbolizes its stacks even when it has exited before they are printed.
 * The open-coded VMA iterator (bpf_iter_task_vma_*, kfuncs) walks the current
 * task's mappings; the few vm_area_struct, file, inode and dentry members are
 * read through CO-RE (minimal declarations below, no vmlinux.h).  Included
 * by stack.bpf.h in probes/trace-stack.bpf.c only: the object `upx trace`
 * loads without --stack has neither kfuncs nor CO-RE, so libbpf never parses
 * the kernel's BTF for it (some 10 MB and 20 ms).
 */
#ifndef UPX_PROBES_VMA_BPF_H
#define UPX_PROBES_VMA_BPF_H

#include <bpf/bpf_core_read.h>

#include "stack.h"

struct qstr___upx {
	const unsigned char *name;
} __attribute__((preserve_access_index));

struct dentry___upx {
	struct dentry___upx *d_parent;
	struct qstr___upx d_name;
} __attribute__((preserve_access_index));

struct super_block___upx {
	__u32 s_dev;
} __attribute__((preserve_access_index));

struct inode___upx {
	unsigned long i_ino;
	struct super_block___upx *i_sb;
} __attribute__((preserve_access_index));

struct path___upx {
	struct dentry___upx *dentry;
} __attribute__((preserve_access_index));

struct file___upx {
	struct path___upx f_path;
	struct inode___upx *f_inode;
} __attribute__((preserve_access_index));

/* Structs, not declarations: libbpf matches the kfuncs' prototypes kind by kind. */
struct task_struct {
	int pid;
} __attribute__((preserve_access_index));

struct vm_area_struct {
	unsigned long vm_start;
	unsigned long vm_end;
	unsigned long vm_pgoff;
	unsigned long vm_flags;		/* in a union (const vm_flags_t) since 6.3: same offset */
	struct file___upx *vm_file;
} __attribute__((preserve_access_index));

struct bpf_iter_task_vma {
	__u64 __opaque[1];
} __attribute__((aligned(8)));

extern int bpf_iter_task_vma_new(struct bpf_iter_task_vma *it, struct task_struct *task,
				 __u64 addr) __ksym;
extern struct vm_area_struct *bpf_iter_task_vma_next(struct bpf_iter_task_vma *it) __ksym;
extern void bpf_iter_task_vma_destroy(struct bpf_iter_task_vma *it) __ksym;

#define UPX_VM_EXEC 0x4

/*
 * One path being read (bpf_loop()'s context): its dentry, and whether the
 * root was reached.  Verifying this walk is most of what the snapshot adds to
 * a --stack run's start (some 150 ms on Linux 6.18).
 */
struct vma_path_ctx {
	struct dentry___upx *d;
	bool root;
};


/* One component: its name after those read, then up to its parent.  1 to stop. */
static long vma_path_step(__u64 i, struct vma_path_ctx *c)
{
	struct dentry___upx *d = c->d, *parent = BPF_CORE_READ(d, d_parent);
	struct vma_path_buf *buf;
	__u32 zero = 0;
	__u64 o;
	long n;

	if (!parent || parent == d) {
		c->root = true;
		return 1;
	}
	buf = bpf_map_lookup_elem(&vma_path_scratch, &zero);
	if (!buf || buf->off >= STACK_VMA_PATH - 2)
		return 1;
	o = buf->off & (STACK_VMA_PATH - 1);
	n = bpf_probe_read_kernel_str(buf->b + o, STACK_VMA_NAME, BPF_CORE_READ(d, d_name.name));
	if (n <= 0)
		return 1;
	buf->off += n;
	c->d = parent;
	return 0;
}

/*
 * The path of d into out, leaf first: each component NUL-terminated (at most
 * STACK_VMA_NAME bytes with it), at most STACK_VMA_DEPTH of them starting in
 * the first STACK_VMA_PATH bytes.  The bytes used, with STACK_VMA_PATH_TRUNC
 * when the root was not reached.
 */
static __always_inline __u32 vma_path(char *out, struct dentry___upx *d)
{
	struct vma_path_ctx c = { .d = d };
	struct vma_path_buf *buf;
	__u32 zero = 0;

	buf = bpf_map_lookup_elem(&vma_path_scratch, &zero);
	if (!buf)
		return STACK_VMA_PATH_TRUNC;
	buf->off = 0;
	bpf_loop(STACK_VMA_DEPTH + 1, vma_path_step, &c, 0);
	if (!c.root || !buf->off)
		return STACK_VMA_PATH_TRUNC;
	bpf_probe_read_kernel(out, sizeof(buf->b), buf->b);
	return buf->off;	/* under STACK_VMA_PATH + STACK_VMA_NAME */
}

/*
 * The current process's file-backed mappings, into the ring buffer before its
 * first event.  The counts live in the record, not in registers: values the
 * verifier does not track, so the iterator's loop is verified in a few passes.
 * A global function: verified once, apart from the states of its caller.
 */
__attribute__((noinline)) int upx_vma_snapshot(__u32 tgid)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct bpf_iter_task_vma it;
	struct vm_area_struct *vma;
	struct stack_maps_rec *r;
	struct file___upx *prev = NULL;

	r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
	if (!r)
		return 0;
	r->kind = STACK_REC_MAPS;
	r->tgid = tgid;
	r->nr = 0;
	r->dropped = 0;
	bpf_iter_task_vma_new(&it, task, 0);
	while ((vma = bpf_iter_task_vma_next(&it))) {
		struct file___upx *f = BPF_CORE_READ(vma, vm_file);
		unsigned long flags = BPF_CORE_READ(vma, vm_flags);
		struct stack_vma *e;
		__u32 n;

		if (!f)
			continue;
		/* An interpreter's file known before the run: where its runtime is */
		if (stack_cfg.python && !BPF_CORE_READ(vma, vm_pgoff))
			upx_py_vma(tgid, BPF_CORE_READ(vma, vm_start),
				   BPF_CORE_READ(f, f_inode, i_sb, s_dev),
				   BPF_CORE_READ(f, f_inode, i_ino));
		/* What the symbolizer needs: code, and where each file begins */
		if (!(flags & UPX_VM_EXEC) && f == prev)
			continue;
		n = r->nr;
		if (n >= STACK_MAPS_MAX) {
			r->dropped++;
			continue;
		}
		e = &r->maps[n & (STACK_MAPS_MAX - 1)];
		e->start = BPF_CORE_READ(vma, vm_start);
		e->end = BPF_CORE_READ(vma, vm_end);
		e->pgoff = (__u64)BPF_CORE_READ(vma, vm_pgoff) << 12;
		e->flags = flags & UPX_VM_EXEC ? STACK_VMA_EXEC : 0;
		e->ino = BPF_CORE_READ(f, f_inode, i_ino);
		e->dev = BPF_CORE_READ(f, f_inode, i_sb, s_dev);
		e->path_len = f == prev ? 0 : vma_path(e->path, BPF_CORE_READ(f, f_path.dentry));
		prev = f;
		r->nr = n + 1;
	}
	bpf_iter_task_vma_destroy(&it);
	bpf_ringbuf_submit(r, BPF_RB_NO_WAKEUP);	/* the event after it wakes user space */
	return 0;
}

#endif
