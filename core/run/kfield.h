/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where a few members of kernel structures lie, read from the kernel's BTF
 * without keeping it: what CO-RE relocations give a BPF program, for the
 * handful of task_struct fields upx reads.  libbpf's parse of
 * /sys/kernel/btf/vmlinux holds two copies of the 5 MB file at once and
 * takes some 15 ms; this reads it once, in small pieces, keeping an index of
 * 4 bytes per type.
 */
#ifndef UPX_KFIELD_H
#define UPX_KFIELD_H

#include <stddef.h>

#define KFIELD_VMLINUX "/sys/kernel/btf/vmlinux"

struct kfield {
	const char *type;	/* a struct or union: "task_struct" */
	const char *member;	/* a member, or a path of members: "live.counter" */
	unsigned int size;	/* the member's size in bytes, checked; 0: any */
	unsigned int offset;	/* out: in bytes from the start of `type` */
};

/*
 * Fills the offset of each of the n fields from the BTF file at path
 * (members of anonymous structs and unions are found as C finds them).
 * 0, or a negative errno with err filled: -ENOENT for a missing struct or
 * member, -EINVAL for a file that is not BTF this reads or a member that is
 * a bitfield or of another size, or what opening or reading failed with.
 */
int kfield_resolve(const char *path, struct kfield *fields, size_t n, char *err, size_t errlen);

/*
 * The task_struct offsets probes/task.bpf.h reads (enum upx_task_field),
 * from the running kernel's BTF into off[UPX_TASK_FIELDS]; error() and -1
 * when they cannot be had.
 */
int kfield_task_offsets(unsigned int *off);

#endif
