// SPDX-License-Identifier: GPL-2.0
/*
 * upx exitcodes: which processes exit voluntarily, and with which code.
 * Entry probes on libc's exit() and _exit(); one line per process (the
 * kernel drops the _exit() that ends an exit()), and a (comm, code) summary.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "base/cmd.h"
#include "base/options.h"
#include "base/util.h"
#include "exitcodes.h"
#include "exitcodes.skel.h"
#include "output/json.h"
#include "output/metrics.h"
#include "output/output.h"
#include "output/table.h"
#include "plan/plan.h"
#include "run/attach.h"
#include "run/bpf-util.h"
#include "run/events.h"
#include "run/kfield.h"
#include "run/run.h"
#include "run/runopt.h"
#include "run/session.h"
#include "target/proc.h"

static const char *const exitcodes_usage[] = {
	"upx exitcodes [-d SECONDS] [--comm NAME] [-p PID] [--nonzero] [--json] [-c CMD | -- CMD [ARGS...]]",
	"upx exitcodes [--listen ADDR:PORT] [--metrics-file PATH [-i SECONDS]] [--comm NAME] [--nonzero]",
	NULL,
};

/* Plan tags: which probe is which. */
enum { TAG_EXIT = 1, TAG__EXIT };

static struct run_opts ro;
static struct {
	bool nonzero;
} opt;

static const struct upx_option exitcodes_options[] = {
	OPT_RUN_DURATION(&ro),
	OPT_RUN_COMM(&ro),
	OPT_RUN_CGROUP(&ro),
	OPT_RUN_PID(&ro),
	OPT_BOOL(0, "nonzero", &opt.nonzero, "only exits with a code other than 0"),
	OPT_JSON(),
	OPT_RUN_CMD(&ro),
	OPT_RUN_LISTEN(&ro),
	OPT_RUN_METRICS_FILE(&ro),
	OPT_RUN_INTERVAL(&ro),
	OPT_VERBOSE(),
	OPT_END(),
};

/* The summary: exits per (comm, code). */
struct exit_row {
	char comm[UPX_COMM_LEN + 1];
	int code;
	unsigned long long count;
};

struct exitcodes_ctx {
	struct session s;
	struct exit_row *rows;
	size_t nr_rows, alloc_rows;
};

static void count_exit(struct exitcodes_ctx *ctx, const char *comm, int code)
{
	for (size_t i = 0; i < ctx->nr_rows; i++)
		if (ctx->rows[i].code == code && !strcmp(ctx->rows[i].comm, comm)) {
			ctx->rows[i].count++;
			return;
		}
	ALLOC_GROW(ctx->rows, ctx->nr_rows + 1, ctx->alloc_rows);
	memset(&ctx->rows[ctx->nr_rows], 0, sizeof(ctx->rows[0]));
	memcpy(ctx->rows[ctx->nr_rows].comm, comm, UPX_COMM_LEN);
	ctx->rows[ctx->nr_rows].code = code;
	ctx->rows[ctx->nr_rows++].count = 1;
}

static const char *via_name(__u32 via)
{
	return via == EXITCODES_VIA_EXIT ? "exit" : "_exit";
}

/* The record and its exit code; NULL for a short one.  Every exit counts in the summary. */
static const struct exitcodes_event *take_event(struct exitcodes_ctx *ctx, void *buf, size_t size,
						int *code)
{
	const struct exitcodes_event *e = buf;

	if (size < sizeof(*e))
		return NULL;
	*code = e->status & 0xff;
	count_exit(ctx, e->comm, *code);
	return e;
}

static int on_event_plain(void *data, void *buf, size_t size)
{
	struct exitcodes_ctx *ctx = data;
	const struct exitcodes_event *e;
	int code;

	e = take_event(ctx, buf, size, &code);
	if (!e)
		return 0;
	event_head_print(stdout, e->ts_ns + ctx->s.realtime_offset_ns,
			 (const uint32_t[]){ e->pid, e->ppid }, 2, e->comm, sizeof(e->comm));
	printf("%4d %s\n", code, via_name(e->via));
	return 0;
}

static int on_event_json(void *data, void *buf, size_t size)
{
	struct exitcodes_ctx *ctx = data;
	struct json_writer *jw = ctx->s.jw;
	const struct exitcodes_event *e;
	int code;

	e = take_event(ctx, buf, size, &code);
	if (!e)
		return 0;
	event_head_json(jw, e->ts_ns + ctx->s.realtime_offset_ns, e->pid, e->tid, e->comm,
			sizeof(e->comm));
	json_u64_field(jw, "ppid", e->ppid);
	json_s64_field(jw, "code", code);
	json_s64_field(jw, "status", e->status);
	json_string_field(jw, "via", via_name(e->via));
	json_object_end(jw);
	json_writer__end_line(jw);
	return 0;
}

/* The summary: exits per name and code, the most first (core/output/table.h renders it). */
static struct table *summary_table(struct exitcodes_ctx *ctx, unsigned long long lost)
{
	struct table *t = table__new(&(struct table_spec){
		.noun = "row",
		.gap = true,	/* after the events */
		.count_width = 8,
		.json_doc = "summary",
		.metric = "upx_process_exits",
		.help = "Processes that ended through libc's exit() or _exit(), per name and exit code.",
	});

	table__col(t, &(struct table_col){ .head = "comm", .json = "comm", .label = "comm",
					   .min_width = 16 });
	table__col(t, &(struct table_col){ .head = "code", .json = "code", .label = "code",
					   .flags = TABLE_RIGHT, .min_width = 4 });
	for (size_t i = 0; i < ctx->nr_rows; i++) {
		table__row(t, NULL);
		table__str(t, ctx->rows[i].comm, -1);
		table__s64(t, ctx->rows[i].code);
		table__count(t, ctx->rows[i].count);
	}
	table__total(t, "lost", NULL, METRIC_COUNTER, NULL, lost);
	return t;
}

/* The event printer of each output format, chosen once. */
static int (*const print_event[OUTPUT_NR])(void *ctx, void *data, size_t size) = {
	[OUTPUT_TEXT] = on_event_plain,
	[OUTPUT_JSON] = on_event_json,
};

/* What the ring buffer calls: the printer of the format chosen (one indirect call). */
static int on_event(void *ctx, void *data, size_t size)
{
	return print_event[upx_output](ctx, data, size);
}

static void print_summary(struct exitcodes_ctx *ctx, unsigned long long lost)
{
	struct table *t = summary_table(ctx, lost);

	table__print(t, stdout, ctx->s.jw);
	table__free(t);
}


/* exit() first: its cookie tells the BPF side which probe fired. */
static int exitcodes_plan(struct session *s, void *ctx)
{
	return plan_add_function(&s->plan, "libc.so.6", "exit", false, TAG_EXIT) ||
	       plan_add_function(&s->plan, "libc.so.6", "_exit", false, TAG__EXIT) ? -1 : 0;
}

static int exitcodes_configure(struct session *s, void *skel_, struct attach_progs *progs,
			       void *ctx)
{
	struct exitcodes_bpf *skel = skel_;
	bool follow = s->cmd_argv != NULL;

	skel->rodata->exit_cookie = plan_cookie_of_tag(&s->plan, TAG_EXIT);
	skel->rodata->filter_tgid = ro.pid;
	skel->rodata->nonzero_only = opt.nonzero;
	skel->rodata->use_follow = follow;
	/* the task fields the programs read: offsets from the kernel's BTF, no CO-RE */
	if (kfield_task_offsets(skel->rodata->task_off))
		return -1;
	bpf_program__set_autoload(skel->progs.upx_follow_fork, follow);
	bpf_program__set_autoload(skel->progs.upx_exit_gone, follow);
	s->attach_pid = ro.pid > 0 ? ro.pid : -1;
	*progs = (struct attach_progs){
		.entry = skel->progs.upx_exit,
		.entry_multi = skel->progs.upx_exit_multi,
	};
	return 0;
}

/* -c: the command and its descendants, followed as they fork and exit. */
static int exitcodes_attached(struct session *s, void *skel_, void *ctx)
{
	struct exitcodes_bpf *skel = skel_;

	if (!s->cmd_argv)
		return 0;
	return session_follow(s, skel->maps.follow, skel->progs.upx_follow_fork) ||
	       session_attach(s, skel->progs.upx_exit_gone, "sched_process_exit") ? -1 : 0;
}

static struct bpf_map *exitcodes_events(void *skel)
{
	return ((struct exitcodes_bpf *)skel)->maps.events;
}

static void exitcodes_armed(struct session *s, void *ctx)
{
	status_line("Tracing exit() and _exit() in %s%s", s->plan.files[0].path,
		    s->cmd_argv ? "." : ". Hit Ctrl-C to end.");
	if (!output_json()) {
		event_head_titles(stdout, (const char *[]){ "PID", "PPID" }, 2);
		printf("%4s %s\n", "CODE", "VIA");
	}
}

static void exitcodes_report(struct session *s, void *skel, uint64_t lost, void *ctx)
{
	print_summary(ctx, lost);
}

/* --listen, --metrics-file: exits per (name, code); core adds the records lost. */
static void exitcodes_metrics(struct metrics_writer *w, struct session *s, void *skel, void *p)
{
	struct table *t = summary_table(p, 0);

	table__metrics(t, w);
	table__free(t);
}

RUN_SKELETON(exitcodes_bpf);

static const struct run_ops exitcodes_run = {
	.skel = &exitcodes_bpf_run_skeleton,
	.flags = RUN_PID | RUN_CMD | RUN_COMM | RUN_CGROUP | RUN_LOST_IN_REPORT,
	.plan = exitcodes_plan,
	.configure = exitcodes_configure,
	.attached = exitcodes_attached,
	.events = exitcodes_events,
	.on_event = on_event,
	.armed = exitcodes_armed,
	.report = exitcodes_report,
	.metrics = exitcodes_metrics,
	.record_one = "exit",
	.record_many = "exits",
	.lost_help = "Exits not recorded: the ring buffer was full.",
};

static int cmd_exitcodes(int argc, const char **argv)
{
	struct exitcodes_ctx ctx = {};
	int ret;

	argc = parse_options(argc, argv, exitcodes_options, exitcodes_usage,
			     PARSE_OPT_KEEP_DASHDASH);
	if (argc < 0)
		return parse_options_exit(argc);
	session_init(&ctx.s);
	ret = run_main(&exitcodes_run, &ro, argc, argv, &ctx);
	free(ctx.rows);
	return ret;
}

const struct upx_cmd upx_cmd_exitcodes = {
	.name = "exitcodes",
	.summary = "show which processes exit through libc, with their exit codes",
	.fn = cmd_exitcodes,
	.flags = UPX_CMD_NEEDS_BPF,
	.opts = exitcodes_options,
};
