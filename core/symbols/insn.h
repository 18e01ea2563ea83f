/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The first instructions of a function, decoded just enough to place a uprobe
 * well: how long each instruction is, whether the kernel accepts a uprobe on
 * it, and whether it emulates the instruction (cheap hit) or single-steps it
 * out of line (a few microseconds more per hit).
 *
 * The x86-64 part is a length decoder (prefixes, REX, VEX, EVEX, XOP, the
 * legacy maps 0F, 0F38 and 0F3A, ModRM/SIB, displacements, immediates) plus a
 * model of arch/x86/kernel/uprobes.c as of Linux 6.16-6.18.  arm64 instructions
 * are 4 bytes; the model follows arch/arm64/kernel/probes/decode-insn.c.
 */
#ifndef UPX_INSN_H
#define UPX_INSN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum insn_arch {
	INSN_X86_64,
	INSN_ARM64,
	INSN_ARCH_NONE,		/* a machine we cannot decode; insn_decode() says -EINVAL */
};

struct insn_info {
	int len;		/* bytes; 0 if undecodable */
	bool is_endbr64;	/* f3 0f 1e fa */
	bool uprobe_ok;		/* the kernel's uprobe would accept this instruction at this site */
	bool emulated;		/* the kernel emulates it (no single-step): push reg, nop, jmp/call/jcc rel */
	const char *why;	/* when !uprobe_ok: short reason ("lock prefix", "undecodable", "int3") */
};

/*
 * Decode the instruction at buf[0..len).  Returns 0, or -EINVAL when it is
 * undecodable or runs past len; *out is filled either way (len 0, why set).
 */
int insn_decode(enum insn_arch arch, const uint8_t *buf, size_t len, struct insn_info *out);

/*
 * Does an instruction start at `off` of the function code[0..len)?  Decodes
 * linearly from 0, so data in the middle of the code breaks the chain (false).
 */
bool insn_is_boundary(enum insn_arch arch, const uint8_t *code, size_t len, size_t off);
/*
 * The same, telling the two noes apart: 1 an instruction starts at off; 0 the
 * one that starts at *at covers it (off is inside an instruction); -EINVAL
 * the decoder stopped at *at first (an undecodable instruction, data, or off
 * past len): whether off is a boundary is not known.
 */
int insn_boundary(enum insn_arch arch, const uint8_t *code, size_t len, size_t off, size_t *at);

/* EM_X86_64 / EM_AARCH64 to the decoder for it; INSN_ARCH_NONE otherwise. */
enum insn_arch insn_arch_of_machine(uint16_t e_machine);

#endif
