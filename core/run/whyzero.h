/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Why a probe saw no call: the facts upx can check cheaply at the end of a
 * run (core/run/facts.h keeps and renders them), most likely first:
 *
 *   - calls that reached the probe and a filter dropped, counted in the
 *     kernel per probe and filter, with the values seen most (the drops
 *     and drop_values maps of probes/drops.bpf.h);
 *   - processes whose own executable defines the function (statically
 *     linked, Go): running processes that do not map the probe's file,
 *     their executables read once each (device and inode), and the -c
 *     command's program;
 *   - the probe is on an import's PLT stub (the plan's is_plt);
 *   - DWARF says the function was inlined at N call sites;
 *   - an IFUNC, probed at the implementation picked on this machine;
 *   - who mapped the file: how many processes at the start and at the end
 *     (system-wide), the -p process, the -c command's program and its
 *     libraries.
 *
 * The /proc walks and the files they open are bounded in time; a fact
 * says when its count was cut short.
 */
#ifndef UPX_WHYZERO_H
#define UPX_WHYZERO_H

#include <stdbool.h>
#include <sys/types.h>

#include "drops.h"

struct facts;
struct plan;
struct whyzero_start;

/* The filters of the run, as given; the -p / -c process filter is pid, cmd and follow. */
struct whyzero_filters {
	long long uid;			/* --uid, -1: none */
	const char *comm;		/* --comm, NULL: none */
	const char *cgroup;		/* --cgroup, NULL: none */
	bool has_min, has_max;		/* --min, --max */
	unsigned long long min, max;
};

/* What the run was, as the facts need it. */
struct whyzero_run {
	const struct plan *plan;
	pid_t pid;			/* -p, 0: none */
	const char *cmd;		/* the -c command's program (argv[0]), NULL: none */
	bool follow;			/* --follow: its descendants too (not looked at here) */
	bool cmd_only;			/* -c without --follow: the kernel keeps to its process */
	struct whyzero_filters filters;
	int drops_fd, drop_values_fd;	/* probes/drops.bpf.h's maps, -1: none */
	const struct whyzero_start *start; /* whyzero_start()'s count, NULL: none taken */
	double budget_s;		/* seconds the walks of /proc and the files may take */
};

/*
 * How many processes map each file of the plan now: taken once the probes
 * are live, for a system-wide run (budget_s bounds the walk).  NULL when
 * there is nothing to count.
 */
struct whyzero_start *whyzero_start(const struct plan *plan, double budget_s);
void whyzero_start_free(struct whyzero_start *ws);

/*
 * Add the facts of every probe facts__wanted() asks for (all: -v or
 * --json) to f.
 */
void whyzero_gather(struct facts *f, const struct whyzero_run *run, bool all);

#endif
