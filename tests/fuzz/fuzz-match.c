// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz the name matchers: the glob/substring/exact patterns of core/symbols/elf.c,
 * the C++ demangler call, and trace's FUNCTION matcher in core/plan/plan.c (raw or
 * demangled names, a template's return type skipped, parameters optional,
 * "did you mean", imports explained), planned against one real C++ program:
 * $UPX_FUZZ_TARGET (tests/fuzz/fuzz.mk sets build/fixtures/cxxshop; it has no
 * IFUNC, so nothing of it ever runs).
 * Input: PATTERN NUL NAME [NUL FLAGS]: FLAGS' first byte bit 0 return probe,
 * bit 1 --latency, bit 2 +OFFSET (the second byte).  Seeds: tests/fuzz/corpus/match.
 *   make fuzz-match  (one target of tests/fuzz/fuzz.mk)
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "plan/plan.h"
#include "symbols/elf.h"
#include "target/probe-spec.h"

static struct plan plan;
static const char *target;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	target = getenv("UPX_FUZZ_TARGET");
	if (!target)
		target = "build/fixtures/cxxshop";
	if (plan_open_file(&plan, target) < 0) {
		fprintf(stderr, "fuzz-match: cannot open the target '%s' (UPX_FUZZ_TARGET)\n",
			target);
		exit(1);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 2), *pat, *name, *dm;
	const uint8_t *flags = NULL;
	struct probe_spec spec = { 0 };
	size_t plen, nlen, foff;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = buf[size + 1] = '\0';
	pat = buf;
	plen = strlen(pat);
	name = buf + plen + 1;
	nlen = plen < size ? strlen(name) : 0;
	foff = plen + 1 + nlen + 1;
	if (foff < size)
		flags = data + foff;

	pattern_is_glob(pat);
	if (!pattern_is_glob(pat))
		FUZZ_CHECK(pattern_match_substring(pat, name) == (strstr(name, pat) != NULL));
	dm = demangle(name);
	if (dm) {
		FUZZ_CHECK(name[0] == '_' && name[1] == 'Z');
		pattern_match_substring(pat, dm);
		free(dm);
	}

	if (*pat) {
		spec.text = pat;
		spec.target = (char *)target;
		spec.function = pat;
		spec.is_return = flags && (flags[0] & 1);
		plan.opts.entry_and_return = flags && (flags[0] & 2);
		if (flags && !spec.is_return && (flags[0] & 4)) {
			spec.has_offset = true;
			spec.offset = foff + 1 < size ? flags[1] : 0;
		}
		if (!plan_add_spec(&plan, &spec, 0))
			FUZZ_CHECK(plan.nr > 0);
		for (size_t i = 0; i < plan.nr; i++)
			FUZZ_CHECK(plan.entries[i].file == 0 && plan.entries[i].offset);
		/* the file stays open: its symbols are what is matched */
		plan_clear_probes(&plan);
	}
	free(buf);
	return 0;
}
