/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A BPF object addressed by name, as libbpf's bpf_object__find_map_by_name()
 * does, rather than through a skeleton's type: what core sets in every
 * program (probes/common.bpf.h) and what a command drives two builds of one
 * program by (trace.bpf.c and trace-stack.bpf.c).  Before load.
 */
#ifndef UPX_BPF_OBJ_H
#define UPX_BPF_OBJ_H

#include <stddef.h>

struct bpf_map;
struct bpf_object;
struct bpf_program;

/*
 * A variable of the object's .rodata, found by name in its BTF (core sets
 * those every program declares, probes/common.bpf.h, without knowing the
 * skeleton's type); before load.  NULL when the object has no such variable
 * of that size.
 */
void *bpf_rodata_var(struct bpf_object *obj, const char *name, size_t size);

/*
 * What a command drives an object by, found by name (so that two builds of
 * one program, trace.bpf.c and trace-stack.bpf.c, are driven alike): a
 * variable of its .rodata as above, a map, a program.  NULL after an error
 * naming what is missing (a program built without it).
 */
void *bpf_rodata_named(struct bpf_object *obj, const char *name, size_t size);
struct bpf_map *bpf_map_named(struct bpf_object *obj, const char *name);
struct bpf_program *bpf_prog_named(struct bpf_object *obj, const char *name);

#endif
