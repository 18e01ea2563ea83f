// SPDX-License-Identifier: GPL-2.0
/* --by KEY: the key list, and the by maps read back into sorted rows (see bykey.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "base/util.h"
#include "plan/bykey.h"

static const struct {
	const char *name;
	enum by_kind kind;
	unsigned int field;
} fixed[] = {
	{ "probe", BY_PROBE, TRACE_BY_PROBE },
	{ "pid", BY_PID, TRACE_BY_PID },
	{ "tid", BY_TID, TRACE_BY_TID },
	{ "uid", BY_UID, TRACE_BY_UID },
	{ "comm", BY_COMM, TRACE_BY_COMM },
	{ "file", BY_FILE, TRACE_BY_FILE },
};

int by_spec_parse(struct by_spec *spec, const char *s, int (*parse_arg)(const char *),
		  char *err, size_t err_size)
{
	int nr_values = 0;
	char *save = NULL, *word;

	memset(spec, 0, sizeof(*spec));
	spec->buf = xstrdup(s);
	for (word = strtok_r(spec->buf, ",", &save); word; word = strtok_r(NULL, ",", &save)) {
		struct by_part *p = &spec->parts[spec->nr];
		size_t k;

		if (spec->nr == BY_MAX_PARTS) {
			snprintf(err, err_size, "at most %d keys", BY_MAX_PARTS);
			return -1;
		}
		p->name = word;
		for (k = 0; k < ARRAY_SIZE(fixed); k++)
			if (!strcmp(word, fixed[k].name))
				break;
		if (k < ARRAY_SIZE(fixed)) {
			p->kind = fixed[k].kind;
		} else if (!strncmp(word, "str:", 4)) {
			p->kind = BY_STR;
			p->name = word + 4;
			if (by_spec_has(spec, BY_STR)) {
				snprintf(err, err_size, "one string key at most");
				return -1;
			}
		} else {
			p->kind = BY_VALUE;
			if (nr_values == TRACE_BY_VALUES) {
				snprintf(err, err_size, "at most %d numbers in a key", TRACE_BY_VALUES);
				return -1;
			}
			p->slot = nr_values++;
		}
		if (p->kind == BY_VALUE || p->kind == BY_STR) {
			p->arg = parse_arg(p->name);
			if (p->arg < 0) {
				snprintf(err, err_size,
					 "'%s': expected comm, pid, tid, uid, probe, file, argN, "
					 "retval, a parameter name or str:ARG", word);
				return -1;
			}
		}
		for (int i = 0; i < spec->nr; i++)
			if (spec->parts[i].kind == p->kind && !strcmp(spec->parts[i].name, p->name)) {
				snprintf(err, err_size, "'%s' given twice", word);
				return -1;
			}
		spec->nr++;
	}
	if (!spec->nr) {
		snprintf(err, err_size, "no key given");
		return -1;
	}
	return 0;
}

void by_spec_free(struct by_spec *spec)
{
	free(spec->buf);
	spec->buf = NULL;
	spec->nr = 0;
}

unsigned int by_spec_fields(const struct by_spec *spec)
{
	unsigned int f = 0;

	for (int i = 0; i < spec->nr; i++)
		for (size_t k = 0; k < ARRAY_SIZE(fixed); k++)
			if (spec->parts[i].kind == fixed[k].kind)
				f |= fixed[k].field;
	return f;
}

bool by_spec_has(const struct by_spec *spec, enum by_kind kind)
{
	for (int i = 0; i < spec->nr; i++)
		if (spec->parts[i].kind == kind)
			return true;
	return false;
}

static int cmp_row(const void *a, const void *b)
{
	const struct by_row *x = a, *y = b;

	const struct trace_by_key *a_ = &x->key, *b_ = &y->key;
	int c;

	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	/* Ties in the key's order: numbers as numbers, strings as strings. */
#define CMP(f) if (a_->f != b_->f) return a_->f < b_->f ? -1 : 1
	CMP(probe);
	CMP(pid);
	CMP(tid);
	CMP(uid);
	CMP(values[0]);
	CMP(values[1]);
#undef CMP
	c = strncmp(a_->comm, b_->comm, sizeof(a_->comm));
	return c ? c : strncmp(a_->str, b_->str, sizeof(a_->str));
}

long by_read_rows(int map_fd, bool hist, struct by_row **rows)
{
	struct trace_by_key key, next;
	struct by_row *r = NULL;
	size_t n = 0, alloc = 0;
	void *prev = NULL;

	while (!bpf_map_get_next_key(map_fd, prev, &next)) {
		struct by_row *row;

		if (n == alloc) {
			alloc = alloc ? 2 * alloc : 64;
			r = xrealloc(r, alloc * sizeof(*r));
		}
		row = &r[n];
		memset(row, 0, sizeof(*row));
		row->key = next;
		key = next;
		prev = &key;
		if (hist) {
			if (bpf_map_lookup_elem(map_fd, &next, &row->hist))
				continue;	/* deleted meanwhile */
			for (int k = 0; k < TRACE_HIST_SLOTS; k++)
				row->count += row->hist.slots[k];
		} else if (bpf_map_lookup_elem(map_fd, &next, &row->count)) {
			continue;
		}
		n++;
	}
	if (errno != ENOENT && n == 0 && prev) {
		free(r);
		return -errno;
	}
	if (n)
		qsort(r, n, sizeof(*r), cmp_row);
	*rows = r;
	return n;
}
