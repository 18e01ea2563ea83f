// SPDX-License-Identifier: GPL-2.0
/* The probe-spec parser: `[r:]TARGET:FUNCTION[+OFFSET]`, `usdt:TARGET:[PROVIDER:]NAME`. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "target/probe-spec.h"

static const struct {
	const char *prefix;
	bool is_return;
} prefixes[] = {
	{ "uretprobe:", true }, { "uprobe:", false }, { "ur:", true },
	{ "r:", true },		{ "p:", false },      { "u:", false },
};

/* The first ':' that is not one of a C++ "::" pair. */
static const char *split_colon(const char *s)
{
	for (const char *p = s; *p; p++) {
		if (*p != ':')
			continue;
		if (p[1] == ':') {
			p++;
			continue;
		}
		return p;
	}
	return NULL;
}

/* usdt:TARGET:[PROVIDER:]NAME, after the prefix. */
static int parse_usdt(const char *p, struct probe_spec *spec, char *err, size_t errlen)
{
	const char *c1 = strrchr(p, ':'), *c2;

	spec->is_usdt = true;
	/* TARGET ends at the first ':', and is not empty. */
	if (!c1 || *p == ':') {
		snprintf(err, errlen, "expected usdt:TARGET:[PROVIDER:]NAME, "
			 "e.g. 'usdt:python3:function__entry'");
		return -EINVAL;
	}
	if (!c1[1]) {
		snprintf(err, errlen, "no probe name after '%.*s:'", (int)(c1 - p), p);
		return -EINVAL;
	}
	/* A second ':' before NAME sets PROVIDER. */
	c2 = strchr(p, ':');
	if (c2 != c1) {
		if (c1 == c2 + 1) {
			snprintf(err, errlen, "empty provider in '%s'", p);
			return -EINVAL;
		}
		spec->provider = strndup(c2 + 1, c1 - c2 - 1);
		if (strchr(spec->provider, ':')) {
			snprintf(err, errlen, "too many ':' in '%s': usdt:TARGET:[PROVIDER:]NAME",
				 p);
			probe_spec_free(spec);
			return -EINVAL;
		}
	}
	spec->target = strndup(p, c2 - p);
	spec->function = xstrdup(c1 + 1);
	return 0;
}

int probe_spec_parse(const char *s, struct probe_spec *spec, char *err, size_t errlen)
{
	const char *p = s, *colon, *plus;
	size_t i;

	memset(spec, 0, sizeof(*spec));
	spec->text = s;
	if (!strncmp(p, "usdt:", 5))
		return parse_usdt(p + 5, spec, err, errlen);
	for (i = 0; i < ARRAY_SIZE(prefixes); i++) {
		size_t n = strlen(prefixes[i].prefix);

		if (!strncmp(p, prefixes[i].prefix, n)) {
			spec->is_return = prefixes[i].is_return;
			p += n;
			break;
		}
	}
	colon = split_colon(p);
	if (!colon || colon == p) {
		snprintf(err, errlen, "expected [r:]TARGET:FUNCTION, e.g. 'libc.so.6:malloc'");
		return -EINVAL;
	}
	if (!colon[1]) {
		snprintf(err, errlen, "no function after '%.*s:'", (int)(colon - p), p);
		return -EINVAL;
	}
	spec->target = strndup(p, colon - p);
	spec->function = xstrdup(colon + 1);

	/* +OFFSET only when what follows the last '+' is a number (operator+ stays a name). */
	plus = strrchr(spec->function, '+');
	if (plus && plus != spec->function) {
		unsigned long long off;

		if (parse_u64(plus + 1, &off) && plus[1] >= '0' && plus[1] <= '9') {
			spec->offset = off;
			spec->has_offset = true;
			spec->function[plus - spec->function] = '\0';
		}
	}
	if (spec->has_offset && spec->is_return) {
		snprintf(err, errlen, "a return probe cannot take +OFFSET");
		probe_spec_free(spec);
		return -EINVAL;
	}
	return 0;
}

void probe_spec_free(struct probe_spec *spec)
{
	free(spec->target);
	free(spec->function);
	free(spec->provider);
	spec->target = spec->function = spec->provider = NULL;
}
