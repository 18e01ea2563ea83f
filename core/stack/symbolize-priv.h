/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inside the symbolizer, for core/stack/unwind.c: a process's kept mappings and the
 * files behind them, so the unwinder reports the same files to libdw (and
 * reads them) after the process exited.  Not for other users.
 */
#ifndef UPX_SYMBOLIZE_PRIV_H
#define UPX_SYMBOLIZE_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct perfmap;
struct symbolizer;
struct sym_image;

/* A mapped file, one per device and inode (maps' numbers); the vDSO is one too. */
struct sym_file {
	unsigned int major, minor;
	uint64_t ino;
	char *path;		/* as maps names it */
	int fd;			/* the very file, kept open; -1 when it could not be opened */
	bool fd_borrowed;	/* fd is the loaded image's (elf_file's), closed with it */
	uint64_t size;		/* the vDSO's size */
	struct sym_image *image;	/* loaded at first use */
	struct sym_file *next_hash, *next_all;
};

struct sym_map {
	uint64_t start, end, pgoff;
	const char *name;	/* maps' name without " (deleted)" (the symbolizer's); NULL: anonymous */
	struct sym_file *file;	/* NULL: anonymous, or the file is unreadable */
	uint64_t bias;		/* see sym_map__bias() */
	int bias_state;		/* 0 not known yet, 1 known, -1 none */
	bool deleted;
	bool exec;
};

struct sym_proc {
	pid_t pid;
	struct sym_map *maps;	/* by address */
	size_t nr_maps;
	unsigned long long start_time;	/* /proc/PID/stat's, to tell a reused pid */
	double read_at;		/* when maps was last read (CLOCK_MONOTONIC seconds) */
	bool gone;		/* exited (or its pid reused): never read again */
	int err;		/* maps could not be read the first time: -errno (no maps) */
	uid_t euid;		/* read with the maps: whose /tmp/perf-PID.map to trust */
	pid_t nspid;		/* its pid in its own pid namespace (the map's name) */
	bool ids_known;
	struct perfmap *jit;	/* its JIT map, read at the first address in no file */
	bool jit_tried;
	double jit_read_at;
	void *unwind;		/* unwind.c's state for the process, freed with unwind_free */
	void (*unwind_free)(void *);
};

/* The kept process (err says if its maps were read), or NULL when never added. */
struct sym_proc *symbolizer__proc(struct symbolizer *sy, pid_t pid);
/*
 * Read maps again, when an address is in none of the kept mappings (a library
 * dlopen()ed since): the new mappings and the old ones none overlaps; at most
 * every 100 ms, never once the process is gone.  The unwinder's state is
 * dropped (its modules changed).  1 when the maps were read, else 0.
 */
int sym_proc__refresh(struct symbolizer *sy, struct sym_proc *p);
/* The mapping around addr, or NULL. */
struct sym_map *sym_proc__find(struct sym_proc *p, uint64_t addr);
/* The load bias (addresses in the process - virtual addresses in the file): 0 or -ENOENT. */
int sym_map__bias(struct symbolizer *sy, struct sym_map *m, uint64_t *bias);
/* A path that opens the file (/proc/self/fd/N) in buf, or NULL. */
const char *sym_file__elf_path(struct symbolizer *sy, struct sym_file *f, char *buf, size_t len);
/* The symbolizer's buffer for unwind.c's "why the stack was cut" text. */
char *symbolizer__cut_buf(struct symbolizer *sy, size_t *len);

#endif
