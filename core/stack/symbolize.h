/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Addresses in a process to names: which file is mapped there (from
 * /proc/PID/maps, read at the first address of a process and kept, so a
 * process that has exited since is still symbolized), the function that
 * covers the address (each file's symbols loaded once per build-id or
 * device+inode through core/symbols/elf.c, shared by every process that maps it,
 * demangled, resolved by binary search), and with DWARF (the file's own or a
 * separate debug file found by build-id) the source line and the inlined
 * calls at the address.  A mapping whose file was deleted or replaced since
 * it was mapped is read through /proc/PID/map_files while the process lives
 * and reported as deleted; the vDSO is named "[vdso]" and symbolized from the
 * copy of it mapped into upx itself when it is the same image.
 * Descriptors: one per mapped file (distinct device and inode) from the first
 * process that maps it, one per separate debug file read, and in the
 * unwinder one per file with code per process unwound (libdw's).  Tracing
 * many processes may need a higher RLIMIT_NOFILE (nothing here raises it: a
 * traced child would inherit it).  Not thread-safe: one symbolizer per thread.
 */
#ifndef UPX_SYMBOLIZE_H
#define UPX_SYMBOLIZE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct symbolizer;

struct symbolizer *symbolizer_new(void);
void symbolizer_free(struct symbolizer *sy);

/*
 * Read /proc/PID/maps once, the first time pid is seen (later calls: no-op),
 * and keep it, so a process that has exited is still symbolized.  Files are
 * resolved in the process's own view (/proc/PID/root, /proc/PID/map_files as
 * core/target/proc.c does).  0 or -errno (-ESRCH: gone, or a zombie whose maps are empty).
 * An address in none of the kept mappings while the process lives (a library
 * dlopen()ed since) makes symbolize_addr() and unwind_user_stack() read the
 * maps again, adding the new mappings to the kept ones (at most every 100 ms).
 */
int symbolizer_add_process(struct symbolizer *sy, pid_t pid);
/*
 * A mapping as the kernel saw it in the process (trace --stack's snapshot at
 * its first event, probes/vma.bpf.h): path as the file's dentries name it
 * under its mount's root (NULL: unknown), checked against the device and
 * inode before it is opened.
 */
struct sym_snap_map {
	uint64_t start, end, pgoff;
	unsigned int major, minor;
	uint64_t ino;
	const char *path;
	bool exec;
};
/*
 * A file of a snapshot opened read-only: the mapping itself while the
 * process lives (that very inode), else its path if the same inode (see
 * open_same_inode(); *tail_used, when not NULL: where in sm->path the path
 * that opened it starts), else the path under the process's root; -1.
 * *deleted: the mapping's file has no link left.
 */
int sym_snap_open(pid_t pid, const struct sym_snap_map *sm, bool *deleted, const char **tail_used);

/*
 * Keep maps[0..n) (by address) as pid's mappings when /proc/PID/maps has not
 * given them (not read yet: it is read first; or the process exited, a
 * zombie's being empty).  Each file is opened through /proc/PID/map_files
 * while the process lives, else by its path (then /proc/PID/root + path)
 * when that is the very inode, else the mapping is kept with no file.
 * 1 when the snapshot was used, 0 when maps was, or -errno.
 */
int symbolizer_add_mappings(struct symbolizer *sy, pid_t pid, const struct sym_snap_map *maps,
			    size_t n);
/* Drop what was kept of pid (its pid may be reused by a new process); files stay cached. */
void symbolizer_forget_process(struct symbolizer *sy, pid_t pid);

struct sym_frame {
	uint64_t addr;		/* the address in the process */
	const char *file;	/* path of the mapping; NULL: no mapping ("[unknown]") */
	const char *build_id;	/* hex, or NULL */
	uint64_t file_offset;	/* offset of addr in the file */
	const char *function;	/* demangled C++ name; NULL when no symbol covers addr */
	uint64_t offset;	/* addr - start of function */
	const char *src_file;	/* from DWARF (separate debug files by build-id too); NULL without */
	int line;		/* 0 without DWARF */
	bool inlined;		/* an inlined call inside the next frame out */
	bool deleted;		/* the mapped file was deleted or replaced since it was mapped */
	bool late;		/* not looked up in full: past the deadline (symbolizer_set_deadline()) */
	bool jit;		/* named from the process's /tmp/perf-PID.map (file is that path,
				 * file_offset the address) */
};
/*
 * file is what maps names ("/usr/lib/x86_64-linux-gnu/libc.so.6", "[vdso]",
 * "[heap]"), NULL for an anonymous mapping or none.  An inlined frame's
 * offset is that of the real function it was inlined into.  Functions come
 * from the ELF symbols (the real function) and DWARF (inlined ones; also the
 * real one when no symbol covers addr).
 */

/*
 * A stop that must not wait (deadline_ns: mono_ns() time, 0 none): from now
 * on no file's DWARF is opened (the one read that takes tens to hundreds of
 * ms), and from deadline_ns on nothing more is read, symbols neither.  An
 * address that needed more than that gets what is known (late set): its
 * mapping (file and file_offset) and, when the file's symbols are read, its
 * function; no source line or inlined calls.
 */
void symbolizer_set_deadline(struct symbolizer *sy, uint64_t deadline_ns);

/*
 * The frames at addr, innermost (inlined) first, the real function last: the
 * number written (>= 1, <= max).  is_return_addr: addr is a return address
 * (look up addr - 1 for function/line, but report addr).  Strings live as long
 * as sy.  Calls symbolizer_add_process() itself if needed.
 */
int symbolize_addr(struct symbolizer *sy, pid_t pid, uint64_t addr, bool is_return_addr,
		   struct sym_frame *out, int max);

#endif
