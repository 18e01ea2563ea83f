// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz the DWARF reader (core/symbols/dwarf.c) as trace uses it: the parameters of
 * each function symbol (dwarf_func_params at its st_value, and at a few
 * addresses around it) and the DW_AT_noreturn list.
 * Input: an ELF file with DWARF.  Seeds: tests/fuzz/corpus/dwarf.
 *   make fuzz-dwarf  (one target of tests/fuzz/fuzz.mk)
 */
#include <elf.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "symbols/dwarf.h"
#include "symbols/elf.h"

static void params_at(const char *path, uint64_t vaddr)
{
	struct dwarf_param p[8];
	int n = dwarf_func_params(path, NULL, vaddr, p, 8);

	FUZZ_CHECK(n <= 8);
	for (int i = 0; i < n; i++) {
		FUZZ_CHECK(memchr(p[i].name, '\0', sizeof(p[i].name)));
		FUZZ_CHECK(p[i].kind >= DWARF_PARAM_INT && p[i].kind <= DWARF_PARAM_OTHER);
		FUZZ_CHECK(p[i].size >= 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_file f = fuzz_file_open(data, size);
	struct elf_file *ef;
	uint64_t *addrs = NULL;
	char err[256];
	int n;

	if (f.fd < 0)
		return 0;
	n = dwarf_noreturn_funcs(f.path, NULL, &addrs);
	for (int i = 1; i < n; i++)
		FUZZ_CHECK(addrs[i - 1] < addrs[i]);
	free(addrs);
	/* Addresses to ask about: the functions' symbols, like trace; else a few fixed ones. */
	if (!elf_file__open(f.path, &ef, err, sizeof(err))) {
		size_t asked = 0;

		if (!elf_file__load_syms(ef, ELF_SYMS_NO_DEBUG_FILE))
			for (size_t i = 0; i < ef->nr_syms && asked < 32; i++) {
				const struct elf_sym *s = &ef->syms[i];

				if (!s->defined || s->type != STT_FUNC)
					continue;
				params_at(f.path, s->value);
				params_at(f.path, s->value + 1);
				asked++;
			}
		elf_file__close(ef);
	}
	params_at(f.path, 0);
	params_at(f.path, 0x1000);
	params_at(f.path, 0x401000);
	fuzz_file_close(&f);
	return 0;
}
