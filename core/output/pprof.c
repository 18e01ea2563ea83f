// SPDX-License-Identifier: GPL-2.0
/* pprof profiles (pprof.h): tables of strings, functions, mappings and locations, then protobuf-c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "base/util.h"
#include "output/atomic-file.h"
#include "output/pprof.h"
#include "pprof.pb-c.h"

typedef Perftools__Profiles__Profile Profile;
typedef Perftools__Profiles__ValueType ValueType;
typedef Perftools__Profiles__Sample Sample;
typedef Perftools__Profiles__Label Label;
typedef Perftools__Profiles__Mapping Mapping;
typedef Perftools__Profiles__Location Location;
typedef Perftools__Profiles__Line Line;
typedef Perftools__Profiles__Function Function;

/* Each file's range of addresses (its mapping): a file offset is below 2^40. */
#define MAPPING_SPAN (1ULL << 40)

/* Keys to indexes (a string table, and the ids of functions, mappings, locations). */
struct index {
	uint64_t *hashes;
	size_t *vals;		/* value + 1; 0: empty */
	size_t mask, nr;
};

struct pprof {
	char **strs;
	size_t nr_strs, alloc_strs;
	struct index str_index;
	Function **funcs;
	size_t nr_funcs, alloc_funcs;
	struct index func_index;
	Mapping **maps;
	size_t nr_maps, alloc_maps;
	struct index map_index;
	Location **locs;
	size_t nr_locs, alloc_locs;
	struct index loc_index;
	Sample **samples;
	size_t nr_samples, alloc_samples;
	int64_t type, unit;
};

static uint64_t fnv(uint64_t h, const void *p, size_t len)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < len; i++)
		h = (h ^ b[i]) * 1099511628211ULL;
	return h;
}

static uint64_t fnv_str(uint64_t h, const char *s)
{
	return fnv(h, s ? s : "", s ? strlen(s) + 1 : 1);
}

/*
 * The value under hash h for which same(value, arg) holds, or when none
 * add() makes one: open addressing over the hashes, values compared on a
 * full match only.
 */
static size_t index_get(struct index *ix, uint64_t h, bool (*same)(struct pprof *, size_t, const void *),
			size_t (*add)(struct pprof *, const void *), struct pprof *p, const void *arg)
{
	size_t i, v;

	if ((ix->nr + 1) * 2 > ix->mask + 1) {
		struct index n = { .mask = ix->mask ? ix->mask * 2 + 1 : 255 };

		n.hashes = xcalloc(n.mask + 1, sizeof(*n.hashes));
		n.vals = xcalloc(n.mask + 1, sizeof(*n.vals));
		for (i = 0; ix->mask && i <= ix->mask; i++) {
			size_t j;

			if (!ix->vals[i])
				continue;
			for (j = ix->hashes[i] & n.mask; n.vals[j]; j = (j + 1) & n.mask)
				;
			n.hashes[j] = ix->hashes[i];
			n.vals[j] = ix->vals[i];
		}
		n.nr = ix->nr;
		free(ix->hashes);
		free(ix->vals);
		*ix = n;
	}
	for (i = h & ix->mask; ix->vals[i]; i = (i + 1) & ix->mask)
		if (ix->hashes[i] == h && same(p, ix->vals[i] - 1, arg))
			return ix->vals[i] - 1;
	v = add(p, arg);
	ix->hashes[i] = h;
	ix->vals[i] = v + 1;
	ix->nr++;
	return v;
}

static void index_free(struct index *ix)
{
	free(ix->hashes);
	free(ix->vals);
}

/* Strings ------------------------------------------------------------------ */

static bool str_same(struct pprof *p, size_t v, const void *s)
{
	return !strcmp(p->strs[v], s);
}

static size_t str_add(struct pprof *p, const void *s)
{
	ALLOC_GROW(p->strs, p->nr_strs + 1, p->alloc_strs);
	p->strs[p->nr_strs] = xstrdup(s);
	return p->nr_strs++;
}

static int64_t str_id(struct pprof *p, const char *s)
{
	if (!s || !*s)
		return 0;
	return index_get(&p->str_index, fnv_str(14695981039346656037ULL, s), str_same, str_add, p, s);
}

/* Functions ---------------------------------------------------------------- */

struct func_key {
	int64_t name, file;
};

static bool func_same(struct pprof *p, size_t v, const void *arg)
{
	const struct func_key *k = arg;

	return p->funcs[v]->name == k->name && p->funcs[v]->filename == k->file;
}

static size_t func_add(struct pprof *p, const void *arg)
{
	const struct func_key *k = arg;
	Function *f = xmalloc(sizeof(*f));

	perftools__profiles__function__init(f);
	f->id = p->nr_funcs + 1;
	f->name = f->system_name = k->name;
	f->filename = k->file;
	ALLOC_GROW(p->funcs, p->nr_funcs + 1, p->alloc_funcs);
	p->funcs[p->nr_funcs] = f;
	return p->nr_funcs++;
}

static uint64_t func_id(struct pprof *p, const struct pprof_frame *fr)
{
	struct func_key k = { str_id(p, fr->name), str_id(p, fr->src_file) };

	return index_get(&p->func_index, fnv(14695981039346656037ULL, &k, sizeof(k)), func_same,
			 func_add, p, &k) + 1;
}

/* Mappings ----------------------------------------------------------------- */

struct map_key {
	int64_t file, build_id;
};

static bool map_same(struct pprof *p, size_t v, const void *arg)
{
	const struct map_key *k = arg;

	return p->maps[v]->filename == k->file && p->maps[v]->build_id == k->build_id;
}

static size_t map_add(struct pprof *p, const void *arg)
{
	const struct map_key *k = arg;
	Mapping *m = xmalloc(sizeof(*m));

	perftools__profiles__mapping__init(m);
	m->id = p->nr_maps + 1;
	m->memory_start = m->id * MAPPING_SPAN;
	m->memory_limit = m->memory_start + MAPPING_SPAN;
	m->file_offset = 0;
	m->filename = k->file;
	m->build_id = k->build_id;
	m->has_functions = true;
	ALLOC_GROW(p->maps, p->nr_maps + 1, p->alloc_maps);
	p->maps[p->nr_maps] = m;
	return p->nr_maps++;
}

/* Locations ---------------------------------------------------------------- */

/* A location: by its address in its mapping; one with no address by its only frame. */
struct loc_key {
	const struct pprof_addr *a;
	uint64_t mapping_id, address;
	uint64_t func;		/* no address: the frame's function, and its line */
	int64_t line;
};

static bool loc_same(struct pprof *p, size_t v, const void *arg)
{
	const struct loc_key *k = arg;
	const Location *l = p->locs[v];

	if (l->mapping_id != k->mapping_id || l->address != k->address)
		return false;
	return !k->func || (l->n_line == 1 && l->line[0]->function_id == k->func &&
			    l->line[0]->line == k->line);
}

static size_t loc_add(struct pprof *p, const void *arg)
{
	const struct loc_key *k = arg;
	Location *l = xmalloc(sizeof(*l));
	Mapping *m = k->mapping_id ? p->maps[k->mapping_id - 1] : NULL;

	perftools__profiles__location__init(l);
	l->id = p->nr_locs + 1;
	l->mapping_id = k->mapping_id;
	l->address = k->address;
	l->n_line = k->a->nr;
	l->line = xcalloc(l->n_line ? l->n_line : 1, sizeof(*l->line));
	for (size_t i = 0; i < l->n_line; i++) {
		const struct pprof_frame *fr = &k->a->frames[i];
		Line *ln = xmalloc(sizeof(*ln));

		perftools__profiles__line__init(ln);
		ln->function_id = func_id(p, fr);
		ln->line = fr->line > 0 ? fr->line : 0;
		l->line[i] = ln;
		if (m) {
			m->has_filenames |= fr->src_file != NULL;
			m->has_line_numbers |= fr->line > 0;
			m->has_inline_frames |= i + 1 < l->n_line;
		}
	}
	ALLOC_GROW(p->locs, p->nr_locs + 1, p->alloc_locs);
	p->locs[p->nr_locs] = l;
	return p->nr_locs++;
}

static uint64_t loc_id(struct pprof *p, const struct pprof_addr *a)
{
	struct loc_key k = { a, 0, a->addr, 0, 0 };

	if (!a->file && !a->addr && a->nr == 1) {
		k.func = func_id(p, &a->frames[0]);
		k.line = a->frames[0].line > 0 ? a->frames[0].line : 0;
		return index_get(&p->loc_index, fnv(fnv(14695981039346656037ULL, &k.func, 8),
						    &k.line, 8),
				 loc_same, loc_add, p, &k) + 1;
	}
	if (a->file && a->file_offset < MAPPING_SPAN) {
		struct map_key mk = { str_id(p, a->file), str_id(p, a->build_id) };

		k.mapping_id = index_get(&p->map_index, fnv(14695981039346656037ULL, &mk, sizeof(mk)),
					 map_same, map_add, p, &mk) + 1;
		k.address = k.mapping_id * MAPPING_SPAN + a->file_offset;
	}
	return index_get(&p->loc_index, fnv(fnv(14695981039346656037ULL, &k.mapping_id, 8),
					    &k.address, 8),
			 loc_same, loc_add, p, &k) + 1;
}

/* The profile -------------------------------------------------------------- */

struct pprof *pprof__new(const char *type, const char *unit)
{
	struct pprof *p = xcalloc(1, sizeof(*p));

	ALLOC_GROW(p->strs, 1, p->alloc_strs);
	p->strs[p->nr_strs++] = xstrdup("");	/* string_table[0] */
	p->type = str_id(p, type);
	p->unit = str_id(p, unit);
	return p;
}

void pprof__add(struct pprof *p, const struct pprof_addr *addrs, size_t nr, uint64_t count,
		const char *label)
{
	Sample *s = xmalloc(sizeof(*s));

	perftools__profiles__sample__init(s);
	s->n_location_id = nr;
	s->location_id = xcalloc(nr ? nr : 1, sizeof(*s->location_id));
	for (size_t i = 0; i < nr; i++)
		s->location_id[i] = loc_id(p, &addrs[i]);
	s->n_value = 1;
	s->value = xmalloc(sizeof(*s->value));
	s->value[0] = count > INT64_MAX ? INT64_MAX : (int64_t)count;
	if (label) {
		Label *l = xmalloc(sizeof(*l));

		perftools__profiles__label__init(l);
		l->key = str_id(p, "probe");
		l->str = str_id(p, label);
		s->n_label = 1;
		s->label = xmalloc(sizeof(*s->label));
		s->label[0] = l;
	}
	ALLOC_GROW(p->samples, p->nr_samples + 1, p->alloc_samples);
	p->samples[p->nr_samples++] = s;
}

void pprof__free(struct pprof *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nr_samples; i++) {
		if (p->samples[i]->n_label)
			free(p->samples[i]->label[0]);
		free(p->samples[i]->label);
		free(p->samples[i]->location_id);
		free(p->samples[i]->value);
		free(p->samples[i]);
	}
	for (size_t i = 0; i < p->nr_locs; i++) {
		for (size_t j = 0; j < p->locs[i]->n_line; j++)
			free(p->locs[i]->line[j]);
		free(p->locs[i]->line);
		free(p->locs[i]);
	}
	for (size_t i = 0; i < p->nr_maps; i++)
		free(p->maps[i]);
	for (size_t i = 0; i < p->nr_funcs; i++)
		free(p->funcs[i]);
	for (size_t i = 0; i < p->nr_strs; i++)
		free(p->strs[i]);
	free(p->samples);
	free(p->locs);
	free(p->maps);
	free(p->funcs);
	free(p->strs);
	index_free(&p->str_index);
	index_free(&p->func_index);
	index_free(&p->map_index);
	index_free(&p->loc_index);
	free(p);
}

/* gzip of buf (RFC 1952, zlib's deflate with a gzip wrapper): malloc'd, or NULL. */
static void *gzip(const void *buf, size_t len, size_t *out_len)
{
	z_stream z = {};
	unsigned char *out;
	size_t cap;

	if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY))
		return NULL;
	cap = deflateBound(&z, len) + 32;
	out = xmalloc(cap);
	z.next_in = (unsigned char *)buf;
	z.avail_in = len;
	z.next_out = out;
	z.avail_out = cap;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END) {
		deflateEnd(&z);
		free(out);
		return NULL;
	}
	*out_len = z.total_out;
	deflateEnd(&z);
	return out;
}

struct blob {
	const void *p;
	size_t len;
};

static int fill_blob(FILE *f, void *ctx)
{
	const struct blob *b = ctx;

	return fwrite(b->p, 1, b->len, f) == b->len ? 0 : -EIO;
}

int pprof__write(struct pprof *p, const char *path, uint64_t start_ns, uint64_t duration_ns)
{
	Profile prof = PERFTOOLS__PROFILES__PROFILE__INIT;
	ValueType vt = PERFTOOLS__PROFILES__VALUE_TYPE__INIT, *vts[1] = { &vt };
	void *raw, *gz;
	size_t len, gz_len;
	char why[128];
	int ret;

	vt.type = p->type;
	vt.unit = p->unit;
	prof.n_sample_type = 1;
	prof.sample_type = vts;
	prof.n_sample = p->nr_samples;
	prof.sample = p->samples;
	prof.n_mapping = p->nr_maps;
	prof.mapping = p->maps;
	prof.n_location = p->nr_locs;
	prof.location = p->locs;
	prof.n_function = p->nr_funcs;
	prof.function = p->funcs;
	prof.n_string_table = p->nr_strs;
	prof.string_table = p->strs;
	prof.time_nanos = start_ns;
	prof.duration_nanos = duration_ns;
	prof.period_type = &vt;
	prof.period = 1;
	prof.default_sample_type = p->type;
	len = perftools__profiles__profile__get_packed_size(&prof);
	raw = xmalloc(len ? len : 1);
	perftools__profiles__profile__pack(&prof, raw);
	gz = gzip(raw, len, &gz_len);
	free(raw);
	if (!gz)
		return error("'%s': cannot compress the profile", path);
	/* Whole or not at all, and only over a regular file (core/output/atomic-file.h). */
	ret = atomic_file_write(path, atomic_file_fopen_mode(), fill_blob,
				&(struct blob){ gz, gz_len }, NULL, why, sizeof(why));
	free(gz);
	return ret ? error("cannot write '%s': %s", path, why) : 0;
}
