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

#include "attach.h"
#include "bpf-util.h"
#include "cmd.h"
#include "events.h"
#include "exitcodes.h"
#include "exitcodes.skel.h"
#include "json.h"
#include "kfield.h"
#include "options.h"
#include "output.h"
#include "plan.h"
#include "proc.h"
#include "runopt.h"
#include "session.h"
#include "util.h"

static const char *const exitcodes_usage[] = {
	"upx exitcodes [-d SECONDS] [--comm NAME] [-p PID] [--nonzero] [--json] [-c CMD | -- CMD [ARGS...]]",
	NULL,
};

static struct {
	double duration;
	const char *comm;
	long long pid;
	bool nonzero;
	const char *cmd;
} opt;

static const struct upx_option exitcodes_options[] = {
	OPT_CALLBACK('d', "duration", &opt.duration, "SECONDS", "stop after SECONDS", opt_seconds_cb),
	OPT_STRING(0, "comm", &opt.comm, "NAME", "only processes with this name"),
	OPT_INT('p', "pid", &opt.pid, "PID", "only this process (its libc, even in a container); stop when it is gone"),
	OPT_BOOL(0, "nonzero", &opt.nonzero, "only exits with a code other than 0"),
	OPT_JSON(),
	OPT_STRING('c', "cmd", &opt.cmd, "CMD", "run CMD once the probes are live, watch it and its descendants, stop when it exits"),
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
	char line[EVENT_HEAD_MAX(2, UPX_COMM_LEN)], *end;
	int code;

	e = take_event(ctx, buf, size, &code);
	if (!e)
		return 0;
	end = event_head_text(line, e->ts_ns + ctx->s.realtime_offset_ns,
			      (const uint32_t[]){ e->pid, e->ppid }, 2, e->comm, sizeof(e->comm));
	printf("%.*s%4d %s\n", (int)(end - line), line, code, via_name(e->via));
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

static int cmp_rows(const void *a, const void *b)
{
	const struct exit_row *x = a, *y = b;
	int c;

	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	c = strcmp(x->comm, y->comm);
	return c ? c : (x->code > y->code) - (x->code < y->code);
}

static void print_summary_plain(struct exitcodes_ctx *ctx, unsigned long long lost)
{
	printf("\n%-16s %4s %8s\n", "COMM", "CODE", "COUNT");
	for (size_t i = 0; i < ctx->nr_rows; i++) {
		char comm[4 * UPX_COMM_LEN + 1];

		escape_to_buf(comm, sizeof(comm), ctx->rows[i].comm, -1);
		printf("%-16s %4d %8llu\n", comm, ctx->rows[i].code, ctx->rows[i].count);
	}
	if (lost)
		warning("lost %llu exits: the ring buffer was full", lost);
}

static void print_summary_json(struct exitcodes_ctx *ctx, unsigned long long lost)
{
	struct json_writer *jw = ctx->s.jw;

	json_object_start(jw);
	json_name(jw, "summary");
	json_array_start(jw);
	for (size_t i = 0; i < ctx->nr_rows; i++) {
		json_object_start(jw);
		json_name(jw, "comm");
		json_string_len(jw, ctx->rows[i].comm, strlen(ctx->rows[i].comm));
		json_s64_field(jw, "code", ctx->rows[i].code);
		json_u64_field(jw, "count", ctx->rows[i].count);
		json_object_end(jw);
	}
	json_array_end(jw);
	json_u64_field(jw, "lost", lost);
	json_object_end(jw);
	json_writer__end_line(jw);
}

/* The printers of one output format, chosen once. */
static const struct {
	int (*event)(void *ctx, void *data, size_t size);
	void (*summary)(struct exitcodes_ctx *ctx, unsigned long long lost);
} printers[OUTPUT_NR] = {
	[OUTPUT_TEXT] = { on_event_plain, print_summary_plain },
	[OUTPUT_JSON] = { on_event_json, print_summary_json },
};

static void print_summary(struct exitcodes_ctx *ctx, unsigned long long lost)
{
	if (ctx->nr_rows) /* qsort(NULL, 0, ...) is undefined */
		qsort(ctx->rows, ctx->nr_rows, sizeof(ctx->rows[0]), cmp_rows);
	printers[upx_output].summary(ctx, lost);
}

static int cmd_exitcodes(int argc, const char **argv)
{
	struct exitcodes_ctx ctx = {};
	struct exitcodes_bpf *skel = NULL;
	struct attach_progs progs;
	struct event_loop loop;
	int ret = UPX_EXIT_FAILURE;
	long long exit_cookie;
	enum loop_end end;

	argc = parse_options(argc, argv, exitcodes_options, exitcodes_usage,
			     PARSE_OPT_KEEP_DASHDASH);
	if (argc < 0)
		return parse_options_exit(argc);
	session_init(&ctx.s);
	ret = runopt_command(opt.cmd, argc, argv, &ctx.s.cmd_argv);
	if (ret)
		goto out;
	ret = UPX_EXIT_FAILURE;
	if (opt.pid && ctx.s.cmd_argv) {
		ret = usage_error("-p and -c exclude each other");
		goto out;
	}
	if (opt.pid < 0 || (opt.pid && proc_exists(opt.pid))) {
		error("no process %lld", opt.pid);
		goto out;
	}

	/* exit() first: its cookie tells the BPF side which probe fired. */
	ctx.s.plan.pid = opt.pid;
	if (plan_add_function(&ctx.s.plan, "libc.so.6", "exit", false) ||
	    plan_add_function(&ctx.s.plan, "libc.so.6", "_exit", false))
		goto out;
	if (upx_verbose)
		plan_print(&ctx.s.plan, stderr);
	exit_cookie = plan_cookie_of(&ctx.s.plan, "exit");

	events_signals_setup();
	if (ctx.s.cmd_argv && child_start(&ctx.s.child, ctx.s.cmd_argv))
		goto out;

	bpf_util_setup_logging();
	skel = exitcodes_bpf__open();
	if (!skel) {
		error("cannot open the BPF object: %s", strerror(errno));
		goto out;
	}
	skel->rodata->exit_cookie = exit_cookie;
	skel->rodata->filter_tgid = opt.pid;
	skel->rodata->self_tgid = getpid();
	if (opt.comm) {
		strncpy((char *)skel->rodata->filter_comm, opt.comm, UPX_COMM_LEN - 1);
		skel->rodata->has_comm = 1;
	}
	skel->rodata->nonzero_only = opt.nonzero;
	skel->rodata->use_follow = ctx.s.cmd_argv != NULL;
	/* the task fields the programs read: offsets from the kernel's BTF, no CO-RE */
	if (kfield_task_offsets(skel->rodata->task_off))
		goto out;
	bpf_program__set_autoload(skel->progs.upx_follow_fork, ctx.s.cmd_argv != NULL);
	bpf_program__set_autoload(skel->progs.upx_exit_gone, ctx.s.cmd_argv != NULL);
	progs = (struct attach_progs){
		.entry = skel->progs.upx_exit,
		.entry_multi = skel->progs.upx_exit_multi,
	};
	attach_prepare(&ctx.s.plan, &progs);
	if (exitcodes_bpf__load(skel)) {
		bpf_load_error();
		goto out;
	}
	if (ctx.s.cmd_argv &&
	    (session_follow(&ctx.s, skel->maps.follow, skel->progs.upx_follow_fork) ||
	     session_attach(&ctx.s, skel->progs.upx_exit_gone, "sched_process_exit")))
		goto out;
	if (attach_plan(&ctx.s.plan, &progs, opt.pid > 0 ? opt.pid : -1, &ctx.s.att))
		goto out;

	ctx.s.ev = events_open(skel->maps.events, printers[upx_output].event, &ctx);
	if (!ctx.s.ev)
		goto out;
	if (!output_json()) {
		fprintf(stderr, "Tracing exit() and _exit() in %s%s\n", ctx.s.plan.files[0].path,
			ctx.s.cmd_argv ? "." : ". Hit Ctrl-C to end.");
		printf("%-15s %-7s %-7s %-16s %4s %s\n", "TIME", "PID", "PPID", "COMM", "CODE",
		       "VIA");
	}
	if (ctx.s.cmd_argv && child_go(&ctx.s.child))
		goto out;
	loop = (struct event_loop){
		.duration = opt.duration,
		/* with -p, the answer is complete once the process is gone */
		.watch_pid = opt.pid,
	};
	end = session_run(&ctx.s, &loop);
	if (end == LOOP_ERROR)
		goto out;
	if (end != LOOP_STDOUT_CLOSED)
		print_summary(&ctx, percpu_u64_sum(bpf_map__fd(skel->maps.stats),
						   EXITCODES_STAT_LOST) + loop.not_shown);
	ret = 0;
out:
	session_end(&ctx.s);
	exitcodes_bpf__destroy(skel);
	free(ctx.rows);
	return ret;
}

const struct upx_cmd upx_cmd_exitcodes = {
	.name = "exitcodes",
	.summary = "show which processes exit through libc, with their exit codes",
	.fn = cmd_exitcodes,
	.flags = UPX_CMD_NEEDS_BPF,
};
