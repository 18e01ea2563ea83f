// SPDX-License-Identifier: GPL-2.0
/* Libraries loaded when an option first needs them (dl.h). */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "base/dl.h"

void *dl_load(const char *soname, const struct dl_sym *syms, size_t n, char *err, size_t errlen)
{
	size_t len = strlen(soname), i;
	const char *why;
	void *so = dlopen(soname, RTLD_NOW | RTLD_LOCAL);

	if (!so) {
		why = dlerror();
		why = why ? why : "cannot open it";
		/* "libfoo.so.1: cannot open shared object file: ...": the name is the caller's to say */
		if (!strncmp(why, soname, len) && !strncmp(why + len, ": ", 2))
			why += len + 2;
		snprintf(err, errlen, "%s", why);
		goto fail;
	}
	for (i = 0; i < n; i++) {
		*syms[i].slot = dlsym(so, syms[i].name);
		if (!*syms[i].slot) {
			snprintf(err, errlen, "it has no %s()", syms[i].name);
			dlclose(so);
			so = NULL;
			goto fail;
		}
	}
	return so;

fail:
	for (i = 0; i < n; i++)
		*syms[i].slot = NULL;
	return NULL;
}
