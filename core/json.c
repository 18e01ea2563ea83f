// SPDX-License-Identifier: GPL-2.0
/* A small streaming JSON writer (RFC 8259), after bpftool's json_writer. */
#include <math.h>
#include <stdlib.h>
#include <inttypes.h>
#include <string.h>

#include "json.h"
#include "util.h"

#define JSON_MAX_DEPTH 64

struct json_writer {
	FILE *f;
	int depth;
	/* Per level: has a value been written yet (so the next needs a comma)? */
	bool has_value[JSON_MAX_DEPTH];
	/* A name was just written: the next value follows it without a comma. */
	bool after_name;
};

struct json_writer *json_writer__new(FILE *f)
{
	struct json_writer *jw = xcalloc(1, sizeof(*jw));

	jw->f = f;
	return jw;
}

void json_writer__free(struct json_writer *jw)
{
	free(jw);
}

void json_writer__end_line(struct json_writer *jw)
{
	fputc('\n', jw->f);
	jw->has_value[0] = false;
}

/* Comma handling before any value or name. */
static void separate(struct json_writer *jw)
{
	if (jw->after_name) {
		jw->after_name = false;
		return;
	}
	if (jw->has_value[jw->depth])
		fputc(',', jw->f);
	jw->has_value[jw->depth] = true;
}

static void open_level(struct json_writer *jw, char c)
{
	separate(jw);
	fputc(c, jw->f);
	if (jw->depth < JSON_MAX_DEPTH - 1)
		jw->depth++;
	jw->has_value[jw->depth] = false;
}

static void close_level(struct json_writer *jw, char c)
{
	if (jw->depth > 0)
		jw->depth--;
	fputc(c, jw->f);
}

void json_object_start(struct json_writer *jw) { open_level(jw, '{'); }
void json_object_end(struct json_writer *jw) { close_level(jw, '}'); }
void json_array_start(struct json_writer *jw) { open_level(jw, '['); }
void json_array_end(struct json_writer *jw) { close_level(jw, ']'); }

/*
 * Valid UTF-8 passes through; control characters, quote and backslash are
 * escaped; a byte that is not part of valid UTF-8 becomes \u00XX (its Latin-1
 * reading), so the output is always valid JSON.
 */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	size_t len, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] < 0xe0)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] < 0xf0)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] < 0xf5)
		len = 4;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if (len == 3 && ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0)))
		return 0; /* overlong or surrogate */
	if (len == 4 && ((s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] >= 0x90)))
		return 0;
	return len;
}

size_t json_escape(char *buf, size_t size, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t out = 0, i = 0;
	char tmp[8];

#define EMIT(p, l)                                                                       \
	do {                                                                             \
		size_t _l = (l);                                                         \
		if (out + _l < size)                                                     \
			memcpy(buf + out, (p), _l);                                      \
		else if (out < size)                                                     \
			memcpy(buf + out, (p), size - out - 1);                          \
		out += _l;                                                               \
	} while (0)

	while (i < n) {
		unsigned char c = s[i];
		size_t u;

		switch (c) {
		case '"': EMIT("\\\"", 2); i++; continue;
		case '\\': EMIT("\\\\", 2); i++; continue;
		case '\n': EMIT("\\n", 2); i++; continue;
		case '\t': EMIT("\\t", 2); i++; continue;
		case '\r': EMIT("\\r", 2); i++; continue;
		case '\b': EMIT("\\b", 2); i++; continue;
		case '\f': EMIT("\\f", 2); i++; continue;
		}
		if (c < 0x20 || c == 0x7f) {
			snprintf(tmp, sizeof(tmp), "\\u%04x", c);
			EMIT(tmp, 6);
			i++;
			continue;
		}
		u = utf8_seq(s + i, n - i);
		if (!u) {
			snprintf(tmp, sizeof(tmp), "\\u%04x", c);
			EMIT(tmp, 6);
			i++;
			continue;
		}
		EMIT(s + i, u);
		i += u;
	}
#undef EMIT
	if (size)
		buf[out < size ? out : size - 1] = '\0';
	return out;
}

static void put_string(struct json_writer *jw, const char *s, size_t len)
{
	char small[256], *buf = small;
	size_t need = json_escape(small, sizeof(small), s, len);

	if (need >= sizeof(small)) {
		buf = xmalloc(need + 1);
		json_escape(buf, need + 1, s, len);
	}
	fputc('"', jw->f);
	fwrite(buf, 1, need, jw->f);
	fputc('"', jw->f);
	if (buf != small)
		free(buf);
}

void json_name(struct json_writer *jw, const char *name)
{
	separate(jw);
	put_string(jw, name, strlen(name));
	fputc(':', jw->f);
	jw->after_name = true;
}

void json_string(struct json_writer *jw, const char *s)
{
	separate(jw);
	put_string(jw, s, strlen(s));
}

void json_string_len(struct json_writer *jw, const char *s, size_t len)
{
	separate(jw);
	put_string(jw, s, len);
}

void json_u64(struct json_writer *jw, uint64_t v)
{
	separate(jw);
	fprintf(jw->f, "%" PRIu64, v);
}

void json_s64(struct json_writer *jw, int64_t v)
{
	separate(jw);
	fprintf(jw->f, "%" PRId64, v);
}

void json_double(struct json_writer *jw, double v)
{
	separate(jw);
	if (isfinite(v))
		fprintf(jw->f, "%.17g", v);
	else
		fputs("null", jw->f);
}

void json_bool(struct json_writer *jw, bool v)
{
	separate(jw);
	fputs(v ? "true" : "false", jw->f);
}

void json_null(struct json_writer *jw)
{
	separate(jw);
	fputs("null", jw->f);
}
