// SPDX-License-Identifier: GPL-2.0
/* --span START END: the options checked, START's and END's probes told apart (see span.h). */
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "base/usage.h"
#include "base/util.h"
#include "output/json.h"
#include "output/metrics.h"
#include "output/table.h"
#include "plan/params.h"
#include "plan/plan.h"
#include "plan/span.h"
#include "target/probe-spec.h"

/* One end's --span-key value against its probe: 0, or a usage error. */
static int check_key(const char *name, int arg, const struct probe_spec *spec, const char *end)
{
	if (arg < 0 || arg == ARG_BY_NAME)
		return usage_error("--span-key '%s': expected arg0..arg5 or retval", name);
	if (arg == TRACE_VALUE_RETVAL && !spec->is_return)
		return usage_error("--span-key %s: %s '%s' is not a return probe (write 'r:%s')",
				   name, end, spec->text, spec->text);
	if (arg != TRACE_VALUE_RETVAL && spec->is_return)
		return usage_error("--span-key %s: arguments are gone when a function returns "
				   "(%s '%s')", name, end, spec->text);
	return 0;
}

int span_check(struct span_opts *o, const struct probe_spec *specs, size_t nr, const char *hist,
	       const char *on, bool stack)
{
	char *keys, *end_key;
	int ret;

	o->key_start = o->key_end = TRACE_VALUE_NONE;
	if (!o->on) {
		if (o->min_dur)
			return usage_error("--min and --max take a duration (20ms) with --span only");
		return o->key ? usage_error("--span-key goes with --span") : 0;
	}
	if (nr != 2)
		return usage_error("--span takes two probes, START and END, not %zu", nr);
	if (hist || on || stack)
		return usage_error("--span does not go with %s", hist ? "--hist (time spans with "
				   "--latency)" : on ? "--on (--min and --max time the span)" : "--stack");
	if (!strcmp(specs[0].text, specs[1].text))
		return usage_error("--span: START and END are the same probe '%s'", specs[0].text);
	if (!o->key)
		return 0;
	keys = xstrdup(o->key);
	end_key = strchr(keys, ',');
	if (end_key)
		*end_key++ = '\0';
	else
		end_key = keys;
	ret = check_key(keys, parse_arg_name(keys), &specs[0], "START");
	if (!ret)
		ret = check_key(end_key, parse_arg_name(end_key), &specs[1], "END");
	if (!ret) {
		o->key_start = parse_arg_name(keys);
		o->key_end = parse_arg_name(end_key);
	}
	free(keys);
	return ret;
}

int span_split(struct span_opts *o, const struct plan *plan)
{
	size_t i = 0;

	if (!o->on)
		return 0;
	while (i < plan->nr_probes && plan->entries[i].spec == 0)
		i++;
	o->end_probe = i;
	for (; i < plan->nr_probes; i++)
		if (plan->entries[i].spec != 1)
			break;
	if (!o->end_probe || o->end_probe == plan->nr_probes || i < plan->nr_probes)
		return error("--span: cannot tell START's probes from END's");
	return 0;
}

bool probe_has_row(const struct span_opts *o, const struct plan *plan, size_t i, bool latency)
{
	/* --buf: an entry site that keeps a return probe's arguments */
	if (plan_cookie_probe(plan->entries[i].cookie) & PLAN_COOKIE_ENTRY_OF_RETURN)
		return false;
	if (o->on)
		return i < o->end_probe;
	/* --latency: a return probe's calls are its entry's */
	return !(latency && plan->entries[i].is_return);
}

int span_configure(struct span_opts *o, const struct plan *plan, struct trace_config *cfg,
		   struct bpf_map *starts)
{
	bpf_map__set_max_entries(starts, o->on ? TRACE_SPAN_OPEN : 1);
	if (!o->on)
		return 0;
	if (span_split(o, plan))
		return -1;
	/* as much of an open span as is read at its END (probes/trace.h) */
	bpf_map__set_value_size(starts, cfg->mode == TRACE_MODE_EVENTS ? TRACE_SPAN_OPEN_BY +
				(cfg->str_arg != TRACE_VALUE_NONE ? sizeof(struct trace_event) :
				 TRACE_EVENT_HDR_SIZE) : cfg->by_on ? TRACE_SPAN_OPEN_BY :
				TRACE_SPAN_OPEN_TIMES);
	cfg->span_on = 1;
	cfg->span_key_start = o->key_start;
	cfg->span_key_end = o->key_end;
	cfg->span_end_probe = o->end_probe;
	/* --min and --max time the span, not a value at a probe */
	cfg->span_has_min = cfg->has_min;
	cfg->span_has_max = cfg->has_max;
	cfg->span_min_ns = cfg->min_value;
	cfg->span_max_ns = cfg->max_value;
	cfg->has_min = cfg->has_max = 0;
	return 0;
}

void span_event_text(const struct span_opts *o, FILE *f, const struct trace_event *e)
{
	char buf[DURATION_TEXT_MAX];

	if (o->on)
		fprintf(f, " dur=%s", duration_text(buf, e->span_ns));
}

void span_event_json(const struct span_opts *o, struct json_writer *jw,
		     const struct trace_event *e)
{
	if (!o->on)
		return;
	json_u64_field(jw, "duration_ns", e->span_ns);
	json_u64_field(jw, "end_tid", e->span_end_tid);
}

struct table_spec *span_table_spec(const struct span_opts *o, struct table_spec *ts, bool by)
{
	if (!o->on)
		return ts;
	ts->metric = !ts->hist ? "upx_spans" : "upx_span_duration_seconds";
	ts->help = !ts->hist ? (by ? "Spans finished, by the --by key taken at START." :
				"Spans finished, under START's probe.") :
		   by ? "Time from START to END, by the --by key taken at START (log2 buckets)." :
		   "Time from START to END, under START's probe (log2 buckets).";
	return ts;
}

void span_table_totals(const struct span_opts *o, struct table *t, uint64_t evicted,
		       uint64_t unmatched)
{
	if (!o->on)
		return;
	table__total(t, "spans_evicted", "upx_spans_evicted", METRIC_COUNTER,
		     "STARTs evicted before an END came (too many open, or started again).",
		     evicted);
	table__total(t, "ends_unmatched", "upx_span_ends_unmatched", METRIC_COUNTER,
		     "ENDs that found no START (not counted).", unmatched);
}

void span_warn_evicted(const struct span_opts *o, uint64_t evicted)
{
	if (o->on && evicted)
		warning("--span: %s evicted before an END came (more than %d open, or a START "
			"again on the same thread or key)", count_noun(evicted, "START", "STARTs"),
			TRACE_SPAN_OPEN);
}
