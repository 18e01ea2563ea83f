/* SPDX-License-Identifier: GPL-2.0 */
/* What a running process has mapped, seen through /proc/PID/maps and /proc/PID/root. */
#ifndef UPX_PROC_H
#define UPX_PROC_H

#include <stddef.h>
#include <sys/types.h>

/*
 * The file process pid has mapped that target names: a path as the process
 * sees it (in its root, from its cwd; or upx's own path to the same file), a
 * program in its PATH, or a file or soname by its base name ("libc.so.6",
 * "bash"). Matched by device and inode, so a process in a chroot or a
 * container is probed by its own file. Returns a malloc'd path upx can open
 * and attach to: the path maps shows when it is that file here, else
 * /proc/PID/map_files/START-END, else /proc/PID/root/PATH; NULL with err
 * filled otherwise.
 */
char *proc_find_mapped(pid_t pid, const char *target, char *err, size_t errlen);

/* 0 when /proc/PID exists. */
int proc_exists(pid_t pid);

#endif
