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

/*
 * Python frames (CPython 3.10+): where the structures the probe walks keep
 * what it reads, for one interpreter version (core/stack/python-offsets.c,
 * checked against the interpreter's DWARF by t3750).  -1 (0xffff): no such field.
 * fr_lasti says the 3.10 layout: a thread's frames are PyFrameObjects (f_back,
 * f_code, f_lasti), each run by a C-level _PyEval_EvalFrameDefault of its own;
 * ts_native_tid is then PyThreadState.thread_id, pthread_self() (the thread's
 * %fs base); the code object's names are at co_filename and co_name (as
 * co_qualname: 3.10 has none), its line table in the 3.10 format.
 */
#define STACK_PY_NONE 0xffff
struct stack_py_offsets {
	__u32 version;		/* PY_VERSION_HEX of the build, 0: slot unused */
	__u16 rt_interp_head;	/* _PyRuntimeState.interpreters.head */
	__u16 interp_threads;	/* PyInterpreterState.threads.head */
	__u16 ts_next;		/* PyThreadState.next */
	__u16 ts_native_tid;	/* PyThreadState.native_thread_id (3.10: thread_id) */
	__u16 ts_cframe;	/* PyThreadState.cframe (3.11, 3.12), NONE: ts_frame is it */
	__u16 ts_frame;		/* _PyCFrame.current_frame, PyThreadState.current_frame (3.13),
				 * PyThreadState.frame (3.10) */
	__u16 ts_stack_chunk;	/* PyThreadState.datastack_chunk: where the frames are (3.11+) */
	__u16 ts_stack_top;	/* PyThreadState.datastack_top: their end */
	__u16 fr_code;		/* _PyInterpreterFrame.f_code (f_executable in 3.13) */
	__u16 fr_func;		/* f_func (f_funcobj in 3.12+; 3.10: none) */
	__u16 fr_globals;
	__u16 fr_previous;	/* previous (3.10: f_back) */
	__u16 fr_instr;		/* prev_instr (3.11, 3.12), instr_ptr (3.13) */
	__u16 fr_is_entry;	/* 3.11; NONE: entry frames are owner == FRAME_OWNED_BY_CSTACK */
	__u16 fr_owner;
	__u16 co_firstlineno;	/* the code fields from here to co_linetable + 8 fit in 96 bytes */
	__u16 co_filename;
	__u16 co_qualname;
	__u16 co_linetable;
	__u16 co_code;		/* co_code_adaptive: the first instruction (3.11+) */
	__u16 str_ascii_data;	/* sizeof(PyASCIIObject) */
	__u16 str_compact_data;	/* sizeof(PyCompactUnicodeObject) */
	__u16 str_length;	/* PyASCIIObject.length */
	__u16 str_state;	/* PyASCIIObject.state: kind bits 2-4, compact 5, ascii 6 */
	__u16 bytes_size;	/* PyVarObject.ob_size */
	__u16 bytes_data;	/* PyBytesObject.ob_sval */
	__u16 fr_lasti;		/* PyFrameObject.f_lasti (3.10: code units), NONE: 3.11+ */
};
#define STACK_PY_VERSIONS 4	/* tables in the configuration */
#define STACK_PY_FILES 8	/* interpreter files known before the run */
#define STACK_PY_CODE_WINDOW 96
#define STACK_PY_OWNED_BY_CSTACK 3	/* 3.12+: the shim frame under an entry */

/*
 * An interpreter file (its executable or libpython) known before the run:
 * a process that maps it at pgoff 0 gets its runtime's address at its first
 * event (probes/vma.bpf.h), and Python frames from that event on.
 */
struct stack_py_file {
	__u64 ino;
	__u32 dev;		/* the kernel's dev_t: major << 20 | minor */
	__u32 table;		/* index into stack_config.py */
	__u64 load_vaddr;	/* the first PT_LOAD's p_vaddr, page-aligned: at the mapping's start */
	__u64 runtime;		/* _PyRuntime's p_vaddr */
	__u64 version_addr;	/* Py_Version's */
	__u32 version;		/* its value in the file */
	__u32 pad;
};

/* What the stack code of a program is asked for: its rodata's `stack_cfg`. */
struct stack_config {
	__u32 mode;		/* enum stack_mode */
	__u32 size;		/* dwarf: bytes copied, a multiple of 8 */
	__u32 kunwind;		/* dwarf: unwind in the kernel where the tables allow (issue 25) */
	__u32 kcount;		/* dwarf: --count, stacks unwound in the kernel counted there */
	__u32 python;		/* walk Python frames: the versions in py */
	__u32 nr_py_files;
	struct stack_py_offsets py[STACK_PY_VERSIONS];
	struct stack_py_file py_files[STACK_PY_FILES];
};

/* A Python process: where its runtime is, which table (py_procs, by tgid). */
struct stack_py_proc {
	__u64 runtime;
	__u32 table;
	__u32 pad;
};

/*
 * After the native record, when stack_config.python: the thread's Python
 * frames, innermost first, as the probe found them (layout version
 * STACK_PY_REC_V1).  A frame is its code object's address, an identity read
 * from the code object (so a freed code object whose address is reused is
 * not taken for the old one) and the instruction it was at.
 */
#define STACK_PY_MAX 64
#define STACK_PY_REC_V1 1
#define STACK_PY_ENTRY 1u	/* the first Python frame of a C-level _PyEval_EvalFrameDefault */
#define STACK_PY_SHIM 2u	/* 3.12+: the entry shim (no code): ends the frames of one C frame */
struct stack_py_frame {
	__u64 code;		/* 0: a shim */
	__u32 ident;
	/* (lasti + 1) << 2 | STACK_PY_ENTRY/SHIM: lasti is the instruction in code units from
	 * co_code_adaptive, -1 before the first */
	__u32 at;
};

struct stack_py_rec {
	__u16 version;		/* STACK_PY_REC_V1, 0: no Python frames taken */
	__u16 nr;		/* frames */
	__s32 err;		/* why the walk stopped short: -errno (EFAULT, E2BIG: deeper than STACK_PY_MAX) */
	struct stack_py_frame frames[STACK_PY_MAX];
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
/*
 * In an event, only the first STACK_IPS_SHORT addresses when there are no
 * more (len <= 16 * 8, or an error): 144 bytes, not 1 KiB, so the ring buffer
 * holds 7 times as many events.
 */
#define STACK_FP_SIZE(len) (16 + 8 * ((len) <= 8 * STACK_IPS_SHORT ? STACK_IPS_SHORT : STACK_MAX_DEPTH))

/*
 * After an event, --stack=dwarf: either the stack unwound in the kernel
 * (struct stack_ips_rec), or, where the kernel could not (the fallback),
 * the registers and a copy of the stack for user space to unwind.  Their
 * first word tells them apart.
 */
#define STACK_REC_IPS 0x5354e0
#define STACK_REC_COPY 0x5354e1

/*
 * Unwound in the kernel: ips[0] is the probe's %rip, then the return
 * addresses, outermost last.  In an event only the first STACK_IPS_SHORT
 * addresses when there are no more (the ring buffer holds 7 times as many).
 */
struct stack_ips_rec {
	__u32 kind;		/* STACK_REC_IPS */
	__u32 nr;		/* addresses in ips */
	__u64 ips[STACK_MAX_DEPTH];
};
#define STACK_IPS_SHORT 16
#define STACK_IPS_SIZE(nr) (8 + 8 * ((nr) <= STACK_IPS_SHORT ? STACK_IPS_SHORT : STACK_MAX_DEPTH))

/* The copy: the registers and `len` bytes from rsp upward. */
struct stack_dwarf_rec {
	__u32 kind;		/* STACK_REC_COPY */
	__u32 pad;
	__u64 regs[STACK_NR_REGS];
	__u32 size;		/* bytes asked for (--stack-size) */
	__s32 len;		/* bytes copied (< size: the end of the mapping), or -errno */
	__u8 data[];		/* size bytes reserved */
};

/*
 * --stack=dwarf unwound in the kernel (issue 25): each mapped file's CFI
 * (.eh_frame, .debug_frame) turned by user space (core/stack/cfitab.c) into
 * rows, sorted by file offset; a row holds from its offset to the next row's.
 * On x86-64 the return address is always at CFA - 8; a row says how the CFA is
 * found and where the caller's %rbp is.  What a row cannot express (a DWARF
 * expression, a register other than rsp/rbp, an offset that is not a multiple
 * of 8 or out of range, a signal frame) is STACK_CFI_NONE: that stack is
 * unwound the old way (copy, then libdw in user space).
 */
#define STACK_CFI_RSP 0		/* CFA = %rsp + cfa_off * 8 */
#define STACK_CFI_RBP 1		/* CFA = %rbp + cfa_off * 8 */
#define STACK_CFI_END 2		/* the outermost frame: the return address is undefined */
#define STACK_CFI_NONE 3	/* no rule the kernel follows here (or no CFI: a gap) */
#define STACK_CFI_RBP_SAME 0		/* rbp: the caller's %rbp is this frame's */
#define STACK_CFI_RBP_UNKNOWN (-128)	/* rbp: a rule the kernel does not follow */
struct stack_cfi_row {
	__u32 off;		/* file offset of the first instruction the row covers */
	__u8 cfa;		/* STACK_CFI_* */
	__s8 rbp;		/* caller's %rbp saved at CFA + rbp * 8, or STACK_CFI_RBP_* */
	__s16 cfa_off;		/* in units of 8 bytes */
};

/* A file's rows in the kernel's row array (by the kernel's dev_t and inode). */
struct stack_cfi_file_key {
	__u64 ino;
	__u32 dev;		/* major << 20 | minor, as struct stack_vma's */
	__u32 pad;
};

struct stack_cfi_file {
	__u32 first;		/* index of its first row */
	__u32 nr;		/* rows */
};

/* Rows the kernel's table holds (cfi_rows), unless UPX_KUNWIND_ROWS says: 16 MB. */
#define STACK_CFI_ROWS_DEFAULT (2u << 20)
#define STACK_CFI_SEARCH 22	/* binary search steps: 2^22 rows at most */

/* What became of each --stack=dwarf stack (kunwind_stats, per CPU): -v says. */
enum stack_kunwind_stat {
	KUNWIND_OK,		/* unwound in the kernel, to its outermost frame */
	KUNWIND_NO_TABLE,	/* a file whose table is not loaded (yet, or the tables are full) */
	KUNWIND_NO_RULE,	/* STACK_CFI_NONE: an expression, a signal frame, a PLT stub, no CFI */
	KUNWIND_NO_FILE,	/* an address in no mapping or an anonymous one (JIT code, [uprobes]) */
	KUNWIND_NO_RBP,		/* a rule needs the caller's %rbp, which no rule kept */
	KUNWIND_FAULT,		/* the stack could not be read */
	KUNWIND_DEPTH,		/* deeper than STACK_MAX_DEPTH */
	KUNWIND_NR_STATS,
};

/*
 * --count --stack=fp: calls per (probe, process, stack map id); stackid < 0: -errno.
 * --count --stack=dwarf: per (probe, process, kstack), stackid 0.
 */
struct stack_count_key {
	__u32 probe;
	__u32 tgid;
	__s32 stackid;
	__u32 pad;
	__u64 sp0;		/* as in stack_fp_rec */
	__u64 py;		/* the Python frames' hash, a key of py_stacks; 0: none */
	__u64 kstack;		/* --stack=dwarf: the stack's hash, a key of kunwind_stacks */
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

/*
 * A code object seen for the first time in a process (by address and
 * identity), read by the probe while the process lives: its qualified name,
 * file name (the str objects' bytes, kind 1, 2 or 4 bytes a character) and
 * line table, so that its frames are named after the process exited.
 */
#define STACK_PY_NAME 256
#define STACK_PY_TABLE 4096
#define STACK_PY_NAME_CUT 1	/* flags: the name was longer */
#define STACK_PY_FILE_CUT 2
#define STACK_PY_TABLE_CUT 4
#define STACK_PY_UNREAD 8	/* the code object could not be read */
#define STACK_PY_TABLE_310 16	/* the line table is in 3.10's format (PEP 626's co_linetable) */
struct stack_py_code_rec {
	__u32 tgid;
	__u32 kind;		/* STACK_REC_PYCODE */
	__u64 code;
	__u32 ident;
	__s32 firstlineno;
	__u16 name_len, file_len;	/* bytes */
	__u16 table_len;
	__u8 name_kind, file_kind;	/* bytes a character: 1, 2, 4 */
	__u8 flags;		/* STACK_PY_*_CUT, STACK_PY_UNREAD, STACK_PY_TABLE_310 */
	__u8 pad[7];
	char name[STACK_PY_NAME];
	char file[STACK_PY_NAME];
	__u8 table[STACK_PY_TABLE];
};
#define STACK_REC_PYCODE 0x5354c0

#endif
