// SPDX-License-Identifier: GPL-2.0
/*
 * The table engine (table.h): rows filled by the aggregations, one sort,
 * one --top rule, one width rule, rendered as text, JSON or series.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "output/hist.h"
#include "output/json.h"
#include "output/output.h"
#include "output/table.h"

enum cell_type { CELL_NONE, CELL_STR, CELL_U64, CELL_S64 };

struct cell {
	enum cell_type type;
	char *s;	/* the bytes of a string; a number's text when it has one */
	size_t len;
	uint64_t v;
};

struct row {
	struct cell *cells;
	uint64_t count;
	uint64_t *slots;
	unsigned __int128 sum;
	bool has_sum;
	char **notes;
	size_t nr_notes;
	void *data;
	size_t order;
};

struct total {
	const char *json, *metric, *help;
	enum metric_type type;
	uint64_t v;
};

struct table {
	struct table_spec spec;
	struct table_col *cols;
	size_t nr_cols, alloc_cols;
	struct row *rows;
	size_t nr_rows, alloc_rows;
	size_t cell;	/* the next cell of the last row */
	long long top;
	const char *label_name, *label_value;
	const char *doc_json, *doc_value;
	struct total *totals;
	size_t nr_totals, alloc_totals;
	table_detail_fn detail;
	void *detail_arg;
};

struct table *table__new(const struct table_spec *spec)
{
	struct table *t = xcalloc(1, sizeof(*t));

	t->spec = *spec;
	if (!t->spec.count_width)
		t->spec.count_width = 12;
	if (!t->spec.per_unit)
		t->spec.per_unit = 1;
	return t;
}

void table__free(struct table *t)
{
	if (!t)
		return;
	for (size_t r = 0; r < t->nr_rows; r++) {
		for (size_t c = 0; c <= t->nr_cols; c++)	/* and the spare */
			free(t->rows[r].cells[c].s);
		for (size_t k = 0; k < t->rows[r].nr_notes; k++)
			free(t->rows[r].notes[k]);
		free(t->rows[r].notes);
		free(t->rows[r].cells);
		free(t->rows[r].slots);
	}
	free(t->rows);
	for (size_t c = 0; c < t->nr_cols; c++) {
		free((char *)t->cols[c].head);
		free((char *)t->cols[c].json);
		free((char *)t->cols[c].label);
	}
	free(t->cols);
	free(t->totals);
	free(t);
}

void table__col(struct table *t, const struct table_col *col)
{
	struct table_col *c;

	ALLOC_GROW(t->cols, t->nr_cols + 1, t->alloc_cols);
	c = &t->cols[t->nr_cols++];
	*c = *col;
	/* the names are the table's own: a caller may build them ("str:arg1") */
	c->head = c->head ? xstrdup(c->head) : NULL;
	c->json = c->json ? xstrdup(c->json) : NULL;
	c->label = c->label ? xstrdup(c->label) : NULL;
}

void table__top(struct table *t, long long top)
{
	t->top = top;
}

void table__label(struct table *t, const char *name, const char *value)
{
	t->label_name = name;
	t->label_value = value;
}

void table__doc_str(struct table *t, const char *json, const char *value)
{
	t->doc_json = json;
	t->doc_value = value;
}

void table__total(struct table *t, const char *json, const char *metric, enum metric_type type,
		  const char *help, uint64_t v)
{
	ALLOC_GROW(t->totals, t->nr_totals + 1, t->alloc_totals);
	t->totals[t->nr_totals++] = (struct total){ json, metric, help, type, v };
}

void table__detail(struct table *t, table_detail_fn fn, void *arg)
{
	t->detail = fn;
	t->detail_arg = arg;
}

size_t table__nr_rows(const struct table *t)
{
	return t->nr_rows;
}

void table__row(struct table *t, void *data)
{
	struct row *r;

	ALLOC_GROW(t->rows, t->nr_rows + 1, t->alloc_rows);
	r = &t->rows[t->nr_rows];
	*r = (struct row){ .cells = xcalloc(t->nr_cols + 1, sizeof(*r->cells)), .data = data,
			   .order = t->nr_rows };
	t->nr_rows++;
	t->cell = 0;
}

/* The next cell of the last row (a spare one past the columns takes a caller's extra). */
static struct cell *next_cell(struct table *t)
{
	struct row *r = &t->rows[t->nr_rows - 1];

	return &r->cells[t->cell < t->nr_cols ? t->cell++ : t->nr_cols];
}

void table__str(struct table *t, const char *s, long len)
{
	struct cell *c = next_cell(t);
	size_t n = len < 0 ? strlen(s) : (size_t)len;

	free(c->s);
	*c = (struct cell){ CELL_STR, xmalloc(n + 1), n, 0 };
	memcpy(c->s, s, n);
	c->s[n] = '\0';
}

void table__num_text(struct table *t, uint64_t v, bool is_signed, const char *text)
{
	struct cell *c = next_cell(t);

	free(c->s);
	*c = (struct cell){ is_signed ? CELL_S64 : CELL_U64, text ? xstrdup(text) : NULL,
			    text ? strlen(text) : 0, v };
}

void table__u64(struct table *t, uint64_t v)
{
	table__num_text(t, v, false, NULL);
}

void table__s64(struct table *t, int64_t v)
{
	table__num_text(t, (uint64_t)v, true, NULL);
}

void table__count(struct table *t, uint64_t count)
{
	t->rows[t->nr_rows - 1].count = count;
}

void table__hist(struct table *t, const uint64_t *slots, unsigned int nr_slots,
		 unsigned __int128 sum, bool has_sum)
{
	struct row *r = &t->rows[t->nr_rows - 1];

	if (nr_slots > HIST_SLOTS)
		nr_slots = HIST_SLOTS;
	free(r->slots);
	r->slots = xcalloc(HIST_SLOTS, sizeof(*r->slots));
	r->count = 0;
	for (unsigned int k = 0; k < nr_slots; k++)
		r->count += r->slots[k] = slots[k];
	r->sum = sum;
	r->has_sum = has_sum;
}

void table__note(struct table *t, const char *line)
{
	struct row *r = &t->rows[t->nr_rows - 1];

	r->notes = xrealloc(r->notes, (r->nr_notes + 1) * sizeof(*r->notes));
	r->notes[r->nr_notes++] = xstrdup(line);
}

/* A cell as text, before escaping: a string's bytes, a number's text or its digits. */
static const char *cell_text(const struct cell *c, char *buf, size_t *len)
{
	char *end;

	if (c->type == CELL_STR || c->s) {
		*len = c->s ? c->len : 0;
		return c->s ? c->s : "";
	}
	end = c->type == CELL_S64 ? put_s64(buf, (long long)c->v) : put_u64(buf, c->v);
	*len = end - buf;
	return buf;
}

/* The one sort ------------------------------------------------------------------------------ */

static int cmp_cell(const struct cell *x, const struct cell *y)
{
	size_t n;
	int c;

	if (x->type != CELL_STR && y->type != CELL_STR && x->type == y->type) {
		if (x->type == CELL_S64 && (int64_t)x->v != (int64_t)y->v)
			return (int64_t)x->v < (int64_t)y->v ? -1 : 1;
		if (x->type == CELL_U64 && x->v != y->v)
			return x->v < y->v ? -1 : 1;
		return 0;
	}
	n = x->len < y->len ? x->len : y->len;
	c = x->s && y->s ? memcmp(x->s, y->s, n) : 0;
	return c ? c : (x->len > y->len) - (x->len < y->len);
}

static int cmp_row(const void *a, const void *b, void *arg)
{
	const struct table *t = arg;
	const struct row *x = a, *y = b;

	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	for (size_t c = 0; c < t->nr_cols; c++) {
		int d;

		if (!t->cols[c].head)
			continue;
		d = cmp_cell(&x->cells[c], &y->cells[c]);
		if (d)
			return d;
	}
	return (x->order > y->order) - (x->order < y->order);
}

static void sort_rows(struct table *t)
{
	if (!t->nr_rows)	/* qsort_r(NULL, 0, ...) is undefined */
		return;
	qsort_r(t->rows, t->nr_rows, sizeof(*t->rows), cmp_row, t);
}

static size_t shown_rows(const struct table *t)
{
	return t->top > 0 && (size_t)t->top < t->nr_rows ? (size_t)t->top : t->nr_rows;
}

/* Text ----------------------------------------------------------------------------------- */

static void print_head(FILE *f, const char *head, size_t width, bool right)
{
	char up[128];
	size_t k;

	for (k = 0; head[k] && k < sizeof(up) - 1; k++)
		up[k] = toupper((unsigned char)head[k]);
	up[k] = '\0';
	fprintf(f, right ? "%*s " : "%-*s ", (int)width, up);
}

static void print_cell(FILE *f, const struct cell *c, size_t width, bool right)
{
	char buf[24];
	size_t len;
	const char *s = cell_text(c, buf, &len);
	size_t w = escaped_len(s, len);

	if (right)
		for (; w < width; w++)
			fputc(' ', f);
	fputs_escaped(f, s, len);
	if (!right)
		for (; w < width; w++)
			fputc(' ', f);
	fputc(' ', f);
}

static void print_counts_text(struct table *t, FILE *f, size_t shown)
{
	size_t *w = xcalloc(t->nr_cols + 1, sizeof(*w));

	for (size_t c = 0; c < t->nr_cols; c++) {
		const struct table_col *col = &t->cols[c];

		if (!col->head)
			continue;
		w[c] = strlen(col->head) > col->min_width ? strlen(col->head) : col->min_width;
		for (size_t r = 0; r < shown; r++) {
			char buf[24];
			size_t len;
			const char *s = cell_text(&t->rows[r].cells[c], buf, &len);

			if (escaped_len(s, len) > w[c])
				w[c] = escaped_len(s, len);
		}
	}
	for (size_t c = 0; c < t->nr_cols; c++)
		if (t->cols[c].head)
			print_head(f, t->cols[c].head, w[c], t->cols[c].flags & TABLE_RIGHT);
	fprintf(f, "%*s\n", (int)t->spec.count_width, "COUNT");
	for (size_t r = 0; r < shown; r++) {
		for (size_t c = 0; c < t->nr_cols; c++)
			if (t->cols[c].head)
				print_cell(f, &t->rows[r].cells[c], w[c],
					   t->cols[c].flags & TABLE_RIGHT);
		fprintf(f, "%*llu\n", (int)t->spec.count_width,
			(unsigned long long)t->rows[r].count);
		if (t->detail)
			t->detail(t->detail_arg, t->rows[r].data, f, NULL);
	}
	free(w);
}

static void print_hists_text(struct table *t, FILE *f, size_t shown)
{
	for (size_t r = 0; r < shown; r++) {
		const struct row *row = &t->rows[r];
		bool first = true;

		fputc('@', f);
		fputs_escaped(f, t->spec.hist_name, -1);
		fputc('[', f);
		for (size_t c = 0; c < t->nr_cols; c++) {
			char buf[24];
			size_t len;
			const char *s;

			if (!t->cols[c].head)
				continue;
			s = cell_text(&row->cells[c], buf, &len);
			if (!first)
				fputs(", ", f);
			if (t->spec.named_keys) {
				fputs_escaped(f, t->cols[c].head, -1);
				fputc('=', f);
			}
			fputs_escaped(f, s, len);
			first = false;
		}
		fprintf(f, "]: %s\n", count_noun(row->count, t->spec.one, t->spec.many));
		if (row->slots)
			hist_print(f, row->slots, HIST_SLOTS);
		if (row->slots && row->count && t->spec.percentile_unit)
			fprintf(f, "  p50 ~%.0f %s, p99 ~%.0f %s (estimated from the buckets)\n",
				hist_percentile(row->slots, HIST_SLOTS, 50), t->spec.percentile_unit,
				hist_percentile(row->slots, HIST_SLOTS, 99), t->spec.percentile_unit);
		for (size_t k = 0; k < row->nr_notes; k++)
			text_line(f, "%s", row->notes[k]);
		if (t->detail)
			t->detail(t->detail_arg, row->data, f, NULL);
		fputc('\n', f);
	}
}

static void print_text(struct table *t, FILE *f, size_t shown)
{
	if (t->spec.gap)
		fputc('\n', f);
	if (!t->nr_rows && t->spec.empty) {
		fprintf(f, "%s\n", t->spec.empty);
		return;
	}
	if (t->spec.hist)
		print_hists_text(t, f, shown);
	else
		print_counts_text(t, f, shown);
	/* the one --top wording, for probes, keys and stacks */
	if (shown < t->nr_rows) {
		char more[64];

		snprintf(more, sizeof(more), "more %s", t->spec.noun);
		fprintf(f, "... %llu %s%s (--top %lld)\n", (unsigned long long)(t->nr_rows - shown),
			more, t->nr_rows - shown == 1 ? "" : "s", t->top);
	}
}

/* JSON ----------------------------------------------------------------------------------- */

static void json_cell(struct json_writer *jw, const char *name, const struct cell *c)
{
	switch (c->type) {
	case CELL_STR:
		json_bytes_field(jw, name, c->s, c->len);
		break;
	case CELL_U64:
		json_u64_field(jw, name, c->v);
		break;
	case CELL_S64:
		json_s64_field(jw, name, (int64_t)c->v);
		break;
	default:
		json_name(jw, name);
		json_null(jw);
	}
}

static void json_cells(struct table *t, struct json_writer *jw, const struct row *row, bool after)
{
	for (size_t c = 0; c < t->nr_cols; c++)
		if (t->cols[c].json && !(t->cols[c].flags & TABLE_AFTER_COUNT) == !after)
			json_cell(jw, t->cols[c].json, &row->cells[c]);
}

static void json_row(struct table *t, struct json_writer *jw, const struct row *row)
{
	json_object_start(jw);
	json_cells(t, jw, row, false);
	if (t->spec.json_value)
		json_string_field(jw, "value", t->spec.json_value);
	json_u64_field(jw, "count", row->count);
	if (row->slots && row->has_sum) {
		json_name(jw, "sum");
		if (row->sum >> 64)
			json_double(jw, (double)row->sum);
		else
			json_u64(jw, (uint64_t)row->sum);
	}
	json_cells(t, jw, row, true);
	if (row->slots)
		hist_json(jw, row->slots, HIST_SLOTS);
	if (t->detail)
		t->detail(t->detail_arg, row->data, NULL, jw);
	json_object_end(jw);
}

static void print_json(struct table *t, struct json_writer *jw, size_t shown)
{
	if (!t->spec.json_doc) {
		for (size_t r = 0; r < shown; r++) {
			json_row(t, jw, &t->rows[r]);
			json_writer__end_line(jw);
		}
		return;
	}
	json_object_start(jw);
	if (t->doc_json)
		json_string_field(jw, t->doc_json, t->doc_value);
	json_name(jw, t->spec.json_doc);
	json_array_start(jw);
	for (size_t r = 0; r < shown; r++)
		json_row(t, jw, &t->rows[r]);
	json_array_end(jw);
	for (size_t k = 0; k < t->nr_totals; k++)
		if (t->totals[k].json)
			json_u64_field(jw, t->totals[k].json, t->totals[k].v);
	json_object_end(jw);
	json_writer__end_line(jw);
}

void table__print(struct table *t, FILE *f, struct json_writer *jw)
{
	size_t shown;

	sort_rows(t);
	shown = shown_rows(t);
	if (output_json())
		print_json(t, jw, shown);
	else
		print_text(t, f, shown);
}

/* Series --------------------------------------------------------------------------------- */

/* The labels of a row: each labelled cell (a number's digits in bufs[column]), then the table's own. */
static void row_labels(const struct table *t, const struct row *row, struct metric_labels *ls,
		       char (*bufs)[24])
{
	for (size_t c = 0; c < t->nr_cols; c++) {
		size_t len;
		const char *s;

		if (!t->cols[c].label)
			continue;
		s = cell_text(&row->cells[c], bufs[c], &len);
		metric_labels_add_len(ls, t->cols[c].label, s, len);
	}
	if (t->label_name)
		metric_labels_add(ls, t->label_name, t->label_value);
}

void table__metrics(struct table *t, struct metrics_writer *w)
{
	char (*bufs)[24] = xcalloc(t->nr_cols + 1, sizeof(*bufs));

	sort_rows(t);
	if (t->spec.metric) {
		metrics_family(w, t->spec.metric, t->spec.hist ? METRIC_HISTOGRAM : METRIC_COUNTER,
			       t->spec.help);
		for (size_t r = 0; r < t->nr_rows; r++) {
			const struct row *row = &t->rows[r];
			struct metric_labels ls = {};

			row_labels(t, row, &ls, bufs);
			if (t->spec.hist)
				metrics_log2_histogram(w, &ls, row->slots, HIST_SLOTS,
						       row->has_sum ? (double)row->sum : -1,
						       t->spec.per_unit);
			else
				metrics_counter(w, &ls, row->count);
		}
	}
	for (size_t c = 0; c < t->nr_cols; c++) {
		if (!t->cols[c].family)
			continue;
		metrics_family(w, t->cols[c].family, METRIC_COUNTER, t->cols[c].family_help);
		for (size_t r = 0; r < t->nr_rows; r++) {
			struct metric_labels ls = {};

			row_labels(t, &t->rows[r], &ls, bufs);
			metrics_counter(w, &ls, t->rows[r].cells[c].v);
		}
	}
	for (size_t k = 0; k < t->nr_totals; k++) {
		const struct total *tt = &t->totals[k];

		if (!tt->metric)
			continue;
		metrics_family(w, tt->metric, tt->type, tt->help);
		if (tt->type == METRIC_GAUGE)
			metrics_gauge(w, &(struct metric_labels){}, (double)tt->v);
		else
			metrics_counter(w, &(struct metric_labels){}, tt->v);
	}
	free(bufs);
}
