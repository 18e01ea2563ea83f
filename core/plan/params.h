/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Parameter names of the probes of a plan: what an argument is called where
 * the user names it (--on, --hist, --str, --by: "arg2", "retval" or a
 * parameter's name), and each entry probe's parameters, their names and
 * types from the function's DWARF or a USDT note's argument spec, for
 * resolving those names and for showing arguments by name and type.
 */
#ifndef UPX_PARAMS_H
#define UPX_PARAMS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <linux/types.h>	/* probes/trace.h's __u32, __u64 */

#include "symbols/dwarf.h"
#include "trace.h"

struct json_writer;
struct plan;

/* parse_arg_name()'s mark for a parameter named in DWARF, resolved once the functions are known. */
#define ARG_BY_NAME 100

/*
 * "arg2" / "2" -> 2, "retval" / "ret" -> TRACE_VALUE_RETVAL, a C identifier
 * -> ARG_BY_NAME (a parameter name, for params__resolve()), -1 on junk
 * (arg6 and over among them: registers hold six arguments).
 */
int parse_arg_name(const char *s);

/*
 * name as an option names a value (--on, --hist, --str, --by's parts):
 * parse_arg_name()'s index, checked against the probes it is read at: the
 * return value needs return probes only (all_return), an argument is gone
 * where args_gone (at a return).  -1 after a usage error naming option.
 */
int parse_arg_for(const char *option, const char *name, bool all_return, bool args_gone);

/* The parameters of each of a plan's probes (its first nr_probes entries). */
struct params;

/*
 * Read them for every entry probe: DWARF's (the file's or its debug
 * file's), a USDT probe's from its note; return probes and functions without
 * DWARF have none.  The plan outlives the result.
 */
struct params *params__load(const struct plan *plan);
void params__free(struct params *p);

/*
 * The index of the parameter called name in every entry probe's function:
 * 0..TRACE_MAX_ARGS-1, or -1 after an error naming option ("--str") and the
 * probe that has no DWARF, no such parameter, or has it at another index.
 */
int params__resolve(const struct params *p, const char *name, const char *option);
/* The same for *arg when parse_arg_for() left it ARG_BY_NAME (else nothing to do); 0 or -1. */
int params__resolve_arg(const struct params *p, int *arg, const char *name, const char *option);

/*
 * Parameter i of probe (an entry's index, or an event's cookie: its probe is
 * the low 32 bits); NULL when there is none with a name, or p is NULL.
 */
const struct dwarf_param *params__of(const struct params *p, uint64_t probe, int i);

/* How a parameter's value is shown, by what its type says. */
enum param_form {
	PARAM_GUESS,	/* no type to go by: output/value.h's value_put() */
	PARAM_HEX,	/* a pointer, char * among them */
	PARAM_SIGNED,
	PARAM_UNSIGNED,
};

/*
 * The form of parameter p's value (NULL: none known), and *v narrowed to
 * what the function sees: a register holds a narrower argument in its low
 * bytes, sign-extended for a signed type.
 */
enum param_form param_value(const struct dwarf_param *p, __u64 *v);

/* v as parameter p's type says (a guess without), into buf (VALUE_TEXT_MAX bytes); the end. */
char *param_put(char *buf, const struct dwarf_param *p, __u64 v);
/* The same, written to f. */
void param_print(FILE *f, const struct dwarf_param *p, __u64 v);

/* Argument i's name on a text line: its parameter's (p, escaped), or "argI" without. */
void param_print_name(FILE *f, const struct dwarf_param *p, int i);

/*
 * "value", "value_of" and "value_name" (the parameter's name, from DWARF):
 * v, argument arg of probe (an index or a cookie) or its return value
 * (TRACE_VALUE_RETVAL), signed or not as its type says.
 */
void params__json_value(const struct params *p, struct json_writer *jw, uint64_t probe, int arg,
			__u64 v);

/*
 * "params": the names of the first nr parameters of probe (an entry's index
 * or a cookie), null for one without; no field when the first has none.
 */
void params__json_names(const struct params *p, struct json_writer *jw, uint64_t probe, int nr);

#endif
