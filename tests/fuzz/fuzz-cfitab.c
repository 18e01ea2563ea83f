// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz the unwind-table builder (core/stack/cfitab.c): an ELF file's
 * .eh_frame or .debug_frame into rows.  A table or an error with its cause;
 * a table is sorted with no two neighbours alike, and finds its own rows.
 * Input: an ELF file.  Seeds: tests/fuzz/corpus/cfitab.
 *   make fuzz-cfitab  (one target of tests/fuzz/fuzz.mk)
 */
#include "fuzz.h"
#include "stack/cfitab.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_file f = fuzz_file_open(data, size);
	struct cfitab t;
	const char *why = NULL;

	if (f.fd < 0)
		return 0;
	if (cfitab_build(f.path, &t, &why) == 0) {
		for (size_t i = 0; i < t.nr; i++) {
			const struct stack_cfi_row *r = &t.rows[i];

			FUZZ_CHECK(r->cfa <= STACK_CFI_NONE);
			FUZZ_CHECK(!i || (r[-1].off < r->off && (r[-1].cfa != r->cfa ||
				   r[-1].rbp != r->rbp || r[-1].cfa_off != r->cfa_off)));
			FUZZ_CHECK(cfitab_find(&t, r->off) == r);
		}
		cfitab_free(&t);
	} else {
		FUZZ_CHECK(why && *why);
	}
	fuzz_file_close(&f);
	return 0;
}
