// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz the DT_NEEDED / RPATH / RUNPATH walk (core/target/libsearch.c lib_deps__load):
 * PT_INTERP, PT_DYNAMIC, dynamic strings, $ORIGIN/$LIB/$PLATFORM expansion;
 * the libraries it names are looked up on this machine, through the small
 * cache UPX_LD_SO_CACHE names (tests/fuzz/fuzz.mk sets it to a seed of the
 * ldcache corpus), never through /etc/ld.so.cache.
 * Input: an ELF file.  Seeds: tests/fuzz/corpus/libdeps.
 *   make fuzz-libdeps  (one target of tests/fuzz/fuzz.mk)
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "target/libsearch.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	/* No cache at all rather than the machine's, when run by hand. */
	setenv("UPX_LD_SO_CACHE", "/nonexistent/ld.so.cache", 0);
	unsetenv("LD_LIBRARY_PATH");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_file f = fuzz_file_open(data, size);
	struct lib_deps *d;
	char err[256];

	if (f.fd < 0)
		return 0;
	if (!lib_deps__load(f.path, &d, err, sizeof(err))) {
		for (size_t i = 0; i < d->nr; i++) {
			const struct lib_entry *e = &d->libs[i];

			FUZZ_CHECK(e->soname && (e->path || e->how == LIB_HOW_NOT_FOUND));
			FUZZ_CHECK(e->parent >= -1 && e->parent < (int)d->nr);
			for (size_t j = 0; j < e->nr_needs; j++)
				FUZZ_CHECK(e->needs[j] >= 0 && (size_t)e->needs[j] < d->nr);
		}
		for (size_t j = 0; j < d->nr_needs; j++)
			FUZZ_CHECK(d->needs[j] >= 0 && (size_t)d->needs[j] < d->nr);
		lib_deps__free(d);
	} else {
		FUZZ_CHECK(err[0] && memchr(err, '\0', sizeof(err)));
	}
	fuzz_file_close(&f);
	return 0;
}
