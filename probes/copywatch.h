/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What probes/copywatch.bpf.c tells user space: a process touched (faulted
 * in) a page of a file no process had touched since the watch began;
 * core/run/copies-live.c looks whether the process maps it as a copy of a TARGET.
 */
#ifndef UPX_PROBES_COPYWATCH_H
#define UPX_PROBES_COPYWATCH_H

/* A file, as the kernel knows it: its inode and its super block's device (MKDEV: 12:20 bits). */
struct copies_key {
	__u64 ino;
	__u32 dev;
	__u32 pad;	/* 0: equal keys are equal bytes */
};

struct copies_event {
	__u64 ino;
	__u32 dev;	/* the kernel's encoding: major << 20 | minor */
	__u32 tgid;
	__u64 ts_ns;	/* CLOCK_MONOTONIC, when it was touched */
};

/* The kernel fields read, at offsets user space finds in the kernel's BTF (core/run/kfield.h). */
enum copywatch_field {
	COPYWATCH_MAPPING_HOST,	/* struct address_space, host: its inode */
	COPYWATCH_INODE_INO,	/* struct inode, i_ino */
	COPYWATCH_INODE_SB,	/* struct inode, i_sb */
	COPYWATCH_SB_DEV,	/* struct super_block, s_dev */
	COPYWATCH_FIELDS,
};

#define COPIES_SEEN_MAX 65536	/* files remembered; one forgotten is told again */

#endif
