// SPDX-License-Identifier: GPL-2.0
/* Addresses in a process to files, functions and source lines: see symbolize.h.
 * (First commit: the interface; the implementation follows.) */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "symbolize.h"

struct symbolizer {
	int unused;
};

struct symbolizer *symbolizer_new(void)
{
	return calloc(1, sizeof(struct symbolizer));
}

void symbolizer_free(struct symbolizer *sy)
{
	free(sy);
}

int symbolizer_add_process(struct symbolizer *sy, pid_t pid)
{
	return 0;
}

int symbolize_addr(struct symbolizer *sy, pid_t pid, uint64_t addr, bool is_return_addr,
		   struct sym_frame *out, int max)
{
	memset(out, 0, sizeof(*out));
	out->addr = addr;
	return 1;
}
