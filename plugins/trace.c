// SPDX-License-Identifier: GPL-2.0
/*
 * upx trace: uprobes and uretprobes on any function, filtered and aggregated
 * in the kernel.  argv -> probe specs -> attach plan -> skeleton -> links ->
 * event loop -> output; each step lives in core/.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "base/cmd.h"
#include "base/options.h"
#include "base/util.h"
#include "copywatch.skel.h"
#include "follow.skel.h"
#include "output/json.h"
#include "output/metrics.h"
#include "output/output.h"
#include "output/table.h"
#include "output/value.h"
#include "plan/bufarg.h"
#include "plan/bykey.h"
#include "plan/params.h"
#include "plan/plan.h"
#include "plan/span.h"
#include "run/attach.h"
#include "run/bpf-util.h"
#include "run/copies-live.h"
#include "run/events.h"
#include "run/facts.h"
#include "run/kfield.h"
#include "run/run.h"
#include "run/runopt.h"
#include "run/session.h"
#include "run/whyzero.h"
#include "stack/ustack.h"
#include "symbols/debuginfod.h"
#include "symbols/dwarf.h"
#include "symbols/elf.h"
#include "target/probe-spec.h"
#include "target/proc.h"
#include "trace-stack.skel.h"
#include "trace.h"
#include "trace.skel.h"

static const char *const trace_usage[] = {
	"upx trace [options] [r:]TARGET:FUNCTION[+OFFSET]... [-- CMD [ARGS...]]",
	"upx trace [options] usdt:TARGET:[PROVIDER:]NAME... [-- CMD [ARGS...]]",
	"upx trace --span [options] START END [-- CMD [ARGS...]]",
	NULL,
};

static struct run_opts ro;
static struct {
	long long uid;
	unsigned long long min, max;
	bool has_min, has_max;
	const char *value_arg;
	long long nr_args;
	const char *str_arg;
	bool count;
	const char *hist;
	bool latency;
	double interval;
	bool force;
	bool at_entry;
	unsigned long long buffer_size;
	const char *by;
	unsigned long long by_size;
	long long top;
	struct ustack_opts stack;
	struct span_opts span;
	struct buf_opts buf;
} opt = { .uid = -1, .buffer_size = 8 << 20, .by_size = BY_SIZE_DEFAULT };

static int min_cb(const struct upx_option *o, const char *arg)
{
	bool *has = o->value == &opt.min ? &opt.has_min : &opt.has_max;

	if (!parse_u64_or_duration(arg, o->value, &opt.span.min_dur))
		return usage_error("option '--%s' expects a number (1M = 1048576) or a duration "
				   "(20ms), not '%s'", o->long_name, arg);
	*has = true;
	return 0;
}

static const struct upx_option trace_options[] = {
	OPT_GROUP("Filters (run in the kernel)"),
	OPT_RUN_PID(&ro),
	OPT_RUN_COMM(&ro),
	OPT_RUN_CGROUP(&ro),
	OPT_CALLBACK(0, "uid", &opt.uid, "UID", "only this user", opt_uid_cb),
	OPT_CALLBACK(0, "min", &opt.min, "N", "only calls where ARG >= N (see --on)", min_cb),
	OPT_CALLBACK(0, "max", &opt.max, "N", "only calls where ARG <= N (see --on)", min_cb),
	OPT_STRING(0, "on", &opt.value_arg, "ARG", "what --min/--max test: argN, a parameter name or retval (default arg0)"),
	OPT_GROUP("What to show"),
	OPT_INT('a', "args", &opt.nr_args, "N", "show the first N integer arguments (up to 6)"),
	OPT_STRING('s', "str", &opt.str_arg, "ARG", "read argN, a parameter name or retval as a string"),
	OPT_BUF(&opt.buf),
	OPT_BOOL(0, "count", &opt.count, "count calls per probe"),
	OPT_STRING(0, "hist", &opt.hist, "ARG", "log2 histogram of argN, a parameter or retval per probe"),
	OPT_BOOL(0, "latency", &opt.latency, "log2 histogram of call durations per function"),
	OPT_SPAN(&opt.span),
	OPT_STRING(0, "by", &opt.by, "KEY,...", "count or bucket by comm, pid, tid, uid, probe, file, argN, retval, a parameter or str:ARG"),
	OPT_UINT(0, "by-size", &opt.by_size, "N", "--by: keys the kernel keeps (default 10240); calls under more are reported, not counted"),
	OPT_CALLBACK(0, "top", &opt.top, "N", "show the N largest counts only", opt_positive_cb),
	OPT_USTACK(&opt.stack),
	OPT_DEBUGINFOD(),
	OPT_CALLBACK('i', "interval", &opt.interval, "SECONDS", "print aggregations every SECONDS", opt_seconds_cb),
	OPT_RUN_LISTEN(&ro),
	OPT_RUN_METRICS_FILE(&ro),
	OPT_JSON(),
	OPT_GROUP("Running"),
	OPT_RUN_DURATION(&ro),
	OPT_RUN_CMD(&ro),
	OPT_RUN_FOLLOW(&ro),
	OPT_CALLBACK('m', "buffer-size", &opt.buffer_size, "BYTES", "ring buffer size (default 8M; a power of 2, at least 4K)", opt_ring_size_cb),
	OPT_BOOL(0, "force", &opt.force, "allow return probes that can break the program (Go; setjmp, longjmp, exit)"),
	OPT_BOOL(0, "at-entry", &opt.at_entry, "probe at offset 0 even when the function starts with endbr64"),
	OPT_VERBOSE(),
	OPT_END(),
};

/* The maps trace sizes and reads, by name in either build (trace.bpf.c, trace-stack.bpf.c). */
#define TRACE_MAPS(X) X(events) X(stats) X(counts) X(hists) X(hist_sums) X(starts) \
	X(by_counts) X(by_hists) X(by_starts) X(span_starts) X(buf_args) X(drops) X(drop_values) \
	X(__bpf_usdt_specs)
struct trace_maps {
#define TRACE_MAP_FIELD(m) struct bpf_map *m;
	TRACE_MAPS(TRACE_MAP_FIELD)
#undef TRACE_MAP_FIELD
};

struct tick_ctx {
	struct trace_ctx *ctx;
	const struct probe_spec *specs;
};

struct trace_ctx {
	struct session s;	/* first: core/run/run.c's hooks get the context as a session */
	const struct run_skeleton *skel;	/* trace.bpf.c, or trace-stack.bpf.c (--stack) */
	struct trace_maps maps;		/* the object's, by name */
	struct trace_config *cfg;	/* its rodata's trace_cfg, until load */
	struct probe_spec *specs;
	size_t nr_specs;
	struct tick_ctx tick;	/* -i */
	int str_arg;
	int value_arg;	/* what --min/--max test: shown in every event */
	struct params *params;	/* names and types of the probes' parameters, when wanted */
	struct by_spec by;	/* --by; by.nr 0: per probe */
	struct ustack *stk;	/* --stack */
	bool stack_failed;	/* the flame graph could not be written */
	uint64_t *seen;		/* events mode: records per probe, for the zero report */
	struct whyzero_start *wz_start;	/* system-wide: who mapped the files at the start */
};

/* Does the event carry the string (the argument at entry, the return value at a return)? */
static bool event_has_str(const struct trace_ctx *ctx, const struct trace_event *e, size_t size)
{
	return size > TRACE_EVENT_HDR_SIZE && ctx->str_arg != TRACE_VALUE_NONE &&
	       !!e->is_return == (ctx->str_arg == TRACE_VALUE_RETVAL);
}

/* The string the event carries, read at ptr. */
static void print_str(const struct trace_event *e, __u64 ptr)
{
	read_str_print(stdout, &(struct read_str){ e->str, e->str_len, TRACE_STR_MAX, ptr });
}

/* Argument i is shown: --args asks for it, --min/--max test it or --str reads it. */
static bool arg_shown(const struct trace_ctx *ctx, int i, bool has_str)
{
	return i < opt.nr_args || i == ctx->value_arg || (has_str && i == ctx->str_arg);
}

/* The value --min/--max test (its name from DWARF), in the event: "value", "value_of". */
static void json_value_fields(struct json_writer *jw, const struct trace_ctx *ctx,
			      const struct trace_event *e)
{
	if (ctx->value_arg != TRACE_VALUE_NONE &&
	    !!e->is_return == (ctx->value_arg == TRACE_VALUE_RETVAL))
		params__json_value(ctx->params, jw, e->cookie, ctx->value_arg,
				   ctx->value_arg == TRACE_VALUE_RETVAL ? e->retval :
				   e->args[ctx->value_arg]);
}

/* The probe an event is from; NULL for a cookie out of range. */
static const struct plan_entry *event_probe(const struct trace_ctx *ctx,
					    const struct trace_event *e)
{
	uint32_t probe = plan_cookie_probe(e->cookie);

	return probe < ctx->s.plan.nr_probes ? &ctx->s.plan.entries[probe] : NULL;
}

/* --stack: the frames of the record after the event (text, or fields of jw's object). */
static void event_stack(struct trace_ctx *ctx, const struct trace_event *e, size_t size,
			struct json_writer *jw)
{
	size_t rec = ctx->str_arg != TRACE_VALUE_NONE ? sizeof(*e) : TRACE_EVENT_HDR_SIZE;

	if (ctx->stk && size > rec)	/* its size: the unwound stack's or the copy's */
		ustack__event(ctx->stk, e->tgid, plan_cookie_probe(e->cookie),
			      (const char *)e + rec, size - rec, jw);
}

static int on_event_plain(void *data, void *buf, size_t size)
{
	struct trace_ctx *ctx = data;
	const struct trace_event *e = buf;
	const struct plan_entry *pe = event_probe(ctx, e);
	bool has_str = event_has_str(ctx, e, size);

	if (!pe)
		return 0;
	event_head_print(stdout, e->ts_ns + ctx->s.realtime_offset_ns,
			 (const uint32_t[]){ e->tgid, e->tid }, 2, e->comm, sizeof(e->comm));
	fputs_escaped(stdout, pe->label, -1);
	/* Each argument once, in order; at a return the argument registers are gone. */
	for (int i = 0; !e->is_return && i < TRACE_MAX_ARGS; i++) {
		const struct dwarf_param *p = params__of(ctx->params, e->cookie, i);

		if (!arg_shown(ctx, i, has_str))
			continue;
		putchar(' ');
		param_print_name(stdout, p, i);
		putchar('=');
		if (has_str && ctx->str_arg == i)
			print_str(e, e->args[i]);
		else
			param_print(stdout, p, e->args[i]);
	}
	if (e->is_return) {
		fputs(" ret=", stdout);
		if (has_str)
			print_str(e, e->retval);
		else
			value_print(stdout, e->retval);
	}
	span_event_text(&opt.span, stdout, e);
	buf_event_text(&opt.buf, stdout, e, size);
	putchar('\n');
	event_stack(ctx, e, size, NULL);
	return 0;
}

static int on_event_json(void *data, void *buf, size_t size)
{
	struct trace_ctx *ctx = data;
	const struct trace_event *e = buf;
	const struct plan_entry *pe = event_probe(ctx, e);
	struct json_writer *jw = ctx->s.jw;

	if (!pe)
		return 0;
	event_head_json(jw, e->ts_ns + ctx->s.realtime_offset_ns, e->tgid, e->tid, e->comm,
			sizeof(e->comm));
	json_u64_field(jw, "uid", e->uid);
	json_string_field(jw, "probe", pe->label);
	json_string_field(jw, "function", pe->func);
	json_name(jw, "args");
	json_array_start(jw);
	for (int i = 0; !e->is_return && i < opt.nr_args; i++)
		json_u64(jw, e->args[i]);
	json_array_end(jw);
	if (!e->is_return)
		params__json_names(ctx->params, jw, e->cookie, opt.nr_args);
	if (e->is_return)
		json_s64_field(jw, "retval", (long long)e->retval);
	json_value_fields(jw, ctx, e);
	span_event_json(&opt.span, jw, e);
	buf_event_json(&opt.buf, jw, e, size);
	if (event_has_str(ctx, e, size))
		read_str_json(jw, &(struct read_str){ e->str, e->str_len, TRACE_STR_MAX,
						   ctx->str_arg == TRACE_VALUE_RETVAL ? e->retval :
						   e->args[ctx->str_arg] });
	event_stack(ctx, e, size, jw);
	json_object_end(jw);
	json_writer__end_line(jw);
	return 0;
}

/* The event printer of each output format, chosen once. */
static int (*const print_event[OUTPUT_NR])(void *ctx, void *data, size_t size) = {
	[OUTPUT_TEXT] = on_event_plain,
	[OUTPUT_JSON] = on_event_json,
};

/* --stack: a process's mappings at its first event, even when a hurried stop only counts events. */
static bool announce(void *ctx, const void *data, size_t size)
{
	return ustack__proc_record(((struct trace_ctx *)ctx)->stk, data, size);
}

/* What the ring buffer calls: the printer of the format chosen (one indirect call). */
static int on_event(void *ctx, void *data, size_t size)
{
	struct trace_ctx *t = ctx;

	if (announce(ctx, data, size))
		return 0;
	if (size >= TRACE_EVENT_HDR_SIZE && event_probe(t, data))
		t->seen[plan_cookie_probe(((const struct trace_event *)data)->cookie)]++;
	if (t->stk && opt.count) {
		if (size >= TRACE_EVENT_HDR_SIZE)
			event_stack(t, data, size, NULL);
		return 0;
	}
	return print_event[upx_output](ctx, data, size);
}

/* A probe from a glob shows up only when it fired; a named one always. */
static bool show_zero(const struct trace_ctx *ctx, size_t i, const struct probe_spec *specs)
{
	int s = ctx->s.plan.entries[i].spec;

	return s < 0 || !pattern_is_glob(specs[s].function);
}

static uint64_t stat_value(const struct trace_ctx *ctx, enum trace_stat st)
{
	return percpu_u64_sum(bpf_map__fd(ctx->maps.stats), st);
}

/* Aggregations: tables filled here, rendered by core/output/table.h --------------------- */

/* --count --stack: calls per stack (core/stack/ustack.c); --folded, --flamegraph, --pprof. */
static void print_stack_counts(struct trace_ctx *ctx)
{
	if (ustack__print(ctx->stk, opt.top, output_json() ? ctx->s.jw : NULL))
		ctx->stack_failed = true;
}

/* The probe whose DWARF types a --by number is shown with: its own, or the first entry probe. */
static uint64_t by_type_probe(const struct trace_ctx *ctx, const struct trace_by_key *k)
{
	if (by_spec_has(&ctx->by, BY_PROBE))
		return k->probe;
	for (size_t i = 0; i < ctx->s.plan.nr_probes; i++)
		if (!ctx->s.plan.entries[i].is_return)
			return i;
	return 0;
}

/* A --by number as its DWARF type says (by_table_cells()'s callback). */
static bool by_value_cell(void *arg, const struct trace_by_key *k, const struct by_part *p,
			  char *text, __u64 *v)
{
	const struct trace_ctx *ctx = arg;
	const struct dwarf_param *dp = params__of(ctx->params, by_type_probe(ctx, k), p->arg);

	*param_put(text, dp, *v) = '\0';
	/* param_value() narrows v as the function sees it: JSON's number */
	return param_value(dp, v) == PARAM_SIGNED;
}

/* Probe i's count, or the total of its buckets (into slots, unless NULL). */
static uint64_t probe_total(const struct trace_ctx *ctx, size_t i, uint64_t *slots)
{
	uint64_t total = 0, v;

	if (opt.count)
		return percpu_u64_sum(bpf_map__fd(ctx->maps.counts), i);
	for (unsigned int k = 0; k < TRACE_HIST_SLOTS; k++) {
		total += v = percpu_u64_sum(bpf_map__fd(ctx->maps.hists), i * TRACE_HIST_SLOTS + k);
		if (slots)
			slots[k] = v;
	}
	return total;
}

/* Per probe: its count, or its buckets (--latency: under the entry probe's index). */
static void fill_probes(struct trace_ctx *ctx, struct table *t)
{
	uint64_t slots[TRACE_HIST_SLOTS];

	probe_table_cols(t);
	for (size_t i = 0; i < ctx->s.plan.nr_probes; i++) {
		uint64_t total;
		unsigned __int128 sum;
		bool has_sum;

		if (!probe_has_row(&opt.span, &ctx->s.plan, i, opt.latency))
			continue;
		total = probe_total(ctx, i, slots);
		if (!total && !show_zero(ctx, i, ctx->specs))
			continue;
		table__row(t, NULL);
		probe_table_cells(t, &ctx->s.plan, i);
		if (opt.count) {
			table__count(t, total);
			continue;
		}
		has_sum = percpu_sum128(bpf_map__fd(ctx->maps.hist_sums), i, &sum);
		table__hist(t, slots, TRACE_HIST_SLOTS, sum, has_sum);
	}
}

/* Per --by key; false when the map cannot be read. */
static bool fill_by(struct trace_ctx *ctx, struct table *t)
{
	struct by_row *rows = NULL;
	long n = by_read_rows(bpf_map__fd(opt.count ? ctx->maps.by_counts :
					  ctx->maps.by_hists), !opt.count, &ctx->by, &rows);

	if (n < 0) {
		error("cannot read the --by %s: %s", opt.count ? "counts" : "histograms",
		      strerror(-n));
		return false;
	}
	by_table_cols(t, &ctx->by);
	for (long r = 0; r < n; r++) {
		const struct trace_by_hist *h = &rows[r].hist;

		table__row(t, NULL);
		by_table_cells(t, &ctx->by, &ctx->s.plan, &rows[r].key, by_value_cell, ctx);
		if (opt.count) {
			table__count(t, rows[r].count);
			continue;
		}
		table__hist(t, (const uint64_t *)h->slots, TRACE_HIST_SLOTS,
			    ((unsigned __int128)h->sum.hi << 64) | h->sum.lo, true);
	}
	free(rows);
	table__total(t, "keys", "upx_by_keys", METRIC_GAUGE,
		     "Keys in the --by map (at most --by-size).", n);
	table__total(t, "not_counted", "upx_by_not_counted", METRIC_COUNTER,
		     "Calls not counted: their --by key did not fit in --by-size keys.",
		     stat_value(ctx, TRACE_STAT_BY_FULL));
	return true;
}

/*
 * The table of the aggregation asked for: counts or histograms (of --hist's
 * argument, or --latency's durations), per probe or per --by key.  NULL when
 * it cannot be read.
 */
static struct table *trace_table(struct trace_ctx *ctx)
{
	static const char *const help[2][3] = {
		{ "Calls seen by each probe.",
		  "Time from entry to return of each probed function (log2 buckets).",
		  "Values of the --hist argument (label arg) at each probe (log2 buckets)." },
		{ "Calls seen, by the --by key.",
		  "Time from entry to return, by the --by key (log2 buckets).",
		  "Values of the --hist argument (label arg), by the --by key (log2 buckets)." },
	};
	const char *what = opt.latency ? "latency_ns" : opt.hist;
	int kind = opt.count ? 0 : opt.latency ? 1 : 2;
	struct table *t = table__new(span_table_spec(&opt.span, &(struct table_spec){
		.hist = !opt.count,
		.noun = ctx->by.nr ? "key" : "probe",
		.one = "call",
		.many = "calls",
		.hist_name = what,
		.named_keys = ctx->by.nr > 0,
		.percentile_unit = opt.latency ? "ns" : NULL,
		.json_doc = opt.count ? "counts" : NULL,
		.json_value = opt.count ? NULL : what,
		.metric = (const char *[]){ "upx_probe_calls", "upx_probe_duration_seconds",
					    "upx_probe_value" }[kind],
		.help = help[ctx->by.nr > 0][kind],
		.per_unit = opt.latency ? 1e9 : 1,
	}, ctx->by.nr > 0));

	table__top(t, opt.top);
	if (kind == 2)
		table__label(t, "arg", opt.hist);
	if (!ctx->by.nr)
		fill_probes(ctx, t);
	else if (!fill_by(ctx, t)) {
		table__free(t);
		return NULL;
	}
	span_table_totals(&opt.span, t, lru_evicted(ctx->maps.stats, TRACE_STAT_SPAN_OPENED,
						    TRACE_STAT_SPAN_CLOSED, ctx->maps.span_starts),
			  stat_value(ctx, TRACE_STAT_NO_START));
	if (kind == 1 && !ctx->by.nr && !opt.span.on)
		table__total(t, NULL, "upx_probe_returns_unmatched", METRIC_COUNTER,
			     "Returns seen without their entry (missed or evicted): not in the durations.",
			     stat_value(ctx, TRACE_STAT_NO_START));
	table__total(t, "lost", NULL, METRIC_COUNTER, NULL, session_lost(&ctx->s));
	return t;
}

static void print_aggregations(void *p)
{
	struct trace_ctx *ctx = ((struct tick_ctx *)p)->ctx;
	struct table *t;

	if (opt.count && ctx->stk) {
		print_stack_counts(ctx);
	} else if (opt.count || opt.hist || opt.latency) {
		t = trace_table(ctx);
		if (t)
			table__print(t, stdout, ctx->s.jw);
		table__free(t);
		if (ctx->by.nr && !output_json())
			by_warn_full(opt.by_size, stat_value(ctx, TRACE_STAT_BY_FULL));
	}
	fflush(stdout);
}

/* Metrics (--listen, --metrics-file): the same table, as series. */
static void trace_metrics(struct metrics_writer *w, struct session *s, void *skel, void *p)
{
	struct trace_ctx *ctx = p;
	struct table *t = trace_table(ctx);

	if (t)
		table__metrics(t, w);
	table__free(t);
}

/* Options that contradict each other or the probes; 0 or a usage error. */
static int check_options(const struct probe_spec *specs, size_t nr, int *value_arg, int *str_arg,
			 struct by_spec *by)
{
	bool all_return = true, any_return = false, aggregating = opt.count || opt.hist || opt.latency;
	int ret = span_check(&opt.span, specs, nr, opt.hist, opt.value_arg, opt.stack.mode);

	if (!ret)
		ret = buf_check(&opt.buf, specs, nr, aggregating, opt.str_arg,
				opt.stack.mode, opt.span.on);
	if (!ret)
		ret = ustack_check_options(&opt.stack, opt.top, &opt.count, opt.hist, opt.latency,
					   output_json());
	if (ret)
		return ret;
	if (opt.stack.mode && (opt.by || ro.listen || ro.metrics_file))
		return usage_error("--stack counts per stack: not with %s", opt.by ? "--by" :
				   ro.listen ? "--listen" : "--metrics-file");
	for (size_t i = 0; i < (opt.span.on ? 1 : nr); i++) {	/* a span's values are START's */
		all_return &= specs[i].is_return;
		any_return |= specs[i].is_return;
	}
	if (opt.count + !!opt.hist + opt.latency > 1)
		return usage_error("--count, --hist and --latency exclude each other");
	if (opt.latency && any_return && !opt.span.on)
		return usage_error("--latency probes entry and return itself: name functions without 'r:'");
	if (opt.nr_args < 0 || opt.nr_args > TRACE_MAX_ARGS)
		return usage_error("--args takes 0 to %d", TRACE_MAX_ARGS);
	if (opt.nr_args && all_return)
		return usage_error("--args: arguments are gone when a function returns; "
				   "add an entry probe (without 'r:')");
	if (!aggregating && (opt.interval > 0 || opt.top || ro.listen || ro.metrics_file))
		return usage_error("%s goes with --count, --hist or --latency", opt.interval > 0 ? "-i" :
				   opt.top ? "--top N" : ro.listen ? "--listen" : "--metrics-file");
	*value_arg = TRACE_VALUE_NONE;
	if (opt.hist || (!opt.span.on && (opt.has_min || opt.has_max))) {
		const char *name = opt.hist ? opt.hist : opt.value_arg ? opt.value_arg : "arg0";

		if (opt.hist && opt.value_arg && (opt.has_min || opt.has_max) &&
		    strcmp(opt.hist, opt.value_arg))
			return usage_error("--hist and --on must name the same value");
		*value_arg = parse_arg_for(opt.hist ? "--hist" : "--on", name, all_return, false);
		if (*value_arg < 0)
			return UPX_EXIT_USAGE;
	} else if (opt.value_arg) {
		return usage_error("--on goes with --min or --max");
	}
	*str_arg = opt.str_arg ? parse_arg_for("--str", opt.str_arg, all_return, all_return) :
		   TRACE_VALUE_NONE;
	if (*str_arg < 0)
		return UPX_EXIT_USAGE;
	if (opt.str_arg && aggregating)
		return usage_error("--str shows events; it does not go with aggregations "
				   "(count by the string with --by str:%s)", opt.str_arg);
	return by_spec_check(by, opt.by, opt.by_size, aggregating, any_return, all_return);
}

/* argv -> attach plan; DWARF parameter names for display and --str/--on/--hist NAME. */
static int trace_plan(struct session *s, void *p)
{
	struct trace_ctx *ctx = p;

	s->plan.opts = (struct plan_opts){
		.force = opt.force,
		.no_endbr_skip = opt.at_entry,
		.entry_and_return = opt.latency && !opt.span.on,
		.cookie_file = true,	/* --by file */
		.entry_for_return = opt.buf.keep_args,
	};
	for (size_t k = 0; k < ctx->nr_specs; k++)
		if (plan_add_spec(&s->plan, &ctx->specs[k], k))
			return -1;
	if (!upx_verbose && !output_json())
		plan_note_redirects(&s->plan, ctx->specs);
	ctx->seen = xcalloc(s->plan.nr_probes ? s->plan.nr_probes : 1, sizeof(*ctx->seen));
	if (opt.nr_args || ctx->value_arg == ARG_BY_NAME || ctx->str_arg == ARG_BY_NAME ||
	    by_spec_has(&ctx->by, BY_VALUE) || by_spec_has(&ctx->by, BY_STR) ||
	    (!(opt.count || opt.hist || opt.latency) &&
	     (ctx->value_arg != TRACE_VALUE_NONE || ctx->str_arg != TRACE_VALUE_NONE || opt.buf.spec)))
		ctx->params = params__load(&s->plan);
	if (params__resolve_arg(ctx->params, &ctx->value_arg, opt.hist ? opt.hist : opt.value_arg,
				opt.hist ? "--hist" : "--on") ||
	    params__resolve_arg(ctx->params, &ctx->str_arg, opt.str_arg, "--str") ||
	    buf_resolve(&opt.buf, ctx->params))
		return -1;
	for (int i = 0; i < ctx->by.nr; i++) {
		struct by_part *bp = &ctx->by.parts[i];

		if ((bp->kind == BY_VALUE || bp->kind == BY_STR) &&
		    params__resolve_arg(ctx->params, &bp->arg, bp->name, "--by"))
			return -1;
	}
	plan_warn_left_out(&s->plan, upx_verbose);
	return 0;
}

/* --by: the key's layout in rodata, and the maps it is counted in sized. */
static void configure_by(struct trace_ctx *ctx)
{
	by_spec_config(&ctx->by, ctx->cfg);
	bpf_map__set_key_size(ctx->maps.by_counts, ctx->cfg->by_key.size);
	bpf_map__set_key_size(ctx->maps.by_hists, ctx->cfg->by_key.size);
	bpf_map__set_max_entries(ctx->maps.counts, 1);
	bpf_map__set_max_entries(ctx->maps.hists, 1);
	bpf_map__set_max_entries(opt.count ? ctx->maps.by_counts : ctx->maps.by_hists,
				 opt.by_size);
	if (opt.latency)
		bpf_map__set_max_entries(ctx->maps.by_starts, 16384);
}

/* The ring buffer of the object loaded (configure() finds it by name). */
static struct bpf_map *trace_events_map;

/* Any filter that drops calls in the kernel (probes/drops.bpf.h counts them). */
static bool any_filter(const struct session *s)
{
	return s->attach_pid > 0 || ro.follow || opt.uid >= 0 || ro.comm || ro.cgroup ||
	       opt.has_min || opt.has_max;
}

static int trace_configure(struct session *s, void *skel, struct attach_progs *progs, void *p)
{
	struct trace_ctx *ctx = p;
	/* --count --stack=dwarf counts in user space: events, and their full buffer. */
	bool aggregate = (opt.count || opt.hist || opt.latency) &&
			 !(ctx->stk && !ustack__counts_in_kernel(ctx->stk)), sleepable;

	struct bpf_object *obj = ctx->skel->object(skel);
	__u8 *use_follow = bpf_rodata_named(obj, "use_follow", sizeof(*use_follow));

	ctx->cfg = bpf_rodata_named(obj, "trace_cfg", sizeof(*ctx->cfg));
	if (!ctx->cfg || !use_follow)
		return -1;
#define TRACE_MAP_FIND(m) if (!(ctx->maps.m = bpf_map_named(obj, #m))) return -1;
	TRACE_MAPS(TRACE_MAP_FIND)
#undef TRACE_MAP_FIND
	trace_events_map = ctx->maps.events;
	/* With -p or -c (and no --follow) the kernel filters by process too. */
	if (ro.pid > 0)
		s->attach_pid = ro.pid;
	else if (s->child.pid > 0 && !ro.follow)
		s->attach_pid = s->child.pid;
	/* --count --stack=dwarf: events, counted here per stack (see aggregate above). */
	ctx->cfg->mode = opt.count ? (aggregate ? TRACE_MODE_COUNT : TRACE_MODE_EVENTS) :
			 opt.hist ? TRACE_MODE_HIST : opt.latency ? TRACE_MODE_LATENCY :
			 TRACE_MODE_EVENTS;
	ctx->cfg->filter_tgid = s->attach_pid > 0 ? s->attach_pid : 0;
	*use_follow = ro.follow;
	if (opt.uid >= 0)
		ctx->cfg->filter_uid = opt.uid;
	ctx->cfg->args_read = 0;	/* an event carries what is shown: see on_event_*() */
	for (int i = 0; i < TRACE_MAX_ARGS; i++)
		ctx->cfg->args_read |= arg_shown(ctx, i, true) << i;
	ctx->cfg->uid_read = output_json();
	ctx->cfg->str_arg = ctx->str_arg;
	ctx->cfg->value_arg = ctx->value_arg;
	ctx->cfg->has_min = opt.has_min;
	ctx->cfg->has_max = opt.has_max;
	ctx->cfg->min_value = opt.min;
	ctx->cfg->max_value = opt.max;
	/* Per probe: a copy's sites count under their probe, so copies found later fit. */
	bpf_map__set_max_entries(ctx->maps.counts, opt.count ? s->plan.nr_probes : 1);
	bpf_map__set_max_entries(ctx->maps.hists, (opt.hist || opt.latency) ?
				 s->plan.nr_probes * TRACE_HIST_SLOTS : 1);
	bpf_map__set_max_entries(ctx->maps.hist_sums,
				 (opt.hist || opt.latency) ? s->plan.nr_probes : 1);
	if (aggregate && !ctx->stk)	/* --count --stack: ustack__configure() sizes it */
		bpf_map__set_max_entries(ctx->maps.events, 4096);
	else if (events_size(obj, ctx->maps.events, opt.buffer_size))
		return -1;
	if (!opt.latency || ctx->by.nr || opt.span.on)
		bpf_map__set_max_entries(ctx->maps.starts, 1);
	/* What the filters drop, per probe, for the zero report. */
	if (any_filter(s)) {
		bpf_map__set_max_entries(ctx->maps.drops, s->plan.nr_probes * UPX_FILTER_NR);
		bpf_map__set_max_entries(ctx->maps.drop_values, UPX_DROP_VALUES);
	}
	if (ctx->by.nr)
		configure_by(ctx);
	if (span_configure(&opt.span, &s->plan, ctx->cfg, ctx->maps.span_starts) ||
	    buf_configure(&opt.buf, ctx->cfg, ctx->maps.buf_args))
		return -1;
	*progs = (struct attach_progs){ .usdt_specs = ctx->maps.__bpf_usdt_specs };
	/* Sleepable twins read strings on pages the process has not touched yet. */
	sleepable = ctx->str_arg != TRACE_VALUE_NONE || by_spec_has(&ctx->by, BY_STR);
	if (attach_progs_named(progs, obj, "upx_entry", "upx_return", "upx_usdt", sleepable))
		return -1;
	if (sleepable && upx_verbose)
		note("%s", attach_uses_sleepable(&s->plan, progs) ?
		     "strings are read by sleepable uprobes, which fault pages in" :
		     "no sleepable uprobes (kernel or UPX_NO_SLEEPABLE): a string on a page "
		     "not touched yet shows as unreadable");
	if (ustack__configure(ctx->stk, obj, &s->plan, s->cmd_argv ? *s->cmd_argv : NULL, ro.pid))
		return -1;
	ctx->tick = (struct tick_ctx){ ctx, ctx->specs };
	s->loop.interval = opt.interval;
	s->loop.tick = print_aggregations;
	s->loop.ctx = &ctx->tick;
	return 0;
}

/* Events mode only: aggregations are read from their maps. */
static struct bpf_map *trace_events(void *skel)
{
	if (opt.stack.mode != STACK_NONE)	/* with --count: see on_event() */
		return trace_events_map;
	return opt.count || opt.hist || opt.latency ? NULL : trace_events_map;
}

static void trace_armed(struct session *s, void *p)
{
	struct trace_ctx *ctx = p;

	/* On stderr even with --json: it says the probes are live. */
	status_line("Tracing %s in %s (%s)%s", count_noun(s->att.nr_probes, "probe", "probes"),
		    count_noun(s->plan.nr_files, "file", "files"),
		    count_noun(s->att.nr_multi, "multi link", "multi links"),
		    s->cmd_argv ? "." : ". Hit Ctrl-C to end.");
	if (s->ev && !output_json() && !opt.count) {
		event_head_titles(stdout, (const char *[]){ "PID", "TID" }, 2);
		puts("PROBE");
	}
	ustack__armed(ctx->stk);	/* --stack=dwarf: the kernel's unwind tables */
	/* System-wide: who maps the files now, for the zero report (within 0.1 s). */
	if (!s->cmd_argv && ro.pid <= 0)
		ctx->wz_start = whyzero_start(&s->plan, 0.1);
}

/* The zero report (core/run/facts.h) ---------------------------------------------- */

/*
 * What each probe saw, as the output counts it, into f; a probe's count is
 * unknown where events were lost, or --by keys without the probe mix them.
 */
static void set_calls(struct trace_ctx *ctx, struct facts *f, uint64_t lost)
{
	const struct plan *plan = &ctx->s.plan;
	uint64_t *calls = xcalloc(plan->nr_probes, sizeof(*calls));
	bool known = true;

	if (ctx->by.nr)
		known = by_calls_per_probe(bpf_map__fd(opt.count ? ctx->maps.by_counts :
						       ctx->maps.by_hists), !opt.count, &ctx->by,
					   stat_value(ctx, TRACE_STAT_BY_FULL), calls, plan->nr_probes);
	else if (!ctx->stk ? opt.count || opt.hist || opt.latency :
		 opt.count && ustack__counts_in_kernel(ctx->stk))
		for (size_t i = 0; i < plan->nr_probes; i++)
			calls[i] = probe_total(ctx, i, NULL);
	else {
		memcpy(calls, ctx->seen, plan->nr_probes * sizeof(*calls));
		known = !lost;
	}
	for (size_t i = 0; i < plan->nr_probes; i++) {
		facts__set_calls(f, i, calls[i], known, probe_has_row(&opt.span, plan, i, opt.latency) &&
				 (calls[i] || show_zero(ctx, i, ctx->specs)));
	}
	free(calls);
}

/* Each probe's facts, on stderr for those that saw no call (-v: all), or in --json's summary. */
static void report_why_zero(struct session *s, uint64_t lost, void *p)
{
	struct trace_ctx *ctx = p;
	struct facts *f = facts__new(s->plan.nr_probes);
	struct whyzero_run run = {
		.plan = &s->plan,
		.pid = ro.pid,
		.cmd = s->cmd_argv ? s->cmd_argv[0] : NULL,
		.follow = ro.follow,
		.cmd_only = s->cmd_argv && !ro.follow,
		.filters = { opt.uid, ro.comm, ro.cgroup, opt.has_min, opt.has_max, opt.min,
			     opt.max },
		.drops_fd = any_filter(s) ? bpf_map__fd(ctx->maps.drops) : -1,
		.drop_values_fd = any_filter(s) ? bpf_map__fd(ctx->maps.drop_values) : -1,
		.start = ctx->wz_start,
		/* After Ctrl-C, little: the stop is promised within 100 ms. */
		.budget_s = upx_stop ? 0.05 : 0.25,
	};

	set_calls(ctx, f, lost);
	whyzero_gather(f, &run, upx_verbose || output_json());
	copies_live_facts(s, f, upx_verbose || output_json());
	facts__print(f, &s->plan, upx_verbose, output_json() ? s->jw : NULL);
	facts__free(f);
}

static void trace_report(struct session *s, void *skel, uint64_t lost, void *p)
{
	struct trace_ctx *ctx = p;

	print_aggregations(&ctx->tick);
	span_warn_evicted(&opt.span, lru_evicted(ctx->maps.stats, TRACE_STAT_SPAN_OPENED,
						 TRACE_STAT_SPAN_CLOSED, ctx->maps.span_starts));
}

/*
 * --stack loads probes/trace-stack.bpf.c: trace.bpf.c with the mappings walk,
 * whose kfuncs and CO-RE make libbpf parse the kernel's BTF, which a trace
 * without --stack is spared.  Both are driven by name (trace_configure()).
 */
RUN_SKELETON(trace_bpf);
RUN_SKELETON(trace_stack_bpf);
RUN_SKELETON(copywatch_bpf);
RUN_SKELETON(follow_bpf);

static const struct run_ops trace_run = {
	.flags = RUN_PID | RUN_CMD | RUN_COMM | RUN_CGROUP | RUN_COPIES,
	.copies_watch = &copywatch_bpf_run_skeleton,
	.follow = &follow_bpf_run_skeleton,
	.plan = trace_plan,
	.configure = trace_configure,
	.events = trace_events,
	.on_event = on_event,
	.announce = announce,
	.armed = trace_armed,
	.report = trace_report,
	.facts = report_why_zero,
	.metrics = trace_metrics,
	.record_one = "event",
	.record_many = "events",
	.lost_help = "Events the kernel dropped: the ring buffer was full.",
};

static int cmd_trace(int argc, const char **argv)
{
	struct trace_ctx ctx = {};
	struct run_ops ops = trace_run;
	char err[256];
	int ret, dashdash = -1;

	argc = parse_options(argc, argv, trace_options, trace_usage, PARSE_OPT_KEEP_DASHDASH);
	if (argc < 0)
		return parse_options_exit(argc);
	session_init(&ctx.s);
	for (int i = 0; i < argc; i++)
		if (!strcmp(argv[i], "--")) {
			dashdash = i;
			break;
		}
	ctx.nr_specs = dashdash >= 0 ? (size_t)dashdash : (size_t)argc;
	if (!ctx.nr_specs) {
		ret = usage_error("no probe given: e.g. 'upx trace libc.so.6:malloc'");
		goto out;
	}
	ctx.specs = xcalloc(ctx.nr_specs, sizeof(*ctx.specs));
	for (size_t k = 0; k < ctx.nr_specs; k++) {
		if (probe_spec_parse(argv[k], &ctx.specs[k], err, sizeof(err))) {
			ret = usage_error("'%s': %s", argv[k], err);
			goto out;
		}
	}
	ret = check_options(ctx.specs, ctx.nr_specs, &ctx.value_arg, &ctx.str_arg, &ctx.by);
	if (ret)
		goto out;
	ctx.stk = ustack__new(&opt.stack, opt.count);
	ctx.skel = ops.skel = opt.stack.mode != STACK_NONE ? &trace_stack_bpf_run_skeleton :
			      &trace_bpf_run_skeleton;
	ret = run_main(&ops, &ro, argc - ctx.nr_specs, argv + ctx.nr_specs, &ctx);
	if (!ret && ctx.stack_failed)
		ret = 1;
out:
	session_end(&ctx.s);
	ustack__free(ctx.stk);
	whyzero_start_free(ctx.wz_start);
	params__free(ctx.params);
	free(ctx.seen);
	by_spec_free(&ctx.by);
	for (size_t k = 0; ctx.specs && k < ctx.nr_specs; k++)
		probe_spec_free(&ctx.specs[k]);
	free(ctx.specs);
	return ret;
}

const struct upx_cmd upx_cmd_trace = {
	.name = "trace",
	.summary = "trace calls of any function with uprobes: events, counts, histograms",
	.fn = cmd_trace,
	.flags = UPX_CMD_NEEDS_BPF,
	.opts = trace_options,
};
