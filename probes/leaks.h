/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What probes/leaks.bpf.c and `upx leaks` share: the allocator functions a
 * probe stands for, the outstanding map's key and value, the record that
 * carries a DWARF stack to user space, and the program's configuration.
 * Fixed-size fields only.
 */
#ifndef UPX_PROBES_LEAKS_H
#define UPX_PROBES_LEAKS_H

#include "common.h"

/* What a probe is: its plan tag, and the BPF side's leaks_cfg.fn_of[probe]. */
enum leaks_fn {
	LEAKS_NONE = 0,
	LEAKS_MALLOC,		/* malloc(size) */
	LEAKS_CALLOC,		/* calloc(n, size) */
	LEAKS_REALLOC,		/* realloc(ptr, size): NULL ptr is malloc, size 0 is free */
	LEAKS_REALLOCARRAY,	/* reallocarray(ptr, n, size) */
	LEAKS_FREE,		/* free(ptr) */
	LEAKS_POSIX_MEMALIGN,	/* posix_memalign(&ptr, align, size): 0 and *ptr */
	LEAKS_ALIGNED_ALLOC,	/* aligned_alloc(align, size) */
	LEAKS_MEMALIGN,		/* memalign(align, size) */
	LEAKS_VALLOC,		/* valloc(size) */
	LEAKS_PVALLOC,		/* pvalloc(size): size rounded up to a page */
	LEAKS_FN_NR,
};

/* Probes of one run at most (entries and returns of every allocator's functions). */
#define LEAKS_MAX_PROBES 512

enum leaks_mode {
	LEAKS_MODE_ALL = 0,	/* every allocation tracked */
	LEAKS_MODE_SAMPLE = 1,	/* Poisson sampling by bytes */
};

struct leaks_config {
	__u32 mode;		/* enum leaks_mode */
	__u32 page_size;	/* pvalloc's rounding */
	__u64 sample_bytes;	/* LEAKS_MODE_SAMPLE: the mean interval between samples, in bytes */
	__u8 fn_of[LEAKS_MAX_PROBES];	/* a probe's number (cookie) -> enum leaks_fn */
};

/* The outstanding map: one entry per live block, by process and address. */
struct leaks_key {
	__u32 tgid;
	__u32 pad;
	__u64 addr;
};

struct leaks_val {
	__u64 size;		/* bytes asked for */
	__u64 ts_ns;		/* when it was allocated (bpf_ktime_get_ns) */
	/*
	 * Its stack: --stack=fp, the stack map's id (negative: -errno);
	 * dwarf, the number of the record that carried it (leaks_rec.seq).
	 */
	__s64 ref;
};

/* Slots of `stats` after UPX_STAT_LOST. */
#define LEAKS_STAT_UNTRACKED 1		/* allocations left out: the outstanding map was full */
#define LEAKS_STAT_UNTRACKED_BYTES 2

/* --stack=dwarf: one allocation's stack, a struct stack_dwarf_rec after it. */
#define LEAKS_REC_ALLOC 0x4c4b01
struct leaks_rec {
	__u32 tgid;
	__u32 kind;		/* LEAKS_REC_ALLOC, where stack_maps_rec has its kind */
	__u64 addr;
	__s64 seq;		/* leaks_val.ref of its entry */
};

#endif
