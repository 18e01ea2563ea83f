/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shell completion, generated from the registry (core/base/cmd.h) and each
 * command's option table, so it cannot drift from what upx parses:
 * `upx --completion bash` prints it, the build writes it, `make install`
 * installs it for bash-completion.
 */
#ifndef UPX_COMPLETION_H
#define UPX_COMPLETION_H

#include <stdio.h>

/* The bash completion script for upx (commands, options, option values, files, targets). */
void completion_bash(FILE *f);

#endif
