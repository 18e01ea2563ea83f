/* SPDX-License-Identifier: GPL-2.0 */
/*
 * User stacks for upx trace --stack: the options, the record the kernel
 * appends to an event (probes/stack.h) turned into return addresses
 * (frame pointers walked by the kernel, or the copied stack unwound with
 * DWARF by core/stack/unwind.c), frames symbolized by core/stack/symbolize.c and
 * printed as text lines or JSON objects, calls counted per distinct stack
 * (in the kernel's stack map for frame pointers, here for DWARF), sorted,
 * folded and drawn as flame graphs (core/output/flamegraph.c).  Stacks walked by
 * frame pointers are checked: one that passes through a function which does
 * not keep %rbp as its frame pointer is marked unreliable.
 */
#ifndef UPX_USTACK_H
#define UPX_USTACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/types.h>	/* probes/stack.h's __u32, __u64 */

#include "base/options.h"
#include "stack.h"

struct bpf_object;
struct json_writer;
struct plan;

/* What the options ask for; filled by the option table (OPT_USTACK). */
struct ustack_opts {
	enum stack_mode mode;		/* STACK_NONE: no --stack */
	unsigned long long size;	/* --stack-size, 0: default */
	bool folded;
	const char *flamegraph;
	const char *pprof;
};

int ustack_opt_cb(const struct upx_option *o, const char *arg);

#define OPT_USTACK(u)                                                                              \
	OPT_CALLBACK_OPTARG(0, "stack", (u), "fp|dwarf",                                          \
			    "show each call's user stack (default: dwarf, see STACKS)", ustack_opt_cb), \
	OPT_UINT(0, "stack-size", &(u)->size, "BYTES",                                             \
		 "--stack=dwarf: bytes of stack copied where the kernel cannot unwind (default 8K, at most 64K)"),       \
	OPT_BOOL(0, "folded", &(u)->folded, "count per stack, print folded stacks (main;a;b N)"), \
	OPT_STRING(0, "flamegraph", &(u)->flamegraph, "FILE",                                     \
		   "count per stack, write an SVG flame graph to FILE"),                            \
	OPT_STRING(0, "pprof", &(u)->pprof, "FILE",                                               \
		   "count per stack, write a pprof profile (gzipped profile.proto) to FILE")

/*
 * The options against each other and the others of trace: --folded,
 * --flamegraph and --pprof imply --count --stack (*count set), --hist and
 * --latency exclude --stack.  0 or a usage error's exit status, or 1 after
 * an error when the --flamegraph FILE could not be written (core/output/atomic-file.h's
 * check).  top is trace's --top (0: none), which ranks stacks only when they
 * are counted.
 */
int ustack_check_options(struct ustack_opts *o, long long top, bool *count, bool hist,
			 bool latency, bool json);

struct ustack;

/* NULL when o asks for no stacks; count: calls are counted per stack. */
struct ustack *ustack__new(const struct ustack_opts *o, bool count);
void ustack__free(struct ustack *u);

/*
 * Before load: the stack part of obj (probes/stack.bpf.h: its stack_cfg and
 * stack maps) set as u asks, or left at nothing when u is NULL (no --stack);
 * with --count --stack=fp the ring buffer only carries the records that
 * announce a process.  plan's probes label the stacks counted.  Both stay
 * with u until it is freed.  Python frames: the interpreter files the -c
 * command's program cmd loads, or process pid maps, are found before the
 * run (core/stack/python.h; others at a process's first event).  0, or -1
 * after an error.
 */
int ustack__configure(struct ustack *u, struct bpf_object *obj, const struct plan *plan,
		      const char *cmd, pid_t pid);

/*
 * After load, before the run: --stack=dwarf's unwind tables start being
 * built (core/stack/kunwind.h), those of the files known before the run
 * first.  Without it they start at the first process's first event.
 */
void ustack__armed(struct ustack *u);
/*
 * Stacks are counted in the kernel (--count --stack=fp, and --stack=dwarf
 * unwound there): events carry only the stacks it could not unwind.
 */
bool ustack__counts_in_kernel(const struct ustack *u);
enum stack_mode ustack__mode(const struct ustack *u);

/*
 * A record from the ring buffer: a struct stack_maps_rec (a process's
 * mappings, taken by the probe at its first event and sent before it; kept
 * for its stacks when /proc/PID/maps cannot give them).  True if it was one.
 */
bool ustack__proc_record(struct ustack *u, const void *data, size_t size);

/*
 * The stack record of one event (rec, len bytes: what follows the event) of
 * process pid, probe number probe.  Counting:
 * the call is counted under its stack.  Otherwise its frames are printed,
 * as text lines on stdout (jw NULL) or as the "stack" fields of the event's
 * JSON object (jw, the object still open).
 */
void ustack__event(struct ustack *u, pid_t pid, uint32_t probe, const void *rec, size_t len,
		   struct json_writer *jw);

/*
 * One frame of a printed stack: its text line to f ("    leaf+0x0 (/usr/bin/x) x.c:12",
 * an inlined one "    helper (inlined) (...) x.c:3"), or its object in jw's open array.
 */
struct sym_frame;
struct stack_py_frame;
void ustack_frame_text(FILE *f, const struct sym_frame *s);
void ustack_frame_json(struct json_writer *jw, const struct sym_frame *s);

/*
 * For a command that keeps values of its own per stack (upx leaks): the
 * return addresses of one stack record of process pid (its mappings read
 * first, as for ustack__event()), at most max, and *py the nr_py Python
 * frames after them (pointing into rec; NULL, 0: none); *cut says why a
 * stack was cut short (NULL: it was not), *err is -errno when there is none
 * (-EINTR: upx was stopping).  Returns how many.
 */
int ustack__unwind(struct ustack *u, pid_t pid, const void *rec, size_t len, uint64_t *ips, int max,
		   const struct stack_py_frame **py, int *nr_py, const char **cut, int *err);
/* --stack=fp: the same for entry stackid of the kernel's stack map (negative: -errno). */
int ustack__kernel_ips(struct ustack *u, int stackid, uint64_t *ips, int max, const char **cut,
		       int *err);
/*
 * A stack's identity beyond one process: prefix, then each address as its
 * file and offset (a new string), so that the same code path in two
 * processes is one key.
 */
char *ustack__stack_key(struct ustack *u, pid_t pid, const uint64_t *ips, int nr,
			const struct stack_py_frame *py, int nr_py, const char *prefix);
/*
 * A stack's frames, the Python frames py[nr_py] in place of the interpreter's:
 * text lines on stdout (jw NULL), or the "stack" fields of jw's open object.
 */
void ustack__print_frames(struct ustack *u, pid_t pid, const uint64_t *ips, int nr,
			  const struct stack_py_frame *py, int nr_py, const char *cut, int err,
			  struct json_writer *jw);

/* A stack and its weight (calls, bytes); the Python frames it ran, if any (probes/stack.h). */
struct ustack_weighted {
	pid_t pid;
	const uint64_t *ips;
	int nr;
	uint64_t weight;
	const struct stack_py_frame *py;
	int nr_py;
};

/*
 * A command's own table of stacks: the number (from 1, stable while u
 * lives) of the stack of process pid with these addresses, added when new;
 * and what a number stands for (st's weight 0; its addresses are u's).
 */
size_t ustack__intern(struct ustack *u, pid_t pid, const uint64_t *ips, int nr,
		      const struct stack_py_frame *py, int nr_py, const char *cut, int err);
void ustack__interned(const struct ustack *u, size_t id, struct ustack_weighted *st,
		      const char **cut, int *err);

/*
 * Folded lines on stdout (folded) and an SVG flame graph in svg (NULL:
 * none; a note on stderr says where it went) of n weighted stacks; one and
 * many name a unit of weight ("byte", "bytes").  0, or -1 after an error
 * message.
 */
int ustack__flame(struct ustack *u, const struct ustack_weighted *w, size_t n, bool folded,
		  const char *svg, const char *title, const char *one, const char *many);

/*
 * The stacks counted so far (with --stack=fp, as the kernel has them now),
 * most frequent first: a table (text, JSON; the top ones, top > 0), or
 * folded lines, and the flame graph file (then no table: a note on stderr
 * says where the graph went), and the pprof profile.  0, or -1 after an
 * error message (the SVG or pprof file).
 */
int ustack__print(struct ustack *u, long long top, struct json_writer *jw);

/* "dwarf" / "fp". */
const char *stack_mode_name(enum stack_mode m);

#endif
