// SPDX-License-Identifier: GPL-2.0
/* Instruction lengths and uprobe verdicts, x86-64 and arm64, checked by hand. */
#include <elf.h>
#include <errno.h>
#include <string.h>

#include "symbols/insn.h"
#include "unit.h"

/* Decode a string of bytes; the length is the string's, so "\x00" bytes are fine. */
#define X86(s, in) insn_decode(INSN_X86_64, (const uint8_t *)(s), sizeof(s) - 1, (in))

static int x86_len(const char *s, size_t n)
{
	struct insn_info in;

	return insn_decode(INSN_X86_64, (const uint8_t *)s, n, &in) ? -1 : in.len;
}
#define LEN(s) x86_len((s), sizeof(s) - 1)

static bool why_is(const struct insn_info *in, const char *why)
{
	return in->why && !strcmp(in->why, why);
}

static void test_function_entries(void)
{
	struct insn_info in;

	CU_ASSERT_EQUAL(X86("\xf3\x0f\x1e\xfa", &in), 0);
	CU_ASSERT_TRUE(in.len == 4 && in.is_endbr64 && in.uprobe_ok && !in.emulated);
	CU_ASSERT_EQUAL(X86("\x55", &in), 0);
	CU_ASSERT_TRUE(in.len == 1 && in.uprobe_ok && in.emulated && !in.is_endbr64);
	CU_ASSERT_EQUAL(X86("\x41\x54", &in), 0);		/* push %r12: REX 41 is emulated too */
	CU_ASSERT_TRUE(in.len == 2 && in.uprobe_ok && in.emulated);
	CU_ASSERT_EQUAL(X86("\x48\x55", &in), 0);		/* any other REX is single-stepped */
	CU_ASSERT_TRUE(in.len == 2 && in.uprobe_ok && !in.emulated);
	CU_ASSERT_EQUAL(X86("\x48\x8b\x05\x10\x20\x30\x00", &in), 0);	/* mov 0x302010(%rip),%rax */
	CU_ASSERT_TRUE(in.len == 7 && in.uprobe_ok && !in.emulated);
	CU_ASSERT_EQUAL(X86("\x48\x83\xec\x18", &in), 0);	/* sub $0x18,%rsp */
	CU_ASSERT_TRUE(in.len == 4 && in.uprobe_ok && !in.emulated);
	/* pthread_spin_lock: lock decl (%rdi) */
	CU_ASSERT_EQUAL(X86("\xf0\xff\x0f", &in), 0);
	CU_ASSERT_TRUE(in.len == 3 && !in.uprobe_ok && why_is(&in, "lock prefix"));
	CU_ASSERT_EQUAL(X86("\xf0\x48\x0f\xb1\x17", &in), 0);	/* lock cmpxchg %rdx,(%rdi) */
	CU_ASSERT_TRUE(in.len == 5 && !in.uprobe_ok && why_is(&in, "lock prefix"));
	CU_ASSERT_EQUAL(X86("\xcc", &in), 0);
	CU_ASSERT_TRUE(in.len == 1 && !in.uprobe_ok && why_is(&in, "int3"));
}

static void test_modrm_sib_disp(void)
{
	CU_ASSERT_EQUAL(LEN("\x8b\x07"), 2);				/* mov (%rdi),%eax */
	CU_ASSERT_EQUAL(LEN("\x8b\x04\x24"), 3);			/* (%rsp): SIB */
	CU_ASSERT_EQUAL(LEN("\x8b\x44\x24\x08"), 4);			/* disp8 */
	CU_ASSERT_EQUAL(LEN("\x8b\x84\x24\x00\x01\x00\x00"), 7);	/* disp32 */
	CU_ASSERT_EQUAL(LEN("\x8b\x04\x25\x00\x10\x00\x00"), 7);	/* SIB without base: disp32 */
	CU_ASSERT_EQUAL(LEN("\x8b\x45\x00"), 3);			/* 0(%rbp) needs a disp8 */
	CU_ASSERT_EQUAL(LEN("\x41\x8b\x45\x00"), 4);			/* 0(%r13) as well */
	CU_ASSERT_EQUAL(LEN("\x8b\xc1"), 2);				/* register form */
	CU_ASSERT_EQUAL(LEN("\x0f\x20\x00"), 3);			/* mov %cr0,%rax ignores mod */
	CU_ASSERT_EQUAL(LEN("\x64\x48\x8b\x04\x25\x28\x00\x00\x00"), 9);	/* mov %fs:0x28,%rax */
}

static void test_immediates(void)
{
	CU_ASSERT_EQUAL(LEN("\xb8\x01\x00\x00\x00"), 5);
	CU_ASSERT_EQUAL(LEN("\x66\xb8\x01\x00"), 4);			/* 66: imm16 */
	CU_ASSERT_EQUAL(LEN("\x48\xb8\x01\x02\x03\x04\x05\x06\x07\x08"), 10);	/* movabs imm64 */
	CU_ASSERT_EQUAL(LEN("\x66\x48\xb8\x01\x02\x03\x04\x05\x06\x07\x08"), 11);	/* REX.W beats 66 */
	CU_ASSERT_EQUAL(LEN("\x66\xc7\x07\x01\x00"), 5);		/* movw $1,(%rdi) */
	CU_ASSERT_EQUAL(LEN("\x48\xc7\x07\x01\x00\x00\x00"), 7);	/* movq: imm32 sign-extended */
	CU_ASSERT_EQUAL(LEN("\x66\x48\xc7\x07\x01\x00\x00\x00"), 8);
	CU_ASSERT_EQUAL(LEN("\x83\xc0\x01"), 3);			/* add $1,%eax: imm8 */
	CU_ASSERT_EQUAL(LEN("\x81\xc1\x00\x01\x00\x00"), 6);
	CU_ASSERT_EQUAL(LEN("\x66\x68\x01\x02"), 4);			/* pushw $imm16 */
	CU_ASSERT_EQUAL(LEN("\x6a\x01"), 2);
	CU_ASSERT_EQUAL(LEN("\xc2\x08\x00"), 3);			/* ret $8 */
	CU_ASSERT_EQUAL(LEN("\xc8\x10\x00\x00"), 4);			/* enter: imm16 + imm8 */
	CU_ASSERT_EQUAL(LEN("\xf6\x07\x01"), 3);			/* testb $1,(%rdi) */
	CU_ASSERT_EQUAL(LEN("\xf6\x17"), 2);				/* notb: the rest of group 3 has none */
	CU_ASSERT_EQUAL(LEN("\xf7\x07\x01\x00\x00\x00"), 6);		/* testl */
	CU_ASSERT_EQUAL(LEN("\x66\xf7\x07\x01\x00"), 5);		/* testw */
	CU_ASSERT_EQUAL(LEN("\xf7\xd8"), 2);				/* neg %eax */
	CU_ASSERT_EQUAL(LEN("\xa0\x01\x02\x03\x04\x05\x06\x07\x08"), 9);	/* moffs64 */
	CU_ASSERT_EQUAL(LEN("\x67\xa0\x01\x02\x03\x04"), 6);		/* 67: moffs32 */
	CU_ASSERT_EQUAL(LEN("\x67\x8b\x07"), 3);			/* 67 leaves ModRM alone */
	CU_ASSERT_EQUAL(LEN("\xc7\xf8\x00\x00\x00\x00"), 6);		/* xbegin rel32 */
}

static void test_opcode_maps(void)
{
	CU_ASSERT_EQUAL(LEN("\x0f\xb6\x07"), 3);			/* movzbl */
	CU_ASSERT_EQUAL(LEN("\x0f\xba\xe0\x05"), 4);			/* bt $5,%eax */
	CU_ASSERT_EQUAL(LEN("\x66\x0f\x70\xc1\x1b"), 5);		/* pshufd */
	CU_ASSERT_EQUAL(LEN("\x66\x0f\x38\x00\xc1"), 5);		/* pshufb: 0F38 */
	CU_ASSERT_EQUAL(LEN("\x66\x0f\x3a\x0f\xc1\x08"), 6);		/* palignr: 0F3A + imm8 */
	CU_ASSERT_EQUAL(LEN("\x0f\x0f\xc1\xb4"), 4);			/* 3DNow!: suffix opcode */
	CU_ASSERT_EQUAL(LEN("\x66\x0f\x78\xc0\x08\x00"), 6);		/* extrq: two imm8 */
	CU_ASSERT_EQUAL(LEN("\x0f\x05"), 2);				/* syscall */
	CU_ASSERT_EQUAL(LEN("\x0f\x01\xd0"), 3);			/* xgetbv */
	CU_ASSERT_EQUAL(LEN("\xf3\x48\x0f\xb8\xc1"), 5);		/* popcnt */
	CU_ASSERT_EQUAL(LEN("\xf3\x0f\xa7\xc8"), 4);			/* VIA xcrypt-ecb (libgcrypt) */
}

static void test_vex_evex_xop(void)
{
	struct insn_info in;

	CU_ASSERT_EQUAL(LEN("\xc5\xf8\x77"), 3);			/* vzeroupper */
	CU_ASSERT_EQUAL(LEN("\xc5\xfd\x6f\x07"), 4);			/* vmovdqa (%rdi),%ymm0 */
	CU_ASSERT_EQUAL(LEN("\xc5\xfd\x6f\x47\x20"), 5);
	CU_ASSERT_EQUAL(LEN("\xc4\xe2\x79\x18\x07"), 5);		/* vbroadcastss: map 0F38 */
	CU_ASSERT_EQUAL(LEN("\xc4\xe3\x7d\x18\xc1\x01"), 6);		/* vinsertf128: map 0F3A + imm8 */
	CU_ASSERT_EQUAL(LEN("\xc4\x41\x7d\x6f\x84\x24\x00\x01\x00\x00"), 10);
	CU_ASSERT_EQUAL(LEN("\x62\xf1\xfe\x48\x6f\x07"), 6);		/* vmovdqu64 (%rdi),%zmm0 */
	CU_ASSERT_EQUAL(LEN("\x62\xf1\xfe\x48\x6f\x47\x01"), 7);	/* disp8*N is still one byte */
	CU_ASSERT_EQUAL(LEN("\x62\xf3\xfd\x48\x3b\xc1\x01"), 7);	/* vextracti64x4: map 3 + imm8 */
	CU_ASSERT_EQUAL(LEN("\x62\xf5\x7c\x48\x58\xc1"), 6);		/* vaddph: FP16 map 5 */
	CU_ASSERT_EQUAL(LEN("\x62\xa1\xfd\x48\x7b\xca"), 6);		/* vcvtpd2qq: EVEX-only 0f 7b */
	CU_ASSERT_EQUAL(LEN("\x8f\xe8\x78\xc0\xc1\x05"), 6);		/* XOP vprotb $5 */
	CU_ASSERT_EQUAL(LEN("\x8f\xc0"), 2);				/* pop %rax, not XOP */

	/* The kernel checks the opcode byte after the prefix against its one-byte table. */
	CU_ASSERT_EQUAL(X86("\xc4\xe2\x79\x18\x07", &in), 0);
	CU_ASSERT_TRUE(in.uprobe_ok && !in.emulated);
	CU_ASSERT_EQUAL(X86("\xc5\xfd\xef\xc0", &in), 0);		/* vpxor: ef as if "out" */
	CU_ASSERT_TRUE(!in.uprobe_ok && why_is(&in, "vector opcode byte refused"));
	CU_ASSERT_EQUAL(X86("\x62\xf1\xfe\x48\x6f\x07", &in), 0);
	CU_ASSERT_FALSE(in.uprobe_ok);
	/* ... and then emulates vpcmpeqb as je, vpor as jmp, kmovw as nop: refused here */
	CU_ASSERT_EQUAL(X86("\xc5\xfd\x74\xc1", &in), 0);
	CU_ASSERT_TRUE(!in.uprobe_ok && why_is(&in, "the kernel would mis-emulate it"));
	CU_ASSERT_EQUAL(X86("\xc5\xfd\xeb\xc1", &in), 0);
	CU_ASSERT_FALSE(in.uprobe_ok);
	CU_ASSERT_EQUAL(X86("\xc5\xf8\x90\xc1", &in), 0);
	CU_ASSERT_FALSE(in.uprobe_ok);
	CU_ASSERT_EQUAL(X86("\x62\xe1\xfe\x28\x7f\x07", &in), 0);	/* vmovdqu64 %ymm16,(%rdi) */
	CU_ASSERT_FALSE(in.uprobe_ok);
	CU_ASSERT_EQUAL(X86("\x8f\xe8\x78\xc0\xc1\x05", &in), 0);
	CU_ASSERT_TRUE(!in.uprobe_ok && why_is(&in, "xop encoding"));
}

static void test_branches_and_nops(void)
{
	struct insn_info in;

	CU_ASSERT_EQUAL(X86("\xe8\x00\x01\x00\x00", &in), 0);
	CU_ASSERT_TRUE(in.len == 5 && in.uprobe_ok && in.emulated);
	CU_ASSERT_EQUAL(X86("\xeb\xfe", &in), 0);
	CU_ASSERT_TRUE(in.len == 2 && in.emulated);
	CU_ASSERT_EQUAL(X86("\x75\x0b", &in), 0);
	CU_ASSERT_TRUE(in.len == 2 && in.emulated);
	CU_ASSERT_EQUAL(X86("\x0f\x84\x00\x01\x00\x00", &in), 0);
	CU_ASSERT_TRUE(in.len == 6 && in.emulated);
	CU_ASSERT_EQUAL(X86("\xf2\xe9\x00\x01\x00\x00", &in), 0);	/* bnd jmp */
	CU_ASSERT_TRUE(in.len == 6 && in.emulated);
	/* 66 does not shorten rel32 (Intel, the kernel); the kernel refuses it anyway */
	CU_ASSERT_EQUAL(X86("\x66\xe8\x00\x01\x00\x00", &in), 0);
	CU_ASSERT_TRUE(in.len == 6 && !in.uprobe_ok && why_is(&in, "66 prefix on a branch"));
	CU_ASSERT_EQUAL(X86("\x3e\xff\xe0", &in), 0);			/* notrack jmp *%rax */
	CU_ASSERT_TRUE(in.len == 3 && !in.uprobe_ok && why_is(&in, "segment prefix"));
	CU_ASSERT_EQUAL(X86("\xff\x25\x00\x10\x00\x00", &in), 0);	/* jmp *0x1000(%rip) */
	CU_ASSERT_TRUE(in.len == 6 && in.uprobe_ok && !in.emulated);

	CU_ASSERT_EQUAL(X86("\x90", &in), 0);
	CU_ASSERT_TRUE(in.len == 1 && in.emulated);
	CU_ASSERT_EQUAL(X86("\x66\x90", &in), 0);
	CU_ASSERT_TRUE(in.len == 2 && in.emulated);
	CU_ASSERT_EQUAL(X86("\x66\x66\x90", &in), 0);			/* any prefix + 90 */
	CU_ASSERT_TRUE(in.len == 3 && in.uprobe_ok && in.emulated);
	CU_ASSERT_EQUAL(X86("\x0f\x1f\x44\x00\x00", &in), 0);
	CU_ASSERT_TRUE(in.len == 5 && in.emulated);
	CU_ASSERT_EQUAL(X86("\x66\x0f\x1f\x84\x00\x00\x00\x00\x00", &in), 0);	/* not in x86_nops */
	CU_ASSERT_TRUE(in.len == 9 && in.uprobe_ok && !in.emulated);
	CU_ASSERT_EQUAL(X86("\x66\x2e\x0f\x1f\x84\x00\x00\x00\x00\x00", &in), 0);
	CU_ASSERT_TRUE(in.len == 10 && !in.uprobe_ok && why_is(&in, "segment prefix"));
	CU_ASSERT_EQUAL(X86("\x49\x90", &in), 0);			/* xchg %rax,%r8 is no nop */
	CU_ASSERT_TRUE(in.len == 2 && !in.uprobe_ok);
	CU_ASSERT_EQUAL(X86("\x8e\xd0", &in), 0);			/* mov %eax,%ss */
	CU_ASSERT_TRUE(!in.uprobe_ok && why_is(&in, "mov to %ss"));
}

static void test_undecodable(void)
{
	struct insn_info in;
	char many[16];

	CU_ASSERT_EQUAL(X86("\x06", &in), -EINVAL);			/* push %es: gone in 64-bit mode */
	CU_ASSERT_TRUE(in.len == 0 && !in.uprobe_ok && why_is(&in, "undecodable"));
	CU_ASSERT_EQUAL(X86("\xe8\x00\x00", &in), -EINVAL);
	CU_ASSERT_TRUE(in.len == 0 && why_is(&in, "truncated"));
	CU_ASSERT_EQUAL(X86("\x48", &in), -EINVAL);
	CU_ASSERT_EQUAL(X86("\xc5\xf8", &in), -EINVAL);
	CU_ASSERT_EQUAL(X86("", &in), -EINVAL);
	CU_ASSERT_EQUAL(X86("\xc5\xf8\x05", &in), -EINVAL);		/* no VEX syscall */
	CU_ASSERT_EQUAL(X86("\x62\xf0\x7c\x48\x58\xc1", &in), -EINVAL);	/* EVEX map 0 */
	/* at most 15 bytes */
	memset(many, 0x66, sizeof(many));
	many[14] = 0x90;
	CU_ASSERT_EQUAL(x86_len(many, sizeof(many)), 15);
	many[14] = 0x66;
	many[15] = 0x90;
	CU_ASSERT_EQUAL(x86_len(many, sizeof(many)), -1);
	CU_ASSERT_EQUAL(insn_decode(INSN_ARCH_NONE, (const uint8_t *)"\x90", 1, &in), -EINVAL);
}

static void test_boundaries(void)
{
	/* push %rbp; mov %rsp,%rbp; push %r12; lock decl (%rdi) */
	static const uint8_t code[] = { 0x55, 0x48, 0x89, 0xe5, 0x41, 0x54, 0xf0, 0xff, 0x0f };
	static const uint8_t junk[] = { 0x06, 0x55, 0x55 };
	static const uint8_t a64[8] = { 0 };
	size_t off;

	for (off = 0; off <= sizeof(code); off++)
		CU_ASSERT_EQUAL(insn_is_boundary(INSN_X86_64, code, sizeof(code), off),
				off == 0 || off == 1 || off == 4 || off == 6);
	CU_ASSERT_TRUE(insn_is_boundary(INSN_X86_64, junk, sizeof(junk), 0));
	CU_ASSERT_FALSE(insn_is_boundary(INSN_X86_64, junk, sizeof(junk), 1));
	CU_ASSERT_TRUE(insn_is_boundary(INSN_ARM64, a64, sizeof(a64), 4));
	CU_ASSERT_FALSE(insn_is_boundary(INSN_ARM64, a64, sizeof(a64), 2));
	CU_ASSERT_FALSE(insn_is_boundary(INSN_ARM64, a64, sizeof(a64), 8));
	/* Inside an instruction (which one), or not known (where the decoder stopped). */
	CU_ASSERT_EQUAL(insn_boundary(INSN_X86_64, code, sizeof(code), 4, &off), 1);
	CU_ASSERT_EQUAL(off, 4);
	CU_ASSERT_EQUAL(insn_boundary(INSN_X86_64, code, sizeof(code), 3, &off), 0);
	CU_ASSERT_EQUAL(off, 1);
	CU_ASSERT_EQUAL(insn_boundary(INSN_X86_64, code, sizeof(code), 8, &off), 0);
	CU_ASSERT_EQUAL(off, 6);
	CU_ASSERT_EQUAL(insn_boundary(INSN_X86_64, junk, sizeof(junk), 2, &off), -EINVAL);
	CU_ASSERT_EQUAL(off, 0);
	CU_ASSERT_EQUAL(insn_boundary(INSN_X86_64, code, sizeof(code), sizeof(code), &off), -EINVAL);
	CU_ASSERT_EQUAL(insn_boundary(INSN_ARM64, a64, sizeof(a64), 6, &off), 0);
	CU_ASSERT_EQUAL(off, 4);
	CU_ASSERT_EQUAL(insn_arch_of_machine(EM_X86_64), INSN_X86_64);
	CU_ASSERT_EQUAL(insn_arch_of_machine(EM_AARCH64), INSN_ARM64);
	CU_ASSERT_EQUAL(insn_arch_of_machine(EM_386), INSN_ARCH_NONE);
}

/* One arm64 word, little-endian as in the file. */
static struct insn_info a64(uint32_t w)
{
	uint8_t b[4] = { w, w >> 8, w >> 16, w >> 24 };
	struct insn_info in;

	CU_ASSERT_EQUAL(insn_decode(INSN_ARM64, b, 4, &in), 0);
	CU_ASSERT_EQUAL(in.len, 4);
	return in;
}

static void test_arm64(void)
{
	struct insn_info in;

	in = a64(0xa9bf7bfd);				/* stp x29, x30, [sp, #-16]! */
	CU_ASSERT_TRUE(in.uprobe_ok && !in.emulated);
	CU_ASSERT_TRUE(a64(0xd503233f).uprobe_ok);	/* paciasp */
	CU_ASSERT_TRUE(a64(0xd503245f).uprobe_ok);	/* bti c */
	CU_ASSERT_TRUE(a64(0xd503201f).uprobe_ok);	/* nop */
	in = a64(0xd50323bf);				/* autiasp */
	CU_ASSERT_TRUE(!in.uprobe_ok && why_is(&in, "hint"));
	in = a64(0xc85f7c20);				/* ldxr x0, [x1] */
	CU_ASSERT_TRUE(!in.uprobe_ok && why_is(&in, "exclusive load/store"));
	CU_ASSERT_FALSE(a64(0xc8027c20).uprobe_ok);	/* stxr w2, x0, [x1] */
	CU_ASSERT_TRUE(a64(0xc8dffc20).uprobe_ok);	/* ldar x0, [x1]: not exclusive */
	in = a64(0x58000040);				/* ldr x0, .+8 */
	CU_ASSERT_TRUE(!in.uprobe_ok && why_is(&in, "literal load"));
	CU_ASSERT_TRUE(a64(0x90000000).emulated);	/* adrp x0, . */
	CU_ASSERT_TRUE(a64(0x94000000).emulated);	/* bl . */
	CU_ASSERT_TRUE(a64(0x54000000).emulated);	/* b.eq . */
	CU_ASSERT_TRUE(a64(0xb4000000).emulated);	/* cbz x0, . */
	CU_ASSERT_TRUE(a64(0xd65f03c0).emulated);	/* ret */
	CU_ASSERT_FALSE(a64(0xd65f0bff).uprobe_ok);	/* retaa */
	CU_ASSERT_FALSE(a64(0xd4000001).uprobe_ok);	/* svc #0 */
	CU_ASSERT_FALSE(a64(0xd4200000).uprobe_ok);	/* brk #0 */
	CU_ASSERT_FALSE(a64(0xd51bd040).uprobe_ok);	/* msr tpidr_el0, x0 */
	CU_ASSERT_TRUE(a64(0xd53bd040).uprobe_ok);	/* mrs x0, tpidr_el0 */
	CU_ASSERT_FALSE(a64(0xd53b4220).uprobe_ok);	/* mrs x0, daif */
	CU_ASSERT_EQUAL(insn_decode(INSN_ARM64, (const uint8_t *)"\x1f\x20\x03", 3, &in), -EINVAL);
}

CU_TestInfo insn_tests[] = {
	UNIT_TEST(test_function_entries),
	UNIT_TEST(test_modrm_sib_disp),
	UNIT_TEST(test_immediates),
	UNIT_TEST(test_opcode_maps),
	UNIT_TEST(test_vex_evex_xop),
	UNIT_TEST(test_branches_and_nops),
	UNIT_TEST(test_undecodable),
	UNIT_TEST(test_boundaries),
	UNIT_TEST(test_arm64),
	CU_TEST_INFO_NULL,
};
