// SPDX-License-Identifier: GPL-2.0
/* One tracing run for every tracing command: the steps they all share, in one order. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "base/cmd.h"
#include "base/util.h"
#include "common.h"
#include "output/httpd.h"
#include "output/metrics.h"
#include "output/output.h"
#include "run/attach.h"
#include "run/bpf-util.h"
#include "run/child.h"
#include "run/copies-live.h"
#include "run/run.h"
#include "run/runopt.h"
#include "target/cgroup.h"
#include "target/proc.h"
#ifndef UPX_VERSION
#include "version.h"	/* $(O)/version.h: the GNUmakefile's, from git describe */
#endif

/*
 * What every program shares: its own pid left out, the -c child too until it
 * has exec'd, --comm, --cgroup (probes/common.bpf.h).
 */
static int set_common_rodata(struct bpf_object *obj, const struct run_opts *ro,
			     const struct session *s, const struct cgroup_ref *cg)
{
	struct bpf_program *exec_prog = bpf_object__find_program_by_name(obj, "upx_child_exec");
	__u32 *self = bpf_rodata_var(obj, "self_tgid", sizeof(__u32));
	__u32 *child = bpf_rodata_var(obj, "child_tgid", sizeof(__u32));
	char *comm = bpf_rodata_var(obj, "filter_comm", UPX_COMM_LEN);
	__u8 *has_comm = bpf_rodata_var(obj, "has_comm", sizeof(__u8));
	__u8 *has_cgroup = bpf_rodata_var(obj, "has_cgroup", sizeof(__u8));
	__u32 *cg_level = bpf_rodata_var(obj, "cgroup_level", sizeof(__u32));
	__u64 *cg_id = bpf_rodata_var(obj, "cgroup_id", sizeof(__u64));

	if (!self)
		return error("the BPF program has no self_tgid: it would trace upx itself");
	/* Where the kernel filters by another process, upx is left out already. */
	*self = s->attach_pid > 0 && s->attach_pid != getpid() ? 0 : getpid();
	if (!child || !exec_prog)
		return error("the BPF program has no child_tgid: it would trace upx's -c child");
	*child = s->child.pid > 0 ? s->child.pid : 0;
	bpf_program__set_autoload(exec_prog, s->child.pid > 0);
	if (ro->comm) {
		if (!comm || !has_comm)
			return error("the BPF program has no --comm filter");
		strncpy(comm, ro->comm, UPX_COMM_LEN - 1);
		*has_comm = 1;
	}
	if (ro->cgroup) {
		if (!has_cgroup || !cg_level || !cg_id)
			return error("the BPF program has no --cgroup filter");
		*has_cgroup = 1;
		*cg_level = cg->level;
		*cg_id = cg->id;
	}
	return 0;
}

/*
 * -p, -c and --cgroup: checked once for every command.  The command is looked
 * for here, before anything is set up: one that cannot run exits as a shell
 * would (127, 126), *prog is the path to exec.
 */
static int check_run_opts(const struct run_ops *ops, const struct run_opts *ro, int argc,
			  const char **argv, struct session *s, char **prog,
			  struct cgroup_ref *cg)
{
	char err[256];
	int ret;

	if (ops->flags & RUN_CMD) {
		ret = runopt_command(ro->cmd, argc, argv, &s->cmd_argv);
		if (ret)
			return ret;
	} else if (argc > 0) {
		return usage_error("unexpected argument '%s'", argv[0]);
	}
	if (ro->pid && s->cmd_argv)
		return usage_error("-p and -c (or -- CMD) exclude each other");
	if (ro->follow && !s->cmd_argv)
		return usage_error("--follow goes with -c CMD or -- CMD");
	if (ro->pid < 0 || (ro->pid && proc_exists(ro->pid))) {
		error("no process %lld", ro->pid);
		return UPX_EXIT_FAILURE;
	}
	if (ro->cgroup && cgroup_resolve(ro->cgroup, cg, err, sizeof(err))) {
		error("'%s': --cgroup: %s", ro->cgroup, err);
		return UPX_EXIT_FAILURE;
	}
	if (s->cmd_argv) {
		*prog = child_find(s->cmd_argv[0], &ret);
		if (!*prog)
			return ret;
	}
	return 0;
}

/* What a scrape and the metrics file need: the command's hook and its state. */
struct run_metrics {
	const struct run_ops *ops;
	const struct run_opts *ro;
	struct session *s;
	void *skel;
	void *ctx;
	struct httpd *httpd;
	void (*tick)(void *ctx);	/* the command's own -i tick, NULL: none */
	void *tick_ctx;
	char file_why[128];		/* the last --metrics-file failure, said once ("": none) */
	bool live;			/* the maps are loaded: the command's metrics can be read */
};

static int run_collect(struct metrics_writer *w, void *p)
{
	struct run_metrics *m = p;
	struct metric_labels ls = {};

	metrics_family(w, "upx_build_info", METRIC_GAUGE,
		       "Always 1: the version of upx and the command that serves these metrics.");
	metric_labels_add(&ls, "version", UPX_VERSION);
	metric_labels_add(&ls, "command", upx_cmd_name ? upx_cmd_name : "");
	metrics_gauge(w, &ls, 1);
	metrics_family(w, "upx_probes_attached", METRIC_GAUGE,
		       "Uprobes attached now (sites of the attach plan with a link).");
	metrics_gauge(w, &(struct metric_labels){}, m->s->att.nr_sites);
	if (!m->live)
		return 0;
	m->ops->metrics(w, m->s, m->skel, m->ctx);
	metrics_family(w, "upx_events_lost", METRIC_COUNTER, m->ops->lost_help);
	metrics_counter(w, &(struct metric_labels){}, session_lost(m->s));
	return 0;
}

static void write_metrics_file(struct run_metrics *m)
{
	char why[sizeof(m->file_why)] = "";

	metrics_file_write(m->ro->metrics_file, run_collect, m, why, sizeof(why));
	/* Said when it starts failing, or fails otherwise; not on every tick. */
	if (*why && strcmp(why, m->file_why))
		warning("cannot write '%s': %s", m->ro->metrics_file, why);
	memcpy(m->file_why, why, sizeof(why));
}

static void metrics_tick(void *p)
{
	struct run_metrics *m = p;

	if (m->tick)
		m->tick(m->tick_ctx);
	write_metrics_file(m);
}

static void httpd_turn(void *h)
{
	httpd__run(h);
}

static int httpd_timeout(void *h)
{
	return httpd__timeout_ms(h);
}

/* --listen, --metrics-file and -i before anything is loaded: 0 or an exit status. */
static int start_metrics(const struct run_ops *ops, const struct run_opts *ro,
			 struct run_metrics *m)
{
	char why[128];

	if ((ro->listen || ro->metrics_file) && !ops->metrics)
		return usage_error("this command has no metrics for --listen or --metrics-file");
	if (ro->interval > 0 && !ro->metrics_file)
		return usage_error("-i goes with --metrics-file");
	if (ro->metrics_file) {
		/* A first file now (no probe yet): a path that cannot be written fails here. */
		if (metrics_file_write(ro->metrics_file, run_collect, m, why, sizeof(why))) {
			error("cannot write '%s': %s", ro->metrics_file, why);
			return UPX_EXIT_FAILURE;
		}
	}
	if (ro->listen) {
		m->httpd = httpd__start(ro->listen, run_collect, m);
		if (!m->httpd)
			return UPX_EXIT_FAILURE;
	}
	return 0;
}

/* After configure(): the server in the loop, the file on its tick. */
static void loop_metrics(struct session *s, const struct run_opts *ro, struct run_metrics *m)
{
	if (m->httpd) {
		event_loop_add_fd(&s->loop, httpd__fd(m->httpd), httpd_turn, httpd_timeout,
				  m->httpd);
		s->loop.until_stopped = true;
	}
	if (ro->metrics_file) {
		m->tick = s->loop.interval > 0 ? s->loop.tick : NULL;
		m->tick_ctx = s->loop.ctx;
		if (!(s->loop.interval > 0))
			s->loop.interval = ro->interval > 0 ? ro->interval : RUN_METRICS_INTERVAL;
		s->loop.tick = metrics_tick;
		s->loop.ctx = m;
	}
}

/* The command's report, the records lost (once, for every command), the facts. */
static void run_report(const struct run_ops *ops, struct session *s, void *skel, void *ctx)
{
	uint64_t lost = session_lost(s) + s->loop.not_shown;

	if (ops->report)
		ops->report(s, skel, lost, ctx);
	if (ops->record_one && !(output_json() && (ops->flags & RUN_LOST_IN_REPORT)))
		report_lost(s->jw, lost, ops->record_one, ops->record_many);
	if (ops->facts)
		ops->facts(s, lost, ctx);
	copies_live_report(s);
}

int run_main(const struct run_ops *ops, const struct run_opts *ro, int argc, const char **argv,
	     void *ctx)
{
	struct session *s = ctx; /* the context starts with its session */
	struct run_metrics m = { .ops = ops, .ro = ro, .s = s, .ctx = ctx };
	struct attach_progs progs = {};
	struct cgroup_ref cg = {};
	struct bpf_map *stats;
	void *skel = NULL;
	char *prog = NULL;
	enum loop_end end;
	int ret;

	ret = check_run_opts(ops, ro, argc, argv, s, &prog, &cg);
	if (ret)
		goto out;
	ret = start_metrics(ops, ro, &m);
	if (ret)
		goto out;
	ret = UPX_EXIT_FAILURE;

	/* options -> attach plan (every copy of a TARGET named by name) */
	s->plan.pid = ro->pid;
	if ((ops->flags & RUN_COPIES) && ro->pid <= 0 && !s->cmd_argv)
		copies_live_start(s);
	ret = ops->plan(s, ctx);
	if (ret) {
		ret = ret > 0 ? ret : UPX_EXIT_FAILURE; /* a usage error keeps its status */
		goto out;
	}
	ret = UPX_EXIT_FAILURE;
	if (s->copies && copies_live_begin(s, ops->copies_watch))
		goto out;
	if (upx_verbose) {
		plan_print(&s->plan, stderr);
		copies_live_print(s, stderr);
	}
	if (upx_stop)
		goto out;

	/* The command waits, forked, until the probes are live. */
	if (s->cmd_argv && child_start(&s->child, prog, s->cmd_argv))
		goto out;

	/* plan -> BPF object */
	skel = ops->skel->open();
	if (!skel) {
		error("cannot open the BPF object: %s", strerror(errno));
		goto out;
	}
	m.skel = skel;
	s->loop.duration = ro->duration;
	s->loop.watch_pid = ro->pid;
	if (ops->configure(s, skel, &progs, ctx) ||
	    set_common_rodata(ops->skel->object(skel), ro, s, &cg))
		goto out;
	loop_metrics(s, ro, &m);
	progs.usdt_copies = s->copies;
	attach_prepare(&s->plan, &progs);
	s->progs = progs;
	if (ops->skel->load(skel)) {
		bpf_load_error();
		goto out;
	}
	stats = bpf_object__find_map_by_name(ops->skel->object(skel), "stats");
	s->stats_fd = stats ? bpf_map__fd(stats) : -1;

	/* BPF object -> links (the child's exec watched before it may exec) */
	if (s->cmd_argv && session_attach(s, bpf_object__find_program_by_name(
			ops->skel->object(skel), "upx_child_exec"), "sched_process_exec"))
		goto out;
	if (ro->follow &&
	    session_follow_program(s, ops->follow, ops->skel->object(skel)))
		goto out;
	if (ops->attached && ops->attached(s, skel, ctx))
		goto out;
	if (attach_plan(&s->plan, &progs, s->attach_pid, &s->att))
		goto out;
	if (ops->on_event && ops->events(skel)) {
		s->ev = events_open(ops->events(skel), ops->on_event, ops->announce, ctx);
		if (!s->ev)
			goto out;
	}
	ops->armed(s, ctx);
	copies_live_armed(s);
	if (m.httpd)
		status_line("Serving metrics on %s", httpd__url(m.httpd));
	fflush(stdout);
	if (s->cmd_argv) {
		ret = child_go(&s->child);
		if (ret) {
			ret = ret > 0 ? ret : UPX_EXIT_FAILURE; /* the shell's status: 126, 127 */
			goto out;
		}
		ret = UPX_EXIT_FAILURE;
	}

	/* links -> loop -> output */
	m.live = true;
	end = session_run(s, &s->loop);
	if (end == LOOP_ERROR)
		goto out;
	if (end != LOOP_STDOUT_CLOSED)
		run_report(ops, s, skel, ctx);
	/* The last counts, the ring buffer drained. */
	if (ro->metrics_file)
		write_metrics_file(&m);
	ret = 0;
out:
	free(prog);
	httpd__stop(m.httpd);
	copies_live_end(s);
	session_end(s);
	if (skel)
		ops->skel->destroy(skel);
	return ret;
}
