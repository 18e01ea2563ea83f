/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One tracing run, the same for every tracing command: check the running
 * options, build the attach plan, start the -c command held, open the
 * skeleton, set what every program shares in its rodata (upx's own pid,
 * --comm, --cgroup), load, attach, read the ring buffer, release the command, loop
 * until a stop, report, and release everything in one order.  A plugin
 * fills a struct run_ops with the few steps that are its own.
 *
 *   options -> plan() -> copies -> open -> configure() -> load -> attached()
 *           -> links -> armed() -> loop (on_event, copies) -> report() -> lost
 *           -> facts() -> free
 *
 * What every program has, core reads once: the records the full ring buffer
 * dropped (UPX_STAT_LOST of the program's `stats`, found by name), said after
 * report() ("lost 3 events: ...", {"lost": 3} in JSON) and served as
 * upx_events_lost after the command's metrics.
 *
 * With --listen the metrics server is bound before anything is loaded (a
 * bind failure costs nothing) and answers from the loop (metrics()); with
 * --metrics-file the file is rewritten on the loop's tick and once at the
 * end, after report().
 */
#ifndef UPX_RUN_H
#define UPX_RUN_H

#include <stdbool.h>
#include <stdint.h>

#include "base/options.h"
#include "run/session.h"
#include "run/skeleton.h"

struct attach_progs;
struct bpf_map;
struct metrics_writer;

/* The running options every tracing command may take; 0 / NULL: not given. */
struct run_opts {
	long long pid;		/* -p */
	const char *comm;	/* --comm */
	const char *cgroup;	/* --cgroup: a cgroup v2 directory */
	double duration;	/* -d */
	const char *cmd;	/* -c (or -- CMD ARGS, found by run_main) */
	const char *listen;	/* --listen ADDR:PORT: serve /metrics until stopped */
	const char *metrics_file; /* --metrics-file PATH */
	double interval;	/* -i of a command without its own: the metrics file's period */
	bool follow;		/* --follow: with -c, the command's children too (run_ops.follow) */
};

/* One row each, one help text each, for the option tables. */
#define OPT_RUN_PID(r) \
	OPT_CALLBACK('p', "pid", &(r)->pid, "PID", \
		     "only this process (the files it has mapped, even in a container); stop when it exits", \
		     opt_pid_cb)
#define OPT_RUN_COMM(r) \
	OPT_CALLBACK(0, "comm", &(r)->comm, "NAME", "only threads named NAME (comm, up to 15 characters)", \
		     opt_nonempty_cb)
#define OPT_RUN_CGROUP(r) \
	OPT_CALLBACK(0, "cgroup", &(r)->cgroup, "PATH", \
		     "only tasks in this cgroup v2 directory or below it (a container, a service)", \
		     opt_nonempty_cb)
#define OPT_RUN_FOLLOW(r) \
	OPT_BOOL(0, "follow", &(r)->follow, "with -c: trace the command's child processes too")
#define OPT_RUN_DURATION(r) \
	OPT_CALLBACK('d', "duration", &(r)->duration, "SECONDS", "stop after SECONDS", opt_seconds_cb)
#define OPT_RUN_CMD(r) \
	OPT_STRING('c', "cmd", &(r)->cmd, "CMD", "run CMD once the probes are live; stop when it exits")
#define OPT_RUN_LISTEN(r) \
	OPT_CALLBACK(0, "listen", &(r)->listen, "ADDR:PORT", \
		     "serve Prometheus metrics on http://ADDR:PORT/metrics until stopped (no authentication)", \
		     opt_listen_cb)
#define OPT_RUN_METRICS_FILE(r) \
	OPT_STRING(0, "metrics-file", &(r)->metrics_file, "PATH", \
		   "write the metrics to PATH (replaced atomically) every -i seconds and at exit")
/* For commands without an -i of their own. */
#define OPT_RUN_INTERVAL(r) \
	OPT_CALLBACK('i', "interval", &(r)->interval, "SECONDS", \
		     "with --metrics-file: rewrite it every SECONDS (default 10)", opt_seconds_cb)
/* How often --metrics-file is rewritten when no -i says. */
#define RUN_METRICS_INTERVAL 10.0

struct run_ops {
	const struct run_skeleton *skel;
	unsigned int flags;			/* RUN_* below */
	/* RUN_COPIES: the watch for copies mapped later (probes/copywatch.bpf.c) */
	const struct run_skeleton *copies_watch;
	/*
	 * --follow (OPT_RUN_FOLLOW): the program that keeps the run's `follow` map equal to the
	 * -c command and its live children (probes/follow.bpf.c), for --follow
	 */
	const struct run_skeleton *follow;
	/*
	 * The attach plan into s->plan (s->plan.pid is set, s->cmd_argv known);
	 * 0, -1 after an error, or an exit status (usage_error()).
	 */
	int (*plan)(struct session *s, void *ctx);
	/*
	 * Before load: the program's own rodata and map sizes, the programs to
	 * attach (*progs), s->attach_pid when the kernel is to filter by
	 * process, s->loop's interval and tick.  0 or -1 after an error.
	 */
	int (*configure)(struct session *s, void *skel, struct attach_progs *progs, void *ctx);
	/* After load, before the uprobes: links that need no target (NULL: none). */
	int (*attached)(struct session *s, void *skel, void *ctx);
	/* The ring buffer and what reads a record (NULL: aggregation only). */
	struct bpf_map *(*events)(void *skel);
	int (*on_event)(void *ctx, void *data, size_t size);
	/* A record that announces (events_open()'s announce), read even at a hurried stop (NULL: none). */
	bool (*announce)(void *ctx, const void *data, size_t size);
	/* The probes are live: the "Tracing ..." line (stderr) and a header. */
	void (*armed)(struct session *s, void *ctx);
	/*
	 * After any stop but a closed stdout: summaries (NULL: none).  lost: the
	 * records dropped, in the kernel or left unshown in the ring buffer.
	 */
	void (*report)(struct session *s, void *skel, uint64_t lost, void *ctx);
	/* After the lost report: what the run learned of each probe (the zero report; NULL: none). */
	void (*facts)(struct session *s, uint64_t lost, void *ctx);
	/*
	 * What a record is, one and many, for the lost report ("lost 2 events:
	 * the ring buffer was full"), and the help line of upx_events_lost.
	 */
	const char *record_one, *record_many, *lost_help;
	/*
	 * The command's metric families (core/output/metrics.h), for --listen (at
	 * each scrape, on the loop's thread) and --metrics-file; core writes
	 * upx_build_info and upx_probes_attached before them.  NULL: the
	 * command has no metrics (--listen and --metrics-file are refused).
	 */
	void (*metrics)(struct metrics_writer *w, struct session *s, void *skel, void *ctx);
};

#define RUN_PID		(1u << 0)	/* takes -p */
#define RUN_CMD		(1u << 1)	/* takes -c CMD / -- CMD ARGS */
#define RUN_COMM	(1u << 2)	/* takes --comm */
#define RUN_CGROUP	(1u << 3)	/* takes --cgroup */
/*
 * Without -p and -c, a TARGET named by name is every copy a process maps
 * (core/run/copies-live.h); cookies carry the file (plan_opts.cookie_file).
 */
#define RUN_COPIES	(1u << 4)
/* --json: report()'s document holds "lost" itself; no {"lost": N} line of its own. */
#define RUN_LOST_IN_REPORT	(1u << 5)

/*
 * Run a tracing command: argc/argv are what parse_options() left (the words
 * after "--" among them when RUN_CMD).  Checks -p and -c against each other
 * and the process; returns the command's exit status.
 */
int run_main(const struct run_ops *ops, const struct run_opts *ro, int argc, const char **argv,
	     void *ctx);

#endif
