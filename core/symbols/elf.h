/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ELF files and their symbols, read with libelf: .symtab and .dynsym
 * (union, deduplicated), symbol versions, the file offset a uprobe uses,
 * separate debug files, C++ demangling (lazily through __cxa_demangle, or a
 * whole table at once on several threads).
 * `upx list-syms` is the front end; trace resolves probe specs through it.
 */
#ifndef UPX_ELF_H
#define UPX_ELF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

/* In an order without holes: 64 bytes, tens of thousands of them for a big library. */
struct elf_sym {
	const char *name;	/* raw name, without @version */
	const char *version;	/* "GLIBC_2.2.5", or NULL */
	uint64_t value;		/* st_value (a virtual address for ET_EXEC/ET_DYN) */
	uint64_t size;
	uint64_t offset;	/* file offset of value through PT_LOAD; 0 if unmapped/undefined */
	char *demangled;	/* filled by elf_sym__demangled(); NULL until asked */
	uint32_t name_len;	/* strlen(name) (a longer name than 4 GiB is left out) */
	uint8_t type;		/* STT_FUNC, STT_OBJECT, STT_GNU_IFUNC, ... */
	uint8_t bind;		/* STB_GLOBAL, STB_WEAK, STB_LOCAL */
	bool default_version;	/* '@@' (the one a new link binds to) rather than '@' */
	bool defined;		/* st_shndx != SHN_UNDEF */
	bool in_dynsym;		/* seen in .dynsym (else only in .symtab) */
	bool demangle_tried;
	bool exec;		/* value is in an executable PT_LOAD (PF_X): code a probe may go in */
};

struct elf_file {
	char *path;		/* as opened */
	int fd;
	void *elf;		/* Elf * (libelf) */
	uint16_t e_type;	/* ET_EXEC, ET_DYN */
	uint16_t e_machine;
	bool has_interp;	/* PT_INTERP present */
	bool has_dynamic;	/* PT_DYNAMIC present */
	bool is_static;		/* neither: a static executable */
	bool is_go;		/* .gopclntab or .go.buildinfo */
	bool has_symtab;	/* the file itself has .symtab */
	char *debug_path;	/* separate debug file whose .symtab was read, or NULL */
	bool debug_rejected;	/* one was found but is corrupt: left out, with a warning */
	bool debug_fetched;	/* debug_path came from a debuginfod server (or its cache) */
	bool has_minidebug;	/* the file has .gnu_debugdata (MiniDebugInfo) */
	bool minidebug;		/* its .symtab was read (no separate debug file was found) */
	const char *shown;	/* the name messages give the file (the caller's), NULL: path */
	char *syms_rejected;	/* ".dynsym: cause" of a corrupt table of the file itself, or NULL */
	char build_id[41];	/* hex, "" if none */
	struct elf_sym *syms;	/* sorted by name, then version */
	size_t nr_syms;
	/* internal */
	void *priv;
};

/*
 * Open a user-given file for reading only if it is a regular file; anything
 * else is never opened (a FIFO would block the open, a device may act on it).
 * Returns the descriptor (O_CLOEXEC, O_NONBLOCK) with *st filled, or a negative
 * errno with the cause in err: "is a directory", "not a regular file (a FIFO)",
 * strerror().  err may be NULL.
 */
int open_regular_file(const char *path, struct stat *st, char *err, size_t errlen);

/*
 * Open path as an ELF file upx can probe (64-bit, this machine's e_machine,
 * ET_EXEC or ET_DYN).  Returns 0, or a negative errno with a one-line cause in
 * err: "not an ELF file", "a script (#!/usr/bin/env bash), not an ELF file",
 * "truncated ELF file", "32-bit ELF, upx handles 64-bit only",
 * "ELF for AArch64, this machine is x86-64", "invalid ELF class 7",
 * "is a directory", "not a regular file (a FIFO)", "empty file", ...
 */
int elf_file__open(const char *path, struct elf_file **out, char *err, size_t errlen);
void elf_file__close(struct elf_file *ef);

/*
 * Read .symtab, .dynsym, and when the file has no .symtab: a separate debug
 * file's .symtab (found on this machine by build-id or .gnu_debuglink, else
 * fetched by build-id when debuginfod is on, core/symbols/debuginfod.h), else the
 * .symtab of its MiniDebugInfo (.gnu_debugdata, core/symbols/minidebug.h).  A debug
 * file or MiniDebugInfo that is corrupt is left out with a warning.
 */
#define ELF_SYMS_NO_DEBUG_FILE (1u << 0) /* do not look for a separate debug file */
#define ELF_SYMS_DYNSYM_ONLY (1u << 1)	 /* .dynsym only (what other objects can bind to) */
int elf_file__load_syms(struct elf_file *ef, unsigned int flags);

/* The symbols named name (all versions, adjacent in syms); *first is NULL when none. */
size_t elf_file__find_syms(const struct elf_file *ef, const char *name, struct elf_sym **first);
/*
 * The global definition a reference to name@version binds to: that version, or
 * with version NULL the default ('@@') or unversioned one; NULL if none.
 */
struct elf_sym *elf_file__find_def(const struct elf_file *ef, const char *name, const char *version);

/* The demangled C++ name, or the raw name when it is not a mangled name. */
const char *elf_sym__demangled(struct elf_sym *sym);
/*
 * elf_sym__demangled() for each of syms[0..n) (distinct entries) ahead of
 * their use, on more threads when there are thousands of C++ names.  start()
 * sets it going, wait(d, k) returns once at least syms[0, k) are done (a count
 * >= k, or n), demangling in the caller too; only then may the caller touch
 * those entries.  finish() waits for all and frees d.
 */
struct elf_demangler;
struct elf_demangler *elf_demangler__start(struct elf_sym **syms, size_t n);
size_t elf_demangler__wait(struct elf_demangler *d, size_t want);
void elf_demangler__finish(struct elf_demangler *d);
/* All of syms[0..n) at once: start() and finish(). */
void elf_syms__demangle(struct elf_sym **syms, size_t n);

/* Virtual address to file offset through the PT_LOAD segments; -ENOENT if unmapped. */
int elf_file__vaddr_to_offset(const struct elf_file *ef, uint64_t vaddr, uint64_t *offset);
/* The p_flags (PF_X, PF_W, PF_R) of the PT_LOAD whose file bytes hold vaddr; 0 when none does. */
uint32_t elf_file__vaddr_flags(const struct elf_file *ef, uint64_t vaddr);
/* File offset to virtual address through the PT_LOAD that maps it (a mapping's page-aligned
 * start below p_offset counts as that segment's, as mmap maps it); -ENOENT if none does. */
int elf_file__offset_to_vaddr(const struct elf_file *ef, uint64_t offset, uint64_t *vaddr);

/* Up to len bytes of the file at offset (for decoding a function's first instruction);
 * returns the number of bytes read (short at end of file) or a negative errno. */
int elf_file__read(const struct elf_file *ef, uint64_t offset, void *buf, size_t len);
/* The section (an Elf_Scn *) named name that has bytes in the file, or NULL. */
void *elf_file__section(const struct elf_file *ef, const char *name);

/* The Elf * (libelf) of the separate debug file elf_file__load_syms() read (debug_path), or NULL. */
void *elf_file__debug_elf(const struct elf_file *ef);

/* The separate debug file for a build-id or .gnu_debuglink, or NULL. */
char *find_debug_file(const struct elf_file *ef);

/* Patterns: a glob (fnmatch(3)) when it has any of *?[, otherwise a name, or with
 * SYM_MATCH_SUBSTRING a substring (list-syms, like `nm | grep`). */
bool pattern_is_glob(const char *pattern);
/* One text against a pattern, as SYM_MATCH_SUBSTRING does. */
bool pattern_match_substring(const char *pattern, const char *name);

#define SYM_MATCH_SUBSTRING	(1u << 0)	/* a plain name matches within (list-syms) */
#define SYM_MATCH_NO_DEMANGLE	(1u << 1)	/* the raw name only (list-syms --no-demangle) */
/*
 * The one matcher (trace and list-syms): does symbol s answer to pattern?
 * By its raw name, or a C++ name by its demangled form, with or without the
 * return type of a template instance ("shop::discount<long>(long, int)"), and
 * a plain name without parameters names every overload ("shop::discount").
 * A pattern with '@' is matched against "name@VER" / "name@@VER" alone.
 */
bool elf_sym__matches(struct elf_sym *s, const char *pattern, unsigned int flags);
/* Where the qualified name starts in a demangled name: after a template's return type. */
const char *demangled_skip_return_type(const char *dm);

/* Demangle one name with the C++ ABI demangler; malloc'd, or NULL if not mangled. */
char *demangle(const char *name);

#endif
