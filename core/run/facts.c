// SPDX-License-Identifier: GPL-2.0
/* The zero report's facts: kept per probe, ranked, written as text or JSON. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "output/json.h"
#include "output/output.h"
#include "plan/plan.h"
#include "run/facts.h"

/* Items a text line shows; JSON lists more. */
#define FACT_TEXT_ITEMS 3
#define FACT_JSON_ITEMS 20

struct facts *facts__new(size_t nr_probes)
{
	struct facts *f = xcalloc(1, sizeof(*f));

	f->probes = xcalloc(nr_probes ? nr_probes : 1, sizeof(*f->probes));
	f->nr = nr_probes;
	return f;
}

void facts__free(struct facts *f)
{
	if (!f)
		return;
	for (size_t p = 0; p < f->nr; p++) {
		for (size_t i = 0; i < f->probes[p].nr; i++) {
			struct fact *fa = &f->probes[p].v[i];

			free(fa->text);
			for (size_t k = 0; k < fa->nr_items; k++)
				free(fa->items[k].name);
			free(fa->items);
			for (int k = 0; k < fa->nr_fields; k++)
				free(fa->field_value[k]);
		}
		free(f->probes[p].v);
	}
	free(f->probes);
	free(f);
}

void facts__set_calls(struct facts *f, size_t probe, uint64_t calls, bool known, bool shown)
{
	if (probe >= f->nr)
		return;
	f->probes[probe].calls = calls;
	f->probes[probe].calls_known = known;
	f->probes[probe].shown = shown;
}

bool facts__wanted(const struct facts *f, size_t probe, bool all)
{
	const struct probe_facts *pf = probe < f->nr ? &f->probes[probe] : NULL;

	return pf && pf->shown && (all || (pf->calls_known && !pf->calls));
}

struct fact *facts__add(struct facts *f, size_t probe, int rank, const char *kind, uint64_t count,
			const char *fmt, ...)
{
	struct probe_facts *pf = &f->probes[probe];
	struct fact *fa;
	va_list ap;

	ALLOC_GROW(pf->v, pf->nr + 1, pf->alloc);
	fa = &pf->v[pf->nr++];
	memset(fa, 0, sizeof(*fa));
	fa->rank = rank;
	fa->kind = kind;
	fa->count = count;
	va_start(ap, fmt);
	if (vasprintf(&fa->text, fmt, ap) < 0)
		die("out of memory");
	va_end(ap);
	return fa;
}

void fact__item(struct fact *fa, const char *name, size_t len, uint64_t n)
{
	struct fact_item *it;

	ALLOC_GROW(fa->items, fa->nr_items + 1, fa->alloc_items);
	it = &fa->items[fa->nr_items++];
	it->name = xmalloc(len + 1);
	memcpy(it->name, name, len);
	it->name[len] = '\0';
	it->len = len;
	it->n = n;
}

void fact__field(struct fact *fa, const char *name, const char *value)
{
	if (fa->nr_fields == FACT_FIELDS)
		return;
	fa->field_name[fa->nr_fields] = name;
	fa->field_value[fa->nr_fields++] = xstrdup(value);
}

const char *fact_num(char *buf, uint64_t n)
{
	char digits[24];
	int len = snprintf(digits, sizeof(digits), "%llu", (unsigned long long)n), w = 0;

	for (int i = 0; i < len; i++) {
		if (i && (len - i) % 3 == 0)
			buf[w++] = ',';
		buf[w++] = digits[i];
	}
	buf[w] = '\0';
	return buf;
}

/* Most likely first: by rank, then the larger count. */
static bool fact_before(const struct fact *x, const struct fact *y)
{
	if (x->rank != y->rank)
		return x->rank < y->rank;
	return x->count > y->count;
}

/* Calls items: the most calls first; processes: by name, then pid. */
static int cmp_item_calls(const void *a, const void *b)
{
	const struct fact_item *x = a, *y = b;

	if (x->n != y->n)
		return x->n > y->n ? -1 : 1;
	return strcmp(x->name, y->name);
}

static int cmp_item_pid(const void *a, const void *b)
{
	const struct fact_item *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : x->n < y->n ? -1 : x->n > y->n;
}

static void sort_facts(struct facts *f)
{
	for (size_t p = 0; p < f->nr; p++) {
		struct probe_facts *pf = &f->probes[p];

		for (size_t i = 0; i < pf->nr; i++) {
			struct fact *fa = &pf->v[i];

			if (fa->nr_items)
				qsort(fa->items, fa->nr_items, sizeof(*fa->items),
				      fa->item_kind == FACT_ITEM_PID ? cmp_item_pid :
								       cmp_item_calls);
		}
		/* A few facts a probe: an insertion sort, stable, so ties keep their order. */
		for (size_t i = 1; i < pf->nr; i++) {
			struct fact t = pf->v[i];
			size_t k = i;

			for (; k > 0 && fact_before(&t, &pf->v[k - 1]); k--)
				pf->v[k] = pf->v[k - 1];
			pf->v[k] = t;
		}
	}
}

/*
 * A name as it is: the line is one message, escaped whole by note()
 * (core/output/output.h), so it is not escaped here too (a backslash would be doubled again).
 */
static void put_raw(FILE *m, const char *s, size_t len)
{
	fwrite(s, 1, strnlen(s, len), m);
}

/* Processes by name: "staticprog (pid 812), memfd:x (7 processes)", a few names. */
static void pid_items_text(FILE *m, const struct fact *fa)
{
	size_t names = 0, i = 0, rest = 0;
	char num[32];

	while (i < fa->nr_items) {
		size_t k = i + 1;

		while (k < fa->nr_items && !strcmp(fa->items[k].name, fa->items[i].name))
			k++;
		if (names++ < FACT_TEXT_ITEMS) {
			fputs(i ? ", " : "", m);
			put_raw(m, fa->items[i].name, fa->items[i].len);
			if (k - i == 1)
				fprintf(m, " (pid %llu)", (unsigned long long)fa->items[i].n);
			else
				fprintf(m, " (%s processes)", fact_num(num, k - i));
		} else {
			rest += k - i;
		}
		i = k;
	}
	rest += fa->others;
	if (rest)
		fprintf(m, "%s%s more", fa->nr_items ? ", " : "", fact_num(num, rest));
}

/* "; comms seen: python3.11 1,200, bash 34, others 12" into m. */
static void items_text(FILE *m, const struct fact *fa)
{
	size_t shown = fa->nr_items < FACT_TEXT_ITEMS ? fa->nr_items : FACT_TEXT_ITEMS;
	uint64_t rest = fa->others;
	char num[32];

	if (!fa->nr_items && !fa->others)
		return;
	fprintf(m, "; %s: ", fa->items_name);
	if (fa->item_kind == FACT_ITEM_PID) {
		pid_items_text(m, fa);
		return;
	}
	for (size_t i = 0; i < shown; i++) {
		fputs(i ? ", " : "", m);
		put_raw(m, fa->items[i].name, fa->items[i].len);
		fprintf(m, " %s", fact_num(num, fa->items[i].n));
	}
	for (size_t i = shown; i < fa->nr_items; i++)
		rest += fa->items[i].n;
	if (rest)
		fprintf(m, "%sothers %s", shown ? ", " : "", fact_num(num, rest));
}

static void print_text(const struct facts *f, const struct plan *plan, bool all)
{
	char num[32];

	for (size_t p = 0; p < f->nr; p++) {
		const struct probe_facts *pf = &f->probes[p];

		if (!facts__wanted(f, p, all))
			continue;
		for (size_t i = 0; i < pf->nr; i++) {
			const struct fact *fa = &pf->v[i];
			char *line = NULL;
			size_t len = 0;
			FILE *m = open_memstream(&line, &len);

			if (!m)
				return;
			fputs(plan->entries[p].label, m);
			fputs(": ", m);
			if (pf->calls_known)
				fprintf(m, "%s shown; ", fact_num(num, pf->calls));
			fputs(fa->text, m);
			items_text(m, fa);
			fclose(m);
			note("%s", line);
			free(line);
		}
	}
}

static void fact_json(struct json_writer *jw, const struct fact *fa)
{
	size_t shown = fa->nr_items < FACT_JSON_ITEMS ? fa->nr_items : FACT_JSON_ITEMS;
	uint64_t rest = fa->others;
	char name[64];

	json_object_start(jw);
	json_string_field(jw, "kind", fa->kind);
	json_u64_field(jw, "rank", fa->rank);
	json_u64_field(jw, "count", fa->count);
	json_string_field(jw, "text", fa->text);
	for (int k = 0; k < fa->nr_fields; k++)
		json_string_field(jw, fa->field_name[k], fa->field_value[k]);
	if (fa->nr_items || fa->others) {
		/* "comms seen" -> "comms_seen" */
		snprintf(name, sizeof(name), "%s", fa->items_name);
		for (char *c = name; *c; c++)
			if (*c == ' ')
				*c = '_';
		json_name(jw, name);
		json_array_start(jw);
		for (size_t i = 0; i < shown; i++) {
			json_object_start(jw);
			json_bytes_field(jw, "name", fa->items[i].name, fa->items[i].len);
			json_u64_field(jw, fa->item_kind == FACT_ITEM_PID ? "pid" : "calls",
				       fa->items[i].n);
			json_object_end(jw);
		}
		json_array_end(jw);
		if (fa->item_kind == FACT_ITEM_PID) {
			rest += fa->nr_items - shown;
		} else {
			for (size_t i = shown; i < fa->nr_items; i++)
				rest += fa->items[i].n;
		}
		json_u64_field(jw, fa->item_kind == FACT_ITEM_PID ? "more" : "others", rest);
	}
	json_object_end(jw);
}

static void print_json(const struct facts *f, const struct plan *plan, struct json_writer *jw)
{
	json_object_start(jw);
	json_name(jw, "summary");
	json_object_start(jw);
	json_name(jw, "probes");
	json_array_start(jw);
	for (size_t p = 0; p < f->nr; p++) {
		const struct probe_facts *pf = &f->probes[p];

		if (!pf->shown)
			continue;
		json_object_start(jw);
		json_string_field(jw, "probe", plan->entries[p].label);
		json_string_field(jw, "function", plan->entries[p].func);
		json_name(jw, "calls");
		if (pf->calls_known)
			json_u64(jw, pf->calls);
		else
			json_null(jw);
		json_name(jw, "facts");
		json_array_start(jw);
		for (size_t i = 0; i < pf->nr; i++)
			fact_json(jw, &pf->v[i]);
		json_array_end(jw);
		json_object_end(jw);
	}
	json_array_end(jw);
	json_object_end(jw);
	json_object_end(jw);
	json_writer__end_line(jw);
}

void facts__print(struct facts *f, const struct plan *plan, bool all, struct json_writer *jw)
{
	sort_facts(f);
	if (jw)
		print_json(f, plan, jw);
	else
		print_text(f, plan, all);
}
