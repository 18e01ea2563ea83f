/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every copy of a file that a process on the host maps: a library or program
 * named by its soname or bare name (libc.so.6, python3.11) is one file as
 * ld.so finds it here, and as many others as chroots, containers (overlayfs
 * layers, other mount namespaces) and other versions bring.  Found in
 * /proc/PID/maps (executable mappings only), matched by base name and, where
 * the mapped name differs (libc-2.31.so), by DT_SONAME; told apart by device
 * and inode as maps shows them (a file of an image layer that many containers
 * share is one copy).  Each copy is opened so that it can be probed after its
 * process is gone: by a path here when one reaches that very inode, else
 * through the mapping (/proc/PID/map_files), kept open.
 */
#ifndef UPX_COPIES_H
#define UPX_COPIES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* What the copies of one TARGET answer to in /proc/PID/maps. */
struct copy_target {
	const char *names[2];	/* base names: the TARGET's, the file it resolved to here */
	const char *soname;	/* a library mapped under another name that has this DT_SONAME */
};

#define COPY_PIDS 4		/* processes named per copy */
#define COPY_COMM_LEN 16

struct copy {
	int target;		/* the index of the copy_target it answers to */
	dev_t dev;		/* device and inode as maps shows them (on overlayfs: the */
	ino_t ino;		/* layer's file, the inode a uprobe goes on) */
	dev_t st_dev;		/* the same as stat() gives them here, as the attach plan */
	ino_t st_ino;		/* knows its files (on btrfs a subvolume has a device of its own) */
	char *in_root;		/* its path as its first process sees it, in that process's root */
	char *root;		/* that root as upx names it: "/", "/srv/jail", "mnt:[40265323]" */
	char *path;		/* what upx opens and attaches to: a path here, /proc/self/fd/N */
	int fd;			/* held open for path (/proc/self/fd/N), -1: none */
	size_t nr_procs;	/* processes that map it */
	pid_t pids[COPY_PIDS];	/* the first of them */
	char comms[COPY_PIDS][COPY_COMM_LEN];
};

/* A file's identity, and what is known of it. */
struct copy_ino {
	dev_t dev;
	ino_t ino;
	int verdict;		/* the target it answers to, -1: none, -2: not looked at */
};

struct copies {
	struct copy *v;
	size_t nr, alloc;
	/* Every file seen mapped executable (an open-addressing set, for the late watch). */
	struct copy_ino *seen;
	size_t nr_seen, cap_seen;
	bool text_only;		/* the kernel has no PROCMAP_QUERY: maps is read as text */
	int proc_fd;		/* /proc (O_PATH), once has_proc_fd */
	bool has_proc_fd;
	/* (copy, pid) pairs counted: a process is counted once per copy, scans repeated */
	uint64_t *counted;
	size_t nr_counted, cap_counted;
};

/*
 * Reads /proc/PID/maps of every process but upx itself (of process only alone,
 * when only > 0) and adds each file mapped executable that one of the targets
 * answers to; a copy already in c gets the process counted.  Returns how many
 * processes were read (0 when only is gone).
 */
size_t copies_scan(struct copies *c, const struct copy_target *t, size_t nr, pid_t only);

/* How one process maps one file (copies_scan_pid()). */
enum copy_mapped {
	COPY_NOT_MAPPED,	/* not at all (or no longer) */
	COPY_MAPPED_OTHER,	/* not executable, and no target's name */
	COPY_MAPPED_TARGET,	/* not executable (yet), under a target's name */
	COPY_MAPPED_EXEC,	/* executable: copies_verdict() says whose it is */
};
/*
 * copies_scan() of process pid alone, telling how it maps the file dev:ino;
 * false when the process is gone.
 */
bool copies_scan_pid(struct copies *c, const struct copy_target *t, size_t nr, pid_t pid,
		     dev_t dev, ino_t ino, enum copy_mapped *how);
/*
 * What the scans made of a file: the target it answers to (>= 0), -1 none,
 * -2 it could not be read, -3 never seen mapped.
 */
int copies_verdict(const struct copies *c, dev_t dev, ino_t ino);
/* The copy with that device and inode, or NULL. */
struct copy *copies_find(struct copies *c, dev_t dev, ino_t ino);
void copies__free(struct copies *c);

/* For the tests: the pieces of one maps line. */
struct maps_line {
	unsigned long start, end;
	bool exec;
	unsigned int major, minor;
	unsigned long ino;
	const char *path;	/* NULL: anonymous; " (deleted)" cut off */
	bool deleted;
};
/* Parses line (NUL-terminated, cut in place); false when it is not a maps line. */
bool maps_line_parse(char *line, struct maps_line *out);
/* 1: base answers to t by name; 2: it may, by its DT_SONAME (look); 0: it does not. */
int copy_name_matches(const struct copy_target *t, const char *base);
/* path as seen from a process's root (root's prefix taken away); points into path. */
const char *path_in_root(const char *path, const char *root);

#endif
