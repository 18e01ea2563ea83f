/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared-library resolution done the way glibc's ld.so does it, without
 * running anything: PT_INTERP, DT_NEEDED, DT_RPATH / DT_RUNPATH ($ORIGIN,
 * $LIB, $PLATFORM), LD_LIBRARY_PATH, /etc/ld.so.cache and the default
 * directories.  `upx ldd-resolve` is the front end; list-syms and trace use it
 * to turn a soname or program name into a file.
 *
 * Parsed files and the cache are kept for the life of the process (a file
 * is parsed again if stat() says it changed); none of this is thread-safe.
 * Not modelled: LD_PRELOAD and /etc/ld.so.preload, secure (setuid) mode,
 * glibc-hwcaps entries of the cache (the plain entry is taken).
 * For tests only: the environment variable UPX_LD_SO_CACHE, when set and not
 * empty, names the cache file read instead of /etc/ld.so.cache.
 */
#ifndef UPX_LIBSEARCH_H
#define UPX_LIBSEARCH_H

#include <stdbool.h>
#include <stddef.h>

/* How a library was found (in ld.so's order). */
enum lib_how {
	LIB_HOW_PATH,		/* DT_NEEDED held a '/' */
	LIB_HOW_RPATH,		/* DT_RPATH of the object or of a loader above it */
	LIB_HOW_LD_LIBRARY_PATH,
	LIB_HOW_RUNPATH,	/* DT_RUNPATH of the object that needs it */
	LIB_HOW_CACHE,		/* /etc/ld.so.cache */
	LIB_HOW_DEFAULT,	/* /lib/<triplet>, /usr/lib/<triplet>, /lib, /usr/lib */
	LIB_HOW_NOT_FOUND,
	LIB_HOW_INTERP,		/* the program interpreter (ld.so), loaded before any DT_NEEDED */
};

const char *lib_how_name(enum lib_how how); /* "rpath", "cache", ... */

struct lib_entry {
	char *soname;		/* as written in DT_NEEDED */
	char *path;		/* NULL when not found */
	enum lib_how how;
	int parent;		/* index of the first object that needed it; -1: the program */
	int depth;		/* 1 for a direct dependency */
	int *needs;		/* its DT_NEEDED, as indexes into lib_deps.libs */
	size_t nr_needs;
};

struct lib_deps {
	char *path;		/* the program or library examined */
	char *interp;		/* PT_INTERP, NULL if none */
	bool is_static;		/* no PT_INTERP and no DT_NEEDED (static, static-pie, ld.so) */
	struct lib_entry *libs;	/* breadth-first, each soname once, like ldd's list */
	size_t nr;
	int *needs;		/* the program's DT_NEEDED, as indexes into libs */
	size_t nr_needs;
};

/*
 * Resolve the dependencies of the ELF file at path.  Returns 0, or a negative
 * errno with a one-line cause in err (e.g. "not an ELF file").
 */
int lib_deps__load(const char *path, struct lib_deps **out, char *err, size_t errlen);
void lib_deps__free(struct lib_deps *deps);

/*
 * Find the file for a soname ("libc.so.6") with no loader context: LD_LIBRARY_PATH,
 * the cache, the default directories.  Returns a malloc'd path or NULL.
 */
char *resolve_soname(const char *soname, enum lib_how *how);

/* The DT_SONAME of the ELF file at path (parsed once, kept for the process's life), or NULL. */
const char *lib_soname(const char *path);

/* A program name looked up in PATH (a regular, executable file); malloc'd or NULL. */
char *resolve_program(const char *name);

/*
 * A command's BINARY argument to a real file: a path (with a '/'), a program
 * name found in PATH, or a soname resolved like resolve_soname().  Symlinks
 * are followed; returns a malloc'd canonical path, or NULL with err filled
 * ("no such file, program in PATH or library").
 */
char *resolve_target(const char *arg, char *err, size_t errlen);

/* The glibc ld.so.cache ("glibc-ld.so.cache1.1" format), parsed in place. */
struct ld_cache;
int ld_cache__open(const char *path, struct ld_cache **out);
/* The path of the first entry for soname that suits this machine (x86-64/arm64 flags), or NULL. */
const char *ld_cache__lookup(const struct ld_cache *cache, const char *soname);
/* The number of entries in the table (for every machine). */
size_t ld_cache__count(const struct ld_cache *cache);
void ld_cache__free(struct ld_cache *cache);

/*
 * Expand $ORIGIN / ${ORIGIN}, $LIB, $PLATFORM in one RPATH/RUNPATH element;
 * origin is the directory of the object.  Returns malloc'd string.
 */
char *expand_dst(const char *elem, const char *origin);

#endif
