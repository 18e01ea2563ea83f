// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel field offsets from BTF: against libbpf's own parse of the running
 * kernel's BTF (the oracle), and on BTF files written with libbpf's writer
 * API (anonymous members, paths, bitfields, names across read pieces).
 */
#include <bpf/btf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/util.h"
#include "run/kfield.h"
#include "task.h"
#include "unit.h"

static char tmpdir[] = "/tmp/upx-unit-kfield.XXXXXX";

static char *write_btf(struct btf *btf, const char *name, size_t cut)
{
	char *path = xasprintf("%s/%s", tmpdir, name);
	__u32 size;
	const void *raw = btf__raw_data(btf, &size);
	FILE *f = fopen(path, "w");

	CU_ASSERT_FATAL(raw && f);
	CU_ASSERT_FATAL(fwrite(raw, 1, size - cut, f) == size - cut);
	fclose(f);
	return path;
}

/* The offset libbpf gives a direct member of struct sname, or -1 (absent, a bitfield). */
static long oracle(const struct btf *btf, const char *sname, const char *member)
{
	int id = btf__find_by_name_kind(btf, sname, BTF_KIND_STRUCT);
	const struct btf_type *t = id > 0 ? btf__type_by_id(btf, id) : NULL;
	const struct btf_member *m = t ? btf_members(t) : NULL;

	for (int i = 0; t && i < btf_vlen(t); i++) {
		if (strcmp(btf__name_by_offset(btf, m[i].name_off), member))
			continue;
		if (btf_member_bitfield_size(t, i) || btf_member_bit_offset(t, i) % 8)
			return -1;
		return btf_member_bit_offset(t, i) / 8;
	}
	return -1;
}

/* Every whole-byte member of these structs, as libbpf finds it. */
static void test_vmlinux_all_members(void)
{
	static const char *const structs[] = { "task_struct", "signal_struct", "mm_struct",
					       "file" };
	struct btf *btf;
	char err[256];

	if (access(KFIELD_VMLINUX, R_OK))
		return; /* no kernel BTF here: nothing to compare */
	btf = btf__load_vmlinux_btf();
	CU_ASSERT_FATAL(btf != NULL);
	for (size_t s = 0; s < ARRAY_SIZE(structs); s++) {
		int id = btf__find_by_name_kind(btf, structs[s], BTF_KIND_STRUCT);
		const struct btf_type *t = btf__type_by_id(btf, id);
		const struct btf_member *m = btf_members(t);
		struct kfield f[32];
		size_t n = 0, checked = 0;

		CU_ASSERT_FATAL(id > 0);
		for (int i = 0; i <= btf_vlen(t); i++) {
			const char *name = i < btf_vlen(t) ? btf__name_by_offset(btf, m[i].name_off) : "";

			if (*name && oracle(btf, structs[s], name) >= 0)
				f[n++] = (struct kfield){ .type = structs[s], .member = name };
			if (n < ARRAY_SIZE(f) && i < btf_vlen(t))
				continue;
			if (!n)
				break;
			CU_ASSERT_EQUAL_FATAL(kfield_resolve(KFIELD_VMLINUX, f, n, err, sizeof(err)), 0);
			for (size_t k = 0; k < n; k++)
				CU_ASSERT_EQUAL(f[k].offset, oracle(btf, f[k].type, f[k].member));
			checked += n;
			n = 0;
		}
		CU_ASSERT(checked > 0);
		if (!strcmp(structs[s], "task_struct"))
			CU_ASSERT(checked > 100);
	}
	btf__free(btf);
}

/* The fields the probes read, with their sizes checked. */
static void test_vmlinux_task_fields(void)
{
	unsigned int off[UPX_TASK_FIELDS];
	struct btf *btf;

	if (access(KFIELD_VMLINUX, R_OK))
		return;
	btf = btf__load_vmlinux_btf();
	CU_ASSERT_FATAL(btf != NULL);
	CU_ASSERT_EQUAL_FATAL(kfield_task_offsets(off), 0);
	CU_ASSERT_EQUAL(off[UPX_TASK_TGID], oracle(btf, "task_struct", "tgid"));
	CU_ASSERT_EQUAL(off[UPX_TASK_REAL_PARENT], oracle(btf, "task_struct", "real_parent"));
	CU_ASSERT_EQUAL(off[UPX_TASK_GROUP_LEADER], oracle(btf, "task_struct", "group_leader"));
	CU_ASSERT_EQUAL(off[UPX_TASK_START_TIME], oracle(btf, "task_struct", "start_time"));
	CU_ASSERT_EQUAL(off[UPX_TASK_SIGNAL], oracle(btf, "task_struct", "signal"));
	/* atomic_t is a struct of one int, counter */
	CU_ASSERT_EQUAL(off[UPX_SIGNAL_LIVE], oracle(btf, "signal_struct", "live"));
	btf__free(btf);
}

/*
 * struct inner { long pad; int counter; };  typedef struct inner inner_t;
 * struct outer {
 *	int a;
 *	union { struct { char c0; long b; }; char c; };	(at 8)
 *	const inner_t in;				(at 24)
 *	unsigned int x:3;				(at 40)
 *	char arr[3];					(at 41)
 * };
 */
static struct btf *sample(const char *filler)
{
	struct btf *btf = btf__new_empty();
	int i32, i64, u32, ch, inner, td, cnst, anon_s, anon_u, outer, arr;

	CU_ASSERT_FATAL(btf != NULL);
	if (filler)
		CU_ASSERT_FATAL(btf__add_struct(btf, filler, 0) > 0);
	i32 = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	i64 = btf__add_int(btf, "long", 8, BTF_INT_SIGNED);
	u32 = btf__add_int(btf, "unsigned int", 4, 0);
	ch = btf__add_int(btf, "char", 1, BTF_INT_CHAR);
	inner = btf__add_struct(btf, "inner", 16);
	btf__add_field(btf, "pad", i64, 0, 0);
	btf__add_field(btf, "counter", i32, 64, 0);
	td = btf__add_typedef(btf, "inner_t", inner);
	cnst = btf__add_const(btf, td);
	anon_s = btf__add_struct(btf, NULL, 16);
	btf__add_field(btf, "c0", ch, 0, 0);
	btf__add_field(btf, "b", i64, 64, 0);
	anon_u = btf__add_union(btf, NULL, 16);
	btf__add_field(btf, NULL, anon_s, 0, 0);
	btf__add_field(btf, "c", ch, 0, 0);
	arr = btf__add_array(btf, i32, ch, 3);
	outer = btf__add_struct(btf, "outer", 48);
	btf__add_field(btf, "a", i32, 0, 0);
	btf__add_field(btf, NULL, anon_u, 64, 0);
	btf__add_field(btf, "in", cnst, 192, 0);
	btf__add_field(btf, "x", u32, 320, 3);
	btf__add_field(btf, "arr", arr, 328, 0);
	CU_ASSERT_FATAL(outer > 0 && arr > 0);
	return btf;
}

static int resolve1(const char *path, const char *type, const char *member, unsigned int size,
		    unsigned int *off, char *err, size_t errlen)
{
	struct kfield f = { type, member, size };
	int ret = kfield_resolve(path, &f, 1, err, errlen);

	*off = f.offset;
	return ret;
}

static void test_members_and_paths(void)
{
	struct btf *btf = sample(NULL);
	char *path = write_btf(btf, "sample", 0), err[256];
	struct kfield f[] = {
		{ "outer", "a", 4 },
		{ "outer", "b", 8 },		/* in an anonymous struct in an anonymous union */
		{ "outer", "c0", 1 },
		{ "outer", "c", 1 },
		{ "outer", "in", 16 },		/* const typedef of a struct */
		{ "outer", "in.counter", 4 },	/* a path through it */
		{ "outer", "arr", 3 },
		{ "inner", "counter", 0 },
	};
	unsigned int want[] = { 0, 16, 8, 8, 24, 32, 41, 8 };

	CU_ASSERT_EQUAL_FATAL(kfield_resolve(path, f, ARRAY_SIZE(f), err, sizeof(err)), 0);
	for (size_t i = 0; i < ARRAY_SIZE(f); i++)
		CU_ASSERT_EQUAL(f[i].offset, want[i]);
	btf__free(btf);
	free(path);
}

static void test_refusals(void)
{
	struct btf *btf = sample(NULL);
	char *path = write_btf(btf, "refusals", 0), *cut = write_btf(btf, "cut", 20), err[256];
	unsigned int off;

	CU_ASSERT_EQUAL(resolve1(path, "outer", "x", 0, &off, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "outer.x is a bitfield"));
	CU_ASSERT_EQUAL(resolve1(path, "outer", "b", 4, &off, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "outer.b is 8 bytes, not 4"));
	CU_ASSERT_EQUAL(resolve1(path, "outer", "nope", 0, &off, err, sizeof(err)), -ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "struct outer has no member nope"));
	CU_ASSERT_EQUAL(resolve1(path, "outer", "a.b", 0, &off, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "b is not in a struct"));
	CU_ASSERT_EQUAL(resolve1(path, "outer", "in.", 0, &off, err, sizeof(err)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "bad kernel field outer.in.");
	CU_ASSERT_EQUAL(resolve1(path, "outer", "in..counter", 0, &off, err, sizeof(err)), -EINVAL);
	/* a member's name is not a struct's, and an anonymous struct is nobody's */
	CU_ASSERT_EQUAL(resolve1(path, "counter", "pad", 0, &off, err, sizeof(err)), -ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "has no struct counter"));
	CU_ASSERT_EQUAL(resolve1(cut, "outer", "a", 0, &off, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "truncated"));
	CU_ASSERT_EQUAL(resolve1("/etc/passwd", "outer", "a", 0, &off, err, sizeof(err)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "/etc/passwd is not BTF");
	CU_ASSERT_EQUAL(resolve1("/nonexistent/btf", "outer", "a", 0, &off, err, sizeof(err)),
			-ENOENT);
	CU_ASSERT_STRING_EQUAL(err, "cannot read /nonexistent/btf: No such file or directory");
	btf__free(btf);
	free(path);
	free(cut);
}

/* Names cut by the 64 KiB pieces the strings are read in, or after a longer string. */
static void test_piece_boundaries(void)
{
	size_t lens[] = { 65536 - 4, 65536 - 3, 65536 - 2, 65536 + 1, 70000, 200000 };

	for (size_t i = 0; i < ARRAY_SIZE(lens); i++) {
		char *filler = malloc(lens[i] + 1), *path, err[256];
		struct btf *btf;
		unsigned int off;

		memset(filler, 'f', lens[i]);
		filler[lens[i]] = '\0';
		btf = sample(filler);
		path = write_btf(btf, "pieces", 0);
		CU_ASSERT_EQUAL(resolve1(path, "outer", "in.counter", 4, &off, err, sizeof(err)), 0);
		CU_ASSERT_EQUAL(off, 32);
		CU_ASSERT_EQUAL(resolve1(path, "inner", "counter", 4, &off, err, sizeof(err)), 0);
		CU_ASSERT_EQUAL(off, 8);
		btf__free(btf);
		free(filler);
		free(path);
	}
}

/* Two structs of one name: the member is looked for in each. */
static void test_two_of_a_name(void)
{
	struct btf *btf = btf__new_empty();
	int i32 = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	char *path, err[256];
	unsigned int off;

	btf__add_struct(btf, "twin", 4);
	btf__add_field(btf, "one", i32, 0, 0);
	btf__add_struct(btf, "twin", 8);
	btf__add_field(btf, "one", i32, 0, 0);
	btf__add_field(btf, "two", i32, 32, 0);
	path = write_btf(btf, "twins", 0);
	CU_ASSERT_EQUAL(resolve1(path, "twin", "two", 4, &off, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(off, 4);
	btf__free(btf);
	free(path);
}

static void test_setup(void)
{
	CU_ASSERT_FATAL(mkdtemp(tmpdir) != NULL);
}

static void test_cleanup(void)
{
	char *cmd = xasprintf("rm -rf '%s'", tmpdir);

	CU_ASSERT_EQUAL(system(cmd), 0);
	free(cmd);
}

CU_TestInfo kfield_tests[] = {
	UNIT_TEST(test_setup),
	UNIT_TEST(test_vmlinux_all_members),
	UNIT_TEST(test_vmlinux_task_fields),
	UNIT_TEST(test_members_and_paths),
	UNIT_TEST(test_refusals),
	UNIT_TEST(test_piece_boundaries),
	UNIT_TEST(test_two_of_a_name),
	UNIT_TEST(test_cleanup),
	CU_TEST_INFO_NULL,
};
