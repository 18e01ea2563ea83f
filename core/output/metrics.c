// SPDX-License-Identifier: GPL-2.0
/* The Prometheus text and OpenMetrics exposition writer (see metrics.h). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/escape.h"
#include "base/util.h"
#include "output/metrics.h"

/* Families a writer remembers, to refuse one written twice (a broken exposition). */
#define METRICS_MAX_FAMILIES 64

struct metrics_writer {
	FILE *f;
	enum metrics_format fmt;
	const char *family;		/* the current one, NULL before the first */
	enum metric_type type;
	const char *seen[METRICS_MAX_FAMILIES];
	unsigned int nr_seen;
	int err;			/* the first mistake of the collector, -EINVAL */
};

const char *metrics_content_type(enum metrics_format fmt)
{
	return fmt == METRICS_OPENMETRICS ? "application/openmetrics-text; version=1.0.0; charset=utf-8" :
					    "text/plain; version=0.0.4; charset=utf-8";
}

/* Accept header ---------------------------------------------------------- */

/* s[0..n) without the spaces and tabs around it. */
static void trim(const char **s, size_t *n)
{
	while (*n && (**s == ' ' || **s == '\t')) {
		(*s)++;
		(*n)--;
	}
	while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
		(*n)--;
}

static bool token_is(const char *s, size_t n, const char *want)
{
	return n == strlen(want) && !strncasecmp(s, want, n);
}

/*
 * One media range "type/sub; a=b; q=0.5": its type into *type / *type_len,
 * its q (1 unless given) and whether a version parameter names one we do not
 * write for OpenMetrics.
 */
static double media_range(const char *s, size_t n, const char **type, size_t *type_len,
			  bool *other_version)
{
	const char *semi = memchr(s, ';', n);
	double q = 1;

	*other_version = false;
	*type = s;
	*type_len = semi ? (size_t)(semi - s) : n;
	trim(type, type_len);
	while (semi) {
		const char *p = semi + 1, *eq, *next;
		size_t len;

		n -= p - s;
		s = p;
		next = memchr(s, ';', n);
		len = next ? (size_t)(next - s) : n;
		eq = memchr(s, '=', len);
		if (eq) {
			const char *k = s, *v = eq + 1;
			size_t klen = eq - s, vlen = len - klen - 1;
			char num[32];

			trim(&k, &klen);
			trim(&v, &vlen);
			if (vlen >= 2 && v[0] == '"' && v[vlen - 1] == '"') {
				v++;
				vlen -= 2;
			}
			if (token_is(k, klen, "q") && vlen < sizeof(num)) {
				memcpy(num, v, vlen);
				num[vlen] = '\0';
				q = strtod(num, NULL);
			} else if (token_is(k, klen, "version")) {
				/* 0.0.1 is the draft of 1.0.0, the same syntax as far as we write */
				*other_version = !token_is(v, vlen, "1.0.0") && !token_is(v, vlen, "0.0.1");
			}
		}
		semi = next;
	}
	return q;
}

enum metrics_format metrics_format_for_accept(const char *accept)
{
	double om = 0, text = 0;

	if (!accept)
		return METRICS_TEXT;
	for (const char *s = accept; *s;) {
		const char *comma = strchr(s, ',');
		size_t n = comma ? (size_t)(comma - s) : strlen(s), tlen;
		const char *type;
		bool other;
		double q = media_range(s, n, &type, &tlen, &other);

		if (token_is(type, tlen, "application/openmetrics-text") && !other) {
			if (q > om)
				om = q;
		} else if (token_is(type, tlen, "text/plain") || token_is(type, tlen, "text/*") ||
			   token_is(type, tlen, "*/*")) {
			if (q > text)
				text = q;
		}
		s += n + (comma != NULL);
	}
	return om > 0 && om >= text ? METRICS_OPENMETRICS : METRICS_TEXT;
}

/* Names -------------------------------------------------------------------- */

static bool name_ok(const char *name, bool colon)
{
	const char *p = name;

	if (!*p || (*p >= '0' && *p <= '9'))
		return false;
	for (; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || (colon && *p == ':')))
			return false;
	return true;
}

bool metrics_valid_metric_name(const char *name)
{
	return name && name_ok(name, true);
}

bool metrics_valid_label_name(const char *name)
{
	return name && name_ok(name, false) && strncmp(name, "__", 2);
}

/* Labels ------------------------------------------------------------------- */

/*
 * The length of the character at s (n > 0 bytes) that a label value shows as
 * it is, or minus the bytes shown as one U+FFFD: what is not valid UTF-8 and
 * the control characters but '\n' (which the format escapes): ESC, CR, TAB,
 * DEL and C1 (U+009B is CSI) are legal in a label value, and act on the
 * terminal of whoever reads the metrics with curl.
 */
static long label_char(const unsigned char *s, size_t n)
{
	long u = utf8_seq(s, n);

	if (u < 0)
		return u;
	if ((u == 1 && ((s[0] < 0x20 && s[0] != '\n') || s[0] == 0x7f)) ||
	    (u == 2 && s[0] == 0xc2 && s[1] < 0xa0))
		return -u;
	return u;
}

/* Does the value show as its own bytes (else a NAME_hex label keeps them)? */
static bool label_exact(const char *s, size_t len)
{
	for (size_t i = 0; i < len;) {
		long n = label_char((const unsigned char *)s + i, len - i);

		if (n <= 0)
			return false;
		i += n;
	}
	return true;
}

static void add_label(struct metric_labels *ls, const char *name, const char *value, size_t len,
		      bool hex)
{
	if (ls->nr >= METRICS_MAX_LABELS) {
		ls->overflow = true;
		return;
	}
	ls->l[ls->nr++] = (struct metric_label){ name, value, len, hex };
}

void metric_labels_add_len(struct metric_labels *ls, const char *name, const char *value,
			   size_t len)
{
	if (!value) {
		value = "";
		len = 0;
	}
	add_label(ls, name, value, len, false);
	/* The writer shows a bad byte as U+FFFD: two names would make one series. */
	if (!label_exact(value, len))
		add_label(ls, name, value, len, true);
}

void metric_labels_add(struct metric_labels *ls, const char *name, const char *value)
{
	metric_labels_add_len(ls, name, value, value ? strlen(value) : 0);
}

void metric_labels_add_u64(struct metric_labels *ls, const char *name, uint64_t v)
{
	char *b;

	if (ls->nr >= METRICS_MAX_LABELS) {
		ls->overflow = true;
		return;
	}
	b = ls->buf[ls->nr];
	metric_labels_add_len(ls, name, b, put_u64(b, v) - b);
}

void metric_labels_add_comm(struct metric_labels *ls, const char *comm, size_t max)
{
	const char *nul = memchr(comm, '\0', max);

	metric_labels_add_len(ls, "comm", comm, nul ? (size_t)(nul - comm) : max);
}

/* Writer ------------------------------------------------------------------- */

struct metrics_writer *metrics_writer__new(FILE *f, enum metrics_format fmt)
{
	struct metrics_writer *w = xcalloc(1, sizeof(*w));

	w->f = f;
	w->fmt = fmt;
	return w;
}

void metrics_writer__free(struct metrics_writer *w)
{
	free(w);
}

static void mistake(struct metrics_writer *w)
{
	if (!w->err)
		w->err = -EINVAL;
}

/*
 * HELP text: backslash and newline escaped in both formats, '"' too in
 * OpenMetrics (whose HELP is an escaped string like a label value).
 */
static void put_help(struct metrics_writer *w, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", w->f);
		else if (*s == '\n')
			fputs("\\n", w->f);
		else if (*s == '"' && w->fmt == METRICS_OPENMETRICS)
			fputs("\\\"", w->f);
		else
			putc(*s, w->f);
	}
}

/* A label value: \\ \" \n escaped; what label_char() refuses as U+FFFD. */
static void put_label_value(struct metrics_writer *w, const char *s, size_t len)
{
	for (size_t i = 0; i < len;) {
		long n = label_char((const unsigned char *)s + i, len - i);

		if (n <= 0) {
			fputs("\xef\xbf\xbd", w->f);
			i += n < 0 ? -n : 1;
			continue;
		}
		if (s[i] == '\\')
			fputs("\\\\", w->f);
		else if (s[i] == '"')
			fputs("\\\"", w->f);
		else if (s[i] == '\n')
			fputs("\\n", w->f);
		else
			fwrite(s + i, 1, n, w->f);
		i += n;
	}
}

static const char *unit_of(const char *name)
{
	static const char *const units[] = { "seconds", "bytes" };
	size_t n = strlen(name);

	for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
		size_t u = strlen(units[i]);

		if (n > u + 1 && name[n - u - 1] == '_' && !strcmp(name + n - u, units[i]))
			return units[i];
	}
	return NULL;
}

static const char *const type_names[] = {
	[METRIC_COUNTER] = "counter",
	[METRIC_GAUGE] = "gauge",
	[METRIC_HISTOGRAM] = "histogram",
};

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

void metrics_family(struct metrics_writer *w, const char *name, enum metric_type type,
		    const char *help)
{
	/* The text format names a counter family with its _total, OpenMetrics without. */
	const char *total = type == METRIC_COUNTER && w->fmt == METRICS_TEXT ? "_total" : "";
	const char *unit = unit_of(name);

	w->family = NULL;
	if (!metrics_valid_metric_name(name) || (unsigned int)type >= ARRAY_SIZE(type_names) ||
	    (type == METRIC_COUNTER && ends_with(name, "_total")) ||
	    w->nr_seen == METRICS_MAX_FAMILIES) {
		mistake(w);
		return;
	}
	for (unsigned int i = 0; i < w->nr_seen; i++)
		if (!strcmp(w->seen[i], name)) {
			mistake(w);
			return;
		}
	w->seen[w->nr_seen++] = name;
	w->family = name;
	w->type = type;
	fprintf(w->f, "# HELP %s%s ", name, total);
	put_help(w, help);
	fprintf(w->f, "\n# TYPE %s%s %s\n", name, total, type_names[type]);
	if (unit && w->fmt == METRICS_OPENMETRICS)
		fprintf(w->f, "# UNIT %s %s\n", name, unit);
}

static bool labels_ok(struct metrics_writer *w, const struct metric_labels *ls)
{
	if (!w->family || ls->overflow)
		return false;
	for (unsigned int i = 0; i < ls->nr; i++) {
		if (!metrics_valid_label_name(ls->l[i].name) || !strcmp(ls->l[i].name, "le"))
			return false;
		for (unsigned int k = 0; k < i; k++)
			if (!strcmp(ls->l[i].name, ls->l[k].name) && ls->l[i].hex == ls->l[k].hex)
				return false;
	}
	return true;
}

/* name{a="x",b="y"[,le="..."]} */
static void put_series(struct metrics_writer *w, const char *suffix,
		       const struct metric_labels *ls, const char *le)
{
	fputs(w->family, w->f);
	fputs(suffix, w->f);
	if (!ls->nr && !le)
		return;
	putc('{', w->f);
	for (unsigned int i = 0; i < ls->nr; i++) {
		if (i)
			putc(',', w->f);
		fputs(ls->l[i].name, w->f);
		if (ls->l[i].hex) {
			fputs("_hex=\"", w->f);
			for (size_t k = 0; k < ls->l[i].len; k++)
				fprintf(w->f, "%02x", (unsigned char)ls->l[i].value[k]);
		} else {
			fputs("=\"", w->f);
			put_label_value(w, ls->l[i].value, ls->l[i].len);
		}
		putc('"', w->f);
	}
	if (le)
		fprintf(w->f, "%sle=\"%s\"", ls->nr ? "," : "", le);
	putc('}', w->f);
}

static void put_u64_line(struct metrics_writer *w, uint64_t v)
{
	char buf[24], *end = put_u64(buf + 1, v);

	buf[0] = ' ';
	*end++ = '\n';
	fwrite(buf, 1, end - buf, w->f);
}

static void put_double_line(struct metrics_writer *w, double v)
{
	char buf[40];

	fprintf(w->f, " %s\n", metrics_format_double(buf, v, w->fmt));
}

void metrics_counter(struct metrics_writer *w, const struct metric_labels *ls, uint64_t v)
{
	if (!labels_ok(w, ls) || w->type != METRIC_COUNTER) {
		mistake(w);
		return;
	}
	put_series(w, "_total", ls, NULL);
	put_u64_line(w, v);
}

void metrics_gauge(struct metrics_writer *w, const struct metric_labels *ls, double v)
{
	if (!labels_ok(w, ls) || w->type != METRIC_GAUGE) {
		mistake(w);
		return;
	}
	put_series(w, "", ls, NULL);
	put_double_line(w, v);
}

void metrics_log2_histogram(struct metrics_writer *w, const struct metric_labels *ls,
			    const uint64_t *slots, unsigned int nr_slots, double sum, double per_unit)
{
	uint64_t total = 0;
	char le[40];

	if (!labels_ok(w, ls) || w->type != METRIC_HISTOGRAM || nr_slots > 65) {
		mistake(w);
		return;
	}
	/* Slot 64's bound is 2^64 - 1, every value: its bucket is +Inf. */
	for (unsigned int k = 0; k < 64; k++) {
		double bound = k ? ldexp(1, k) - 1 : 0;

		total += k < nr_slots ? slots[k] : 0;
		put_series(w, "_bucket", ls, metrics_format_double(le, bound / per_unit, w->fmt));
		put_u64_line(w, total);
	}
	total += nr_slots > 64 ? slots[64] : 0;
	put_series(w, "_bucket", ls, "+Inf");
	put_u64_line(w, total);
	if (sum >= 0) {
		put_series(w, "_sum", ls, NULL);
		put_double_line(w, sum / per_unit);
	}
	put_series(w, "_count", ls, NULL);
	put_u64_line(w, total);
}

int metrics_writer__finish(struct metrics_writer *w)
{
	if (w->fmt == METRICS_OPENMETRICS)
		fputs("# EOF\n", w->f);
	if (w->err)
		return w->err;
	return fflush(w->f) || ferror(w->f) ? -EIO : 0;
}

/* Numbers ------------------------------------------------------------------ */

char *metrics_format_double(char *buf, double v, enum metrics_format fmt)
{
	char e[40], digits[24], *p, *q;
	int prec, exp, nd;

	if (isnan(v))
		return strcpy(buf, "NaN");
	if (isinf(v))
		return strcpy(buf, v > 0 ? "+Inf" : "-Inf");
	if (v == 0)
		return strcpy(buf, fmt == METRICS_OPENMETRICS ? "0.0" : "0");
	/* The fewest significant digits that read back as v. */
	for (prec = 0; prec < 17; prec++) {
		snprintf(e, sizeof(e), "%.*e", prec, v);
		if (strtod(e, NULL) == v)
			break;
	}
	/* e: [-]D[.DDD]e[+-]XX */
	p = e;
	q = buf;
	if (*p == '-')
		*q++ = *p++;
	nd = 0;
	for (; *p != 'e'; p++)
		if (*p != '.')
			digits[nd++] = *p;
	exp = atoi(p + 1);
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	/*
	 * Go's strconv 'g' of the shortest form (what Prometheus writes): an
	 * exponent below -4 or from 6 on is written as one ("1e+06").
	 */
	if (exp < -4 || exp >= 6) {
		*q++ = digits[0];
		if (nd > 1) {
			*q++ = '.';
			memcpy(q, digits + 1, nd - 1);
			q += nd - 1;
		}
		sprintf(q, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
		return buf;
	}
	if (exp < 0) {
		*q++ = '0';
		*q++ = '.';
		for (int i = -1; i > exp; i--)
			*q++ = '0';
		memcpy(q, digits, nd);
		q += nd;
	} else {
		for (int i = 0; i <= exp || i < nd; i++) {
			if (i == exp + 1)
				*q++ = '.';
			*q++ = i < nd ? digits[i] : '0';
		}
		if (nd <= exp + 1 && fmt == METRICS_OPENMETRICS) {
			*q++ = '.';
			*q++ = '0';
		}
	}
	*q = '\0';
	return buf;
}
