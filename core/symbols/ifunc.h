/* SPDX-License-Identifier: GPL-2.0 */
/*
 * IFUNC symbols (glibc's strlen, memcpy, ...) point at a resolver that runs
 * once; a probe there sees resolutions, not calls.  This finds the
 * implementation the dynamic linker picks on this machine.
 */
#ifndef UPX_IFUNC_H
#define UPX_IFUNC_H

#include <stddef.h>
#include <stdint.h>

struct ifunc_result {
	const char *name;	/* in: an exported IFUNC name of the library */
	uint64_t vaddr;		/* out: the implementation, in the library's own numbering */
	int status;		/* out: 0, or IFUNC_* below */
};

enum {
	IFUNC_UNRESOLVED = 1,	/* the dynamic linker did not resolve it */
	IFUNC_ELSEWHERE = 2,	/* it resolves into another file (the vDSO for time()) */
};

/*
 * Resolve every name of res[0..n) in the shared library at path.  The
 * resolvers run in one short-lived child process (dlopen + dlsym), never in
 * upx itself.  Returns 0 (look at each status), or -1 with err filled when
 * the library could not be loaded at all.
 */
int ifunc_resolve_all(const char *path, struct ifunc_result *res, size_t n, char *err,
		      size_t errlen);

#endif
