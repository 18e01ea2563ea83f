// SPDX-License-Identifier: GPL-2.0
/* --span START END: the options checked, START's and END's probes told apart (see span.h). */
#include <stdlib.h>
#include <string.h>

#include "base/usage.h"
#include "base/util.h"
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

int span_check(const struct span_opts *o, const struct probe_spec *specs, size_t nr,
	       const char *conflict, struct span_plan *sp)
{
	char *keys, *comma;
	int ret;

	*sp = (struct span_plan){ .key_start = TRACE_VALUE_NONE, .key_end = TRACE_VALUE_NONE };
	if (!o->on)
		return o->key ? usage_error("--span-key goes with --span") : 0;
	if (nr != 2)
		return usage_error("--span takes two probes, START and END, not %zu", nr);
	if (conflict)
		return usage_error("--span does not go with %s", conflict);
	if (!strcmp(specs[0].text, specs[1].text))
		return usage_error("--span: START and END are the same probe '%s'", specs[0].text);
	sp->on = true;
	if (!o->key)
		return 0;
	keys = xstrdup(o->key);
	comma = strchr(keys, ',');
	if (comma)
		*comma++ = '\0';
	ret = check_key(keys, parse_arg_name(keys), &specs[0], "START");
	if (!ret)
		ret = check_key(comma ? comma : keys, parse_arg_name(comma ? comma : keys),
				&specs[1], "END");
	if (!ret) {
		sp->key_start = parse_arg_name(keys);
		sp->key_end = parse_arg_name(comma ? comma : keys);
	}
	free(keys);
	return ret;
}

int span_split(struct span_plan *sp, const struct plan *plan)
{
	size_t i = 0;

	if (!sp->on)
		return 0;
	while (i < plan->nr_probes && plan->entries[i].spec == 0)
		i++;
	sp->end_probe = i;
	for (; i < plan->nr_probes; i++)
		if (plan->entries[i].spec != 1)
			break;
	if (!sp->end_probe || sp->end_probe == plan->nr_probes || i < plan->nr_probes)
		return error("--span: cannot tell START's probes from END's");
	return 0;
}

bool span_is_end(const struct span_plan *sp, size_t i)
{
	return sp->on && i >= sp->end_probe;
}

void span_configure(const struct span_plan *sp, struct trace_config *cfg)
{
	cfg->span_on = 1;
	cfg->span_key_start = sp->key_start;
	cfg->span_key_end = sp->key_end;
	cfg->span_end_probe = sp->end_probe;
	/* --min and --max time the span, not a value at a probe */
	cfg->span_has_min = cfg->has_min;
	cfg->span_has_max = cfg->has_max;
	cfg->span_min_ns = cfg->min_value;
	cfg->span_max_ns = cfg->max_value;
	cfg->has_min = cfg->has_max = 0;
}

void span_table_spec(const struct span_plan *sp, bool count, bool by, const char **metric,
		     const char **help)
{
	if (!sp->on)
		return;
	*metric = count ? "upx_spans" : "upx_span_duration_seconds";
	*help = count ? (by ? "Spans finished, by the --by key taken at START." :
			 "Spans finished, under START's probe.") :
		by ? "Time from START to END, by the --by key taken at START (log2 buckets)." :
		"Time from START to END, under START's probe (log2 buckets).";
}

void span_table_totals(struct table *t, uint64_t evicted, uint64_t unmatched)
{
	table__total(t, "spans_evicted", "upx_spans_evicted", METRIC_COUNTER,
		     "Spans whose START was evicted before an END came (too many open).", evicted);
	table__total(t, "ends_unmatched", "upx_span_ends_unmatched", METRIC_COUNTER,
		     "ENDs that found no START (not counted).", unmatched);
}

void span_warn_evicted(uint64_t evicted)
{
	if (evicted)
		warning("--span: %s evicted before an END came (more than %d open, or a START "
			"whose END never comes)", count_noun(evicted, "START", "STARTs"),
			TRACE_SPAN_OPEN);
}
