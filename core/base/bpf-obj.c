// SPDX-License-Identifier: GPL-2.0
/* A BPF object addressed by name: read-only variables, maps, programs (core/base/bpf-obj.h). */
#include <string.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "base/bpf-obj.h"
#include "base/usage.h"

void *bpf_rodata_var(struct bpf_object *obj, const char *name, size_t size)
{
	struct bpf_map *map = bpf_object__find_map_by_name(obj, ".rodata");
	const struct btf *btf = bpf_object__btf(obj);
	const struct btf_var_secinfo *vs;
	const struct btf_type *sec;
	size_t map_size;
	char *data;
	int id;

	if (!map || !btf)
		return NULL;
	data = bpf_map__initial_value(map, &map_size);
	id = btf__find_by_name_kind(btf, ".rodata", BTF_KIND_DATASEC);
	if (!data || id < 0)
		return NULL;
	sec = btf__type_by_id(btf, id);
	vs = btf_var_secinfos(sec);
	for (int i = 0; i < btf_vlen(sec); i++, vs++) {
		const struct btf_type *var = btf__type_by_id(btf, vs->type);

		if (!strcmp(btf__name_by_offset(btf, var->name_off), name) && vs->size == size &&
		    vs->offset + size <= map_size)
			return data + vs->offset;
	}
	return NULL;
}

/* One line for a name the object lacks: a build of the program without it. */
static void *named(void *found, struct bpf_object *obj, const char *what, const char *name)
{
	if (!found)
		error("the BPF object '%s' has no %s '%s'", bpf_object__name(obj), what, name);
	return found;
}

void *bpf_rodata_named(struct bpf_object *obj, const char *name, size_t size)
{
	return named(bpf_rodata_var(obj, name, size), obj, "read-only variable", name);
}

struct bpf_map *bpf_map_named(struct bpf_object *obj, const char *name)
{
	return named(bpf_object__find_map_by_name(obj, name), obj, "map", name);
}

struct bpf_program *bpf_prog_named(struct bpf_object *obj, const char *name)
{
	return named(bpf_object__find_program_by_name(obj, name), obj, "program", name);
}
