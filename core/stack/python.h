/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Python frames in native stacks (CPython 3.10+), user side: which files
 * are interpreters (they export _PyRuntime; the version is their
 * Py_Version, read in the file and again by the probe in the process,
 * never guessed from a name) and the structure offsets of their version
 * (python-offsets.c); the code objects the probe sent (names, first line,
 * line table) kept by process, address and identity; a frame's function,
 * file and line.  probes/python.bpf.h is the kernel side, ustack.c puts
 * the frames in place of the interpreter's _PyEval_EvalFrameDefault frames.
 */
#ifndef UPX_PYTHON_H
#define UPX_PYTHON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/types.h>	/* probes/stack.h's __u32, __u64 */

#include "stack.h"
#include "stack/symbolize.h"

extern const struct stack_py_offsets python_tables[];
extern const size_t python_nr_tables;

struct python;

struct python *python__new(void);
void python__free(struct python *py);

/*
 * Is path (the file itself, whatever its name) an interpreter whose frames
 * upx can walk?  1: yes, *f filled (its table is python_tables' index);
 * 0: no CPython in it; -1: a CPython upx has no offsets for (why: "CPython
 * 3.14.0", "CPython older than 3.10 (...)").  3.10, which has no Py_Version,
 * is told by PyAIter_Check (new in 3.10): f->version 0x030a0000, no
 * version_addr.  Files are
 * checked once by device and inode.
 */
int python__check_file(struct python *py, const char *path, struct stack_py_file *f,
		       const char **why);

/*
 * Before the run: the interpreter files the -c command's program loads
 * (the program and its libraries) or the -p process maps, into cfg's
 * py_files, so that a process gets its Python frames from its first event
 * on.  One warning per CPython of a version upx does not know.
 */
void python__configure(struct python *py, struct stack_config *cfg, const char *cmd, pid_t pid);

/*
 * A process's mappings (its first event's snapshot): when one is an
 * interpreter file not configured before the run, where its runtime is
 * (*out), for py_procs: its frames from the next event on; *file: the
 * file, for py_files (later processes that map it: from their first
 * event).  The index of that mapping in maps if so, -1 if not.
 */
ssize_t python__find_runtime(struct python *py, pid_t pid, const struct sym_snap_map *maps,
			     size_t n, struct stack_py_proc *out, struct stack_py_file *file);

/* A ring buffer record: a struct stack_py_code_rec, kept.  True if it was one. */
bool python__code_record(struct python *py, const void *data, size_t size);

struct py_frame {
	const char *function;	/* co_qualname, NULL when the code object is unknown */
	const char *file;	/* co_filename */
	int line;		/* 0: unknown */
	uint64_t code;
};

/* Frame f of process pid: its names (strings live as long as py). */
void python__frame(struct python *py, pid_t pid, const struct stack_py_frame *f,
		   struct py_frame *out);

/* The line of instruction lasti (code units) in a 3.11+ location table; 0: none. */
int python_line(const uint8_t *table, size_t len, int firstlineno, int lasti);

/* The same in a 3.10 line table (co_linetable: byte ranges and line deltas). */
int python_line_310(const uint8_t *table, size_t len, int firstlineno, int lasti);

#endif
