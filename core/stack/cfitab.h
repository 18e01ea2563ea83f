/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Unwind tables for the kernel (--stack=dwarf unwound by the probe, issue 25):
 * a file's call frame information (.eh_frame, else .debug_frame), read with
 * libdw, turned into rows of probes/stack.h's struct stack_cfi_row sorted by
 * file offset, consecutive rows with the same rule merged, gaps between FDEs
 * marked STACK_CFI_NONE.  x86-64 only.
 */
#ifndef UPX_CFITAB_H
#define UPX_CFITAB_H

#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>	/* probes/stack.h's __u32 */

#include "stack.h"

struct cfitab {
	struct stack_cfi_row *rows;
	size_t nr;
	/* rows of each kind, for -v: how much of the file the kernel can unwind */
	size_t nr_none;		/* STACK_CFI_NONE rows that are not gaps */
	size_t nr_fdes;		/* FDEs read */
	char err[128];		/* why the file could not be opened, where *why may point */
};

/*
 * Build the table of the ELF file at path (opened read-only; a separate
 * debug file is not looked for: .eh_frame is in the file itself).  Safe on
 * any file: an FDE whose instructions would cost libdw gigabytes is NONE,
 * and CFI that cannot be checked, or would take libdw too long (quadratic
 * in an FDE's length), refuses the file.  0, or -errno with *why (may be
 * NULL) a static text ("no .eh_frame or .debug_frame", "call frame
 * information too long to walk", ...) or t->err (core/symbols/elf.c's cause:
 * "not an ELF file", "truncated ELF file", ...), which lives as long as *t.
 * python3.11: 64,575 rows (505 KiB) in 22 ms.
 */
int cfitab_build(const char *path, struct cfitab *t, const char **why);
void cfitab_free(struct cfitab *t);

/* The row that covers file offset off (NULL: before the first row). */
const struct stack_cfi_row *cfitab_find(const struct cfitab *t, uint32_t off);

#endif
