// SPDX-License-Identifier: GPL-2.0
/* Resolving imports through a program's libraries, in the dynamic linker's order. */
#include <string.h>
#include <stdlib.h>

#include "base/util.h"
#include "symbols/elf.h"
#include "target/imports.h"
#include "target/libsearch.h"

int importer__init(struct importer *im, const char *path, char *err, size_t errlen)
{
	memset(im, 0, sizeof(*im));
	if (lib_deps__load(path, &im->deps, err, errlen)) {
		im->deps = NULL;
		return -1;
	}
	im->files = xcalloc(im->deps->nr + 1, sizeof(*im->files));
	im->failed = xcalloc(im->deps->nr + 1, sizeof(*im->failed));
	return 0;
}

struct elf_file *importer__lib(struct importer *im, size_t i)
{
	const struct lib_entry *l = &im->deps->libs[i];
	char err[256];

	if (im->files[i] || im->failed[i])
		return im->files[i];
	if (!l->path || elf_file__open(l->path, &im->files[i], err, sizeof(err)) ||
	    elf_file__load_syms(im->files[i], ELF_SYMS_DYNSYM_ONLY)) {
		elf_file__close(im->files[i]);
		im->files[i] = NULL;
		im->failed[i] = true;
		return NULL;
	}
	return im->files[i];
}

struct import_def importer__find(struct importer *im, const struct elf_sym *s)
{
	struct import_def d = { NULL, NULL };

	if (!im->deps)
		return d;
	for (size_t i = 0; i < im->deps->nr; i++) {
		struct elf_file *lib = importer__lib(im, i);

		if (lib && (d.sym = elf_file__find_def(lib, s->name, s->version))) {
			d.lib = &im->deps->libs[i];
			return d;
		}
	}
	return d;
}

void importer__free(struct importer *im)
{
	if (!im->deps)
		return;
	for (size_t i = 0; i < im->deps->nr; i++)
		elf_file__close(im->files[i]);
	free(im->files);
	free(im->failed);
	lib_deps__free(im->deps);
	memset(im, 0, sizeof(*im));
}
