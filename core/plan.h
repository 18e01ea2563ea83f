/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The attach plan: the list of (file, offset, cookie, entry/return) a set of
 * probe specs comes to, after target files are found, names and globs
 * matched, aliases merged, IFUNCs resolved to the implementation the dynamic
 * linker picks, `endbr64` stepped over, and sites the kernel would refuse
 * left out.  Pure data: printed by --verbose, tested without BPF.
 */
#ifndef UPX_PLAN_H
#define UPX_PLAN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct elf_file;
struct ifunc_result;
struct probe_spec;

struct plan_file {
	char *path;		/* the file probed (through /proc/PID/root with -p) */
	char *display;		/* how probes name it: the spec's TARGET */
	struct elf_file *ef;
	/* Every exported IFUNC of the file, resolved together on first need. */
	struct ifunc_result *ifuncs;
	size_t nr_ifuncs;
	bool ifuncs_done;
	char *ifunc_err;	/* why none could be resolved */
};

struct plan_entry {
	int file;		/* index into plan->files */
	int spec;		/* index of the probe spec it came from */
	bool is_return;
	char *func;		/* function name as shown (demangled when C++) */
	char *label;		/* "libc.so.6:malloc", "r:./fixture:name" */
	uint64_t vaddr;		/* function start (st_value), for DWARF */
	uint64_t offset;	/* file offset where the uprobe goes */
	uint64_t cookie;	/* what the BPF side sees: the entry's index, or (--latency)
				 * for a return probe the index of its entry probe */
	const char *how;	/* "", "after endbr64", "IFUNC strlen -> __strlen_avx2", ... */
	char *how_buf;
};

struct plan {
	struct plan_file *files;
	size_t nr_files, alloc_files;
	struct plan_entry *entries;
	size_t nr, alloc;
	char **skipped;		/* "name: why", sites the kernel would refuse */
	size_t nr_skipped, alloc_skipped;
	pid_t pid;		/* -p: resolve libraries through this process */
	bool force;		/* --force: allow r: on Go binaries */
	bool no_endbr_skip;	/* probe at offset 0 even after endbr64 */
	bool entry_and_return;	/* --latency: each function gets both probes */
};

/* Adds the probes of one spec; on error prints one line (via error()) and returns -1. */
int plan_add_spec(struct plan *plan, const struct probe_spec *spec, int spec_idx);
/* Adds the probe on one named function of a file found like a spec TARGET. */
int plan_add_function(struct plan *plan, const char *target, const char *func, bool is_return);
/* The cookie of the first probe on func (as named in the plan), or -1. */
long long plan_cookie_of(const struct plan *plan, const char *func);
void plan_print(const struct plan *plan, FILE *f);
void plan_free(struct plan *plan);

/* Sites a group of entries shares: same file and direction (one multi link each). */
struct plan_group {
	int file;
	bool is_return;
	size_t *idx;		/* indexes into plan->entries */
	size_t nr;
};
size_t plan_groups(const struct plan *plan, struct plan_group **out);
void plan_groups_free(struct plan_group *groups, size_t nr);

#endif
