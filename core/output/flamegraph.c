// SPDX-License-Identifier: GPL-2.0
/*
 * Flame graphs: the folded format and an SVG drawn from it.
 *
 * The look and the conventions are flamegraph.pl's (Brendan Gregg): the root
 * "all" at the bottom, one 16-pixel row per depth in a 1200-pixel-wide image,
 * the "hot" palette, a frame's tooltip "name (N samples, P%)", children in
 * alphabetical order, frames under 0.1 pixel left out, click to zoom, Ctrl-F
 * to search.  The code is our own: stacks are sorted frame by frame, then one
 * pass over them merges the identical prefixes (a frame opens where a stack
 * first differs from the one before it), so the frames come out in pre-order
 * with their start and width in counts.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "output/flamegraph.h"
#include "output/output.h"

/* Folded text --------------------------------------------------------------- */

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

char *folded_name(const char *name)
{
	char *s, *p, *q;

	if (!name || !*name)
		return xstrdup("[unknown]");
	s = escape_dup(name, -1);
	for (p = s; *p; p++)
		if (*p == ';')
			*p = ':';
	/* "colon 99": at the end of a line, flamegraph.pl would take 99 for a count */
	for (q = p; q > s && (is_digit(q[-1]) || q[-1] == '.'); q--)
		;
	if (q < p && is_digit(*q) && q > s && q[-1] == ' ')
		q[-1] = '_';
	return s;
}

void folded_write(FILE *f, const struct fg_stack *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!s[i].nr)
			fputs("[unknown]", f);
		for (size_t k = 0; k < s[i].nr; k++) {
			char *name = folded_name(s[i].frames[k]);

			if (k)
				putc(';', f);
			fputs(name, f);
			free(name);
		}
		fprintf(f, " %" PRIu64 "\n", s[i].count);
	}
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static uint64_t hash_frames(const char *const *frames, size_t nr)
{
	uint64_t h = 0xcbf29ce484222325ull;	/* FNV-1a */

	for (size_t i = 0; i < nr; i++) {
		for (const unsigned char *p = (const unsigned char *)frames[i]; *p; p++)
			h = (h ^ *p) * 0x100000001b3ull;
		h = (h ^ ';') * 0x100000001b3ull;
	}
	return h;
}

/* The stacks seen so far, by their frames: open addressing, indexes + 1. */
struct stack_index {
	size_t *slots;
	size_t size;		/* a power of two, at least twice the stacks */
};

static bool same_frames(const char *const *a, size_t na, const char *const *b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (strcmp(a[i], b[i]))
			return false;
	return true;
}

static void stack_index_grow(struct stack_index *ix, const struct fg_stacks *st,
			     const size_t *off)
{
	size_t size = ix->size ? ix->size * 2 : 64;
	size_t *slots = xcalloc(size, sizeof(*slots));

	for (size_t i = 0; i < st->nr; i++) {
		size_t h = hash_frames(st->frame_ptrs + off[i], st->stacks[i].nr) & (size - 1);

		while (slots[h])
			h = (h + 1) & (size - 1);
		slots[h] = i + 1;
	}
	free(ix->slots);
	ix->slots = slots;
	ix->size = size;
}

/*
 * One line, [p, e) without its line break, into out (frames appended to
 * out->frame_ptrs, or its count added to the same stack seen before); NULL, or
 * why it is bad.
 */
static const char *parse_line(char *p, char *e, struct fg_stacks *out, size_t **off,
			      size_t *alloc_off, struct stack_index *ix, bool *number_tail)
{
	size_t first = out->nr_frame_ptrs, nr = 0, slot;
	unsigned long long count = 0;
	char *q, *c, *frame;

	if (memchr(p, '\0', e - p))
		return "a NUL byte (not a text file?)";
	while (p < e && is_blank(*p))
		p++;
	while (e > p && is_blank(e[-1]))
		e--;
	if (p == e)
		return NULL;	/* blank */
	for (q = e; q > p && !is_blank(q[-1]); q--)
		;
	if (q == p)
		return "no count: a line is 'frame;frame;... COUNT'";
	for (c = q; c < e; c++) {
		if (!is_digit(*c))
			return memchr(q, '.', e - q) ? "the count is not a whole number"
						     : "the count is not a number";
		if (count > (UINT64_MAX - (*c - '0')) / 10)
			return "the count is too large (more than 2^64 - 1)";
		count = count * 10 + (*c - '0');
	}
	e = q;
	while (e > p && is_blank(e[-1]))
		e--;
	if (e == p)
		return "no frames before the count";
	/* The count is the last field only: what is before it is the stack, however it ends. */
	for (c = e; c > p && is_digit(c[-1]); c--)
		;
	if (c < e && c > p && is_blank(c[-1]))
		*number_tail = true;
	*e = '\0';
	for (frame = p;; frame = c + 1) {
		c = strchr(frame, ';');
		if (c)
			*c = '\0';
		if (!*frame) {
			out->nr_frame_ptrs = first;
			return "an empty frame name (';' at an end or ';;')";
		}
		ALLOC_GROW(out->frame_ptrs, out->nr_frame_ptrs + 1, out->alloc_frame_ptrs);
		out->frame_ptrs[out->nr_frame_ptrs++] = frame;
		nr++;
		if (!c)
			break;
	}

	if (2 * (out->nr + 1) > ix->size)
		stack_index_grow(ix, out, *off);
	slot = hash_frames(out->frame_ptrs + first, nr) & (ix->size - 1);
	for (; ix->slots[slot]; slot = (slot + 1) & (ix->size - 1)) {
		size_t i = ix->slots[slot] - 1;
		struct fg_stack *s = &out->stacks[i];

		if (!same_frames(out->frame_ptrs + (*off)[i], s->nr, out->frame_ptrs + first, nr))
			continue;
		out->nr_frame_ptrs = first;
		if (s->count > UINT64_MAX - count)
			return "the counts of this stack add up to more than 2^64 - 1";
		s->count += count;
		return NULL;
	}
	ALLOC_GROW(out->stacks, out->nr + 1, out->alloc);
	ALLOC_GROW(*off, out->nr + 1, *alloc_off);
	(*off)[out->nr] = first;
	out->stacks[out->nr++] = (struct fg_stack){ .nr = nr, .count = count };
	ix->slots[slot] = out->nr;
	return NULL;
}

int folded_parse(const char *buf, size_t len, struct fg_stacks *out, size_t *bad_line,
		 const char **why)
{
	struct stack_index ix = { 0 };
	size_t *off = NULL, alloc_off = 0, line = 0;
	const char *err = NULL;
	char *p, *end;

	memset(out, 0, sizeof(*out));
	out->text = xmalloc(len + 1);
	memcpy(out->text, buf, len);
	out->text[len] = '\0';
	end = out->text + len;
	for (p = out->text; p < end && !err;) {
		char *nl = memchr(p, '\n', end - p), *e = nl ? nl : end;
		bool number_tail = false;

		line++;
		if (e > p && e[-1] == '\r')
			e--;
		err = parse_line(p, e, out, &off, &alloc_off, &ix, &number_tail);
		if (number_tail && !out->number_tail_line)
			out->number_tail_line = line;
		p = nl ? nl + 1 : end;
	}
	for (size_t i = 0; i < out->nr; i++)
		out->stacks[i].frames = out->frame_ptrs + off[i];
	free(off);
	free(ix.slots);
	if (err) {
		fg_stacks__free(out);
		if (bad_line)
			*bad_line = line;
		if (why)
			*why = err;
		return -EINVAL;
	}
	return 0;
}

void fg_stacks__free(struct fg_stacks *s)
{
	free(s->stacks);
	free(s->frame_ptrs);
	free(s->text);
	memset(s, 0, sizeof(*s));
}

/* XML --------------------------------------------------------------------- */

/*
 * The characters of a name as XML text: UTF-8 checked (an invalid sequence
 * is one U+FFFD, as are the controls and U+FFFE/U+FFFF, which XML 1.0 does
 * not allow even as references) and & < > " ' as references.  At most max
 * characters are written; returns how many the name has.
 */
static size_t put_xml(FILE *f, const char *s, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), chars = 0;

	while (n) {
		long len = utf8_seq(p, n);
		size_t step = len < 0 ? (size_t)-len : (size_t)len;
		bool bad = len < 0 || p[0] < 0x20 || p[0] == 0x7f ||
			   (len == 3 && p[0] == 0xef && p[1] == 0xbf && p[2] >= 0xbe);

		if (f && chars < max) {
			if (bad)
				fputs("\xef\xbf\xbd", f);
			else if (*p == '&')
				fputs("&amp;", f);
			else if (*p == '<')
				fputs("&lt;", f);
			else if (*p == '>')
				fputs("&gt;", f);
			else if (*p == '"')
				fputs("&quot;", f);
			else if (*p == '\'')
				fputs("&#39;", f);
			else
				fwrite(p, 1, step, f);
		}
		chars++;
		p += step;
		n -= step;
	}
	return chars;
}

/* 1234567 as "1,234,567". */
static void put_count(FILE *f, uint64_t v)
{
	char digits[24];
	int n = snprintf(digits, sizeof(digits), "%" PRIu64, v);

	for (int i = 0; i < n; i++) {
		if (i && (n - i) % 3 == 0)
			putc(',', f);
		putc(digits[i], f);
	}
}

/* SVG --------------------------------------------------------------------- */

/* The geometry, flamegraph.pl's defaults. */
#define FG_WIDTH	1200
#define FG_XPAD		10
#define FG_FRAME_H	16
#define FG_FONT_SIZE	12
#define FG_FONT_W	0.59	/* a character's width, in font sizes */
#define FG_TOP		(FG_FONT_SIZE * 3)	/* the title, Reset Zoom, Search */
#define FG_BOTTOM	(FG_FONT_SIZE * 2 + 10)	/* the details line, Matched */
#define FG_MIN_WIDTH	0.1	/* pixels: narrower frames are left out */

/* A frame of the merged tree, in pre-order. */
struct fg_node {
	const char *name;
	size_t depth;		/* 0: the root, "all" */
	uint64_t start, count;	/* in counts, from the left edge */
};

static const char *frame_name(const struct fg_stack *s, size_t i)
{
	return s->frames[i] && *s->frames[i] ? s->frames[i] : "[unknown]";
}

/* Frame by frame, in byte order; a stack before the longer ones it begins. */
static int cmp_stacks(const void *a, const void *b)
{
	const struct fg_stack *x = *(const struct fg_stack *const *)a;
	const struct fg_stack *y = *(const struct fg_stack *const *)b;
	size_t n = x->nr < y->nr ? x->nr : y->nr;

	for (size_t i = 0; i < n; i++) {
		int c = strcmp(frame_name(x, i), frame_name(y, i));

		if (c)
			return c;
	}
	return (x->nr > y->nr) - (x->nr < y->nr);
}

/*
 * The frames of the stacks merged: sorted, then each stack opens a frame at
 * every depth from the first where it differs from the one before it.
 */
static int merge_stacks(const struct fg_stack *s, size_t n, struct fg_node **nodes_out,
			size_t *nr_out, size_t *depth_out)
{
	const struct fg_stack **sorted = xcalloc(n ? n : 1, sizeof(*sorted));
	struct fg_node *nodes = NULL;
	size_t nr_sorted = 0, nr = 0, alloc = 0, *path = NULL, alloc_path = 0, depth = 0;
	const struct fg_stack *prev = NULL;
	uint64_t total = 0;

	for (size_t i = 0; i < n; i++) {
		if (!s[i].count)
			continue;
		if (s[i].count > UINT64_MAX - total) {
			free(sorted);
			return -EOVERFLOW;
		}
		total += s[i].count;
		sorted[nr_sorted++] = &s[i];
	}
	qsort(sorted, nr_sorted, sizeof(*sorted), cmp_stacks);

	ALLOC_GROW(nodes, 1, alloc);
	nodes[nr++] = (struct fg_node){ .name = "all", .count = total };
	ALLOC_GROW(path, 1, alloc_path);
	path[0] = 0;
	total = 0;
	for (size_t i = 0; i < nr_sorted; i++) {
		const struct fg_stack *st = sorted[i];
		size_t same = 0;

		if (prev)
			while (same < prev->nr && same < st->nr &&
			       !strcmp(frame_name(prev, same), frame_name(st, same)))
				same++;
		for (size_t k = same; k < st->nr; k++) {
			ALLOC_GROW(nodes, nr + 1, alloc);
			nodes[nr] = (struct fg_node){ frame_name(st, k), k + 1, total, 0 };
			ALLOC_GROW(path, k + 2, alloc_path);
			path[k + 1] = nr++;
		}
		for (size_t k = 1; k <= st->nr; k++)
			nodes[path[k]].count += st->count;
		if (st->nr > depth)
			depth = st->nr;
		total += st->count;
		prev = st;
	}
	free(path);
	free(sorted);
	*nodes_out = nodes;
	*nr_out = nr;
	*depth_out = depth;
	return 0;
}

/* flamegraph.pl's "hot" palette, the colour from a hash of the name (as its --hash). */
static void put_colour(FILE *f, const char *name)
{
	uint32_t h = 2166136261u;	/* FNV-1a */

	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		h = (h ^ *p) * 16777619u;
	fprintf(f, "rgb(%u,%u,%u)", 205 + h % 51, (h >> 8) % 231, (h >> 20) % 56);
}

static const char fg_style[] =
	"<style type=\"text/css\"><![CDATA[\n"
	"text { font-family: Verdana, \"DejaVu Sans\", sans-serif; font-size: 12px; fill: #000; }\n"
	"#title { font-size: 17px; text-anchor: middle; }\n"
	"#unzoom, #search { cursor: pointer; }\n"
	"#search, #matched { text-anchor: end; }\n"
	"#search.on { fill: rgb(230,0,230); }\n"
	".f { cursor: pointer; }\n"
	".f:hover rect { stroke: #000; stroke-width: 0.5; }\n"
	".f text { pointer-events: none; }\n"
	".parent { opacity: 0.5; }\n"
	".hide { display: none; }\n"
	"]]></style>\n"
	"<defs><linearGradient id=\"background\" x1=\"0\" x2=\"0\" y1=\"0\" y2=\"1\">"
	"<stop stop-color=\"#eeeeee\" offset=\"5%\"/><stop stop-color=\"#eeeeb0\" offset=\"95%\"/>"
	"</linearGradient></defs>\n";

/*
 * The script: zoom (click a frame; its ancestors stay, full width and
 * faded; "Reset Zoom" or a click on the root goes back), search (the
 * "Search" button or Ctrl-F; a regular expression, a literal if it is not
 * one; matching frames in magenta and "Matched: P%" of all counts, nested
 * matches counted once; Escape or "Reset Search" clears it) and the details
 * line.  Frame names are read from the <title> text, never from the script.
 * window.flamegraph = { zoom, unzoom, search, resetSearch, frames } for
 * whoever drives it (the tests).
 */
static const char fg_script[] =
	"<script type=\"text/ecmascript\"><![CDATA[\n"
	"(function () {\n"
	"\t'use strict';\n"
	"\tvar XPAD = 10, W = 1180, CHAR_W = 12 * 0.59;\n"
	"\tvar svg = document.documentElement;\n"
	"\tvar total = +svg.getAttribute('data-total');\n"
	"\tvar details = document.getElementById('details');\n"
	"\tvar unzoomBtn = document.getElementById('unzoom');\n"
	"\tvar searchBtn = document.getElementById('search');\n"
	"\tvar matched = document.getElementById('matched');\n"
	"\tvar frames = [], byG = new Map(), searching = null;\n"
	"\tdocument.querySelectorAll('g.f').forEach(function (g) {\n"
	"\t\tvar t = g.querySelector('title').textContent, r = g.querySelector('rect');\n"
	"\t\tvar f = { g: g, rect: r, text: g.querySelector('text'),\n"
	"\t\t\ts: +g.getAttribute('data-s'), c: +g.getAttribute('data-c'),\n"
	"\t\t\td: +g.getAttribute('data-d'), title: t, name: t.substring(0, t.lastIndexOf(' (')),\n"
	"\t\t\tx: r.getAttribute('x'), w: r.getAttribute('width'), fill: r.getAttribute('fill') };\n"
	"\t\tf.label = f.text.textContent;\n"
	"\t\tframes.push(f);\n"
	"\t\tbyG.set(g, f);\n"
	"\t});\n"
	"\tfunction place(f, x, w) {\n"
	"\t\tvar n = Math.floor(w / CHAR_W), s = '';\n"
	"\t\tif (n >= 3)\n"
	"\t\t\ts = f.name.length <= n ? f.name : f.name.substring(0, n - 2) + '..';\n"
	"\t\tf.rect.setAttribute('x', x.toFixed(2));\n"
	"\t\tf.rect.setAttribute('width', w.toFixed(2));\n"
	"\t\tf.text.setAttribute('x', (x + 3).toFixed(2));\n"
	"\t\tf.text.textContent = s;\n"
	"\t}\n"
	"\tfunction unzoom() {\n"
	"\t\tframes.forEach(function (f) {\n"
	"\t\t\tf.g.classList.remove('hide', 'parent');\n"
	"\t\t\tf.rect.setAttribute('x', f.x);\n"
	"\t\t\tf.rect.setAttribute('width', f.w);\n"
	"\t\t\tf.text.setAttribute('x', (+f.x + 3).toFixed(2));\n"
	"\t\t\tf.text.textContent = f.label;\n"
	"\t\t});\n"
	"\t\tunzoomBtn.classList.add('hide');\n"
	"\t}\n"
	"\tfunction zoom(z) {\n"
	"\t\tif (!(z = byG.get(z) || z) || !z.g)\n"
	"\t\t\treturn;\n"
	"\t\tif (!z.d)\n"
	"\t\t\treturn unzoom();\n"
	"\t\tframes.forEach(function (f) {\n"
	"\t\t\tvar inside = f.d >= z.d && f.s >= z.s && f.s + f.c <= z.s + z.c;\n"
	"\t\t\tvar above = f.d < z.d && f.s <= z.s && f.s + f.c >= z.s + z.c;\n"
	"\t\t\tf.g.classList.toggle('hide', !inside && !above);\n"
	"\t\t\tf.g.classList.toggle('parent', above);\n"
	"\t\t\tif (inside)\n"
	"\t\t\t\tplace(f, XPAD + (f.s - z.s) / z.c * W, f.c / z.c * W);\n"
	"\t\t\telse if (above)\n"
	"\t\t\t\tplace(f, XPAD, W);\n"
	"\t\t});\n"
	"\t\tunzoomBtn.classList.remove('hide');\n"
	"\t}\n"
	"\tfunction resetSearch() {\n"
	"\t\tframes.forEach(function (f) { f.rect.setAttribute('fill', f.fill); });\n"
	"\t\tmatched.textContent = ' ';\n"
	"\t\tsearchBtn.textContent = 'Search';\n"
	"\t\tsearchBtn.classList.remove('on');\n"
	"\t\tsearching = null;\n"
	"\t}\n"
	"\tfunction search(term) {\n"
	"\t\tvar re, hits, sum = 0, end = -1, pct;\n"
	"\t\ttry {\n"
	"\t\t\tre = new RegExp(term);\n"
	"\t\t} catch (e) {\n"
	"\t\t\tre = new RegExp(term.replace(/[.*+?^${}()|[\\]\\\\]/g, '\\\\$&'));\n"
	"\t\t}\n"
	"\t\tresetSearch();\n"
	"\t\thits = frames.filter(function (f) { return re.test(f.name); });\n"
	"\t\thits.forEach(function (f) { f.rect.setAttribute('fill', 'rgb(230,0,230)'); });\n"
	"\t\thits.sort(function (a, b) { return a.s - b.s || b.c - a.c; });\n"
	"\t\thits.forEach(function (f) {\n"
	"\t\t\tif (f.s >= end) {\n"
	"\t\t\t\tsum += f.c;\n"
	"\t\t\t\tend = f.s + f.c;\n"
	"\t\t\t}\n"
	"\t\t});\n"
	"\t\tpct = total ? 100 * sum / total : 0;\n"
	"\t\tmatched.textContent = 'Matched: ' + pct.toFixed(2) + '%';\n"
	"\t\tsearchBtn.textContent = 'Reset Search';\n"
	"\t\tsearchBtn.classList.add('on');\n"
	"\t\tsearching = term;\n"
	"\t\treturn pct;\n"
	"\t}\n"
	"\tfunction askSearch() {\n"
	"\t\tvar t = window.prompt('Search for (a regular expression):', searching || '');\n"
	"\t\tif (t)\n"
	"\t\t\tsearch(t);\n"
	"\t}\n"
	"\tsvg.addEventListener('click', function (e) {\n"
	"\t\tvar g = e.target.closest('g.f');\n"
	"\t\tif (g)\n"
	"\t\t\tzoom(g);\n"
	"\t\telse if (e.target === unzoomBtn)\n"
	"\t\t\tunzoom();\n"
	"\t\telse if (e.target === searchBtn)\n"
	"\t\t\tsearching === null ? askSearch() : resetSearch();\n"
	"\t});\n"
	"\tsvg.addEventListener('mouseover', function (e) {\n"
	"\t\tvar g = e.target.closest('g.f');\n"
	"\t\tdetails.textContent = g ? 'Function: ' + byG.get(g).title : ' ';\n"
	"\t});\n"
	"\twindow.addEventListener('keydown', function (e) {\n"
	"\t\tif (e.key === 'F3' || ((e.ctrlKey || e.metaKey) && e.key === 'f')) {\n"
	"\t\t\te.preventDefault();\n"
	"\t\t\taskSearch();\n"
	"\t\t} else if (e.key === 'Escape') {\n"
	"\t\t\tresetSearch();\n"
	"\t\t}\n"
	"\t});\n"
	"\twindow.flamegraph = { zoom: zoom, unzoom: unzoom, search: search,\n"
	"\t\t\t      resetSearch: resetSearch, frames: frames };\n"
	"})();\n"
	"]]></script>\n";

/* One frame: its group (the numbers the script needs), tooltip, box and label. */
static void put_frame(FILE *f, const struct fg_node *nd, uint64_t total, unsigned int height,
		      const char *count_name)
{
	double wpc = (double)(FG_WIDTH - 2 * FG_XPAD) / (double)total;
	double x = FG_XPAD + (double)nd->start * wpc, w = (double)nd->count * wpc;
	unsigned int y = height - FG_BOTTOM - (nd->depth + 1) * FG_FRAME_H;
	size_t fits = (size_t)(w / (FG_FONT_SIZE * FG_FONT_W)), chars;

	fprintf(f, "<g class=\"f\" data-s=\"%" PRIu64 "\" data-c=\"%" PRIu64 "\" data-d=\"%zu\">"
		"<title>", nd->start, nd->count, nd->depth);
	put_xml(f, nd->name, SIZE_MAX);
	fputs(" (", f);
	put_count(f, nd->count);
	putc(' ', f);
	put_xml(f, count_name, SIZE_MAX);
	fprintf(f, ", %.2f%%)</title><rect x=\"%.2f\" y=\"%u\" width=\"%.2f\" height=\"%u\" "
		"rx=\"2\" ry=\"2\" fill=\"", 100.0 * (double)nd->count / (double)total, x, y, w,
		FG_FRAME_H - 1);
	put_colour(f, nd->name);
	fprintf(f, "\"/><text x=\"%.2f\" y=\"%u\">", x + 3, y + FG_FRAME_H - 5);
	chars = put_xml(NULL, nd->name, 0);
	if (fits >= 3) {
		put_xml(f, nd->name, chars <= fits ? fits : fits - 2);
		if (chars > fits)
			fputs("..", f);
	}
	fputs("</text></g>\n", f);
}

int flamegraph_svg_write(FILE *f, const struct fg_stack *s, size_t n, const char *title,
			 const char *count_name)
{
	struct fg_node *nodes;
	size_t nr, depth;
	unsigned int height;
	uint64_t total;
	int err;

	if (!title)
		title = "Flame Graph";
	if (!count_name)
		count_name = "samples";
	err = merge_stacks(s, n, &nodes, &nr, &depth);
	if (err)
		return err;
	total = nodes[0].count;
	errno = 0;	/* what a failed write sets, for the caller's message */
	height = (depth + 1) * FG_FRAME_H + FG_TOP + FG_BOTTOM;

	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
		"<svg version=\"1.1\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%u\" "
		"height=\"%u\" viewBox=\"0 0 %u %u\" data-total=\"%" PRIu64 "\">\n",
		FG_WIDTH, height, FG_WIDTH, height, total);
	fputs(fg_style, f);
	fprintf(f, "<rect id=\"bg\" x=\"0\" y=\"0\" width=\"%u\" height=\"%u\" "
		"fill=\"url(#background)\"/>\n", FG_WIDTH, height);
	fprintf(f, "<text id=\"title\" x=\"%u\" y=\"%u\">", FG_WIDTH / 2, FG_FONT_SIZE * 2);
	put_xml(f, title, SIZE_MAX);
	fprintf(f, "</text>\n<text id=\"details\" x=\"%u\" y=\"%u\"> </text>\n", FG_XPAD,
		height - FG_FONT_SIZE - 5);
	fprintf(f, "<text id=\"unzoom\" class=\"hide\" x=\"%u\" y=\"%u\">Reset Zoom</text>\n",
		FG_XPAD, FG_FONT_SIZE * 2);
	fprintf(f, "<text id=\"search\" x=\"%u\" y=\"%u\">Search</text>\n", FG_WIDTH - FG_XPAD,
		FG_FONT_SIZE * 2);
	fprintf(f, "<text id=\"matched\" x=\"%u\" y=\"%u\"> </text>\n", FG_WIDTH - FG_XPAD,
		height - FG_FONT_SIZE - 5);
	if (!total) {
		fprintf(f, "<text id=\"empty\" x=\"%u\" y=\"%u\">no ", FG_XPAD,
			FG_TOP + FG_FRAME_H - 5);
		put_xml(f, count_name, SIZE_MAX);
		fputs("</text>\n", f);
	}
	fputs("<g id=\"frames\">\n", f);
	for (size_t i = 0; i < nr && total; i++)
		if ((double)nodes[i].count * (FG_WIDTH - 2 * FG_XPAD) >= FG_MIN_WIDTH * (double)total)
			put_frame(f, &nodes[i], total, height, count_name);
	fputs("</g>\n", f);
	fputs(fg_script, f);
	fputs("</svg>\n", f);
	free(nodes);
	if (fflush(f) || ferror(f))
		return errno ? -errno : -EIO;
	return 0;
}
