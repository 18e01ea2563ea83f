// SPDX-License-Identifier: GPL-2.0
/* Instruction lengths and the kernel's uprobe verdict for x86-64 and arm64 (see insn.h). */
#include <elf.h>
#include <errno.h>
#include <string.h>

#include "symbols/insn.h"

/*
 * x86-64.  What follows each opcode, one letter per opcode, so that a row can
 * be read against the opcode tables of the Intel SDM (volume 2, appendix A):
 *   .  nothing            M  ModRM              R  ModRM, always a register (mov CR/DR)
 *   b  imm8               w  imm16              e  imm16 + imm8 (enter)
 *   z  imm16/32 (66)      v  imm16/32/64 (66, REX.W: mov reg, imm)
 *   B  ModRM + imm8       Z  ModRM + imm16/32   o  moffs: 8 bytes, 4 with 67
 *   j  rel32 of near jmp/call/jcc: 66 does not shorten it in 64-bit mode on
 *      Intel, nor in the kernel's decoder (objdump follows AMD and says rel16)
 *   g  ModRM, + imm8 when ModRM.reg is 0 or 1 (F6: test; the rest of group 3 has none)
 *   G  the same with imm16/32 (F7)
 *   #  a prefix or an escape, consumed before the table is read
 *   x  invalid in 64-bit mode
 */
static const char map_1byte[256] =
	/*0123456789abcdef */
	"MMMMbzxxMMMMbzx#"	/* 0 add or (push/pop es/cs/ss/ds gone) */
	"MMMMbzxxMMMMbzxx"	/* 1 adc sbb */
	"MMMMbz#xMMMMbz#x"	/* 2 and sub, es: cs:, daa das gone */
	"MMMMbz#xMMMMbz#x"	/* 3 xor cmp, ss: ds:, aaa aas gone */
	"################"	/* 4 REX */
	"................"	/* 5 push pop */
	"xx#M####zZbB...."	/* 6 62 = EVEX, movsxd, fs: gs: 66 67, push imul, ins outs */
	"bbbbbbbbbbbbbbbb"	/* 7 jcc rel8 */
	"BZxBMMMMMMMMMMMM"	/* 8 group 1, test xchg mov lea, 8f pop (or XOP) */
	"..........x....."	/* 9 xchg cbw cwd (call far gone) fwait pushf popf sahf lahf */
	"oooo....bz......"	/* a mov moffs, movs cmps, test imm, stos lods scas */
	"bbbbbbbbvvvvvvvv"	/* b mov reg, imm */
	"BBw.##BZe.w..bx."	/* c shifts, ret imm16, c4/c5 = VEX, mov imm, enter leave, int */
	"MMMMxxx.MMMMMMMM"	/* d shifts, (aam aad salc gone), xlat, x87 */
	"bbbbbbbbjjxb...."	/* e loop jrcxz in out, call jmp, (jmp far gone), jmp rel8 */
	"#.##..gG......MM";	/* f lock int1 rep hlt cmc, group 3, flags, group 4/5 */

static const char map_0f[256] =
	/*0123456789abcdef */
	"MMMMx.....x.xM.B"	/* 0 groups 6/7, lar lsl, syscall clts sysret invd wbinvd ud2, prefetch, 3DNow! */
	"MMMMMMMMMMMMMMMM"	/* 1 SSE moves, hint nops, endbr */
	"RRRRxxxxMMMMMMMM"	/* 2 mov CR/DR, SSE */
	"......x.#x#xxxxx"	/* 3 wrmsr rdtsc rdmsr rdpmc sysenter sysexit getsec, 38/3a escapes */
	"MMMMMMMMMMMMMMMM"	/* 4 cmovcc */
	"MMMMMMMMMMMMMMMM"	/* 5 SSE */
	"MMMMMMMMMMMMMMMM"	/* 6 MMX/SSE */
	"BBBBMMM.MMMMMMMM"	/* 7 pshuf and shift groups, emms, vmread vmwrite, EVEX vcvt* */
	"jjjjjjjjjjjjjjjj"	/* 8 jcc rel32 */
	"MMMMMMMMMMMMMMMM"	/* 9 setcc */
	"...MBMMM...MBMMM"	/* a push pop fs/gs cpuid bt shld (VIA PadLock) bts shrd group 15 imul */
	"MMMMMMMMMMBMMMMM"	/* b cmpxchg, bit ops, movzx movsx, popcnt, group 8 */
	"MMBMBBBM........"	/* c xadd, cmpps, pinsrw pextrw shufps, group 9, bswap */
	"MMMMMMMMMMMMMMMM"	/* d MMX/SSE */
	"MMMMMMMMMMMMMMMM"	/* e MMX/SSE */
	"MMMMMMMMMMMMMMMM";	/* f MMX/SSE, ud0 */

/* Legacy prefixes the decoder tracks. */
enum {
	PFX_LOCK = 1 << 0,
	PFX_REPNE = 1 << 1,	/* f2 */
	PFX_REP = 1 << 2,	/* f3 */
	PFX_OSZ = 1 << 3,	/* 66: operand size */
	PFX_ASZ = 1 << 4,	/* 67: address size */
	PFX_SEG_OLD = 1 << 5,	/* es: cs: ss: ds: (no effect in 64-bit mode; the kernel refuses them) */
	PFX_SEG_FSGS = 1 << 6,	/* fs: gs: (TLS; fine) */
};

struct x86_insn {
	unsigned int pfx;	/* PFX_* */
	uint8_t rex;		/* the REX byte in effect, or 0 */
	uint8_t map;		/* 0 one byte, 1 0F, 2 0F38, 3 0F3A, 5/6 EVEX, 8-10 XOP */
	uint8_t enc;		/* ENC_* */
	uint8_t op;		/* the opcode byte after any escape or VEX/EVEX/XOP prefix */
	int modrm;		/* -1 when there is none */
	int len;
	bool truncated;
};

enum { ENC_LEGACY, ENC_VEX, ENC_EVEX, ENC_XOP };

static unsigned int legacy_prefix(uint8_t b)
{
	switch (b) {
	case 0xf0: return PFX_LOCK;
	case 0xf2: return PFX_REPNE;
	case 0xf3: return PFX_REP;
	case 0x66: return PFX_OSZ;
	case 0x67: return PFX_ASZ;
	case 0x26: case 0x2e: case 0x36: case 0x3e: return PFX_SEG_OLD;
	case 0x64: case 0x65: return PFX_SEG_FSGS;
	}
	return 0;
}

/* Length of the instruction at b[0..n).  0 or -EINVAL (x->truncated says why). */
static int x86_decode(const uint8_t *b, size_t n, struct x86_insn *x)
{
	size_t i = 0, imm = 0;
	unsigned int p;
	bool osz16;
	char k;

	memset(x, 0, sizeof(*x));
	x->modrm = -1;
#define NEED(k)                                 \
	do {                                    \
		if (i + (k) > 15)               \
			return -EINVAL;         \
		if (i + (k) > n)                \
			goto truncated;         \
	} while (0)

	/* A REX counts only right before the opcode: a legacy prefix after it voids it. */
	for (;; i++) {
		NEED(1);
		if ((p = legacy_prefix(b[i]))) {
			x->pfx |= p;
			x->rex = 0;
		} else if ((b[i] & 0xf0) == 0x40) {
			x->rex = b[i];
		} else {
			break;
		}
	}
	x->op = b[i++];
	if (x->op == 0x0f) {
		NEED(1);
		x->map = 1;
		x->op = b[i++];
		if (x->op == 0x38 || x->op == 0x3a) {
			NEED(1);
			x->map = x->op == 0x38 ? 2 : 3;
			x->op = b[i++];
		}
	} else if (x->op == 0xc5) {			/* VEX2: RvvvvLpp, map 0F */
		NEED(2);
		x->enc = ENC_VEX;
		x->map = 1;
		x->op = b[i + 1];
		i += 2;
	} else if (x->op == 0xc4) {			/* VEX3: RXBmmmmm WvvvvLpp */
		NEED(3);
		x->enc = ENC_VEX;
		x->map = b[i] & 0x1f;
		x->op = b[i + 2];
		i += 3;
	} else if (x->op == 0x62) {			/* EVEX: RXBR'0mmm Wvvvv1pp zL'LbV'aaa */
		NEED(4);
		x->enc = ENC_EVEX;
		x->map = b[i] & 0x07;
		x->op = b[i + 3];
		i += 4;
	} else if (x->op == 0x8f) {			/* XOP when its "ModRM.reg" would be nonzero */
		NEED(1);
		if ((b[i] & 0x1f) >= 8) {
			NEED(3);
			x->enc = ENC_XOP;
			x->map = b[i] & 0x1f;
			x->op = b[i + 2];
			i += 3;
		}
	}

	switch (x->map) {
	case 0: k = map_1byte[x->op]; break;
	case 1: k = map_0f[x->op]; break;
	case 2: case 5: case 6: case 9: k = 'M'; break;	/* 0F38, EVEX FP16 maps, XOP 9 */
	case 3: case 8: k = 'B'; break;			/* 0F3A, XOP 8: all take an imm8 */
	case 10: k = 'M'; imm = 4; break;		/* XOP A: bextr/lwp* imm32 */
	default: return -EINVAL;
	}
	if (k == '#' || k == 'x')
		return -EINVAL;
	/* VEX and friends only encode ModRM forms, and vzeroupper/vzeroall. */
	if (x->enc != ENC_LEGACY && k != 'M' && k != 'B' && !(x->map == 1 && x->op == 0x77))
		return -EINVAL;
	if (x->enc == ENC_EVEX && (x->map == 0 || x->map == 4 || x->map == 7))
		return -EINVAL;

	if (strchr("MRBZgG", k)) {
		uint8_t mod, rm;

		NEED(1);
		x->modrm = b[i++];
		mod = x->modrm >> 6;
		rm = x->modrm & 7;
		/* 64-bit addressing (67 only narrows it to 32 bits): SIB and disp8/disp32. */
		if (k != 'R' && mod != 3) {
			size_t disp = mod == 1 ? 1 : mod == 2 ? 4 : 0;

			if (rm == 4) {
				NEED(1);
				if (mod == 0 && (b[i] & 7) == 5)
					disp = 4;	/* no base: disp32 */
				i++;
			} else if (mod == 0 && rm == 5) {
				disp = 4;		/* RIP-relative */
			}
			NEED(disp);
			i += disp;
		}
	}

	/* 66 selects 16-bit operands unless REX.W asks for 64. */
	osz16 = (x->pfx & PFX_OSZ) && !(x->rex & 8);
	switch (k) {
	case 'b': case 'B': imm += 1; break;
	case 'w': imm += 2; break;
	case 'e': imm += 3; break;
	case 'j': imm += 4; break;
	case 'z': case 'Z': imm += osz16 ? 2 : 4; break;
	case 'v': imm += (x->rex & 8) ? 8 : osz16 ? 2 : 4; break;
	case 'o': imm += (x->pfx & PFX_ASZ) ? 4 : 8; break;
	case 'g': imm += ((x->modrm >> 3) & 7) < 2 ? 1 : 0; break;
	case 'G': imm += ((x->modrm >> 3) & 7) < 2 ? (osz16 ? 2 : 4) : 0; break;
	}
	/* SSE4a extrq/insertq (66/f2 0f 78) carry two imm8 (length and index). */
	if (x->enc == ENC_LEGACY && x->map == 1 && x->op == 0x78 && (x->pfx & (PFX_OSZ | PFX_REPNE)))
		imm += 2;
	NEED(imm);
	x->len = i + imm;
	return 0;

truncated:
	x->truncated = true;
	return -EINVAL;
#undef NEED
}

/*
 * The kernel's verdict, as arch/x86/kernel/uprobes.c has it in 6.16-6.18:
 *
 * 1. uprobe_init_insn(): refuse es/cs/ss/ds and lock prefixes, mov to %ss,
 *    then look the *first* opcode byte up in good_insns_64.  That byte is 0f
 *    for every legacy two- and three-byte opcode, and 0f is marked good, so
 *    good_2byte_insns is never consulted for 64-bit tasks (syscall, ud2 and
 *    friends are accepted).  For VEX/EVEX the kernel's decoder reports the
 *    byte after the prefix as the opcode, whatever the map, so vpxor (ef),
 *    vmovdqa loads (6f), vcomiss (2f), vpabsd (0f38 1e) ... are refused as if
 *    they were out, outs, das or push ds.  The string below is that table
 *    (bit set = good), written as characters, one row per high nibble.
 * 2. branch_setup_xol_ops(): emulate nops (the exact x86_nops[] patterns,
 *    and any opcode byte 90 whatever its prefixes), jmp rel8/rel32, call
 *    rel32 and jcc; refuse those branches with a 66 prefix.  (6.19 replaces
 *    the nop test with insn_is_nop(), which also takes mov %reg,%reg,
 *    lea 0(%reg),%reg and jmp +0, and no longer 90 with REX.B or VEX.)
 * 3. push_setup_xol_ops(): emulate push %reg (one byte, or 41 + one byte).
 * 4. Everything else is copied to the XOL page and single-stepped, with the
 *    RIP-relative operand rewritten to a scratch register when there is one.
 *
 * Checked on 6.18.44 by opening a perf uprobe on each case of
 * tests/unit/test-insn.c, and by running the mis-emulated ones under a probe.
 */
static const char good_insns_64[256] =
	/*0123456789abcdef */
	"1111110011111101"	/* 0 */
	"1111110011111100"	/* 1 */
	"1111111011111110"	/* 2 */
	"1111111011111110"	/* 3 */
	"1111111111111111"	/* 4 */
	"1111111111111111"	/* 5 */
	"0001111111110000"	/* 6 */
	"1111111111111111"	/* 7 */
	"1101111111111111"	/* 8 */
	"1111111111011111"	/* 9 */
	"1111111111111111"	/* a */
	"1111111111111111"	/* b */
	"1111111111110000"	/* c */
	"1111000111111111"	/* d */
	"1111000011010000"	/* e */
	"1011011111001111";	/* f */

/* x86_nops[] of arch/x86/kernel/alternative.c for 64-bit; 9-11 add a cs: prefix. */
static const uint8_t nops[9][8] = {
	[1] = { 0x90 },
	[2] = { 0x66, 0x90 },
	[3] = { 0x0f, 0x1f, 0x00 },
	[4] = { 0x0f, 0x1f, 0x40, 0x00 },
	[5] = { 0x0f, 0x1f, 0x44, 0x00, 0x00 },
	[6] = { 0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00 },
	[7] = { 0x0f, 0x1f, 0x80, 0x00, 0x00, 0x00, 0x00 },
	[8] = { 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00 },
};

static const char *x86_refused_why(const struct x86_insn *x)
{
	if (x->enc != ENC_LEGACY)
		return "vector opcode byte refused";
	switch (x->op) {
	case 0xcc: return "int3";
	case 0xcd: return "int";
	case 0xf1: return "int1";
	case 0xcf: return "iret";
	case 0xf4: return "hlt";
	case 0xfa: case 0xfb: return "cli/sti";
	}
	if ((x->op >= 0x6c && x->op <= 0x6f) || (x->op >= 0xe4 && x->op <= 0xe7) || x->op >= 0xec)
		return "port i/o";
	return "opcode refused";
}

static void x86_classify(const uint8_t *b, const struct x86_insn *x, struct insn_info *out)
{
	/* The byte the kernel calls OPCODE1: 0f for the legacy escapes. */
	uint8_t op1 = x->enc == ENC_LEGACY && x->map ? 0x0f : x->op;
	bool legacy0 = x->enc == ENC_LEGACY && x->map == 0;

	out->is_endbr64 = x->len == 4 && !memcmp(b, "\xf3\x0f\x1e\xfa", 4);
	out->why = NULL;
	if (x->pfx & PFX_LOCK) {
		out->why = "lock prefix";
		return;
	}
	if (x->pfx & PFX_SEG_OLD) {
		out->why = "segment prefix";
		return;
	}
	/* The kernel's decoder has no XOP; it would see a pop with a bogus ModRM. */
	if (x->enc == ENC_XOP) {
		out->why = "xop encoding";
		return;
	}
	/* Single-stepping an instruction that blocks interrupts for one more is not safe. */
	if (legacy0 && x->op == 0x8e && ((x->modrm >> 3) & 7) == 2) {
		out->why = "mov to %ss";
		return;
	}
	if (good_insns_64[op1] != '1') {
		out->why = x86_refused_why(x);
		return;
	}
	out->uprobe_ok = true;

	/*
	 * branch_setup_xol_ops() switches on OPCODE1 without asking how the
	 * instruction was encoded.  Under VEX/EVEX, 70-7f (vpshufd, vpcmpeqb,
	 * vzeroupper, vmovdqu stores ...) would be "emulated" as a jcc, e8/e9/eb
	 * (vpsubsb, vpsubsw, vpor) as a call or jmp, 90 (kmovw ...) as a nop; and
	 * 90 with REX.B is xchg %r8,%rax, not a nop.  The kernel accepts these and
	 * then does not execute them: a probe there corrupts the program.
	 */
	if ((x->enc != ENC_LEGACY && ((op1 & 0xf0) == 0x70 || op1 == 0x90 || op1 == 0xe8 ||
				      op1 == 0xe9 || op1 == 0xeb)) ||
	    (legacy0 && op1 == 0x90 && (x->rex & 1))) {
		out->uprobe_ok = false;
		out->why = "the kernel would mis-emulate it";
		return;
	}
	if (x->len <= 8 && !memcmp(b, nops[x->len], x->len)) {
		out->emulated = true;
		return;
	}
	/* Opcode byte 90 is taken for a nop before the 66 check (66 66 90 included). */
	if (op1 == 0x90) {
		out->emulated = true;
		return;
	}
	if ((legacy0 && (op1 == 0xe8 || op1 == 0xe9 || op1 == 0xeb || (op1 & 0xf0) == 0x70)) ||
	    (x->enc == ENC_LEGACY && x->map == 1 && (x->op & 0xf0) == 0x80)) {
		if (x->pfx & PFX_OSZ) {
			/* callw/jmpw: Intel and AMD disagree, the kernel refuses them */
			out->uprobe_ok = false;
			out->why = "66 prefix on a branch";
			return;
		}
		out->emulated = true;
		return;
	}
	/* push %reg, or push %r8-%r15 with exactly REX.B (41) */
	if (legacy0 && (op1 & 0xf8) == 0x50 && (x->len == 1 || (x->len == 2 && b[0] == 0x41)))
		out->emulated = true;
}

/*
 * arm64, after arch/arm64/kernel/probes/decode-insn.c: branches and
 * PC-relative address computations are simulated; everything else is
 * single-stepped out of line except what cannot run there (literal loads,
 * exclusive load/store sequences, exceptions, system register writes,
 * authenticated branches, most hints).
 */
static bool arm64_is(uint32_t i, uint32_t mask, uint32_t val)
{
	return (i & mask) == val;
}

static void arm64_classify(uint32_t i, struct insn_info *out)
{
	/* b, bl, b.cond, cbz/cbnz, tbz/tbnz, adr/adrp, br, blr, ret: simulated */
	if (arm64_is(i, 0x7c000000, 0x14000000) || arm64_is(i, 0xff000010, 0x54000000) ||
	    arm64_is(i, 0x7e000000, 0x34000000) || arm64_is(i, 0x7e000000, 0x36000000) ||
	    arm64_is(i, 0x1f000000, 0x10000000) || arm64_is(i, 0xfffffc1f, 0xd61f0000) ||
	    arm64_is(i, 0xfffffc1f, 0xd63f0000) || arm64_is(i, 0xfffffc1f, 0xd65f0000)) {
		out->uprobe_ok = out->emulated = true;
		return;
	}
	if (arm64_is(i, 0x1c000000, 0x14000000)) {	/* branches, exceptions, system */
		if (arm64_is(i, 0xfe000000, 0xd6000000))
			out->why = "branch the kernel does not simulate";	/* retaa, braa, eret ... */
		else if (arm64_is(i, 0xff000000, 0xd4000000))
			out->why = "exception-generating";
		else if (arm64_is(i, 0xfff8f01f, 0xd500401f) || arm64_is(i, 0xfff00000, 0xd5100000))
			out->why = "msr";
		else if (arm64_is(i, 0xfff00000, 0xd5300000) && ((i >> 5) & 0xffff) == 0xda11)
			out->why = "mrs daif";
		else if (arm64_is(i, 0xfffff01f, 0xd503201f)) {
			/* nop, xpaclri, pacia/pacib variants, bti: the rest may trap */
			switch (i & 0xfe0) {
			case 0x000: case 0x0e0: case 0x100: case 0x140: case 0x300:
			case 0x320: case 0x340: case 0x360: case 0x400: case 0x440:
			case 0x480: case 0x4c0:
				break;
			default:
				out->why = "hint";
			}
		}
	} else if (arm64_is(i, 0xbf000000, 0x18000000) || arm64_is(i, 0xff000000, 0x98000000) ||
		   arm64_is(i, 0xff000000, 0xd8000000)) {
		out->why = "literal load";	/* ldr/ldrsw/prfm (literal) */
	} else if (arm64_is(i, 0x3f800000, 0x08000000)) {
		out->why = "exclusive load/store";
	}
	out->uprobe_ok = !out->why;
}

int insn_decode(enum insn_arch arch, const uint8_t *buf, size_t len, struct insn_info *out)
{
	struct x86_insn x;

	memset(out, 0, sizeof(*out));
	switch (arch) {
	case INSN_X86_64:
		if (x86_decode(buf, len, &x)) {
			out->why = x.truncated ? "truncated" : "undecodable";
			return -EINVAL;
		}
		out->len = x.len;
		x86_classify(buf, &x, out);
		return 0;
	case INSN_ARM64:
		if (len < 4) {
			out->why = "truncated";
			return -EINVAL;
		}
		out->len = 4;
		arm64_classify(buf[0] | buf[1] << 8 | buf[2] << 16 | (uint32_t)buf[3] << 24, out);
		return 0;
	default:
		out->why = "unknown architecture";
		return -EINVAL;
	}
}

int insn_boundary(enum insn_arch arch, const uint8_t *code, size_t len, size_t off, size_t *at)
{
	struct insn_info in;
	size_t pos = 0;

	*at = 0;
	if (off >= len)
		return -EINVAL;
	if (arch == INSN_ARM64) {
		*at = off & ~(size_t)3;
		return off % 4 == 0 && off + 4 <= len;
	}
	while (pos < off) {
		*at = pos;
		if (insn_decode(arch, code + pos, len - pos, &in))
			return -EINVAL;
		if ((size_t)in.len > off - pos)
			return 0;
		pos += in.len;
	}
	*at = off;
	return 1;
}

bool insn_is_boundary(enum insn_arch arch, const uint8_t *code, size_t len, size_t off)
{
	size_t at;

	return insn_boundary(arch, code, len, off, &at) == 1;
}

enum insn_arch insn_arch_of_machine(uint16_t e_machine)
{
	switch (e_machine) {
	case EM_X86_64: return INSN_X86_64;
	case EM_AARCH64: return INSN_ARM64;
	}
	return INSN_ARCH_NONE;
}
