// SPDX-License-Identifier: GPL-2.0
/* A small streaming JSON writer (RFC 8259), after bpftool's json_writer. */
#include <math.h>
#include <stdlib.h>
#include <inttypes.h>
#include <string.h>

#include "base/escape.h"	/* utf8_seq() */
#include "base/util.h"	/* xmalloc(): no messages from here */
#include "output/json.h"

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

/* No allocation: a message about memory running out still gets written. */
static struct json_writer stdout_jw;

struct json_writer *json_writer__stdout(void)
{
	stdout_jw.f = stdout;
	return &stdout_jw;
}

void json_writer__free(struct json_writer *jw)
{
	if (jw != &stdout_jw)
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

bool json_utf8_valid(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while (i < n) {
		long u = utf8_seq(s + i, n - i);

		if (u < 0)
			return false;
		i += u;
	}
	return true;
}

/*
 * Valid UTF-8 passes through; control characters (C0, DEL and C1), quote and
 * backslash are escaped; what is not valid UTF-8 becomes \ufffd (U+FFFD), so
 * the output is always valid JSON, safe on a terminal, and never shows a
 * character that was not there.
 */
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
		size_t run = i;
		long u;

		/* Printable ASCII needs no escape: copied a run at a time (every name and value). */
		while (run < n && s[run] >= 0x20 && s[run] < 0x7f && s[run] != '"' && s[run] != '\\')
			run++;
		if (run > i) {
			EMIT(s + i, run - i);
			i = run;
			continue;
		}
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
		if (u < 0) {
			EMIT("\\ufffd", 6);
			i += -u;
			continue;
		}
		if (u == 2 && c == 0xc2 && s[i + 1] < 0xa0) {
			/* C1 controls (U+009B is CSI): the same character, safe on a terminal */
			snprintf(tmp, sizeof(tmp), "\\u%04x", s[i + 1]);
			EMIT(tmp, 6);
			i += 2;
			continue;
		}
		EMIT(s + i, (size_t)u);
		i += u;
	}
#undef EMIT
	if (size)
		buf[out < size ? out : size - 1] = '\0';
	return out;
}

static void put_string(struct json_writer *jw, const char *s, size_t len)
{
	/* Room for any string an event carries (256 bytes, 6 each escaped): no malloc an event. */
	char small[2048], *buf = small;
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

void json_bytes_field(struct json_writer *jw, const char *name, const char *s, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	char small[1024], *hex = small, hex_name[64];

	json_name(jw, name);
	json_string_len(jw, s, len);
	if (json_utf8_valid(s, len))
		return;
	if (2 * len + 1 > sizeof(small))
		hex = xmalloc(2 * len + 1);
	for (size_t i = 0; i < len; i++) {
		hex[2 * i] = digits[(unsigned char)s[i] >> 4];
		hex[2 * i + 1] = digits[(unsigned char)s[i] & 0xf];
	}
	hex[2 * len] = '\0';
	snprintf(hex_name, sizeof(hex_name), "%s_hex", name);
	json_string_field(jw, hex_name, hex);
	if (hex != small)
		free(hex);
}

/* Numbers without printf: a stream writes several an event. */
void json_u64(struct json_writer *jw, uint64_t v)
{
	char buf[24];

	separate(jw);
	fwrite(buf, 1, put_u64(buf, v) - buf, jw->f);
}

void json_s64(struct json_writer *jw, int64_t v)
{
	char buf[24];

	separate(jw);
	fwrite(buf, 1, put_s64(buf, v) - buf, jw->f);
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
