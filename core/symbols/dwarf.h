/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Names and types of a function's parameters from DWARF (libdw), so trace can
 * print `bytes=4194305` for malloc instead of `arg0=4194305`, which functions
 * never return (a return probe on them would never fire, or break the program), and where a
 * function was inlined (the zero report: calls a probe on its copy never sees).  Dwarf handles
 * are cached per file across calls; the cache is not thread-safe.
 */
#ifndef UPX_DWARF_H
#define UPX_DWARF_H

#include <stdint.h>

enum dwarf_param_kind {
	DWARF_PARAM_INT,	/* signed integer or enum with a signed underlying type */
	DWARF_PARAM_UINT,	/* unsigned integer, bool, char16_t..., unsigned enum */
	DWARF_PARAM_POINTER,	/* any pointer or C++ reference but... */
	DWARF_PARAM_STRING,	/* ... char * or const char * (typedefs and qualifiers peeled) */
	DWARF_PARAM_OTHER,	/* struct/union by value, float, member pointer, unknown type */
};

struct dwarf_param {
	char name[48];		/* "" when the parameter is unnamed; truncated when longer */
	enum dwarf_param_kind kind;
	int size;		/* bytes; 0 when DWARF does not say */
};

/*
 * Parameters of the function whose entry is at vaddr (st_value) in the ELF file at path;
 * debug_path: its separate debug file or NULL (then path's own DWARF is used; path's own is
 * also the fallback when debug_path has no DWARF for vaddr).
 * The function is the subprogram whose entry (DW_AT_entry_pc, DW_AT_low_pc or the start of
 * one of its ranges) is vaddr, else the innermost out-of-line subprogram containing vaddr.
 * Names come through DW_AT_abstract_origin / DW_AT_specification; C++'s `this` is included.
 * Returns the number of parameters stored in out (at most max, 0 for none), -ENOENT when
 * there is no DWARF for vaddr or it does not say which register holds which parameter (a
 * function written in assembler; a GCC clone such as f.isra.0 whose signature changed),
 * or another negative errno (-EINVAL: malformed DWARF).
 */
int dwarf_func_params(const char *path, const char *debug_path, uint64_t vaddr,
		      struct dwarf_param *out, int max);

/*
 * Entry addresses (DW_AT_entry_pc/low_pc and range starts, sorted, no duplicates) of every
 * function the DWARF of the ELF file at path (debug_path first, like dwarf_func_params) marks
 * DW_AT_noreturn, directly or through the declaration or abstract instance it refers to
 * (_Noreturn, __attribute__((noreturn))).  *out is malloc'd (NULL when none).  Returns the
 * number of addresses, -ENOENT when neither file has DWARF, or another negative errno.
 * DWARF has no attribute for returns_twice: GCC recognises setjmp and friends by name.
 */
int dwarf_noreturn_funcs(const char *path, const char *debug_path, uint64_t **out);

/*
 * The start of the call frame information row (.eh_frame) that covers vaddr in the ELF file
 * elf (an Elf *): an instruction boundary at or before vaddr, in the same function.  A
 * stripped file still has it where its symbols are gone.  0, or -ENOENT.
 */
int dwarf_cfi_row_start(void *elf, uint64_t vaddr, uint64_t *start);

/*
 * How many calls of the function whose out-of-line copy starts at vaddr were
 * inlined (DW_TAG_inlined_subroutine instances of its abstract DIE, found by
 * libdw's dwarf_func_inline_instances() in the abstract DIE's compilation
 * unit: what LTO inlined into other units is not counted).  A probe on the
 * copy never sees those calls.  debug_path first, as dwarf_func_params().
 * Returns the number (0: never inlined), -ENOENT without DWARF for vaddr, or
 * another negative errno.
 */
int dwarf_inlined_calls(const char *path, const char *debug_path, uint64_t vaddr);

/* Close the cached Dwarf handles (also done at exit). */
void dwarf_cache_free(void);

#endif
