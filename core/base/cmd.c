// SPDX-License-Identifier: GPL-2.0
/* The registry, generated from the GNUmakefile's PLUGINS (build/cmd-list.h). */
#include <stddef.h>
#include <string.h>

#include "base/cmd.h"

#define UPX_CMD(id) extern const struct upx_cmd upx_cmd_##id;
#include "cmd-list.h"
#undef UPX_CMD

#define UPX_CMD(id) &upx_cmd_##id,
const struct upx_cmd *const upx_cmds[] = {
#include "cmd-list.h"
	NULL,
};
#undef UPX_CMD

const struct upx_cmd *upx_cmd_find(const char *name)
{
	for (int i = 0; upx_cmds[i]; i++)
		if (!strcmp(upx_cmds[i]->name, name))
			return upx_cmds[i];
	return NULL;
}
