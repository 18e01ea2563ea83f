/* SPDX-License-Identifier: GPL-2.0 */
/*
 * User stacks (upx trace --stack), what probes/stack.bpf.h and core/stack/ustack.c
 * share: the record appended to an event, the per-stack count key and the
 * record that says a process was seen first.  Fixed-size fields only.
 */
#ifndef UPX_PROBES_STACK_H
#define UPX_PROBES_STACK_H

#include "common.h"

/* bpf_get_stack() depth: the kernel's default kernel.perf_event_max_stack. */
#define STACK_MAX_DEPTH 127
/* --stack=dwarf: bytes of stack copied per event (perf's default 8K; its maximum is under 64K). */
#define STACK_SIZE_DEFAULT 8192
#define STACK_SIZE_MAX 65536
#define STACK_PAGE 4096
#define STACK_NR_REGS 17	/* DWARF order: rax rdx rcx rbx rsi rdi rbp rsp r8..r15 rip */

enum stack_mode {
	STACK_NONE = 0,
	STACK_FP = 1,		/* frame pointers, walked by the kernel */
	STACK_DWARF = 2,	/* registers + a copy of the stack, unwound in user space */
};

/* What the stack code of a program is asked for: its rodata's `stack_cfg`. */
struct stack_config {
	__u32 mode;		/* enum stack_mode */
	__u32 size;		/* dwarf: bytes copied, a multiple of 8 */
};

/* After an event, --stack=fp: the return addresses, innermost first. */
struct stack_fp_rec {
	__s32 len;		/* bytes in ips (8 each), or -errno */
	__u32 pad;
	/*
	 * The word at %rsp: at a function's entry, the return address.  The
	 * walk starts at %rbp, which the function has not set up yet there, so
	 * it skips the caller; user space puts this back (core/stack/ustack.c).
	 */
	__u64 sp0;
	__u64 ips[STACK_MAX_DEPTH];
};

/* After an event, --stack=dwarf: the registers and `len` bytes from rsp upward. */
struct stack_dwarf_rec {
	__u64 regs[STACK_NR_REGS];
	__u32 size;		/* bytes asked for (--stack-size) */
	__s32 len;		/* bytes copied (< size: the end of the mapping), or -errno */
	__u8 data[];		/* size bytes reserved */
};

/* --count --stack=fp: calls per (probe, process, stack map id); stackid < 0: -errno. */
struct stack_count_key {
	__u32 probe;
	__u32 tgid;
	__s32 stackid;
	__u32 pad;
	__u64 sp0;		/* as in stack_fp_rec */
};

/*
 * A process's first event (every --stack mode): its file-backed mappings,
 * read by the probe in the process (probes/vma.bpf.h) and sent through the
 * ring buffer before the event, so that user space symbolizes its stacks
 * after it exited.  Code mappings and the first mapping of each file, by
 * address.  Its size and kind tell it from an event.
 */
#define STACK_MAPS_MAX 64	/* mappings kept (a power of 2); more are counted in dropped */
#define STACK_VMA_PATH 256	/* a path's components start in its first bytes (a power of 2) */
#define STACK_VMA_NAME 128	/* bytes of one component, its NUL included */
#define STACK_VMA_DEPTH 16	/* its components at most */
#define STACK_VMA_PATH_TRUNC 0x8000	/* in path_len: the walk stopped before the root */
#define STACK_VMA_EXEC 1

struct stack_vma {
	__u64 start, end, pgoff;	/* pgoff in bytes */
	__u64 ino;
	__u32 dev;			/* the kernel's dev_t: major << 20 | minor */
	__u16 flags;			/* STACK_VMA_EXEC */
	/*
	 * Bytes of path, the file's dentry names leaf first, each
	 * NUL-terminated (relative to its mount's root), | STACK_VMA_PATH_TRUNC;
	 * 0: the same file as the entry before.
	 */
	__u16 path_len;
	char path[STACK_VMA_PATH + STACK_VMA_NAME];
};

struct stack_maps_rec {
	__u32 tgid;
	__u32 kind;		/* STACK_REC_MAPS */
	__u32 nr;		/* entries in maps */
	__u32 dropped;		/* file-backed mappings past STACK_MAPS_MAX */
	struct stack_vma maps[STACK_MAPS_MAX];
};
#define STACK_REC_MAPS 0x5354ad

#endif
