// SPDX-License-Identifier: GPL-2.0
/*
 * upx lifetimes: how long processes live, per name.  The kernel side hands
 * over one lifetime per process (libc start to exit); here they become a
 * log2 histogram per name with count, min, mean, max and percentiles.
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
#include "lifetimes.h"
#include "lifetimes.skel.h"
#include "output/hist.h"
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

static const char *const lifetimes_usage[] = {
	"upx lifetimes [-d SECONDS] [--comm NAME] [--json] [-c CMD | -- CMD [ARGS...]]",
	"upx lifetimes [--listen ADDR:PORT] [--metrics-file PATH [-i SECONDS]] [--comm NAME]",
	NULL,
};

/* Plan tags: which probe is which. */
enum { TAG_START = 1, TAG_EXIT, TAG__EXIT };

static struct run_opts ro;

static const struct upx_option lifetimes_options[] = {
	OPT_RUN_DURATION(&ro),
	OPT_RUN_COMM(&ro),
	OPT_RUN_CGROUP(&ro),
	OPT_JSON(),
	OPT_RUN_CMD(&ro),
	OPT_RUN_LISTEN(&ro),
	OPT_RUN_METRICS_FILE(&ro),
	OPT_RUN_INTERVAL(&ro),
	OPT_VERBOSE(),
	OPT_END(),
};

/* The lifetimes of one process name. */
struct life_row {
	char comm[UPX_COMM_LEN + 1];
	uint64_t slots[HIST_SLOTS];
	uint64_t count, min, max, already_running;
	long double sum;
};

struct lifetimes_ctx {
	struct session s;
	struct life_row *rows;
	size_t nr_rows, alloc_rows;
};

static struct life_row *row_of(struct lifetimes_ctx *ctx, const char *comm)
{
	struct life_row *r;

	for (size_t i = 0; i < ctx->nr_rows; i++)
		if (!strcmp(ctx->rows[i].comm, comm))
			return &ctx->rows[i];
	ALLOC_GROW(ctx->rows, ctx->nr_rows + 1, ctx->alloc_rows);
	r = &ctx->rows[ctx->nr_rows++];
	memset(r, 0, sizeof(*r));
	memcpy(r->comm, comm, UPX_COMM_LEN);
	r->min = UINT64_MAX;
	return r;
}

static int on_event(void *data, void *buf, size_t size)
{
	struct lifetimes_ctx *ctx = data;
	const struct lifetimes_event *e = buf;
	char comm[UPX_COMM_LEN + 1] = {};
	struct life_row *r;

	if (size < sizeof(*e))
		return 0;
	memcpy(comm, e->comm, UPX_COMM_LEN);
	r = row_of(ctx, comm);
	r->slots[hist_slot(e->lifetime_ns)]++;
	r->count++;
	r->sum += e->lifetime_ns;
	if (e->lifetime_ns < r->min)
		r->min = e->lifetime_ns;
	if (e->lifetime_ns > r->max)
		r->max = e->lifetime_ns;
	r->already_running += e->from == LIFETIMES_FROM_TASK;
	return 0;
}

/* "812 ns", "12.3 us", "200.5 ms", "1.002 s" */
static void human_ns(double ns, char *buf, size_t size)
{
	if (ns < 1e3)
		snprintf(buf, size, "%.0f ns", ns);
	else if (ns < 1e6)
		snprintf(buf, size, "%.1f us", ns / 1e3);
	else if (ns < 1e9)
		snprintf(buf, size, "%.1f ms", ns / 1e6);
	else
		snprintf(buf, size, "%.3f s", ns / 1e9);
}

/* An estimate from the buckets never goes past what was measured. */
static double clamp(double v, uint64_t min, uint64_t max)
{
	return v < min ? min : v > max ? max : v;
}

/* What every format shows of a row: the mean and the estimated percentiles. */
struct life_stats {
	double mean, p50, p99;
};

static struct life_stats row_stats(const struct life_row *r)
{
	return (struct life_stats){
		.mean = (double)(r->sum / r->count),
		.p50 = clamp(hist_percentile(r->slots, HIST_SLOTS, 50), r->min, r->max),
		.p99 = clamp(hist_percentile(r->slots, HIST_SLOTS, 99), r->min, r->max),
	};
}

/*
 * The lifetimes of each name: a histogram, its statistics (JSON after the
 * count; a note under the buckets in text), and how many were already
 * running (a counter family of its own).  core/output/table.h renders it.
 */
static struct table *lifetimes_table(struct lifetimes_ctx *ctx)
{
	static const char *const stat_names[] = { "min_ns", "mean_ns", "max_ns", "p50_ns", "p99_ns" };
	struct table *t = table__new(&(struct table_spec){
		.hist = true,
		.noun = "name",
		.one = "process",
		.many = "processes",
		.hist_name = "lifetime_ns",
		.empty = "No process ended through libc's exit() or _exit().",
		.metric = "upx_process_lifetime_seconds",
		.help = "How long processes lived, libc start to exit(), per name (log2 buckets).",
		.per_unit = 1e9,
	});

	table__col(t, &(struct table_col){ .head = "comm", .json = "comm", .label = "comm" });
	for (size_t k = 0; k < ARRAY_SIZE(stat_names); k++)
		table__col(t, &(struct table_col){ .json = stat_names[k], .flags = TABLE_AFTER_COUNT });
	table__col(t, &(struct table_col){
		.json = "already_running", .flags = TABLE_AFTER_COUNT,
		.family = "upx_process_lifetimes_from_task_start",
		.family_help = "Of those, processes already running when tracing began: measured from their task's start.",
	});
	for (size_t i = 0; i < ctx->nr_rows; i++) {
		const struct life_row *r = &ctx->rows[i];
		struct life_stats st = row_stats(r);
		char s[5][32], note[256];

		table__row(t, NULL);
		table__str(t, r->comm, -1);
		table__u64(t, r->min);
		table__u64(t, (uint64_t)(st.mean + 0.5));
		table__u64(t, r->max);
		table__u64(t, (uint64_t)(st.p50 + 0.5));
		table__u64(t, (uint64_t)(st.p99 + 0.5));
		table__u64(t, r->already_running);
		table__hist(t, r->slots, HIST_SLOTS, (unsigned __int128)r->sum, true);
		human_ns(r->min, s[0], sizeof(s[0]));
		human_ns(st.mean, s[1], sizeof(s[1]));
		human_ns(r->max, s[2], sizeof(s[2]));
		human_ns(st.p50, s[3], sizeof(s[3]));
		human_ns(st.p99, s[4], sizeof(s[4]));
		snprintf(note, sizeof(note),
			 "  count %llu, min %s, mean %s, max %s, p50 ~%s, p99 ~%s (estimated from the buckets)",
			 (unsigned long long)r->count, s[0], s[1], s[2], s[3], s[4]);
		table__note(t, note);
		if (!r->already_running)
			continue;
		snprintf(note, sizeof(note),
			 "  %llu already running when tracing began: measured from the process's start time",
			 (unsigned long long)r->already_running);
		table__note(t, note);
	}
	return t;
}

static void print_all(struct lifetimes_ctx *ctx)
{
	struct table *t = lifetimes_table(ctx);

	table__print(t, stdout, ctx->s.jw);
	table__free(t);
}

static int lifetimes_plan(struct session *s, void *ctx)
{
	return plan_add_function(&s->plan, "libc.so.6", "__libc_start_main", false, TAG_START) ||
	       plan_add_function(&s->plan, "libc.so.6", "exit", false, TAG_EXIT) ||
	       plan_add_function(&s->plan, "libc.so.6", "_exit", false, TAG__EXIT) ? -1 : 0;
}

static int lifetimes_configure(struct session *s, void *skel_, struct attach_progs *progs,
			       void *ctx)
{
	struct lifetimes_bpf *skel = skel_;

	skel->rodata->start_cookie = plan_cookie_of_tag(&s->plan, TAG_START);
	skel->rodata->exit_cookie = plan_cookie_of_tag(&s->plan, TAG_EXIT);
	skel->rodata->use_follow = s->cmd_argv != NULL;
	/* the task fields the programs read: offsets from the kernel's BTF, no CO-RE */
	if (kfield_task_offsets(skel->rodata->task_off))
		return -1;
	bpf_program__set_autoload(skel->progs.upx_follow_fork, s->cmd_argv != NULL);
	*progs = (struct attach_progs){
		.entry = skel->progs.upx_lifetime,
		.entry_multi = skel->progs.upx_lifetime_multi,
	};
	return 0;
}

static int lifetimes_attached(struct session *s, void *skel_, void *ctx)
{
	struct lifetimes_bpf *skel = skel_;

	if (s->cmd_argv && session_follow(s, skel->maps.follow, skel->progs.upx_follow_fork))
		return -1;
	/* Before the uprobes: a process must not leave an entry behind. */
	return session_attach(s, skel->progs.upx_life_gone, "sched_process_exit");
}

static struct bpf_map *lifetimes_events(void *skel)
{
	return ((struct lifetimes_bpf *)skel)->maps.events;
}

static void lifetimes_armed(struct session *s, void *ctx)
{
	status_line("Tracing process lifetimes through %s%s", s->plan.files[0].path,
		    s->cmd_argv ? "." : ". Hit Ctrl-C to end.");
}

static void lifetimes_report(struct session *s, void *skel, uint64_t lost, void *ctx)
{
	print_all(ctx);
}

/*
 * --listen, --metrics-file: the lifetimes of each name as a histogram in
 * seconds, with the real sum (core adds the records lost).
 */
static void lifetimes_metrics(struct metrics_writer *w, struct session *s, void *skel, void *p)
{
	struct table *t = lifetimes_table(p);

	table__metrics(t, w);
	table__free(t);
}

RUN_SKELETON(lifetimes_bpf);

static const struct run_ops lifetimes_run = {
	.skel = &lifetimes_bpf_run_skeleton,
	.flags = RUN_CMD | RUN_COMM | RUN_CGROUP,
	.plan = lifetimes_plan,
	.configure = lifetimes_configure,
	.attached = lifetimes_attached,
	.events = lifetimes_events,
	.on_event = on_event,
	.armed = lifetimes_armed,
	.report = lifetimes_report,
	.metrics = lifetimes_metrics,
	.record_one = "process",
	.record_many = "processes",
	.lost_help = "Processes whose end was not recorded: the ring buffer was full.",
};

static int cmd_lifetimes(int argc, const char **argv)
{
	struct lifetimes_ctx ctx = {};
	int ret;

	argc = parse_options(argc, argv, lifetimes_options, lifetimes_usage,
			     PARSE_OPT_KEEP_DASHDASH);
	if (argc < 0)
		return parse_options_exit(argc);
	session_init(&ctx.s);
	ret = run_main(&lifetimes_run, &ro, argc, argv, &ctx);
	free(ctx.rows);
	return ret;
}

const struct upx_cmd upx_cmd_lifetimes = {
	.name = "lifetimes",
	.summary = "show how long processes live, per name, as log2 histograms",
	.fn = cmd_lifetimes,
	.flags = UPX_CMD_NEEDS_BPF,
	.opts = lifetimes_options,
};
