/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where an imported symbol is defined: the first library, in ld.so's search
 * order, whose .dynsym defines it (with the version the import asks for).
 * "Where do I put the probe?" for list-syms and for trace's errors.
 */
#ifndef UPX_IMPORTS_H
#define UPX_IMPORTS_H

#include <stdbool.h>
#include <stddef.h>

struct elf_file;
struct elf_sym;
struct lib_deps;
struct lib_entry;

struct import_def {
	const struct lib_entry *lib; /* NULL: not found */
	struct elf_sym *sym;
};

struct importer {
	struct lib_deps *deps;
	struct elf_file **files; /* opened on first use, one per deps->libs[] */
	bool *failed;
};

/* The dependencies of the ELF file at path; 0, or -1 with err filled (no imports resolvable). */
int importer__init(struct importer *im, const char *path, char *err, size_t errlen);
/* The definition an undefined symbol binds to. */
struct import_def importer__find(struct importer *im, const struct elf_sym *s);
/* The library deps->libs[i], opened on first use (NULL if it cannot be read). */
struct elf_file *importer__lib(struct importer *im, size_t i);
void importer__free(struct importer *im);

#endif
