// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz the instruction decoder (core/symbols/insn.c), x86-64 and arm64: no read past
 * the buffer, a length of 1..15 (4 on arm64) inside it, the same answer from
 * the instruction's own bytes as from a longer buffer, boundaries that agree.
 * Input: machine code.  Seeds: tests/fuzz/corpus/insn.
 *   make fuzz-insn  (one target of tests/fuzz/fuzz.mk)
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "symbols/insn.h"

static void one(enum insn_arch arch, const uint8_t *data, size_t size)
{
	struct insn_info in, again;
	uint8_t *exact;

	if (insn_decode(arch, data, size, &in)) {
		FUZZ_CHECK(in.len == 0 && in.why);
		return;
	}
	FUZZ_CHECK(in.len > 0 && (size_t)in.len <= size);
	FUZZ_CHECK(in.len <= (arch == INSN_ARM64 ? 4 : 15));
	FUZZ_CHECK(in.uprobe_ok || in.why);
	FUZZ_CHECK(!in.emulated || in.uprobe_ok);
	/* Its own bytes alone, in a heap block of that size (ASan sees a read past it). */
	exact = malloc(in.len);
	memcpy(exact, data, in.len);
	FUZZ_CHECK(!insn_decode(arch, exact, in.len, &again));
	FUZZ_CHECK(again.len == in.len && again.uprobe_ok == in.uprobe_ok &&
		   again.emulated == in.emulated && again.is_endbr64 == in.is_endbr64);
	free(exact);
	FUZZ_CHECK(insn_is_boundary(arch, data, size, 0));
	if ((size_t)in.len < size)
		FUZZ_CHECK(insn_is_boundary(arch, data, size, in.len) ||
			   arch == INSN_ARM64 /* fewer than 4 bytes left */);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	one(INSN_X86_64, data, size);
	one(INSN_ARM64, data, size);
	if (size)
		insn_is_boundary(INSN_X86_64, data, size, data[0] % size);
	return 0;
}
