// SPDX-License-Identifier: GPL-2.0
/* --by KEY: the key list, and the by maps read back into sorted rows (see bykey.h). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "base/cmd.h"
#include "base/usage.h"
#include "base/util.h"
#include "output/table.h"
#include "plan/bykey.h"
#include "plan/params.h"
#include "plan/plan.h"

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

int by_spec_check(struct by_spec *spec, const char *s, unsigned long long size, bool aggregate,
		  bool any_return, bool all_return)
{
	char err[160];

	if (!s)
		return size != BY_SIZE_DEFAULT ? usage_error("--by-size goes with --by") : 0;
	if (!aggregate)
		return usage_error("--by goes with --count, --hist or --latency");
	if (by_spec_parse(spec, s, parse_arg_name, err, sizeof(err)))
		return usage_error("--by %s", err);
	if (size < 1 || size > (1 << 24))
		return usage_error("--by-size takes 1 to 16M keys");
	for (int i = 0; i < spec->nr; i++) {
		const struct by_part *p = &spec->parts[i];

		if ((p->kind == BY_VALUE || p->kind == BY_STR) &&
		    parse_arg_for("--by", p->name, all_return, any_return) < 0)
			return UPX_EXIT_USAGE;
	}
	return 0;
}

void by_warn_full(unsigned long long size, uint64_t not_counted)
{
	if (not_counted)
		warning("the --by map is full (%s): %s under other keys not counted; raise "
			"--by-size", count_noun(size, "key", "keys"),
			count_noun(not_counted, "call", "calls"));
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

void by_spec_config(const struct by_spec *spec, struct trace_config *cfg)
{
	cfg->by_on = 1;
	cfg->by_fields = by_spec_fields(spec);
	by_spec_layout(spec, &cfg->by_key);
	for (int i = 0; i < spec->nr; i++) {
		const struct by_part *p = &spec->parts[i];

		if (p->kind == BY_VALUE)
			cfg->by_value_arg[p->slot] = p->arg;
		else if (p->kind == BY_STR)
			cfg->by_str_arg = p->arg;
	}
}

void by_spec_layout(const struct by_spec *spec, struct trace_by_layout *l)
{
	unsigned int f = by_spec_fields(spec);
	__u16 off = 0;

	memset(l, 0xff, sizeof(*l));	/* TRACE_BY_ABSENT */
	/* Numbers first, then the 32-bit ids, then the bytes: each at its alignment. */
	for (int i = 0; i < spec->nr; i++)
		if (spec->parts[i].kind == BY_VALUE) {
			l->values[spec->parts[i].slot] = off;
			off += sizeof(__u64);
		}
#define ID(bit, field)                         \
	if (f & (bit)) {                       \
		l->field = off;                \
		off += sizeof(__u32);          \
	}
	ID(TRACE_BY_PROBE, probe)
	ID(TRACE_BY_FILE, file)
	ID(TRACE_BY_PID, pid)
	ID(TRACE_BY_TID, tid)
	ID(TRACE_BY_UID, uid)
#undef ID
	if (f & TRACE_BY_COMM) {
		l->comm = off;
		off += UPX_COMM_LEN;
	}
	if (by_spec_has(spec, BY_STR)) {
		l->str = off;
		off += TRACE_BY_STR;
	}
	l->size = off;
}

void by_key_unpack(const struct trace_by_layout *l, const void *packed, struct trace_by_key *k)
{
	const char *p = packed;

	memset(k, 0, sizeof(*k));
#define GET(field)                                                            \
	if (l->field != TRACE_BY_ABSENT)                                      \
		memcpy(&k->field, p + l->field, sizeof(k->field));
	GET(probe)
	GET(file)
	GET(pid)
	GET(tid)
	GET(uid)
	GET(comm)
	GET(str)
	GET(values[0])
	GET(values[1])
#undef GET
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

long by_read_rows(int map_fd, bool hist, const struct by_spec *spec, struct by_row **rows)
{
	/* packed keys (by_spec_layout()), no larger than a struct trace_by_key */
	char key[sizeof(struct trace_by_key)], next[sizeof(struct trace_by_key)];
	struct trace_by_layout l;
	struct by_row *r = NULL;
	size_t n = 0, alloc = 0;
	void *prev = NULL;

	by_spec_layout(spec, &l);
	while (!bpf_map_get_next_key(map_fd, prev, next)) {
		struct by_row *row;

		if (n == alloc) {
			alloc = alloc ? 2 * alloc : 64;
			r = xrealloc(r, alloc * sizeof(*r));
		}
		row = &r[n];
		memset(row, 0, sizeof(*row));
		by_key_unpack(&l, next, &row->key);
		memcpy(key, next, l.size);
		prev = key;
		if (hist) {
			if (bpf_map_lookup_elem(map_fd, next, &row->hist))
				continue;	/* deleted meanwhile */
			for (int k = 0; k < TRACE_HIST_SLOTS; k++)
				row->count += row->hist.slots[k];
		} else if (bpf_map_lookup_elem(map_fd, next, &row->count)) {
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

/* Tables ---------------------------------------------------------------------------------- */

void probe_table_cols(struct table *t)
{
	table__col(t, &(struct table_col){ .head = "probe", .json = "probe", .label = "probe" });
	table__col(t, &(struct table_col){ .label = "file" });
	table__col(t, &(struct table_col){ .json = "function", .label = "function" });
}

void probe_table_cells(struct table *t, const struct plan *plan, uint64_t probe)
{
	const struct plan_entry *pe = probe < plan->nr_probes ? &plan->entries[probe] : NULL;
	/* A copy's path in its own root; the file itself otherwise. */
	const char *path = pe ? plan->files[pe->file].in_root : "?", *p;

	/* -p opens files through /proc/PID/root: the path in the process is the same on every host. */
	if (!strncmp(path, "/proc/", 6) && (p = path + 6 + strspn(path + 6, "0123456789")) > path + 6 &&
	    !strncmp(p, "/root/", 6))
		path = p + 5;
	table__str(t, pe ? pe->label : "?", -1);
	table__str(t, path, -1);
	table__str(t, pe ? pe->func : "?", -1);
}

void by_table_cols(struct table *t, const struct by_spec *spec)
{
	for (int i = 0; i < spec->nr; i++) {
		const struct by_part *p = &spec->parts[i];
		char head[128];

		switch (p->kind) {
		case BY_PROBE:
			probe_table_cols(t);
			break;
		case BY_FILE:
			table__col(t, &(struct table_col){ .head = "file" });
			table__col(t, &(struct table_col){ .json = "file", .label = "copy" });
			table__col(t, &(struct table_col){ .json = "root", .label = "root" });
			break;
		default:
			snprintf(head, sizeof(head), "%s%s", p->kind == BY_STR ? "str:" : "", p->name);
			table__col(t, &(struct table_col){ .head = head, .json = p->name,
							   .label = p->name });
		}
	}
}

void by_table_cells(struct table *t, const struct by_spec *spec, const struct plan *plan,
		    const struct trace_by_key *k, by_value_fn value, void *arg)
{
	const struct plan_file *pf = k->file < plan->nr_files ? &plan->files[k->file] : NULL;
	char text[2 * PATH_MAX + 8];

	for (int i = 0; i < spec->nr; i++) {
		const struct by_part *p = &spec->parts[i];
		bool is_signed;
		__u64 v;

		switch (p->kind) {
		case BY_PROBE:
			probe_table_cells(t, plan, k->probe);
			break;
		case BY_PID:
			table__u64(t, k->pid);
			break;
		case BY_TID:
			table__u64(t, k->tid);
			break;
		case BY_UID:
			table__u64(t, k->uid);
			break;
		case BY_COMM:
			table__str(t, k->comm, strnlen(k->comm, sizeof(k->comm)));
			break;
		case BY_FILE:
			if (pf)
				copies_where_text(pf, text, sizeof(text));
			table__str(t, pf ? text : "?", -1);
			table__str(t, pf ? pf->in_root : "", -1);
			table__str(t, pf && pf->root ? pf->root : "/", -1);
			break;
		case BY_STR:
			table__str(t, k->str, strnlen(k->str, sizeof(k->str)));
			break;
		case BY_VALUE:
			v = k->values[p->slot];
			if (p->arg == TRACE_VALUE_RETVAL) {
				table__s64(t, (int64_t)v);
				break;
			}
			is_signed = value(arg, k, p, text, &v);
			table__num_text(t, v, is_signed, text);
			break;
		}
	}
}

bool by_calls_per_probe(int map_fd, bool hist, const struct by_spec *spec, uint64_t not_counted,
			uint64_t *calls, size_t nr_probes)
{
	struct by_row *rows = NULL;
	long n = by_read_rows(map_fd, hist, spec, &rows);
	uint64_t total = not_counted;

	for (long r = 0; r < n; r++) {
		if (rows[r].key.probe < nr_probes)
			calls[rows[r].key.probe] += rows[r].count;
		total += rows[r].count;
	}
	free(rows);
	if (by_spec_has(spec, BY_PROBE))
		return n >= 0 && !not_counted;
	calls[0] = total;
	return n >= 0 && (nr_probes == 1 || !total);
}
