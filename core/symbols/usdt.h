/* SPDX-License-Identifier: GPL-2.0 */
/*
 * USDT probes: the SystemTap SDT notes (.note.stapsdt) of an ELF file, read
 * with libelf, their addresses adjusted as the note format says (a prelinked
 * file moved .stapsdt.base), turned into file offsets the kernel's uprobes
 * take, and their argument specs ("-4@%eax 8@-8(%rbp) 4@$5") parsed into a
 * typed form.  Pure data: list-syms prints it, the plan resolves specs with it.
 *
 * The note format: https://sourceware.org/systemtap/wiki/UserSpaceProbeImplementation
 */
#ifndef UPX_USDT_H
#define UPX_USDT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define USDT_MAX_ARGS 12	/* what sys/sdt.h emits at most */

enum usdt_arg_kind {
	USDT_ARG_CONST,		/* $N: the value itself */
	USDT_ARG_REG,		/* %reg: the register's low `size` bytes */
	USDT_ARG_MEM,		/* disp(%base,%index,scale): `size` bytes in memory */
};

/* One argument of a probe site, as the compiler described its location. */
struct usdt_arg {
	int size;		/* bytes: 1, 2, 4 or 8 */
	bool is_signed;		/* the spec's size was negative */
	enum usdt_arg_kind kind;
	char reg[8];		/* REG: the register as written ("eax"); MEM: the base, "" */
	char index[8];		/* MEM: index register, "" none */
	int scale;		/* MEM: 1, 2, 4 or 8 (1 without an index) */
	long long value;	/* CONST: the value; MEM: the displacement */
	char sym[48];		/* MEM: a symbol ("counter" in counter(%rip)), "" none */
};

/* One probe site: a note. */
struct usdt_probe {
	char *provider;
	char *name;
	uint64_t pc;		/* address of the site (adjusted for prelink) */
	uint64_t base;		/* the note's .stapsdt.base address, as written */
	uint64_t semaphore;	/* address of the semaphore (adjusted), 0: none */
	uint64_t offset;	/* file offset of pc: where the uprobe goes */
	uint64_t sema_offset;	/* file offset of the semaphore (ref_ctr_offset), 0 */
	bool sema_writable;	/* the semaphore is in a writable PT_LOAD the file backs */
	bool exec;		/* pc is in an executable PT_LOAD */
	char *args;		/* the argument spec as written ("" none) */
	struct usdt_arg argv[USDT_MAX_ARGS];
	int nr_args;		/* -1: the spec did not parse (args_err says why) */
	char *args_err;
};

struct usdt_notes {
	struct usdt_probe *probes;	/* in note order */
	size_t nr, alloc;
	bool has_notes_section;		/* .note.stapsdt present */
	bool has_base_section;		/* .stapsdt.base present */
	bool has_probes_section;	/* .probes (where semaphores live; dtrace -G leaves one) */
	uint64_t base_addr;		/* sh_addr of .stapsdt.base */
};

/*
 * One note's descriptor (desc[0..len): the site, .stapsdt.base and semaphore
 * addresses, 8 bytes each (is64) or 4, then provider, name and argument spec,
 * each NUL-terminated; a missing spec is "") into p's addresses and malloc'd
 * provider, name and args (the spec not parsed).  false when it is malformed
 * (too short, no provider and name): p is left untouched.
 */
bool usdt_note_parse(const char *desc, size_t len, bool is64, struct usdt_probe *p);

/*
 * Read every SDT note of the ELF file at path.  Returns 0 (nr may be 0: see
 * usdt_notes_missing()), or a negative errno with a cause in err.
 */
int usdt_notes__read(const char *path, struct usdt_notes *out, char *err, size_t errlen);
void usdt_notes__free(struct usdt_notes *n);

/*
 * Why a file read without error has no probes, for "'FILE': ..." (NULL when it has some):
 * "no USDT probes (no .note.stapsdt section)", or for a .probes section without notes
 * "a .probes section but no .note.stapsdt notes (dtrace-style probes: rebuild with
 * systemtap's sys/sdt.h)".
 */
const char *usdt_notes_missing(const struct usdt_notes *n);

/*
 * Does probe p answer to provider (NULL: any) and name?  Both may be globs.
 */
bool usdt_probe_matches(const struct usdt_probe *p, const char *provider, const char *name);

/* The closest "provider:name" texts to name (a "did you mean" line), into buf; "" none. */
void usdt_suggest(const struct usdt_notes *n, const char *name, char *buf, size_t len);

/* One argument ("-4@%eax", "8@-8(%rbp)", "8@(%rax,%rdx,8)", "4@$-5"): 0 or -EINVAL (err). */
int usdt_arg_parse(const char *text, struct usdt_arg *arg, char *err, size_t errlen);
/* A whole spec, space separated: the number of arguments, or -EINVAL with err. */
int usdt_args_parse(const char *text, struct usdt_arg *args, int max, char *err, size_t errlen);
/*
 * Why a site cannot be traced (NULL: it can): arguments that did not parse or
 * that the BPF side (libbpf's usdt.bpf.h: a base register and a displacement)
 * cannot read, an address or a semaphore outside the file's loaded segments, an
 * address outside executable memory, a semaphore in a read-only segment (the
 * kernel could not write it in the process).  Whether the address is on an
 * instruction boundary is the plan's to check (it decodes the code).
 */
const char *usdt_probe_problem(const struct usdt_probe *p, char *buf, size_t len);

/* Where register reg ("rax", "eax", "ax", "al", "r8d", ...) is in struct pt_regs; -1 unknown. */
int usdt_reg_offset(const char *reg);

struct dwarf_param;
/*
 * The arguments of a site as trace shows parameters: "arg0".., signed ones as
 * DWARF_PARAM_INT of their size, narrower unsigned ones as DWARF_PARAM_UINT,
 * 8-byte unsigned ones (pointers, as a rule) as DWARF_PARAM_OTHER (shown as
 * guessed).  Returns how many it stored (at most max).
 */
int usdt_probe_params(const struct usdt_probe *p, struct dwarf_param *out, int max);
/* "reg", "mem", "const" */
const char *usdt_arg_kind_name(enum usdt_arg_kind kind);

#endif
