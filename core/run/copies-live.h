/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A run over every copy (core/target/copies.h): a TARGET named by soname or program
 * name, with no -p or -c, is every copy of that file a process maps.  After
 * the plan is made from the first copy of each TARGET (the host's own, found
 * as ld.so finds it, or the first a process maps), /proc is read once and
 * each other copy is added to the plan (its own sites, under the same
 * probes), attached with the rest.  Once the probes are live, a watch for new
 * mappings is started (probes/copywatch.bpf.c: after the Tracing line, so the
 * start pays nothing for it) and /proc is read again, so that a copy mapped
 * in between is not missed; from then on a copy that a process maps for the
 * first time is told by the watch and attached at once.  Copies attached
 * after the probes went live are late: the calls they saw before are not
 * counted, and the report says which, and when.  A TARGET given as a path is
 * that file alone: the run says once how many processes map other copies of
 * it.
 */
#ifndef UPX_COPIES_LIVE_H
#define UPX_COPIES_LIVE_H

#include <stdbool.h>
#include <stdio.h>

struct json_writer;
struct run_skeleton;
struct facts;
struct session;

/*
 * Before the plan: a run over every copy (cookies carry the file), and a
 * TARGET no file here answers to is the first copy a process maps.
 */
void copies_live_start(struct session *s);
/*
 * After the plan: the copies found at the start, in the plan; what explicit
 * paths leave out, said.  watch: the skeleton of the watch for copies mapped
 * later (NULL: none), for copies_live_armed().  0, or -1 after an error.
 */
int copies_live_begin(struct session *s, const struct run_skeleton *watch);
/*
 * The probes are live: copies found from now on are late.  The watch starts,
 * and /proc is read again; a watch the kernel will not load is a warning:
 * copies mapped from then on are not traced.
 */
void copies_live_armed(struct session *s);
/* -v: each copy, where it is, by whom it is mapped (stderr). */
void copies_live_print(const struct session *s, FILE *f);
/* At the end: the copies attached late (a note each), and --json's {"copies": [...]}. */
void copies_live_report(struct session *s);
/*
 * The zero report's fact for each probe f wants (core/run/facts.h): when its
 * TARGET was a path, how many processes mapped other copies of it at the
 * start, not traced.
 */
void copies_live_facts(const struct session *s, struct facts *f, bool all);
void copies_live_end(struct session *s);

struct plan_file;

#endif
