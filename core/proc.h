/* SPDX-License-Identifier: GPL-2.0 */
/* What a running process has mapped, seen through /proc/PID/maps and /proc/PID/root. */
#ifndef UPX_PROC_H
#define UPX_PROC_H

#include <stddef.h>
#include <sys/types.h>

/*
 * The file process pid has mapped that target names: a path (as the process
 * sees it), or a file or soname by its base name ("libc.so.6", "bash").
 * Returns a malloc'd path through /proc/PID/root, so a process in a container
 * is probed by its own file; NULL with err filled otherwise.
 */
char *proc_find_mapped(pid_t pid, const char *target, char *err, size_t errlen);

/* 0 when /proc/PID exists. */
int proc_exists(pid_t pid);

#endif
