/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Profiles in pprof's format (profile.proto: what go tool pprof, Grafana
 * Pyroscope, Parca and speedscope read): samples of stacks with a count,
 * each address a location in a mapping (the file, its build-id), each frame
 * a function with its source line, inlined calls as lines of one location.
 * Encoded with protobuf-c from core/output/pprof.proto (generated at build time),
 * gzip-compressed with zlib, written atomically.
 *
 * Addresses: processes map a file at different places, so each file gets
 * a range of its own (a mapping whose memory_start stands for file offset
 * 0) and a location's address is that start plus its file offset: the same
 * code in two processes is one location, and the file offset is what the
 * mapping says it is.
 */
#ifndef UPX_PPROF_H
#define UPX_PPROF_H

#include <stddef.h>
#include <stdint.h>

/* One frame at an address: the function as shown, its source line (0: none). */
struct pprof_frame {
	const char *name;
	const char *src_file;	/* NULL: none */
	int line;
};

/*
 * One address of a stack: where it is, and its frames, inlined calls first.
 * No file and no address: a frame an interpreter ran (a Python function),
 * one location per function and line, with no mapping.
 */
struct pprof_addr {
	const char *file;	/* NULL: in no known file (then addr stands alone) */
	const char *build_id;	/* hex, or NULL */
	uint64_t file_offset;
	uint64_t addr;
	const struct pprof_frame *frames;
	int nr;
};

struct pprof;

/* A profile whose samples count type in unit ("calls", "count"). */
struct pprof *pprof__new(const char *type, const char *unit);
void pprof__free(struct pprof *p);

/* A stack (addrs[0] the leaf) seen count times; label: the probe, or NULL. */
void pprof__add(struct pprof *p, const struct pprof_addr *addrs, size_t nr, uint64_t count,
		const char *label);

/*
 * Encode, compress and write to path: a temporary file beside it renamed
 * over it once whole (core/output/atomic-file.h); path must be a regular file or
 * nothing.  start_ns:
 * when the profile began (Unix time), duration_ns its length.  0, or -1
 * after an error message naming path.
 */
int pprof__write(struct pprof *p, const char *path, uint64_t start_ns, uint64_t duration_ns);

#endif
