// SPDX-License-Identifier: GPL-2.0
/* PLT stubs of x86-64 ELF files, found by decoding their jumps and matching the GOT slots. */
#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "symbols/elf.h"
#include "symbols/plt.h"

struct got_slots {
	uint64_t *addr;
	size_t nr, alloc;
};

/* The GOT slots the dynamic linker fills with name's address. */
static void find_slots(Elf *elf, const char *name, struct got_slots *gs)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(elf, scn))) {
		Elf_Scn *symscn;
		GElf_Shdr sh, symsh;
		Elf_Data *data, *syms;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_RELA || !sh.sh_entsize)
			continue;
		symscn = elf_getscn(elf, sh.sh_link);
		if (!symscn || !gelf_getshdr(symscn, &symsh) || symsh.sh_type != SHT_DYNSYM)
			continue;
		data = elf_getdata(scn, NULL);
		syms = elf_getdata(symscn, NULL);
		for (size_t i = 0; data && syms && i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Rela r;
			GElf_Sym s;
			const char *n;
			unsigned long type;

			if (!gelf_getrela(data, i, &r))
				break;
			type = GELF_R_TYPE(r.r_info);
			if ((type != R_X86_64_JUMP_SLOT && type != R_X86_64_GLOB_DAT) ||
			    !gelf_getsym(syms, GELF_R_SYM(r.r_info), &s))
				continue;
			n = elf_strptr(elf, symsh.sh_link, s.st_name);
			if (n && !strcmp(n, name)) {
				ALLOC_GROW(gs->addr, gs->nr + 1, gs->alloc);
				gs->addr[gs->nr++] = r.r_offset;
			}
		}
	}
}

static bool is_slot(const struct got_slots *gs, uint64_t a)
{
	for (size_t i = 0; i < gs->nr; i++)
		if (gs->addr[i] == a)
			return true;
	return false;
}

/* The GOT address an entry jumps through: `[endbr64] [bnd] jmp *disp32(%rip)`; 0 if not one. */
static uint64_t entry_target(const unsigned char *b, size_t len, uint64_t vaddr)
{
	static const unsigned char endbr64[4] = { 0xf3, 0x0f, 0x1e, 0xfa };
	size_t pos = 0;
	int32_t disp;

	if (len >= 4 && !memcmp(b, endbr64, 4))
		pos = 4;
	if (pos < len && b[pos] == 0xf2)
		pos++;
	if (pos + 6 > len || b[pos] != 0xff || b[pos + 1] != 0x25)
		return 0;
	memcpy(&disp, b + pos + 2, 4);
	return vaddr + pos + 6 + (int64_t)disp;
}

int elf_plt_stub(const struct elf_file *ef, const char *name, uint64_t *vaddr, uint64_t *size)
{
	struct got_slots gs = {};
	Elf *elf = ef->elf;
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	int ret = -ENOENT;

	if (ef->e_machine != EM_X86_64)
		return -ENOTSUP;
	if (elf_getshdrstrndx(elf, &shstrndx))
		return -ENOENT;
	find_slots(elf, name, &gs);
	while (gs.nr && ret && (scn = elf_nextscn(elf, scn))) {
		const char *sname;
		Elf_Data *data;
		GElf_Shdr sh;
		uint64_t ent;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_PROGBITS ||
		    !(sh.sh_flags & SHF_EXECINSTR))
			continue;
		sname = elf_strptr(elf, shstrndx, sh.sh_name);
		if (!sname || strncmp(sname, ".plt", 4) || !(data = elf_getdata(scn, NULL)) ||
		    data->d_size < sh.sh_size)
			continue;
		ent = sh.sh_entsize ? sh.sh_entsize : 16;
		for (uint64_t off = 0; off + ent <= sh.sh_size; off += ent) {
			if (is_slot(&gs, entry_target((const unsigned char *)data->d_buf + off, ent,
						      sh.sh_addr + off))) {
				*vaddr = sh.sh_addr + off;
				*size = ent;
				ret = 0;
				break;
			}
		}
	}
	free(gs.addr);
	return ret;
}
