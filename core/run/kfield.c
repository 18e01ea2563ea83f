// SPDX-License-Identifier: GPL-2.0
/*
 * Member offsets from a BTF file (Documentation/bpf/btf.rst in the kernel):
 * a header, a section of variable-length type records (type id i is the
 * i-th, from 1) and a section of strings that name them by offset.
 *
 * One pass over the strings notes where the few wanted names lie; one pass
 * over the types notes where each record starts and which structs bear a
 * wanted name; then only those structs (and the anonymous ones inside them)
 * are read again, by id.  The file is read in 64 KiB pieces: nothing of it
 * is kept but the index.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/btf.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/util.h"
#include "run/kfield.h"
#include "task.h"

#define CHUNK (64 * 1024)
#define MAX_NAMES 64	/* distinct struct and member names in one call */
#define MAX_OFFS 4	/* copies of one name in the strings (vmlinux has one) */
#define MAX_CANDS 4	/* structs of one name */
#define MAX_DEPTH 32	/* typedefs and anonymous members, nested */

/* A name looked for: where it is in the strings, which structs bear it. */
struct name {
	const char *s;
	size_t len;
	uint32_t offs[MAX_OFFS];
	unsigned int nr_offs;
	uint32_t cands[MAX_CANDS];
	unsigned int nr_cands;
};

struct btf_file {
	const char *path;
	int fd;
	off_t types, types_len, strs, strs_len;	/* section offsets in the file */
	uint32_t *index;	/* index[id]: offset of type id in the type section */
	uint32_t nr_types;	/* ids 1 .. nr_types - 1 */
	struct name names[MAX_NAMES];
	unsigned int nr_names;
	unsigned char *chunk;
	char *err;
	size_t errlen;
};

__printf(3, 4)
static int fail(struct btf_file *b, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b->err, b->errlen, fmt, ap);
	va_end(ap);
	return ret;
}

/* Exactly len bytes at off; -EINVAL when the file ends first. */
static int read_at(struct btf_file *b, void *buf, size_t len, off_t off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t r = pread(b->fd, (char *)buf + done, len - done, off + done);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return fail(b, -errno, "cannot read %s: %s", b->path, strerror(errno));
		if (!r)
			return fail(b, -EINVAL, "%s: BTF is truncated", b->path);
		done += r;
	}
	return 0;
}

static int add_name(struct btf_file *b, const char *s, size_t len)
{
	for (unsigned int i = 0; i < b->nr_names; i++)
		if (b->names[i].len == len && !memcmp(b->names[i].s, s, len))
			return i;
	if (b->nr_names == MAX_NAMES)
		return fail(b, -EINVAL, "too many kernel fields asked for");
	b->names[b->nr_names] = (struct name){ .s = s, .len = len };
	return b->nr_names++;
}

static bool name_at(const struct name *n, uint32_t off)
{
	for (unsigned int i = 0; i < n->nr_offs; i++)
		if (n->offs[i] == off)
			return true;
	return false;
}

static void note_string(struct btf_file *b, const char *s, size_t len, uint32_t off)
{
	for (unsigned int i = 0; i < b->nr_names; i++) {
		struct name *n = &b->names[i];

		if (n->len == len && !memcmp(n->s, s, len) && n->nr_offs < MAX_OFFS)
			n->offs[n->nr_offs++] = off;
	}
}

/* Where each wanted name lies in the string section. */
static int scan_strings(struct btf_file *b)
{
	size_t keep = 0, longest = 0;	/* keep: an unfinished string carried to the next piece */
	uint8_t want[64][256 / 8] = {};	/* bit c of want[n]: a name n bytes long starts with c */
	off_t base = 0;			/* section offset of chunk[0] */
	bool skipping = false;		/* in a string too long to be one of the names */

	for (unsigned int i = 0; i < b->nr_names; i++) {
		if (b->names[i].len > longest)
			longest = b->names[i].len;
		if (b->names[i].len >= 64)
			return fail(b, -EINVAL, "kernel field name %.*s is too long",
				    (int)b->names[i].len, b->names[i].s);
		want[b->names[i].len][(uint8_t)b->names[i].s[0] / 8] |=
			1 << ((uint8_t)b->names[i].s[0] % 8);
	}
	while (base + (off_t)keep < b->strs_len) {
		size_t len = CHUNK - keep, start = 0;
		int ret;

		if ((off_t)len > b->strs_len - base - (off_t)keep)
			len = b->strs_len - base - keep;
		ret = read_at(b, b->chunk + keep, len, b->strs + base + keep);
		if (ret)
			return ret;
		len += keep;
		for (;;) {
			unsigned char *nul = memchr(b->chunk + start, 0, len - start);
			size_t slen;

			if (!nul)
				break;
			slen = nul - (b->chunk + start);
			/* most strings differ in length or first byte: one test each */
			if (!skipping && slen && slen < 64 &&
			    want[slen][b->chunk[start] / 8] & 1 << (b->chunk[start] % 8))
				note_string(b, (char *)b->chunk + start, slen, base + start);
			skipping = false;
			start += slen + 1;
		}
		keep = len - start;
		if (keep > longest) {
			skipping = true;
			keep = 0;
			start = len;
		}
		memmove(b->chunk, b->chunk + start, keep);
		base += start;
	}
	return 0;
}

/* What follows a type's common header, by kind: so many bytes, and so many per vlen item. */
static const struct {
	uint8_t fixed, per_item, known;
} kinds[NR_BTF_KINDS] = {
	[BTF_KIND_INT] = { 4, 0, 1 },
	[BTF_KIND_PTR] = { 0, 0, 1 },
	[BTF_KIND_ARRAY] = { sizeof(struct btf_array), 0, 1 },
	[BTF_KIND_STRUCT] = { 0, sizeof(struct btf_member), 1 },
	[BTF_KIND_UNION] = { 0, sizeof(struct btf_member), 1 },
	[BTF_KIND_ENUM] = { 0, sizeof(struct btf_enum), 1 },
	[BTF_KIND_FWD] = { 0, 0, 1 },
	[BTF_KIND_TYPEDEF] = { 0, 0, 1 },
	[BTF_KIND_VOLATILE] = { 0, 0, 1 },
	[BTF_KIND_CONST] = { 0, 0, 1 },
	[BTF_KIND_RESTRICT] = { 0, 0, 1 },
	[BTF_KIND_FUNC] = { 0, 0, 1 },
	[BTF_KIND_FUNC_PROTO] = { 0, sizeof(struct btf_param), 1 },
	[BTF_KIND_VAR] = { sizeof(struct btf_var), 0, 1 },
	[BTF_KIND_DATASEC] = { 0, sizeof(struct btf_var_secinfo), 1 },
	[BTF_KIND_FLOAT] = { 0, 0, 1 },
	[BTF_KIND_DECL_TAG] = { sizeof(struct btf_decl_tag), 0, 1 },
	[BTF_KIND_TYPE_TAG] = { 0, 0, 1 },
	[BTF_KIND_ENUM64] = { 0, sizeof(struct btf_enum64), 1 },
};

/* Bytes that follow a type's common header. */
static inline int extra_len(struct btf_file *b, uint32_t info, size_t *len)
{
	unsigned int kind = BTF_INFO_KIND(info);

	if (kind >= NR_BTF_KINDS || !kinds[kind].known)
		return fail(b, -EINVAL, "%s: BTF kind %u is not known", b->path, kind);
	*len = kinds[kind].fixed + (size_t)kinds[kind].per_item * BTF_INFO_VLEN(info);
	return 0;
}

/* The index of record starts, and the structs that bear a wanted name. */
static int scan_types(struct btf_file *b)
{
	size_t have = 0, pos, alloc = b->types_len / 16 + 2;
	off_t at = 0;	/* section offset of the next record */
	off_t base = 0;	/* section offset of chunk[0] */

	b->index = malloc(alloc * sizeof(*b->index));
	if (!b->index)
		return fail(b, -ENOMEM, "out of memory");
	b->nr_types = 1;
	while (at < b->types_len) {
		struct btf_type t;
		size_t extra = 0;
		int ret;

		/* the next header must be in the piece */
		if ((size_t)(at - base) + sizeof(t) > have) {
			size_t want = CHUNK;

			base = at;
			if ((off_t)want > b->types_len - base)
				want = b->types_len - base;
			if (want < sizeof(t))
				return fail(b, -EINVAL, "%s: BTF is truncated", b->path);
			ret = read_at(b, b->chunk, want, b->types + base);
			if (ret)
				return ret;
			have = want;
		}
		pos = at - base;
		memcpy(&t, b->chunk + pos, sizeof(t));
		ret = extra_len(b, t.info, &extra);
		if (ret)
			return ret;
		if (b->nr_types == alloc) {
			uint32_t *n = realloc(b->index, 2 * alloc * sizeof(*b->index));

			if (!n)
				return fail(b, -ENOMEM, "out of memory");
			b->index = n;
			alloc *= 2;
		}
		b->index[b->nr_types] = at;
		if ((BTF_INFO_KIND(t.info) == BTF_KIND_STRUCT ||
		     BTF_INFO_KIND(t.info) == BTF_KIND_UNION) && t.name_off) {
			for (unsigned int i = 0; i < b->nr_names; i++) {
				struct name *n = &b->names[i];

				if (name_at(n, t.name_off) && n->nr_cands < MAX_CANDS)
					n->cands[n->nr_cands++] = b->nr_types;
			}
		}
		b->nr_types++;
		at += sizeof(t) + extra;
	}
	if (at != b->types_len)
		return fail(b, -EINVAL, "%s: BTF is truncated", b->path);
	return 0;
}

static int read_type(struct btf_file *b, uint32_t id, struct btf_type *t)
{
	if (!id || id >= b->nr_types)
		return fail(b, -EINVAL, "%s: BTF type %u does not exist", b->path, id);
	return read_at(b, t, sizeof(*t), b->types + b->index[id]);
}

/* id past typedefs and qualifiers; its record in *t. */
static int skip_mods(struct btf_file *b, uint32_t *id, struct btf_type *t)
{
	for (int depth = 0; depth < MAX_DEPTH; depth++) {
		int ret = read_type(b, *id, t);

		if (ret)
			return ret;
		switch (BTF_INFO_KIND(t->info)) {
		case BTF_KIND_TYPEDEF:
		case BTF_KIND_VOLATILE:
		case BTF_KIND_CONST:
		case BTF_KIND_RESTRICT:
		case BTF_KIND_TYPE_TAG:
			*id = t->type;
			break;
		default:
			return 0;
		}
	}
	return fail(b, -EINVAL, "%s: BTF types nest too deep", b->path);
}

/* A member's size in bytes; *bits set when it is an integer bitfield. */
static int type_size(struct btf_file *b, uint32_t id, int depth, uint64_t *size, bool *bits)
{
	struct btf_type t;
	int ret = skip_mods(b, &id, &t);

	if (ret)
		return ret;
	if (depth > MAX_DEPTH)
		return fail(b, -EINVAL, "%s: BTF types nest too deep", b->path);
	switch (BTF_INFO_KIND(t.info)) {
	case BTF_KIND_INT: {
		uint32_t enc;

		ret = read_at(b, &enc, sizeof(enc), b->types + b->index[id] + sizeof(t));
		if (ret)
			return ret;
		*bits = BTF_INT_OFFSET(enc) || BTF_INT_BITS(enc) != t.size * 8;
		*size = t.size;
		return 0;
	}
	case BTF_KIND_PTR:
		*size = sizeof(void *);
		return 0;
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
	case BTF_KIND_FLOAT:
		*size = t.size;
		return 0;
	case BTF_KIND_ARRAY: {
		struct btf_array a;

		ret = read_at(b, &a, sizeof(a), b->types + b->index[id] + sizeof(t));
		if (ret)
			return ret;
		ret = type_size(b, a.type, depth + 1, size, bits);
		*size *= a.nelems;
		return ret;
	}
	default:
		return fail(b, -EINVAL, "%s: BTF type %u has no size", b->path, id);
	}
}

/*
 * The member named n of struct or union id, looked for in its anonymous
 * structs and unions too: 1 with its bit offset and type, 0 when absent.
 */
static int find_member(struct btf_file *b, uint32_t id, const struct name *n, int depth,
		       uint64_t *bit_off, uint32_t *type, bool *bitfield)
{
	struct btf_type t;
	struct btf_member *m;
	uint32_t vlen;
	int ret = read_type(b, id, &t);

	if (ret)
		return ret;
	if (depth > MAX_DEPTH)
		return fail(b, -EINVAL, "%s: BTF types nest too deep", b->path);
	vlen = BTF_INFO_VLEN(t.info);
	m = malloc(vlen * sizeof(*m) + 1);
	if (!m)
		return fail(b, -ENOMEM, "out of memory");
	ret = read_at(b, m, vlen * sizeof(*m), b->types + b->index[id] + sizeof(t));
	for (uint32_t i = 0; !ret && i < vlen; i++) {
		bool kflag = BTF_INFO_KFLAG(t.info);
		uint64_t off = kflag ? BTF_MEMBER_BIT_OFFSET(m[i].offset) : m[i].offset;
		uint32_t mid = m[i].type;
		struct btf_type mt;

		if (m[i].name_off && name_at(n, m[i].name_off)) {
			*bit_off = off;
			*type = mid;
			*bitfield = kflag && BTF_MEMBER_BITFIELD_SIZE(m[i].offset);
			ret = 1;
			break;
		}
		if (m[i].name_off)
			continue;
		ret = skip_mods(b, &mid, &mt);
		if (ret)
			break;
		if (BTF_INFO_KIND(mt.info) != BTF_KIND_STRUCT &&
		    BTF_INFO_KIND(mt.info) != BTF_KIND_UNION)
			continue;
		ret = find_member(b, mid, n, depth + 1, bit_off, type, bitfield);
		if (ret == 1)
			*bit_off += off;
	}
	free(m);
	return ret;
}

/* One field: its path of members walked from each struct of its name. */
static int resolve(struct btf_file *b, struct kfield *f)
{
	const struct name *tn = &b->names[add_name(b, f->type, strlen(f->type))];

	if (!tn->nr_cands)
		return fail(b, -ENOENT, "%s has no struct %s", b->path, f->type);
	for (unsigned int c = 0; c < tn->nr_cands; c++) {
		const char *p = f->member;
		uint32_t id = tn->cands[c], type = 0;
		uint64_t off = 0, size;
		bool bitfield = false, int_bits = false;
		int ret = 1;

		while (ret == 1 && *p) {
			size_t len = strcspn(p, ".");
			uint64_t bit_off;
			struct btf_type t;

			if (type) {
				id = type;
				ret = skip_mods(b, &id, &t);
				if (ret)
					return ret;
				if (BTF_INFO_KIND(t.info) != BTF_KIND_STRUCT &&
				    BTF_INFO_KIND(t.info) != BTF_KIND_UNION)
					return fail(b, -EINVAL, "%s: in %s.%s, %.*s is not in a struct",
						    b->path, f->type, f->member, (int)len, p);
			}
			ret = find_member(b, id, &b->names[add_name(b, p, len)], 0, &bit_off,
					  &type, &bitfield);
			if (ret < 0)
				return ret;
			off += bit_off;
			p += len + (p[len] == '.');
		}
		if (!ret)
			continue; /* perhaps in another struct of that name */
		ret = type_size(b, type, 0, &size, &int_bits);
		if (ret)
			return ret;
		if (bitfield || int_bits || off % 8)
			return fail(b, -EINVAL, "%s: %s.%s is a bitfield", b->path, f->type,
				    f->member);
		if (f->size && size != f->size)
			return fail(b, -EINVAL, "%s: %s.%s is %s, not %u", b->path, f->type,
				    f->member, count_noun(size, "byte", "bytes"), f->size);
		f->offset = off / 8;
		return 0;
	}
	return fail(b, -ENOENT, "%s: struct %s has no member %s", b->path, f->type, f->member);
}

static int open_btf(struct btf_file *b)
{
	struct btf_header h;
	struct stat st;
	int ret;

	b->fd = open(b->path, O_RDONLY | O_CLOEXEC);
	if (b->fd < 0)
		return fail(b, -errno, "cannot read %s: %s", b->path, strerror(errno));
	ret = read_at(b, &h, sizeof(h), 0);
	if (ret)
		return ret == -EINVAL ? fail(b, -EINVAL, "%s is not BTF", b->path) : ret;
	if (h.magic != BTF_MAGIC || h.hdr_len < sizeof(h))
		return fail(b, -EINVAL, "%s is not BTF", b->path);
	if (h.version != BTF_VERSION)
		return fail(b, -EINVAL, "%s: BTF version %u is not known", b->path, h.version);
	b->types = (off_t)h.hdr_len + h.type_off;
	b->types_len = h.type_len;
	b->strs = (off_t)h.hdr_len + h.str_off;
	b->strs_len = h.str_len;
	if (fstat(b->fd, &st))
		return fail(b, -errno, "cannot read %s: %s", b->path, strerror(errno));
	/* sysfs gives the real size; a shorter file is truncated, reads will tell */
	if (st.st_size && (b->types + b->types_len > st.st_size ||
			   b->strs + b->strs_len > st.st_size))
		return fail(b, -EINVAL, "%s: BTF is truncated", b->path);
	return 0;
}

int kfield_resolve(const char *path, struct kfield *fields, size_t n, char *err, size_t errlen)
{
	struct btf_file b = { .path = path, .fd = -1, .err = err, .errlen = errlen };
	int ret;

	/* every name first, so that one pass over the strings finds them all */
	for (size_t i = 0; i < n; i++) {
		const char *p = fields[i].member;

		size_t mlen = strlen(p);

		if (!*fields[i].type || !mlen || *p == '.' || p[mlen - 1] == '.' || strstr(p, ".."))
			return fail(&b, -EINVAL, "bad kernel field %s.%s", fields[i].type, p);
		ret = add_name(&b, fields[i].type, strlen(fields[i].type));
		while (ret >= 0 && *p) {
			size_t len = strcspn(p, ".");

			ret = add_name(&b, p, len);
			p += len + (p[len] == '.');
		}
		if (ret < 0)
			return ret;
	}
	b.chunk = malloc(CHUNK);
	if (!b.chunk)
		return fail(&b, -ENOMEM, "out of memory");
	ret = open_btf(&b);
	if (!ret)
		ret = scan_strings(&b);
	if (!ret)
		ret = scan_types(&b);
	for (size_t i = 0; !ret && i < n; i++)
		ret = resolve(&b, &fields[i]);
	if (b.fd >= 0)
		close(b.fd);
	free(b.chunk);
	free(b.index);
	return ret;
}

int kfield_task_offsets(unsigned int *off)
{
	struct kfield f[UPX_TASK_FIELDS] = {
		[UPX_TASK_TGID] = { "task_struct", "tgid", 4 },
		[UPX_TASK_REAL_PARENT] = { "task_struct", "real_parent", sizeof(void *) },
		[UPX_TASK_GROUP_LEADER] = { "task_struct", "group_leader", sizeof(void *) },
		[UPX_TASK_START_TIME] = { "task_struct", "start_time", 8 },
		[UPX_TASK_SIGNAL] = { "task_struct", "signal", sizeof(void *) },
		[UPX_SIGNAL_LIVE] = { "signal_struct", "live.counter", 4 },
	};
	char err[256];

	if (kfield_resolve(KFIELD_VMLINUX, f, UPX_TASK_FIELDS, err, sizeof(err)))
		return error("cannot find the kernel's task fields: %s", err);
	for (int i = 0; i < UPX_TASK_FIELDS; i++)
		off[i] = f[i].offset;
	return 0;
}
