/* SPDX-License-Identifier: GPL-2.0 */
/*
 * IFUNC symbols (glibc's strlen, memcpy, ...) point at a resolver that runs
 * once; a probe there sees resolutions, not calls.  This finds the
 * implementation the dynamic linker picks on this machine.
 */
#ifndef UPX_IFUNC_H
#define UPX_IFUNC_H

#include <stdint.h>

/*
 * The virtual address (in the library's own numbering) of the function the
 * IFUNC `name` of the shared library at path resolves to here.  The resolver
 * runs in a short-lived child process (dlopen + dlsym), never in upx itself.
 * Returns 0, or -1 with err filled.
 */
int ifunc_resolve(const char *path, const char *name, uint64_t *vaddr, char *err, size_t errlen);

#endif
