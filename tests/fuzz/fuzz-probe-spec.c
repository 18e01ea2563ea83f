// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz the probe-spec parser (core/target/probe-spec.c): `[r:]TARGET:FUNCTION[+OFFSET]`.
 * Input: one spec (a NUL ends it early).  Seeds: tests/fuzz/corpus/probe-spec.
 *   make fuzz-probe-spec  (one target of tests/fuzz/fuzz.mk)
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "target/probe-spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), err[256];
	struct probe_spec spec;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	err[0] = '\0';
	if (!probe_spec_parse(s, &spec, err, sizeof(err))) {
		/* TARGET and FUNCTION are never empty, and come from the text. */
		FUZZ_CHECK(spec.target && spec.target[0] && strstr(s, spec.target));
		FUZZ_CHECK(spec.function && spec.function[0] && strstr(s, spec.function));
		FUZZ_CHECK(!(spec.is_return && spec.has_offset));
		probe_spec_free(&spec);
	} else {
		FUZZ_CHECK(err[0]);
	}
	free(s);
	return 0;
}
