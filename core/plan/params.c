// SPDX-License-Identifier: GPL-2.0
/* Parameter names of a plan's probes, from DWARF or USDT notes (core/plan/params.h). */
#include <stdlib.h>
#include <string.h>

#include "base/escape.h"
#include "base/usage.h"
#include "base/util.h"
#include "output/json.h"
#include "output/value.h"
#include "plan/params.h"
#include "plan/plan.h"
#include "symbols/elf.h"
#include "symbols/usdt.h"

struct params {
	const struct plan *plan;
	struct dwarf_param (*params)[TRACE_MAX_ARGS];
	int *nr;	/* per probe; -1: none found */
};

int parse_arg_name(const char *s)
{
	const char *p = s;

	if (!strcmp(s, "retval") || !strcmp(s, "ret"))
		return TRACE_VALUE_RETVAL;
	if (!strncmp(p, "arg", 3))
		p += 3;
	if (p[0] >= '0' && p[0] <= '5' && !p[1])
		return p[0] - '0';
	if (p != s && strspn(p, "0123456789") == strlen(p))
		return -1; /* arg6, arg12: registers hold six arguments */
	if (!(*s == '_' || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
		return -1;
	for (p = s; *p; p++)
		if (!(*p == '_' || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9')))
			return -1;
	return ARG_BY_NAME;
}

int parse_arg_for(const char *option, const char *name, bool all_return, bool args_gone)
{
	int arg = parse_arg_name(name);

	if (arg < 0)
		usage_error("'%s': expected arg0..arg5, retval or a parameter name", name);
	else if (arg == TRACE_VALUE_RETVAL && !all_return)
		usage_error("%s %s needs return probes: write 'r:TARGET:FUNCTION'", option, name);
	else if (arg != TRACE_VALUE_RETVAL && args_gone)
		usage_error("%s %s: arguments are gone when a function returns; name entry probes "
			    "(without 'r:')", option, name);
	else
		return arg;
	return -1;
}

struct params *params__load(const struct plan *plan)
{
	struct params *p = xcalloc(1, sizeof(*p));

	p->plan = plan;
	p->params = xcalloc(plan->nr_probes ? plan->nr_probes : 1, sizeof(*p->params));
	p->nr = xcalloc(plan->nr_probes ? plan->nr_probes : 1, sizeof(*p->nr));
	for (size_t i = 0; i < plan->nr_probes; i++) {
		const struct plan_entry *pe = &plan->entries[i];
		const struct plan_file *pf = &plan->files[pe->file];

		p->nr[i] = -1;
		if (pe->is_return)
			continue;
		if (pe->is_usdt) {
			/* The note's argument spec: sizes and signedness. */
			p->nr[i] = usdt_probe_params(pe->usdt, p->params[i], TRACE_MAX_ARGS);
			continue;
		}
		p->nr[i] = dwarf_func_params(pf->path, pf->ef->debug_path, pe->vaddr, p->params[i],
					     TRACE_MAX_ARGS);
		if (p->nr[i] < 0)
			p->nr[i] = -1;
	}
	return p;
}

void params__free(struct params *p)
{
	if (!p)
		return;
	free(p->params);
	free(p->nr);
	free(p);
}

int params__resolve(const struct params *p, const char *name, const char *option)
{
	int found = -1;

	for (size_t i = 0; i < p->plan->nr_probes; i++) {
		const struct plan_entry *pe = &p->plan->entries[i];
		int k;

		if (pe->is_return)
			continue;
		if (p->nr[i] < 0)
			return error("%s '%s': no DWARF for %s (install its debug file, or use "
				     "argN)", option, name, pe->label);
		for (k = 0; k < p->nr[i]; k++)
			if (!strcmp(p->params[i][k].name, name))
				break;
		if (k == p->nr[i])
			return error("%s '%s': %s has no parameter of that name", option, name,
				     pe->label);
		if (found >= 0 && k != found)
			return error("%s '%s': it is not the same argument in every function",
				     option, name);
		found = k;
	}
	return found;
}

int params__resolve_arg(const struct params *p, int *arg, const char *name, const char *option)
{
	if (*arg == ARG_BY_NAME)
		*arg = params__resolve(p, name, option);
	return *arg < 0 ? -1 : 0;
}

const struct dwarf_param *params__of(const struct params *p, uint64_t probe, int i)
{
	probe = plan_cookie_probe(probe);
	if (!p || probe >= p->plan->nr_probes || p->nr[probe] <= i || !p->params[probe][i].name[0])
		return NULL;
	return &p->params[probe][i];
}

enum param_form param_value(const struct dwarf_param *p, __u64 *v)
{
	int bits = p && p->size > 0 && p->size < 8 ? p->size * 8 : 64;

	if (!p || p->kind == DWARF_PARAM_OTHER)
		return PARAM_GUESS;
	if (p->kind == DWARF_PARAM_POINTER || p->kind == DWARF_PARAM_STRING)
		return PARAM_HEX;
	if (p->kind == DWARF_PARAM_INT) {
		if (bits < 64)
			*v = (__u64)((long long)(*v << (64 - bits)) >> (64 - bits));
		return PARAM_SIGNED;
	}
	if (bits < 64)
		*v &= (1ULL << bits) - 1;
	return PARAM_UNSIGNED;
}

char *param_put(char *buf, const struct dwarf_param *p, __u64 v)
{
	switch (param_value(p, &v)) {
	case PARAM_HEX:
		return put_hex(buf, v);
	case PARAM_SIGNED:
		return put_s64(buf, (long long)v);
	case PARAM_UNSIGNED:
		return put_u64(buf, v);
	default:
		return value_put(buf, v);
	}
}

void param_print(FILE *f, const struct dwarf_param *p, __u64 v)
{
	char buf[VALUE_TEXT_MAX], *end = param_put(buf, p, v);

	fwrite(buf, 1, end - buf, f);
}

void param_print_name(FILE *f, const struct dwarf_param *p, int i)
{
	if (p)
		fputs_escaped(f, p->name, -1);	/* from the file's DWARF */
	else
		fprintf(f, "arg%d", i);
}

void params__json_names(const struct params *p, struct json_writer *jw, uint64_t probe, int nr)
{
	if (!nr || !params__of(p, probe, 0))
		return;
	json_name(jw, "params");
	json_array_start(jw);
	for (int i = 0; i < nr; i++) {
		const struct dwarf_param *dp = params__of(p, probe, i);

		if (dp)
			json_string(jw, dp->name);
		else
			json_null(jw);
	}
	json_array_end(jw);
}

void params__json_value(const struct params *p, struct json_writer *jw, uint64_t probe, int arg,
			__u64 v)
{
	const struct dwarf_param *dp;
	char of[8];

	if (arg == TRACE_VALUE_RETVAL) {
		json_s64_field(jw, "value", (long long)v);
		json_string_field(jw, "value_of", "retval");
		return;
	}
	dp = params__of(p, probe, arg);
	json_name(jw, "value");
	if (param_value(dp, &v) == PARAM_SIGNED)
		json_s64(jw, (long long)v);
	else
		json_u64(jw, v);
	snprintf(of, sizeof(of), "arg%d", arg);
	json_string_field(jw, "value_of", of);
	if (dp)
		json_string_field(jw, "value_name", dp->name);
}
