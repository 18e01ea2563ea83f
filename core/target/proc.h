/* SPDX-License-Identifier: GPL-2.0 */
/* What a running process has mapped, seen through /proc/PID/maps and /proc/PID/root. */
#ifndef UPX_PROC_H
#define UPX_PROC_H

#include <stdbool.h>
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

/* A file as /proc/PID/maps names it: its device and inode. */
struct file_id {
	unsigned int major, minor;
	unsigned long ino;
};

/* The file_id of what path (as upx opens it) is; 0 or -errno. */
int file_id_of(const char *path, struct file_id *id);

/*
 * Which of files[0..n) process pid maps: hit[i] set for each (others left
 * alone).  0, or -errno when its maps cannot be read (gone: -ENOENT).
 */
int proc_maps_which(pid_t pid, const struct file_id *files, size_t n, bool *hit);

/* For -p: has the process ended (gone, or a zombie waiting for its parent)? */
bool pid_gone(pid_t pid);

/* Is the open file fd that very inode (a regular file)? */
bool fd_is_inode(int fd, const struct file_id *id);

/* path opened read-only if it is that very inode (a regular file), else -1. */
int open_if_inode(const char *path, const struct file_id *id);

/*
 * A file the kernel named (a mapping's path from its mount's root, as trace
 * --stack's snapshot gives it) opened read-only in upx's own view: path
 * itself, else each shorter suffix of it ("/srv/r/usr/lib/x.so", then
 * "/r/usr/lib/x.so", "/usr/lib/x.so", ...) for upx running under another
 * root on that mount (a chroot); the first that is that very inode (a
 * regular file), or -1.  *tail (when tail is not NULL): the path it was.
 */
int open_same_inode(const char *path, const struct file_id *id, const char **tail);

#endif
