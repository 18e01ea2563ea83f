/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What one run of a tracing command holds from set-up to exit: the attach
 * plan, the links, the ring buffer, the -c child and its words, the JSON
 * writer.  Every command releases them through session_end(), in one order;
 * the command destroys its skeleton after that.
 */
#ifndef UPX_SESSION_H
#define UPX_SESSION_H

#include <stdint.h>

#include "plan/plan.h"
#include "run/attach.h"
#include "run/child.h"
#include "run/events.h"
#include "run/skeleton.h"

struct bpf_link;
struct bpf_map;
struct bpf_program;
struct copies_live;
struct events;
struct json_writer;

struct session {
	struct plan plan;
	struct attachment att;			/* the uprobe links */
	struct attach_progs progs;		/* what they run (copies attached later too) */
	struct copies_live *copies;		/* every copy of a TARGET (core/run/copies-live.h) */
	struct bpf_link **links;		/* others: fork and exit watchers */
	const struct run_skeleton *follow_type;	/* --follow's own program, */
	void *follow;				/* NULL: none */
	size_t nr_links, alloc_links;
	struct events *ev;			/* the ring buffer, NULL: none */
	struct upx_child child;			/* pid -1: none */
	char **cmd_argv;			/* -c CMD or -- CMD ARGS, NULL: none */
	struct json_writer *jw;			/* on stdout */
	int stats_fd;				/* the program's `stats` counters once loaded, -1: none */
	long long realtime_offset_ns;		/* to date bpf_ktime_get_ns() stamps */
	/* Set by a command's configure step (core/run/run.h): */
	pid_t attach_pid;			/* the kernel filters by this process, -1: none */
	struct event_loop loop;			/* -d, -i and its tick, -p watched */
};

void session_init(struct session *s);
/* Keep a link to destroy at the end; 0, or -1 when it is NULL (after errno was set). */
int session_keep_link(struct session *s, struct bpf_link *link);
/* Attach a program that needs no target (tp_btf), keeping its link; 0 or -1 after an error. */
int session_attach(struct session *s, struct bpf_program *prog, const char *what);
/*
 * -c: put the command's pid into the `follow` map (probes/follow.bpf.h) and
 * attach the program that adds its children as they fork; 0 or -1 after an
 * error message.
 */
int session_follow(struct session *s, struct bpf_map *follow, struct bpf_program *fork_prog);
/*
 * --follow for a program without the fork and exit watchers of its own: the
 * program of type (probes/follow.bpf.c) loaded beside the traced object obj,
 * sharing its `follow` map, then session_follow().  The session keeps it
 * until session_end().  0 or -1 after an error message.
 */
int session_follow_program(struct session *s, const struct run_skeleton *type,
			   struct bpf_object *obj);
/*
 * The event loop of the run: el's ring buffer, -c child and detach hook come
 * from the session (with a ring buffer, the links are detached when the loop
 * ends, before the last drain).  Returns how it ended; el->not_shown counts the records left in the
 * buffer unshown, for the lost report.
 */
enum loop_end session_run(struct session *s, struct event_loop *el);
/*
 * The records the full ring buffer dropped so far: slot UPX_STAT_LOST of the
 * program's `stats` counters (probes/common.h), 0 before the load.
 */
uint64_t session_lost(const struct session *s);
/* Destroy the probes' links (idempotent); the maps stay readable. */
void session_detach(struct session *s);
/*
 * Detach everything, stop the child if it still runs, free the rest; the
 * copies are run_main()'s to free (copies_live_end()) before this.
 */
void session_end(struct session *s);

#endif
