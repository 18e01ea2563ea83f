// SPDX-License-Identifier: GPL-2.0
/*
 * core/base/bpf-obj.c on the objects the build makes (build/trace.bpf.o and
 * build/trace-stack.bpf.o, opened, not loaded): the configuration structs
 * are where user space writes them, with the defaults the programs give
 * them, and the two builds of trace have the same maps and programs, which
 * plugins/trace.c finds by name in either.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "base/bpf-obj.h"
#include "base/util.h"
#include "run/attach.h"
#include "stack.h"
#include "trace.h"
#include "unit.h"

/* An object of the build ($UPX_BUILD_DIR as make test says, or build/), opened; NULL: a failure. */
static struct bpf_object *open_obj(const char *name)
{
	const char *dir = getenv("UPX_BUILD_DIR");
	char path[512];
	struct bpf_object *obj;

	snprintf(path, sizeof(path), "%s/%s.bpf.o", dir ? dir : "build", name);
	if (access(path, R_OK)) {
		fprintf(stderr, "\n    no %s: run make ", path);
		CU_FAIL("BPF object missing");
		return NULL;
	}
	obj = bpf_object__open_file(path, NULL);
	CU_ASSERT_PTR_NOT_NULL(obj);
	return obj;
}

/* f(), with what it writes on stderr in msg. */
static void *quiet(void *(*f)(struct bpf_object *, const char *), struct bpf_object *obj,
		   const char *name, char *msg, size_t size)
{
	char *buf = NULL;
	void *ret;

	UNIT_STDERR(&buf, ret = f(obj, name));
	snprintf(msg, size, "%s", buf ? buf : "");
	free(buf);
	return ret;
}

static void *map_named(struct bpf_object *obj, const char *name)
{
	return bpf_map_named(obj, name);
}

static void *prog_named(struct bpf_object *obj, const char *name)
{
	return bpf_prog_named(obj, name);
}

static void *trace_cfg_wrong_size(struct bpf_object *obj, const char *name)
{
	return bpf_rodata_named(obj, name, sizeof(struct trace_config) - 1);
}

/* The defaults trace.bpf.c gives trace_cfg and stack.bpf.h stack_cfg, read through upx's types. */
static void expect_config(struct bpf_object *obj)
{
	struct trace_config *c = bpf_rodata_named(obj, "trace_cfg", sizeof(*c));
	struct stack_config *sc = bpf_rodata_named(obj, "stack_cfg", sizeof(*sc));

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(c->mode, TRACE_MODE_EVENTS);
	CU_ASSERT_EQUAL(c->filter_tgid, 0);
	CU_ASSERT_EQUAL(c->filter_uid, (__u32)-1);
	CU_ASSERT_EQUAL(c->str_arg, TRACE_VALUE_NONE);
	CU_ASSERT_EQUAL(c->value_arg, TRACE_VALUE_NONE);
	CU_ASSERT_EQUAL(c->by_str_arg, TRACE_VALUE_NONE);
	CU_ASSERT_EQUAL(c->by_value_arg[0], TRACE_VALUE_NONE);
	CU_ASSERT_EQUAL(c->by_value_arg[1], TRACE_VALUE_NONE);
	CU_ASSERT_EQUAL(c->has_min + c->has_max + c->by_on + c->by_fields, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
	CU_ASSERT_EQUAL(sc->mode, STACK_NONE);
	CU_ASSERT_EQUAL(sc->size, STACK_SIZE_DEFAULT);
	/* What core sets in every program (core/run/run.c) is there too. */
	CU_ASSERT_PTR_NOT_NULL(bpf_rodata_var(obj, "self_tgid", sizeof(__u32)));
}

static void test_trace_config(void)
{
	struct bpf_object *plain = open_obj("trace"), *stack = open_obj("trace-stack");

	if (plain)
		expect_config(plain);
	if (stack)
		expect_config(stack);
	bpf_object__close(plain);
	bpf_object__close(stack);
}

/* Each named map of a (not the internal ones, named after the object) is one of b's. */
static void expect_same_maps(struct bpf_object *a, struct bpf_object *b)
{
	struct bpf_map *m;
	struct bpf_program *p;

	bpf_object__for_each_map(m, a) {
		const char *name = bpf_map__name(m);
		struct bpf_map *other;

		if (bpf_map__is_internal(m))
			continue;
		other = bpf_object__find_map_by_name(b, name);
		if (!other)
			fprintf(stderr, "\n    map %s in one build of trace only ", name);
		CU_ASSERT_PTR_NOT_NULL(other);
		if (other)
			CU_ASSERT_EQUAL(bpf_map__type(m), bpf_map__type(other));
	}
	bpf_object__for_each_program(p, a) {
		const char *name = bpf_program__name(p);

		if (!bpf_object__find_program_by_name(b, name))
			fprintf(stderr, "\n    program %s in one build of trace only ", name);
		CU_ASSERT_PTR_NOT_NULL(bpf_object__find_program_by_name(b, name));
	}
}

static void test_two_builds_alike(void)
{
	struct bpf_object *plain = open_obj("trace"), *stack = open_obj("trace-stack");

	if (plain && stack) {
		expect_same_maps(plain, stack);
		expect_same_maps(stack, plain);
		/* The programs trace attaches, by the names it asks for. */
		CU_ASSERT_PTR_NOT_NULL(bpf_prog_named(stack, "upx_entry_multi_s"));
		CU_ASSERT_PTR_NOT_NULL(bpf_map_named(stack, "stack_counts"));
	}
	bpf_object__close(plain);
	bpf_object__close(stack);
}

static void test_missing_names(void)
{
	struct bpf_object *obj = open_obj("trace");
	char msg[256];

	if (!obj)
		return;
	CU_ASSERT_PTR_NULL(quiet(map_named, obj, "no_such_map", msg, sizeof(msg)));
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "the BPF object 'trace' has no map 'no_such_map'"));
	CU_ASSERT_PTR_NULL(quiet(prog_named, obj, "upx_nope", msg, sizeof(msg)));
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "has no program 'upx_nope'"));
	/* A variable of another size is not the one asked for. */
	CU_ASSERT_PTR_NULL(quiet(trace_cfg_wrong_size, obj, "trace_cfg", msg, sizeof(msg)));
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "has no read-only variable 'trace_cfg'"));
	CU_ASSERT_PTR_NULL(bpf_rodata_var(obj, "no_such_var", 4));
	bpf_object__close(obj);
}

/* core/run/attach.c's attach_progs_named(): the twins of each kind, by their names. */
static void test_progs_named(void)
{
	struct bpf_object *obj = open_obj("trace");
	struct attach_progs p = {};
	char *msg = NULL;
	int ret;

	if (!obj)
		return;
	CU_ASSERT_EQUAL_FATAL(attach_progs_named(&p, obj, "upx_entry", "upx_return", "upx_usdt",
						 false), 0);
	CU_ASSERT_STRING_EQUAL(bpf_program__name(p.entry), "upx_entry");
	CU_ASSERT_STRING_EQUAL(bpf_program__name(p.entry_multi), "upx_entry_multi");
	CU_ASSERT_STRING_EQUAL(bpf_program__name(p.ret), "upx_return");
	CU_ASSERT_STRING_EQUAL(bpf_program__name(p.ret_multi), "upx_return_multi");
	CU_ASSERT_STRING_EQUAL(bpf_program__name(p.usdt), "upx_usdt");
	CU_ASSERT_STRING_EQUAL(bpf_program__section_name(p.ret_multi), "uretprobe.multi");
	/* Not asked for: the sleepable twins. */
	CU_ASSERT_PTR_NULL(p.entry_s);
	CU_ASSERT_PTR_NULL(p.usdt_s);
	CU_ASSERT_EQUAL_FATAL(attach_progs_named(&p, obj, "upx_entry", NULL, NULL, true), 0);
	CU_ASSERT_STRING_EQUAL(bpf_program__name(p.entry_s), "upx_entry_s");
	CU_ASSERT_STRING_EQUAL(bpf_program__name(p.entry_multi_s), "upx_entry_multi_s");
	CU_ASSERT_STRING_EQUAL(bpf_program__section_name(p.entry_multi_s), "uprobe.multi.s");
	CU_ASSERT_PTR_NULL(p.ret_s);
	/* One missing: an error naming it. */
	UNIT_STDERR(&msg, ret = attach_progs_named(&p, obj, "upx_usdt", NULL, NULL, false));
	CU_ASSERT_EQUAL(ret, -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "has no program 'upx_usdt_multi'"));
	free(msg);
	bpf_object__close(obj);
}

CU_TestInfo bpf_obj_tests[] = {
	UNIT_TEST(test_trace_config),
	UNIT_TEST(test_two_builds_alike),
	UNIT_TEST(test_missing_names),
	UNIT_TEST(test_progs_named),
	CU_TEST_INFO_NULL,
};
