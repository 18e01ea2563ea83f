/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `[r:]TARGET:FUNCTION[+OFFSET]` and `usdt:TARGET:[PROVIDER:]NAME` parsed
 * into a struct.  Nothing touches the filesystem here, so the parser is
 * tested on its own.
 */
#ifndef UPX_PROBE_SPEC_H
#define UPX_PROBE_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct probe_spec {
	const char *text;	/* as given */
	bool is_return;		/* r: (uretprobe) */
	char *target;		/* path, program name or soname */
	char *function;		/* symbol, demangled C++ name, or glob */
	uint64_t offset;	/* +OFFSET into the function */
	bool has_offset;
	bool is_usdt;		/* usdt:TARGET:[PROVIDER:]NAME: function is NAME */
	char *provider;		/* usdt: PROVIDER (a glob too), NULL: any */
};

/*
 * Accepted prefixes: none, `p:` / `u:` / `uprobe:` (entry), `r:` / `ur:` /
 * `uretprobe:` (return).  TARGET ends at the first ':' that is not part of a
 * C++ '::'.  `usdt:` takes TARGET, then NAME or PROVIDER:NAME (no ':' in
 * either).  Returns 0, or -EINVAL with a cause in err.
 */
int probe_spec_parse(const char *s, struct probe_spec *spec, char *err, size_t errlen);
void probe_spec_free(struct probe_spec *spec);

#endif
