/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The plugin registry: one descriptor per subcommand, defined at the end of the
 * plugin's own file.  The build generates the list of descriptors from the
 * GNUmakefile's PLUGINS variable (see build/cmd-list.h), so the dispatcher,
 * `upx --help`, `upx help CMD` and `upx --list-cmds` all come from one place.
 */
#ifndef UPX_CMD_H
#define UPX_CMD_H

/* The command attaches BPF programs: the dispatcher checks privileges first. */
#define UPX_CMD_NEEDS_BPF (1u << 0)

struct upx_option;

struct upx_cmd {
	const char *name;    /* argv word; the man page is upx-<name>(1) */
	const char *summary; /* one line, the same as the man page's NAME line */
	int (*fn)(int argc, const char **argv);
	unsigned int flags;
	const struct upx_option *opts; /* the option table fn parses (shell completion) */
};

/* Exit codes shared by every command. */
enum {
	UPX_EXIT_OK = 0,
	UPX_EXIT_FAILURE = 1,
	UPX_EXIT_USAGE = 2,
};

/* NULL-terminated, in the order of PLUGINS. */
extern const struct upx_cmd *const upx_cmds[];

const struct upx_cmd *upx_cmd_find(const char *name);

/* The page Documentation/upx-<name>.txt (or upx.txt for NULL), embedded at build time. */
const char *upx_doc_find(const char *name);

#endif
