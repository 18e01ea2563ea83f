/* SPDX-License-Identifier: GPL-2.0 */
/*
 * --buf ARG,LEN: the bytes a call points to, LEN of them at ARG.  ARG is
 * argN, a parameter name or retval; LEN a number, argN, a parameter name or
 * retval.  On a return probe ARG and LEN may be the call's arguments (as
 * SSL_read fills its buffer before it returns): an entry site of the same
 * function keeps them (plan_opts.entry_for_return).  Checked here, told to
 * the BPF program (probes/trace.h: trace_config's buf_* fields, struct
 * trace_buf) and shown through core/output/buf.h.
 */
#ifndef UPX_BUFARG_H
#define UPX_BUFARG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>	/* probes/trace.h's __u32, __u64 */

#include "trace.h"

struct bpf_map;
struct json_writer;
struct params;
struct plan;
struct probe_spec;

#define BUF_SIZE_DEFAULT 256

struct buf_opts {
	const char *spec;		/* --buf ARG,LEN */
	bool hex;			/* --hex */
	unsigned long long size;	/* --buf-size (0: not given, BUF_SIZE_DEFAULT) */
	/* what buf_check() and buf_resolve() made of them */
	bool keep_args;			/* a return probe reads its call's arguments */
	int ptr_arg, len_arg;		/* parse_arg_name()'s, or TRACE_BUF_LEN_CONST */
	unsigned long long len_const;
	char names[64];			/* ARG's name, then LEN's (a parameter's, resolved later) */
	const char *len_name;
};

#define OPT_BUF(o) \
	OPT_STRING(0, "buf", &(o)->spec, "ARG,LEN", \
		   "show LEN bytes at ARG (LEN: a number, argN, a parameter name or retval)"), \
	OPT_BOOL(0, "hex", &(o)->hex, "--buf: a hex dump of the bytes"), \
	OPT_CALLBACK(0, "buf-size", &(o)->size, "BYTES", \
		     "--buf: bytes copied at most (default 256, up to 16K; more is cut, and says so)", \
		     opt_buf_size_cb)

struct upx_option;
/* --buf-size: 1 to TRACE_BUF_MAX bytes (K suffix), into an unsigned long long. */
int opt_buf_size_cb(const struct upx_option *opt, const char *arg);

/*
 * --buf, --hex and --buf-size against the probes and the options that do not
 * go with a buffer (an aggregation, --str, --stack, --span: false / NULL when
 * not given); 0 or a usage error.
 */
int buf_check(struct buf_opts *o, const struct probe_spec *specs, size_t nr, bool aggregate,
	      const char *str, bool stack, bool span);
/* ARG and LEN given as parameter names, found in the plan's DWARF; 0 or -1 after error(). */
int buf_resolve(struct buf_opts *o, const struct params *p);
/* The program's part (and the map of kept arguments sized); 0. */
int buf_configure(const struct buf_opts *o, struct trace_config *cfg, struct bpf_map *args);
/* The buffer after an event of size bytes: " buf[LEN]=..." (or the dump); JSON's fields. */
void buf_event_text(const struct buf_opts *o, FILE *f, const struct trace_event *e, size_t size);
void buf_event_json(const struct buf_opts *o, struct json_writer *jw, const struct trace_event *e,
		    size_t size);

#endif
