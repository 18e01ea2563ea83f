// SPDX-License-Identifier: GPL-2.0
/*
 * core/symbols/usdt.c: argument specs in every form the x86-64 notes use, usdt:
 * probe specs, and the notes of the sdtprobes fixtures (make fixtures): sites,
 * semaphores, file offsets, a prelinked copy whose .stapsdt.base moved, a file
 * with .probes and no notes, a read-only semaphore.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <asm/ptrace.h>

#include "base/util.h"
#include "symbols/dwarf.h"
#include "symbols/elf.h"
#include "symbols/usdt.h"
#include "target/probe-spec.h"
#include "unit.h"

static void check_arg(const char *text, int size, bool is_signed, enum usdt_arg_kind kind,
		      const char *reg, long long value, const char *index, int scale,
		      const char *sym)
{
	struct usdt_arg a;
	char err[128];

	CU_ASSERT_EQUAL_FATAL(usdt_arg_parse(text, &a, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(a.size, size);
	CU_ASSERT_EQUAL(a.is_signed, is_signed);
	CU_ASSERT_EQUAL(a.kind, kind);
	CU_ASSERT_STRING_EQUAL(a.reg, reg);
	CU_ASSERT_EQUAL(a.value, value);
	CU_ASSERT_STRING_EQUAL(a.index, index);
	CU_ASSERT_EQUAL(a.scale, scale);
	CU_ASSERT_STRING_EQUAL(a.sym, sym);
}

static void test_args(void)
{
	check_arg("-4@%eax", 4, true, USDT_ARG_REG, "eax", 0, "", 1, "");
	check_arg("8@%r12", 8, false, USDT_ARG_REG, "r12", 0, "", 1, "");
	check_arg("1@%dil", 1, false, USDT_ARG_REG, "dil", 0, "", 1, "");
	check_arg("-4@112(%rsp)", 4, true, USDT_ARG_MEM, "rsp", 112, "", 1, "");
	check_arg("8@-80(%rbx)", 8, false, USDT_ARG_MEM, "rbx", -80, "", 1, "");
	check_arg("8@(%rax)", 8, false, USDT_ARG_MEM, "rax", 0, "", 1, "");
	check_arg("-8@-0x10(%rbp)", 8, true, USDT_ARG_MEM, "rbp", -16, "", 1, "");
	check_arg("4@(%rax,%rdx,8)", 4, false, USDT_ARG_MEM, "rax", 0, "rdx", 8, "");
	check_arg("2@16(%rax,%rcx)", 2, false, USDT_ARG_MEM, "rax", 16, "rcx", 1, "");
	check_arg("8@(,%rcx,4)", 8, false, USDT_ARG_MEM, "", 0, "rcx", 4, "");
	check_arg("4@counter(%rip)", 4, false, USDT_ARG_MEM, "rip", 0, "", 1, "counter");
	check_arg("4@counter+8(%rip)", 4, false, USDT_ARG_MEM, "rip", 8, "", 1, "counter");
	check_arg("-4@$-5", 4, true, USDT_ARG_CONST, "", -5, "", 1, "");
	check_arg("8@$0x10", 8, false, USDT_ARG_CONST, "", 16, "", 1, "");
	check_arg("%rdi", 8, false, USDT_ARG_REG, "rdi", 0, "", 1, "");
}

static void test_args_bad(void)
{
	struct usdt_arg a, args[USDT_MAX_ARGS];
	char err[128];

	CU_ASSERT_EQUAL(usdt_arg_parse("3@%eax", &a, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "size 3"));
	CU_ASSERT_EQUAL(usdt_arg_parse("4@", &a, err, sizeof(err)), -EINVAL);
	CU_ASSERT_EQUAL(usdt_arg_parse("4@(%rax", &a, err, sizeof(err)), -EINVAL);
	CU_ASSERT_EQUAL(usdt_arg_parse("4@(%rax,%rbx,3)", &a, err, sizeof(err)), -EINVAL);
	CU_ASSERT_EQUAL(usdt_arg_parse("4@%eax junk", &a, err, sizeof(err)), -EINVAL);
	CU_ASSERT_EQUAL(usdt_arg_parse("x@%eax", &a, err, sizeof(err)), -EINVAL);
	CU_ASSERT_EQUAL(usdt_args_parse("  -4@%eax\t8@%rbx  ", args, USDT_MAX_ARGS, err,
					sizeof(err)), 2);
	CU_ASSERT_EQUAL(args[1].size, 8);
	CU_ASSERT_EQUAL(usdt_args_parse("", args, USDT_MAX_ARGS, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(usdt_args_parse("8@%rax 8@%rax 8@%rax", args, 2, err, sizeof(err)),
			-EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "more than 2"));
}

static void test_regs(void)
{
	CU_ASSERT_EQUAL(usdt_reg_offset("rax"), (int)offsetof(struct pt_regs, rax));
	CU_ASSERT_EQUAL(usdt_reg_offset("eax"), (int)offsetof(struct pt_regs, rax));
	CU_ASSERT_EQUAL(usdt_reg_offset("al"), (int)offsetof(struct pt_regs, rax));
	CU_ASSERT_EQUAL(usdt_reg_offset("dil"), (int)offsetof(struct pt_regs, rdi));
	CU_ASSERT_EQUAL(usdt_reg_offset("r8d"), (int)offsetof(struct pt_regs, r8));
	CU_ASSERT_EQUAL(usdt_reg_offset("r15"), (int)offsetof(struct pt_regs, r15));
	CU_ASSERT_EQUAL(usdt_reg_offset("rsp"), (int)offsetof(struct pt_regs, rsp));
	CU_ASSERT_EQUAL(usdt_reg_offset("xmm0"), -1);
}

static void check_spec(const char *text, const char *target, const char *provider,
		       const char *name)
{
	struct probe_spec s;
	char err[128];

	CU_ASSERT_EQUAL_FATAL(probe_spec_parse(text, &s, err, sizeof(err)), 0);
	CU_ASSERT(s.is_usdt);
	CU_ASSERT(!s.is_return);
	CU_ASSERT_STRING_EQUAL(s.target, target);
	if (provider) {
		CU_ASSERT_STRING_EQUAL(s.provider, provider);
	} else {
		CU_ASSERT_PTR_NULL(s.provider);
	}
	CU_ASSERT_STRING_EQUAL(s.function, name);
	probe_spec_free(&s);
}

static void test_specs(void)
{
	struct probe_spec s;
	char err[128];

	check_spec("usdt:python3.11:function__entry", "python3.11", NULL, "function__entry");
	check_spec("usdt:python3.11:python:function__entry", "python3.11", "python",
		   "function__entry");
	check_spec("usdt:libstdc++.so.6:libstdcxx:*", "libstdc++.so.6", "libstdcxx", "*");
	check_spec("usdt:./sdt:u*:p?ain", "./sdt", "u*", "p?ain");
	CU_ASSERT_EQUAL(probe_spec_parse("usdt:python3", &s, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "usdt:TARGET:[PROVIDER:]NAME"));
	CU_ASSERT_EQUAL(probe_spec_parse("usdt:python3:", &s, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "no probe name"));
	CU_ASSERT_EQUAL(probe_spec_parse("usdt::x", &s, err, sizeof(err)), -EINVAL);
	/* found by the fuzzer: an empty TARGET before a provider */
	CU_ASSERT_EQUAL(probe_spec_parse("usdt::p:x", &s, err, sizeof(err)), -EINVAL);
	CU_ASSERT_EQUAL(probe_spec_parse("usdt:a::x", &s, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "empty provider"));
	CU_ASSERT_EQUAL(probe_spec_parse("usdt:a:b:c:d", &s, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "too many"));
}

static const char *fixture(const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "build/fixtures/%s", name);
	if (access(buf, R_OK)) {
		fprintf(stderr, "\n    no %s: run make fixtures ", buf);
		CU_FAIL("fixture missing");
		return NULL;
	}
	return buf;
}

static const struct usdt_probe *find(const struct usdt_notes *n, const char *name)
{
	for (size_t i = 0; i < n->nr; i++)
		if (!strcmp(n->probes[i].name, name))
			return &n->probes[i];
	return NULL;
}

static void test_fixture(void)
{
	char path[256], err[256], buf[256];
	const struct usdt_probe *plain, *sem, *mem;
	struct usdt_notes n;
	struct elf_file *ef;
	uint64_t off;

	if (!fixture("sdtprobes", path, sizeof(path)))
		return;
	CU_ASSERT_EQUAL_FATAL(usdt_notes__read(path, &n, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(n.nr, 5);
	CU_ASSERT(n.has_notes_section && n.has_base_section && n.has_probes_section);
	CU_ASSERT_PTR_NULL(usdt_notes_missing(&n));
	plain = find(&n, "plain");
	sem = find(&n, "sem");
	mem = find(&n, "mem");
	CU_ASSERT_FATAL(plain && sem && mem);
	CU_ASSERT_STRING_EQUAL(plain->provider, "upx");
	CU_ASSERT_EQUAL(plain->semaphore, 0);
	CU_ASSERT_EQUAL(mem->semaphore, 0);
	CU_ASSERT_NOT_EQUAL(sem->semaphore, 0);
	CU_ASSERT(sem->sema_writable);
	/* The base recorded is .stapsdt.base's address: not prelinked. */
	CU_ASSERT_EQUAL(plain->base, n.base_addr);
	CU_ASSERT_EQUAL(plain->nr_args, 3);
	CU_ASSERT_EQUAL(plain->argv[0].size, 4);
	CU_ASSERT(plain->argv[0].is_signed);
	CU_ASSERT(plain->argv[1].is_signed);
	CU_ASSERT_EQUAL(plain->argv[1].size, 8);
	CU_ASSERT(!plain->argv[2].is_signed);
	CU_ASSERT_EQUAL(sem->nr_args, 2);
	CU_ASSERT_EQUAL(sem->argv[0].size, 2);
	CU_ASSERT_EQUAL(sem->argv[1].size, 1);
	CU_ASSERT_EQUAL(mem->nr_args, 2);
	CU_ASSERT_EQUAL(mem->argv[0].kind, USDT_ARG_MEM);
	CU_ASSERT_EQUAL(mem->argv[1].kind, USDT_ARG_MEM);
	CU_ASSERT(mem->argv[0].is_signed);
	for (size_t i = 0, twice = 0; i < n.nr; i++) {
		const struct usdt_probe *p = &n.probes[i];

		CU_ASSERT_PTR_NULL(usdt_probe_problem(p, buf, sizeof(buf)));
		if (strcmp(p->name, "twice"))
			continue;
		/* One probe at two sites, a constant each: 1, then 2. */
		CU_ASSERT_EQUAL(p->nr_args, 1);
		CU_ASSERT_EQUAL(p->argv[0].kind, USDT_ARG_CONST);
		CU_ASSERT_EQUAL(p->argv[0].value, (long long)++twice);
	}
	/* File offsets agree with the symbol reader's PT_LOAD walk. */
	CU_ASSERT_EQUAL_FATAL(elf_file__open(path, &ef, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(elf_file__vaddr_to_offset(ef, plain->pc, &off), 0);
	CU_ASSERT_EQUAL(plain->offset, off);
	CU_ASSERT_EQUAL(elf_file__vaddr_to_offset(ef, sem->semaphore, &off), 0);
	CU_ASSERT_EQUAL(sem->sema_offset, off);
	elf_file__close(ef);
	CU_ASSERT(usdt_probe_matches(plain, NULL, "plain"));
	CU_ASSERT(usdt_probe_matches(plain, "upx", "p*"));
	CU_ASSERT(usdt_probe_matches(plain, "u?x", "*"));
	CU_ASSERT(!usdt_probe_matches(plain, "python", "plain"));
	CU_ASSERT(!usdt_probe_matches(plain, NULL, "pla"));
	usdt_suggest(&n, "plian", buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "upx:plain");
	usdt_suggest(&n, "zzzzzzzzzzzzzzzzzz", buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "");
	usdt_notes__free(&n);
}

/* A copy of sdtprobes whose .stapsdt.base is moved by delta, as prelink would. */
static int prelinked_copy(const char *src, const char *dst, int64_t delta)
{
	char cmd[600];
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	Elf *elf;
	int fd, ret = -1;

	snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", src, dst);
	if (system(cmd))
		return -1;
	fd = open(dst, O_RDWR);
	if (fd < 0)
		return -1;
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_RDWR, NULL);
	if (!elf || elf_getshdrstrndx(elf, &shstrndx))
		goto out;
	/* Only the header changes: the layout stays as it is. */
	elf_flagelf(elf, ELF_C_SET, ELF_F_LAYOUT);
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;

		if (!gelf_getshdr(scn, &sh) ||
		    strcmp(elf_strptr(elf, shstrndx, sh.sh_name), ".stapsdt.base"))
			continue;
		sh.sh_addr += delta;
		gelf_update_shdr(scn, &sh);
		elf_flagshdr(scn, ELF_C_SET, ELF_F_DIRTY);
		ret = elf_update(elf, ELF_C_WRITE) < 0 ? -1 : 0;
		break;
	}
out:
	if (elf)
		elf_end(elf);
	close(fd);
	return ret;
}

static void test_prelinked(void)
{
	char path[256], err[256], dst[] = "/tmp/upx-unit-prelinked-XXXXXX";
	struct usdt_notes n, moved;
	int fd;

	if (!fixture("sdtprobes", path, sizeof(path)))
		return;
	fd = mkstemp(dst);
	CU_ASSERT_FATAL(fd >= 0);
	close(fd);
	CU_ASSERT_EQUAL_FATAL(prelinked_copy(path, dst, 0x1000), 0);
	CU_ASSERT_EQUAL_FATAL(usdt_notes__read(path, &n, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(usdt_notes__read(dst, &moved, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(moved.nr, n.nr);
	CU_ASSERT_EQUAL(moved.base_addr, n.base_addr + 0x1000);
	for (size_t i = 0; i < n.nr; i++) {
		CU_ASSERT_EQUAL(moved.probes[i].base, n.probes[i].base);
		CU_ASSERT_EQUAL(moved.probes[i].pc, n.probes[i].pc + 0x1000);
		if (n.probes[i].semaphore) {
			CU_ASSERT_EQUAL(moved.probes[i].semaphore, n.probes[i].semaphore + 0x1000);
		} else {
			CU_ASSERT_EQUAL(moved.probes[i].semaphore, 0);
		}
	}
	usdt_notes__free(&n);
	usdt_notes__free(&moved);
	unlink(dst);
}

static void test_no_notes(void)
{
	char path[256], err[256], buf[256];
	const struct usdt_probe *sem;
	struct usdt_notes n;

	if (!fixture("sdtprobes-nonotes", path, sizeof(path)))
		return;
	CU_ASSERT_EQUAL_FATAL(usdt_notes__read(path, &n, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(n.nr, 0);
	CU_ASSERT(n.has_probes_section);
	CU_ASSERT_PTR_NOT_NULL(strstr(usdt_notes_missing(&n), ".probes section but no"));
	usdt_notes__free(&n);
	CU_ASSERT_EQUAL_FATAL(usdt_notes__read("/bin/true", &n, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(usdt_notes_missing(&n), "no USDT probes (no .note.stapsdt section)");
	usdt_notes__free(&n);
	CU_ASSERT(usdt_notes__read("/etc/passwd", &n, err, sizeof(err)) < 0);
	CU_ASSERT(usdt_notes__read("/nonexistent", &n, err, sizeof(err)) < 0);

	if (!fixture("sdtprobes-rosem", path, sizeof(path)))
		return;
	CU_ASSERT_EQUAL_FATAL(usdt_notes__read(path, &n, err, sizeof(err)), 0);
	sem = find(&n, "sem");
	CU_ASSERT_FATAL(sem != NULL);
	CU_ASSERT(!sem->sema_writable);
	CU_ASSERT_PTR_NOT_NULL(strstr(usdt_probe_problem(sem, buf, sizeof(buf)), "read-only"));
	usdt_notes__free(&n);
}

/* One descriptor: three addresses, then provider, name and spec, each NUL-terminated. */
static void test_note_parse(void)
{
	static const char good[] = "\x10\0\0\0\0\0\0\0" "\x20\0\0\0\0\0\0\0"
				   "\0\0\0\0\0\0\0\0" "prov\0name\0-4@%edi";
	static const char no_nul[] = "\x10\0\0\0\0\0\0\0" "\x20\0\0\0\0\0\0\0"
				     "\0\0\0\0\0\0\0\0" "prov";
	struct usdt_probe p = {};

	/* The spec without its NUL (sizeof - 1) is no spec: "". */
	CU_ASSERT_TRUE_FATAL(usdt_note_parse(good, sizeof(good) - 1, true, &p));
	CU_ASSERT_EQUAL(p.pc, 0x10);
	CU_ASSERT_EQUAL(p.base, 0x20);
	CU_ASSERT_STRING_EQUAL(p.provider, "prov");
	CU_ASSERT_STRING_EQUAL(p.name, "name");
	CU_ASSERT_STRING_EQUAL(p.args, "");
	free(p.provider);
	free(p.name);
	free(p.args);
	CU_ASSERT_TRUE_FATAL(usdt_note_parse(good, sizeof(good), true, &p));
	CU_ASSERT_STRING_EQUAL(p.args, "-4@%edi");
	free(p.provider);
	free(p.name);
	free(p.args);
	/* No NUL after the provider, none after the name, too short: malformed. */
	CU_ASSERT_FALSE(usdt_note_parse(no_nul, sizeof(no_nul) - 1, true, &p));
	CU_ASSERT_FALSE(usdt_note_parse(good, 24 + 9, true, &p));
	CU_ASSERT_FALSE(usdt_note_parse(good, 24 + 5, true, &p));
	CU_ASSERT_FALSE(usdt_note_parse(good, 20, true, &p));
}

static void test_params(void)
{
	struct usdt_probe p = { .args = "-4@%eax 2@%ax 8@%rdi" };
	struct dwarf_param out[6];
	char err[128];

	p.nr_args = usdt_args_parse(p.args, p.argv, USDT_MAX_ARGS, err, sizeof(err));
	CU_ASSERT_EQUAL_FATAL(usdt_probe_params(&p, out, 6), 3);
	CU_ASSERT_STRING_EQUAL(out[0].name, "arg0");
	CU_ASSERT_EQUAL(out[0].kind, DWARF_PARAM_INT);
	CU_ASSERT_EQUAL(out[0].size, 4);
	CU_ASSERT_EQUAL(out[1].kind, DWARF_PARAM_UINT);
	CU_ASSERT_EQUAL(out[2].kind, DWARF_PARAM_OTHER);
	CU_ASSERT_EQUAL(usdt_probe_params(&p, out, 2), 2);
}

CU_TestInfo usdt_tests[] = {
	UNIT_TEST(test_args),
	UNIT_TEST(test_args_bad),
	UNIT_TEST(test_regs),
	UNIT_TEST(test_specs),
	UNIT_TEST(test_fixture),
	UNIT_TEST(test_prelinked),
	UNIT_TEST(test_no_notes),
	UNIT_TEST(test_note_parse),
	UNIT_TEST(test_params),
	CU_TEST_INFO_NULL,
};
