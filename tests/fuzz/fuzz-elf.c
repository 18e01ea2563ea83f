// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz the ELF reader (core/symbols/elf.c) as trace and list-syms use it: open, load
 * .symtab/.dynsym with versions, look names up, map each function's address
 * to a file offset, read its first bytes and decode the probe site (core/symbols/insn.c).
 * Input: an ELF file.  Seeds: tests/fuzz/corpus/elf (tests/fuzz/make-seeds.sh).
 *   make fuzz-elf  (one target of tests/fuzz/fuzz.mk)
 */
#include <elf.h>
#include <string.h>

#include "fuzz.h"
#include "symbols/elf.h"
#include "symbols/insn.h"

static void probe_site(const struct elf_file *ef, struct elf_sym *s)
{
	enum insn_arch arch = insn_arch_of_machine(ef->e_machine);
	uint8_t code[64];
	struct insn_info in;
	uint64_t off;
	int n;

	if (!s->defined || !s->value)
		return;
	if (elf_file__vaddr_to_offset(ef, s->value, &off)) {
		FUZZ_CHECK(s->type == STT_TLS || !s->offset);
		return;
	}
	FUZZ_CHECK(s->type == STT_TLS || s->offset == off);
	n = elf_file__read(ef, off, code, sizeof(code));
	FUZZ_CHECK(n <= (int)sizeof(code));
	if (n <= 0)
		return;
	if (!insn_decode(arch, code, n, &in)) {
		FUZZ_CHECK(in.len > 0 && in.len <= n);
		if (in.is_endbr64)
			insn_decode(arch, code + in.len, n - in.len, &in);
	}
	insn_is_boundary(arch, code, n, s->size < (uint64_t)n ? s->size : (size_t)n / 2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_file f = fuzz_file_open(data, size);
	struct elf_file *ef;
	char err[256];

	if (f.fd < 0)
		return 0;
	if (elf_file__open(f.path, &ef, err, sizeof(err))) {
		FUZZ_CHECK(err[0] && memchr(err, '\0', sizeof(err)));
		fuzz_file_close(&f);
		return 0;
	}
	/* The memfd has no separate debug file: /usr/lib/debug is not part of the input. */
	if (!elf_file__load_syms(ef, ELF_SYMS_NO_DEBUG_FILE)) {
		for (size_t i = 0; i < ef->nr_syms; i++) {
			struct elf_sym *s = &ef->syms[i], *first;
			size_t n = elf_file__find_syms(ef, s->name, &first);

			FUZZ_CHECK(n >= 1 && first <= s && s < first + n);
			elf_file__find_def(ef, s->name, s->version);
			elf_file__find_def(ef, s->name, NULL);
			elf_sym__demangled(s);
			if (i < 256)
				probe_site(ef, s);
		}
	}
	elf_file__close(ef);
	fuzz_file_close(&f);
	return 0;
}
