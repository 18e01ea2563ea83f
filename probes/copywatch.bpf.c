// SPDX-License-Identifier: GPL-2.0
/*
 * The watch for new copies.  A process that maps a library or a program
 * touches its pages soon after (ld.so reads its dynamic section and writes
 * its GOT before any of its code runs; the program's headers are read from
 * memory); each such page fault goes through the page cache's fault paths,
 * whose tracepoints (mm_filemap_fault, mm_filemap_map_pages for fault-around)
 * give the file's page-cache mapping, so its inode.  The inode is looked up
 * by device and number in `seen`; one not seen before goes into it and to
 * user space, which looks once at the process's maps: is the file a copy of
 * a TARGET, mapped executable?  A busy host pays a hash lookup per run of
 * faults on one file (the last file is remembered per CPU) and a record per
 * file new to the run, not per process.  User space puts the files it found
 * at the start into `seen`, and takes one out again when it could not tell
 * (the process was gone, the file was not mapped executable there yet), so
 * that the next fault on it tells again.
 *
 * Raw tracepoints with untyped arguments: the four members read are at
 * offsets user space found in the kernel's BTF (core/run/kfield.h), so libbpf
 * does not parse the kernel's BTF and nothing needs tracefs.  (An fentry on
 * the kernel's uprobe_mmap() would name only new executable mappings, but
 * kernels may refuse tracing programs: this one does.)
 */
#include <stdbool.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "copywatch.h"

const volatile __u32 self_tgid;	/* upx itself: its own faults are not news */
const volatile __u32 field_off[COPYWATCH_FIELDS];

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, COPIES_SEEN_MAX);
	__type(key, struct copies_key);
	__type(value, __u8);
} seen SEC(".maps");

/* The mapping each CPU looked at last: a run of faults on one file costs one lookup. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} last SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} copies_events SEC(".maps");

static __always_inline const void *read_ptr(const void *base, enum copywatch_field f)
{
	const void *v = NULL;

	bpf_probe_read_kernel(&v, sizeof(v), (const char *)base + field_off[f]);
	return v;
}

static __always_inline int touched(const void *mapping)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32, zero = 0;
	struct copies_key key = {};
	struct copies_event *e;
	const void *inode;
	__u64 *prev;
	__u8 one = 1;

	if (tgid == self_tgid)
		return 0;
	prev = bpf_map_lookup_elem(&last, &zero);
	if (!prev || *prev == (__u64)mapping)
		return 0;
	*prev = (__u64)mapping;
	inode = read_ptr(mapping, COPYWATCH_MAPPING_HOST);
	if (!inode)
		return 0;
	bpf_probe_read_kernel(&key.ino, sizeof(key.ino),
			      (const char *)inode + field_off[COPYWATCH_INODE_INO]);
	bpf_probe_read_kernel(&key.dev, sizeof(key.dev),
			      (const char *)read_ptr(inode, COPYWATCH_INODE_SB) +
				      field_off[COPYWATCH_SB_DEV]);
	/* Known already (a lookup, lock-free), or another CPU is telling it now. */
	if (bpf_map_lookup_elem(&seen, &key) ||
	    bpf_map_update_elem(&seen, &key, &one, BPF_NOEXIST))
		return 0;
	e = bpf_ringbuf_reserve(&copies_events, sizeof(*e), 0);
	if (!e) {
		/* Told next time instead. */
		bpf_map_delete_elem(&seen, &key);
		return 0;
	}
	e->ino = key.ino;
	e->dev = key.dev;
	e->tgid = tgid;
	e->ts_ns = bpf_ktime_get_ns();
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("raw_tp/mm_filemap_fault")
int BPF_PROG(upx_copies_fault, const void *mapping)
{
	return touched(mapping);
}

SEC("raw_tp/mm_filemap_map_pages")
int BPF_PROG(upx_copies_map_pages, const void *mapping)
{
	return touched(mapping);
}

char LICENSE[] SEC("license") = "GPL";
