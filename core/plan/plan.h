/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The attach plan: the list of (file, offset, cookie, entry/return) a set of
 * probe specs comes to, after target files are found, names and globs
 * matched, aliases merged (named GLOBAL, then WEAK, then the shortest LOCAL), IFUNCs resolved to the implementation the dynamic
 * linker picks, `endbr64` stepped over, sites the kernel would refuse left
 * out, and no return probe on a function that returns twice or never returns.
 * Pure data: printed by --verbose, tested without BPF.
 */
#ifndef UPX_PLAN_H
#define UPX_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct elf_file;
struct ifunc_result;
struct probe_spec;
struct usdt_notes;
struct usdt_probe;

/*
 * Why a return probe would break the traced program.  A uretprobe swaps the
 * return address on the stack for a trampoline when the function is entered
 * and expects the function to return through it once.
 */
enum plan_hazard {
	PLAN_HAZARD_NONE,
	/* setjmp, vfork, getcontext: the saved context holds the trampoline's address, and
	 * the second return lands there with no return pending (SIGILL, or a wrong return) */
	PLAN_HAZARD_RETURNS_TWICE,
	/* longjmp, exit, setcontext, __restore_rt: the return never comes, or (sigreturn) the
	 * "return address" the trampoline overwrites is the signal frame itself */
	PLAN_HAZARD_NORETURN,
};

struct plan_hazard_site {
	uint64_t vaddr;
	enum plan_hazard hazard;
};

struct plan_file {
	char *path;		/* the file probed (through /proc/PID/root with -p) */
	char *display;		/* how probes name it: the spec's TARGET */
	struct elf_file *ef;
	/*
	 * Which file it is: device and inode (as /proc/PID/maps shows them for a copy a
	 * process maps, or stat() for a path); and, for people, its path as seen in its
	 * own root and that root ("/", "/srv/jail", "mnt:[4026532301]"), see core/target/copies.h.
	 */
	dev_t dev;
	ino_t ino;
	char *in_root;
	char *root;
	/*
	 * Every copy of a TARGET (plan_add_copy()): primary is the file whose probes it
	 * carries (its own index for the file a spec opened); same_build the file of the
	 * same build-id whose offsets it took (its own index when it read its own symbols).
	 */
	int primary;
	int same_build;
	/* Every exported IFUNC of the file, resolved together on first need. */
	struct ifunc_result *ifuncs;
	size_t nr_ifuncs;
	bool ifuncs_done;
	char *ifunc_err;	/* why none could be resolved */
	/* Functions (by st_value) a return probe breaks, sorted: from names and DWARF. */
	struct plan_hazard_site *hazards;
	size_t nr_hazards;
	bool hazards_done;
	bool hazards_dwarf;	/* DWARF's DW_AT_noreturn was read (else names alone) */
	struct usdt_notes *usdt; /* its SDT notes, read on the first usdt: spec */
	char **usdt_why;	/* per note: NULL not asked for, "" probed, else why it is not */
	size_t nr_usdt_why;	/* its notes (usdt may be borrowed, and freed first) */
	size_t *by_value;	/* indexes of its functions in ef->syms by address (aliases) */
	size_t nr_by_value;
	bool usdt_borrowed;	/* usdt is same_build's (not freed with this file) */
};

/* Where in a function the uprobe goes, as plan.c decided from its first instruction. */
enum plan_site {
	PLAN_SITE_START,	/* its first instruction */
	PLAN_SITE_AFTER_ENDBR,	/* the one after endbr64 (single-stepped, ~10x the cost) */
	PLAN_SITE_AT_OFFSET,	/* FUNCTION+OFFSET, checked on an instruction boundary */
};

struct plan_entry {
	int file;		/* index into plan->files */
	int spec;		/* index of the probe spec it came from */
	bool is_return;
	char *func;		/* function name as shown (demangled when C++) */
	char *label;		/* "libc.so.6:malloc", "r:./fixture:name" */
	uint64_t vaddr;		/* function start (st_value), for DWARF */
	uint64_t offset;	/* file offset where the uprobe goes */
	/*
	 * The probe it is a site of: its own index for entries[0, nr_probes), and the
	 * index of the entry of the same label in the primary file for a copy's.
	 */
	size_t probe;
	/*
	 * What the BPF side sees.  Its low 32 bits: the probe counted (the probe, or with
	 * --latency for a return probe its entry probe); with opts.cookie_file its high 32
	 * bits are the file (plan_cookie_probe(), plan_cookie_file()).
	 */
	uint64_t cookie;
	/* What plan.c decided, as facts: the text is made by who prints it (plan_entry_how). */
	bool is_ifunc;		/* the symbol is an IFUNC: probed at the implementation */
	const char *ifunc;	/* its name ("strlen"), when is_ifunc */
	const char *impl;	/* the implementation the dynamic linker picks ("__strlen_avx2"),
				 * NULL when no symbol names it */
	enum plan_site site;	/* where in the function the uprobe sits */
	/*
	 * The function is only imported by the file: the probe is on the file's PLT stub
	 * for it, which sees the calls this file makes through its PLT, no others.
	 */
	bool is_plt;
	char *import_lib;	/* the library that defines it ("libc.so.6"), NULL: none found */
	int tag;		/* the caller's, from plan_add_function(); 0 for specs */
	/*
	 * A USDT probe (usdt:TARGET:[PROVIDER:]NAME): one entry per provider:name of the
	 * file, every site of it attached at once (libbpf); vaddr and offset are the
	 * first site's, func is "provider:name".
	 */
	bool is_usdt;
	char *usdt_provider, *usdt_name;
	size_t usdt_sites;
	size_t usdt_left_out;	/* sites of it left out (plan_usdt_site_left_out()) */
	const struct usdt_probe *usdt; /* the first site: its semaphore and arguments */
};

/* Why a function or a USDT site was left out. */
enum plan_skip_kind {
	PLAN_SKIP_REFUSED,	/* the kernel would refuse its instruction; an IFUNC not resolved */
	PLAN_SKIP_HAZARD,	/* a return probe would break it (hazard says how) */
	PLAN_SKIP_NOT_CODE,	/* a function symbol outside executable memory */
	PLAN_SKIP_USDT,		/* a USDT site upx cannot attach */
};

/* A function (or a USDT site) left out, and why. */
struct plan_skip {
	char *func;		/* as shown; a hazard by its exported names: "_longjmp/longjmp";
				 * a USDT site by "provider:name" */
	char *why;		/* "lock prefix", "IFUNC not resolved", "never returns", ... */
	enum plan_skip_kind kind;
	enum plan_hazard hazard; /* PLAN_SKIP_HAZARD: the return probe's */
	int file;
	uint64_t vaddr;		/* the function's; a USDT site's address */
};

/* What the caller asks of the plan. */
struct plan_opts {
	bool force;		/* --force: allow return probes (r:, --latency, a plugin's) on Go
				 * programs, and on functions that return twice or never return */
	bool no_endbr_skip;	/* probe at offset 0 even after endbr64 */
	bool entry_and_return;	/* --latency: each function gets both probes */
	bool cookie_file;	/* cookies carry the file in their high 32 bits (--by file) */
	bool entry_for_return;	/* --buf: each return probe gets an entry site too, counted under
				 * it, its cookie marked PLAN_COOKIE_ENTRY_OF_RETURN */
};

/* The cookie of an entry site that keeps a return probe's arguments (probes/trace.h's too). */
#define PLAN_COOKIE_ENTRY_OF_RETURN 0x80000000u

/* What a spec asked of a file, kept to place the same probes in its copies. */
struct plan_request {
	int file;
	int spec_idx;
	int tag;
	bool is_usdt, is_return, has_offset;
	char *function, *provider;
	uint64_t offset;
};

struct plan {
	struct plan_file *files;
	size_t nr_files, alloc_files;
	struct plan_entry *entries;
	size_t nr, alloc;
	size_t nr_probes;	/* entries[0, nr_probes): one per probe; later ones: copies' sites */
	struct plan_request *requests;
	size_t nr_requests, alloc_requests;
	struct plan_skip *skipped; /* sites the kernel would refuse, return probes that break */
	size_t nr_skipped, alloc_skipped;
	pid_t pid;		/* -p: resolve libraries through this process */
	/*
	 * Without -p: how a TARGET is found, when not as ld.so finds it here
	 * (resolve_target()): a malloc'd path, or NULL with err filled.
	 */
	char *(*resolve)(const char *target, char *err, size_t errlen, void *ctx);
	void *resolve_ctx;
	struct plan_opts opts;
	/* While a copy is planned: failures are kept in why, not printed. */
	bool quiet;
	char why[512];
};

static inline uint32_t plan_cookie_probe(uint64_t cookie)
{
	return (uint32_t)cookie;
}

static inline uint32_t plan_cookie_file(uint64_t cookie)
{
	return cookie >> 32;
}

/* Opens (once per plan) the file a TARGET names: its index in files, or -1 after error(). */
int plan_open_file(struct plan *plan, const char *target);
/* The file with that device and inode, or -1. */
int plan_file_by_inode(const struct plan *plan, dev_t dev, ino_t ino);
/*
 * Places the probes of files[primary] in a copy of it at path (a file of its own:
 * device and inode dev:ino as /proc/PID/maps shows them), by the copy's own symbols
 * and notes, read once per build-id (a copy with the build-id of a file already
 * planned takes its offsets).  The copy's entries go after every other, each a site
 * of the primary's probe of the same label; what the copy lacks or cannot probe is
 * left out (plan->skipped).  All specs must be added before the first copy.  Returns
 * the new file's index (its entries are entries[before, nr)), the index of the file
 * already planned with that device and inode, or -1 with plan->why filled.
 */
int plan_add_copy(struct plan *plan, int primary, const char *path, dev_t dev, ino_t ino);
/*
 * What a return probe would do to the function at vaddr (st_value) of files[file].  Known from
 * the names of every symbol at vaddr (aliases count: _longjmp is longjmp; leading underscores
 * and glibc's __GI_/__libc_ prefixes are peeled: __GI___sigsetjmp is sigsetjmp) and from
 * DW_AT_noreturn in the file's DWARF or its debug file.  DWARF has no returns_twice: that one
 * comes from names alone, the names GCC gives returns_twice (setjmp, sigsetjmp, savectx,
 * vfork, getcontext) and swapcontext.
 */
enum plan_hazard plan_return_hazard(struct plan *plan, int file, uint64_t vaddr);
const char *plan_hazard_text(enum plan_hazard hazard);

/*
 * Adds the probes of one spec (a USDT spec too: one entry per provider:name it matches);
 * on error prints one line (via error()) and returns -1.
 */
int plan_add_spec(struct plan *plan, const struct probe_spec *spec, int spec_idx);
/*
 * Adds the probe on one named function of a file found like a spec TARGET;
 * its entries carry tag (not 0), for the caller to find them by.  A return
 * probe passes the same checks as r: (refused on Go, on functions that
 * return twice or never return, unless opts.force).
 */
int plan_add_function(struct plan *plan, const char *target, const char *func, bool is_return,
		      int tag);
/*
 * Is the USDT site p (one of files[file]'s notes) left out of the plan: not
 * asked for, or not one upx may probe (its arguments, its semaphore, an
 * address outside executable memory or inside an instruction)?
 */
bool plan_usdt_site_left_out(const struct plan *plan, int file, const struct usdt_probe *p);
/* The cookie of the first probe tagged tag, or -1. */
long long plan_cookie_of_tag(const struct plan *plan, int tag);
/* "" / "after endbr64" / "at the given offset": an entry's site, as -v says it. */
const char *plan_site_text(enum plan_site site);
/* How an entry is probed, as -v says it: "", "IFUNC strlen -> __strlen_avx2, after endbr64". */
void plan_entry_how(const struct plan_entry *e, char *buf, size_t len);
void plan_print(const struct plan *plan, FILE *f);
/* Warns about what was left out: how many sites the kernel refuses; the hazards by name. */
void plan_warn_left_out(const struct plan *plan, bool verbose);
/*
 * Notes where a function is not probed where its symbol points: an IFUNC
 * named without a glob (at the implementation the dynamic linker picks
 * here), an import (at its PLT stub, which sees only this file's calls).
 * specs: those the entries came from.
 */
void plan_note_redirects(const struct plan *plan, const struct probe_spec *specs);
/*
 * Back to the plan with only its files open (their symbols, notes and
 * verdicts kept): every entry, request and left-out function freed.
 */
void plan_clear_probes(struct plan *plan);
void plan_free(struct plan *plan);

/* Sites a group of entries shares: same file and direction (one multi link each); not USDT. */
struct plan_group {
	int file;
	bool is_return;
	size_t *idx;		/* indexes into plan->entries */
	size_t nr;
};
size_t plan_groups(const struct plan *plan, struct plan_group **out);
void plan_groups_free(struct plan_group *groups, size_t nr);

/*
 * Where a file of the plan is, raw (each output escapes it): its path in its
 * own root, and " in ROOT" when that is not upx's ("/lib/libc.so.6 in /srv/jail").
 */
void copies_where_text(const struct plan_file *pf, char *buf, size_t size);

#endif
