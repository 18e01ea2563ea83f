/* SPDX-License-Identifier: GPL-2.0 */
/*
 * From an attach plan to live links: one uprobe_multi link per (file,
 * direction) when the file has more than one probe, a classic uprobe link
 * otherwise.  The cookie of every site is its index in the plan, which is
 * how the BPF side names the probe that fired.
 *
 * USDT entries: the BPF side is libbpf's (usdt.bpf.h: bpf_usdt_arg(),
 * bpf_usdt_cookie()).  Where the kernel has uprobe_multi links, every USDT
 * site of a file goes into one link, its argument specs written into
 * usdt.bpf.h's spec map here and the semaphores given as ref_ctr_offsets
 * (the kernel counts them up and back down when the link goes); libbpf's
 * bpf_program__attach_usdt() makes one link per provider:name, and each link
 * costs ~40 ms to detach.  Otherwise (or UPX_NO_MULTI=1, or a libbpf whose
 * spec layout is not the one written here) bpf_program__attach_usdt() does it.
 */
#ifndef UPX_ATTACH_H
#define UPX_ATTACH_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct bpf_link;
struct bpf_program;
struct plan;

/*
 * The four entry points a BPF program in probes/ provides (any may be NULL),
 * and their sleepable twins (SEC("uprobe.s"), ...), which may fault pages in
 * but cost more per hit.  A plugin sets the twins only when it needs them;
 * where they are set and the kernel has sleepable uprobes, they are used
 * instead (attach_uses_sleepable()).
 */
struct attach_progs {
	struct bpf_program *entry, *ret;             /* SEC("uprobe"), SEC("uretprobe") */
	struct bpf_program *entry_multi, *ret_multi; /* SEC("uprobe.multi"), SEC("uretprobe.multi") */
	struct bpf_program *entry_s, *ret_s;         /* SEC("uprobe.s"), SEC("uretprobe.s") */
	struct bpf_program *entry_multi_s, *ret_multi_s; /* SEC("uprobe.multi.s"), ... */
	struct bpf_program *usdt, *usdt_s;	/* SEC("usdt"), SEC("usdt.s"): USDT entries */
	struct bpf_map *usdt_specs;		/* usdt.bpf.h's __bpf_usdt_specs */
	/*
	 * A uprobe session program (SEC("uprobe.multi"); attach_prepare() sets
	 * its attach type): where it is set and attach_uses_session(), each
	 * file's entry sites go into one session link to it and the plan's
	 * return sites are left out: the kernel runs it again at a call's
	 * return only when its entry returned 0 (no return probe otherwise).
	 */
	struct bpf_program *session;
	bool usdt_copies;	/* keep slots for the USDT sites of copies attached later */
};

/*
 * Fill progs with obj's programs as probes/common.bpf.h's twins name them:
 * entry and entry "_multi", ret and ret "_multi", usdt; with sleepable, the
 * "_s" twins of each too (entry "_s", entry "_multi_s", ...).  A NULL name:
 * none of that kind.  0, or -1 after an error naming the program missing.
 */
int attach_progs_named(struct attach_progs *progs, struct bpf_object *obj, const char *entry,
		       const char *ret, const char *usdt, bool sleepable);

struct attachment {
	struct bpf_link **links;
	size_t nr, alloc;
	/*
	 * libbpf's USDT links: their release updates the object's USDT manager
	 * (its free spec ids), which is not safe from two threads at once.
	 */
	struct bpf_link **usdt_links;
	size_t nr_usdt, alloc_usdt;
	int *session_fds;	/* session links: made by bpf(2) (libbpf 1.4 has no such link) */
	size_t nr_session, alloc_session;
	size_t nr_multi;	/* how many of the links are uprobe_multi (session links too) */
	size_t nr_sites;	/* sites attached (a USDT probe counts once, whatever its sites) */
	size_t nr_probes;	/* of those, the probes' own (not their sites in copies) */
	size_t nr_refused;	/* sites the kernel refused (found by splitting a set) */
	int next_usdt_spec;	/* the next free slot of usdt_specs */
};

/* Does the kernel have uprobe_multi links (and UPX_NO_MULTI is not set)? */
bool attach_has_multi(void);

/*
 * Does the kernel load sleepable uprobe programs that call bpf_copy_from_user()
 * (and UPX_NO_SLEEPABLE is not set: for testing the plain path)?  Found out
 * once by loading a two-instruction program of each kind (classic, multi).
 */
bool attach_has_sleepable(bool multi);

/*
 * BPF_TRACE_UPROBE_SESSION as the kernel numbers it (from its BTF: libbpf 1.4
 * does not know it), or 0 where the kernel has no uprobe session links or
 * UPX_NO_SESSION is set (for testing the entry and return probes).
 */
int attach_session_type(void);

/* Does this run use progs->session? */
bool attach_uses_session(const struct attach_progs *progs);

/* Are the sleepable twins of progs used for this plan? */
bool attach_uses_sleepable(const struct plan *plan, const struct attach_progs *progs);

/* Before load: load only the programs the plan will use. */
void attach_prepare(const struct plan *plan, const struct attach_progs *progs);

/*
 * Attach every site of the plan, filtered to process pid (-1: all).  A set
 * the kernel refuses as a whole is split to find the culprits, which are left
 * out with a warning.  Returns 0, or -1 after printing an error (and detaching
 * what was attached).
 */
int attach_plan(const struct plan *plan, const struct attach_progs *progs, pid_t pid,
		struct attachment *out);

/*
 * Attach the sites of files[file] alone (a copy found once the others are live),
 * adding to out.  Returns 0, or -1 after printing an error (what this call attached
 * is kept: the caller detaches everything at the end).
 */
int attach_plan_file(const struct plan *plan, const struct attach_progs *progs, pid_t pid,
		     int file, struct attachment *out);

/* Detach everything (each close() of a uprobe costs the kernel ~0.1 s; multi links are cheap). */
void attachment__destroy(struct attachment *a);

#endif
