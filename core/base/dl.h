/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A library loaded with dlopen() when an option first needs it, so that
 * every other upx process starts without it and what it pulls in
 * (libmicrohttpd for --listen, libdebuginfod for debuginfod).
 */
#ifndef UPX_DL_H
#define UPX_DL_H

#include <stddef.h>

/* A function to look up, and where its address goes. */
struct dl_sym {
	const char *name;
	void **slot;
};
#define DL_SYM(name, field) { #name, (void **)&(field) }

/*
 * Open soname (RTLD_NOW | RTLD_LOCAL) and fill every slot of syms[0..n):
 * the handle, or NULL with the cause in err (dlerror()'s words without the
 * soname it starts with, or the first function missing) and every slot NULL.
 */
void *dl_load(const char *soname, const struct dl_sym *syms, size_t n, char *err, size_t errlen);

#endif
