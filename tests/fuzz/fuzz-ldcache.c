// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz the ld.so.cache parser (core/target/libsearch.c): both formats, the table
 * bounds, string offsets, lookups.
 * Input: an ld.so.cache file.  Seeds: tests/fuzz/corpus/ldcache (ldconfig -r over a scratch root).
 *   make fuzz-ldcache  (one target of tests/fuzz/fuzz.mk)
 */
#include <string.h>

#include "fuzz.h"
#include "target/libsearch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "libc.so.6", "libfz.so.1", "libshop.so", "" };
	struct fuzz_file f = fuzz_file_open(data, size);
	struct ld_cache *c;

	if (f.fd < 0)
		return 0;
	if (!ld_cache__open(f.path, &c)) {
		FUZZ_CHECK(ld_cache__count(c) <= size);
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			const char *p = ld_cache__lookup(c, names[i]);

			/* A path found is a string inside the file. */
			FUZZ_CHECK(!p || strlen(p) < size);
		}
		ld_cache__free(c);
	}
	fuzz_file_close(&f);
	return 0;
}
