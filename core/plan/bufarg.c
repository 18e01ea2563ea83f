// SPDX-License-Identifier: GPL-2.0
/* --buf ARG,LEN: checked against the probes, configured, shown after an event (bufarg.h). */
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "base/cmd.h"
#include "base/options.h"
#include "base/usage.h"
#include "base/util.h"
#include "output/buf.h"
#include "plan/bufarg.h"
#include "plan/params.h"
#include "plan/plan.h"
#include "target/probe-spec.h"

_Static_assert(PLAN_COOKIE_ENTRY_OF_RETURN == TRACE_COOKIE_ENTRY_OF_RETURN,
	       "the BPF program tells an entry site that keeps arguments by the plan's mark");

int opt_buf_size_cb(const struct upx_option *opt, const char *arg)
{
	unsigned long long v;

	if (!parse_u64(arg, &v) || v < 1 || v > TRACE_BUF_MAX)
		return usage_error("option '--%s' expects 1 to 16K bytes, not '%s'", opt->long_name,
				   arg);
	*(unsigned long long *)opt->value = v;
	return 0;
}

int buf_check(struct buf_opts *o, const struct probe_spec *specs, size_t nr, bool aggregate,
	      const char *str, bool stack, bool span)
{
	const char *conflict = aggregate ? "--count, --hist or --latency" : str ? "--str" :
			       stack ? "--stack" : span ? "--span" : NULL;
	bool all_return = true, any_return = false;
	char *len;

	if (!o->spec) {
		if (o->hex || o->size)
			return usage_error("--hex and --buf-size go with --buf");
		return 0;
	}
	if (conflict)
		return usage_error("--buf shows events, one read each: not with %s", conflict);
	if (!o->size)
		o->size = BUF_SIZE_DEFAULT;
	for (size_t i = 0; i < nr; i++) {
		all_return &= specs[i].is_return;
		any_return |= specs[i].is_return;
	}
	snprintf(o->names, sizeof(o->names), "%s", o->spec);
	len = strchr(o->names, ',');
	if (!len || !*o->names || !len[1] || strlen(o->spec) >= sizeof(o->names))
		return usage_error("--buf takes ARG,LEN (arg1,arg2; buf,retval; arg0,64), not '%s'",
				   o->spec);
	*len++ = '\0';
	o->len_name = len;
	/* an argument is kept for a return probe, the return value is at return probes only */
	o->ptr_arg = parse_arg_for("--buf", o->names, all_return, false);
	if (o->ptr_arg < 0)
		return UPX_EXIT_USAGE;
	o->len_arg = TRACE_BUF_LEN_CONST;
	if (*len == '-')
		return usage_error("--buf: a length of %s bytes: LEN is 0 or more", len);
	if (parse_u64(len, &o->len_const)) {
		if (o->len_const > 0x7fffffff)
			return usage_error("--buf: a length of %llu bytes is absurd (at most 2G; "
					   "--buf-size cuts what is copied)", o->len_const);
	} else {
		o->len_arg = parse_arg_for("--buf", len, all_return, false);
		if (o->len_arg < 0)
			return UPX_EXIT_USAGE;
	}
	o->keep_args = any_return && (o->ptr_arg != TRACE_VALUE_RETVAL ||
				      (o->len_arg != TRACE_BUF_LEN_CONST &&
				       o->len_arg != TRACE_VALUE_RETVAL));
	return 0;
}

int buf_resolve(struct buf_opts *o, const struct params *p)
{
	if (!o->spec)
		return 0;
	if (params__resolve_arg(p, &o->ptr_arg, o->names, "--buf"))
		return -1;
	return o->len_arg == TRACE_BUF_LEN_CONST ? 0 :
	       params__resolve_arg(p, &o->len_arg, o->len_name, "--buf");
}

int buf_configure(const struct buf_opts *o, struct trace_config *cfg, struct bpf_map *args)
{
	bpf_map__set_max_entries(args, o->keep_args ? 16384 : 1);
	if (!o->spec)
		return 0;
	cfg->buf_on = 1;
	cfg->buf_ptr_arg = o->ptr_arg;
	cfg->buf_len_arg = o->len_arg;
	cfg->buf_len_const = o->len_const;
	cfg->buf_keep_args = o->keep_args;
	cfg->buf_size = o->size;
	return 0;
}

/* The buffer after the event's header, when the record holds one. */
static bool buf_of(const struct buf_opts *o, const struct trace_event *e, size_t size,
		   struct buf_view *v)
{
	const struct trace_buf *b = (const void *)((const char *)e + TRACE_EVENT_HDR_SIZE);

	if (!o->spec || size < TRACE_EVENT_HDR_SIZE + sizeof(*b))
		return false;
	*v = (struct buf_view){ b->data, b->copied, b->len, b->ptr, b->err };
	/* never more than the record holds */
	if (v->copied > size - TRACE_EVENT_HDR_SIZE - sizeof(*b))
		v->copied = size - TRACE_EVENT_HDR_SIZE - sizeof(*b);
	return true;
}

void buf_event_text(const struct buf_opts *o, FILE *f, const struct trace_event *e, size_t size)
{
	struct buf_view v;

	if (buf_of(o, e, size, &v))
		buf_print(f, &v, o->hex);
}

void buf_event_json(const struct buf_opts *o, struct json_writer *jw, const struct trace_event *e,
		    size_t size)
{
	struct buf_view v;

	if (buf_of(o, e, size, &v))
		buf_json(jw, &v);
}
