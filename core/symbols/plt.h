/* SPDX-License-Identifier: GPL-2.0 */
/*
 * PLT stubs: where a program (or library) jumps to a function it imports.
 * A probe on the stub sees the calls that file makes through its own PLT,
 * and no others: callers in other files go through their own stubs, and the
 * library that defines the function calls it directly.
 */
#ifndef UPX_PLT_H
#define UPX_PLT_H

#include <stdint.h>

struct elf_file;

/*
 * The stub of the imported function name in .plt, .plt.sec or .plt.got:
 * the entry whose `jmp *GOT(%rip)` (after endbr64, a bnd prefix) goes
 * through the GOT slot of name's JUMP_SLOT or GLOB_DAT relocation, as
 * objdump names name@plt.  *vaddr and *size (the entry's) are set; 0, or
 * -ENOENT (no stub: never called, or called without the PLT, -fno-plt),
 * -ENOTSUP on a machine other than x86-64.
 */
int elf_plt_stub(const struct elf_file *ef, const char *name, uint64_t *vaddr, uint64_t *size);

#endif
