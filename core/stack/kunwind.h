/* SPDX-License-Identifier: GPL-2.0 */
/*
 * --stack=dwarf unwound in the kernel (issue 25), user space's part: the
 * unwind tables of the files processes map, built from their CFI by
 * core/stack/cfitab.c on a thread of their own and loaded into the probe's
 * maps (probes/unwind.bpf.h): each file's rows appended to cfi_rows, a
 * BPF_F_MMAPABLE array written through its mapping, then its entry in
 * cfi_files by the kernel's (dev, inode), so that a probe never sees half a
 * table.  A file is built once, whoever maps it.  The rows are bounded
 * (UPX_KUNWIND_ROWS, default STACK_CFI_ROWS_DEFAULT): a file that does not
 * fit has no table, and its stacks are copied as before.  Nothing waits for
 * the tables: a stack through a file whose table is not loaded yet is
 * copied and unwound in user space.
 */
#ifndef UPX_KUNWIND_H
#define UPX_KUNWIND_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct bpf_object;
struct sym_snap_map;
struct kunwind;

/*
 * Before load: the maps of obj sized, for the tables when on, else to
 * nothing (then NULL is returned, and the probe copies every stack).
 */
struct kunwind *kunwind__new(struct bpf_object *obj, bool on);
/* Files whose tables are wanted: a path (its dev and inode from stat()). */
void kunwind__want_file(struct kunwind *k, const char *path);
/* The executable file mappings /proc/PID/maps shows now (at most once in 50 ms a process). */
void kunwind__want_maps(struct kunwind *k, pid_t pid);
/* The executable mappings of a process's snapshot (taken by the probe at its first event). */
void kunwind__want_snapshot(struct kunwind *k, pid_t pid, const struct sym_snap_map *maps,
			    size_t n);
/* After load: the thread that builds and loads the tables starts.  0, or -1 after an error. */
int kunwind__start(struct kunwind *k);
bool kunwind__started(const struct kunwind *k);
/* The thread stopped; with -v, what the tables held and what became of the stacks. */
void kunwind__free(struct kunwind *k);

#endif
