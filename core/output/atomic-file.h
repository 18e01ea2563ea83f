/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A file written whole or not at all, as git's lockfile.c writes one (without
 * the lock): the content goes into a temporary beside the file, renamed over
 * it only once all of it was written, so that a reader sees the old file or
 * the new one, and a failed run (a full disk, an input that turned out bad)
 * leaves the old one as it was.  For --metrics-file, trace --flamegraph and
 * flamegraph -o.
 *
 * Only a regular file is replaced: a path that names a device, a FIFO, a
 * socket or a directory (itself or through symbolic links) is refused, never
 * renamed over (as root, /dev/null would become a regular file).  A symbolic
 * link to a regular file is followed: the file it names is replaced, the link
 * stays.  An existing file keeps its permission bits.  No fsync: after a
 * crash the old file may be what is left.
 */
#ifndef UPX_ATOMIC_FILE_H
#define UPX_ATOMIC_FILE_H

#include <stdio.h>
#include <sys/types.h>

struct atomic_file {
	FILE *f;		/* the content is written here */
	char *path;		/* the file replaced: the path named, its links resolved */
	char *tmp;		/* the temporary beside it */
	int fd;
	int write_err;		/* errno of the first write that failed, 0: none */
	char why[128];		/* after a failure: the cause, for "cannot write 'PATH': why" */
};

/*
 * Could path be replaced: it does not exist, or is a regular file, and the
 * directory it is in (or would be in) can be written?  0, or -1 with the
 * cause in why ("a FIFO, not a regular file", "No such file or directory").
 * What a command runs before any long work, so that a bad path costs nothing.
 */
int atomic_file_check(const char *path, char *why, size_t size);

/*
 * Check path and create the temporary, mode for a new file (an existing one
 * keeps its own).  0, or -1 with af->why (nothing to release).
 */
int atomic_file__open(struct atomic_file *af, const char *path, mode_t mode);

/* The mode fopen(path, "w") gives a new file: 0666 less the umask. */
mode_t atomic_file_fopen_mode(void);

/*
 * Flush and close the temporary and rename it over the file.  0, or -1 with
 * af->why and the temporary removed: the errno of the first write that failed
 * (ENOSPC, not the EIO that stdio's error flag would suggest), of the close,
 * or of the rename, or a path that has become something else than a regular
 * file meanwhile.
 */
int atomic_file__commit(struct atomic_file *af);

/* The content could not be made: remove the temporary, the file stays as it was. */
void atomic_file__abort(struct atomic_file *af);

/*
 * The whole of it: open, fill(f, ctx) the content (0, or a negative errno),
 * commit; or abort when fill failed otherwise than by a write.  0, or -1
 * with why ("cannot write 'PATH': why") and the file as it was; *fill_err
 * (NULL: not wanted) is fill's own error then, 0 when the file was at fault.
 */
int atomic_file_write(const char *path, mode_t mode, int (*fill)(FILE *f, void *ctx), void *ctx,
		      int *fill_err, char *why, size_t size);

#endif
