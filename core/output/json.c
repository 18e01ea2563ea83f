// SPDX-License-Identifier: GPL-2.0
/* A small streaming JSON writer (RFC 8259), after bpftool's json_writer. */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <inttypes.h>
#include <string.h>

#include "base/escape.h"	/* utf8_seq() */
#include "base/util.h"	/* xmalloc(): no messages from here */
#include "output/json.h"

#define JSON_MAX_DEPTH 64
/* What a writer gathers before it hands it to stdio: a stream's line fits many times over. */
#define JSON_BUF 4096

/*
 * A writer gathers its output in buf and hands it to stdio in one fwrite()
 * when a top-level value ends (a line of a stream, a document) or buf is
 * full: stdio takes its lock once a line, not once a comma or a quote.
 */
struct json_writer {
	FILE *f;
	int depth;
	/* Per level: has a value been written yet (so the next needs a comma)? */
	bool has_value[JSON_MAX_DEPTH];
	/* A name was just written: the next value follows it without a comma. */
	bool after_name;
	size_t len;
	char buf[JSON_BUF];
};

struct json_writer *json_writer__new(FILE *f)
{
	struct json_writer *jw = xmalloc(sizeof(*jw));

	memset(jw, 0, offsetof(struct json_writer, buf));
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

void json_writer__flush(struct json_writer *jw)
{
	if (jw->len)
		fwrite(jw->buf, 1, jw->len, jw->f);
	jw->len = 0;
}

void json_writer__free(struct json_writer *jw)
{
	if (!jw)
		return;
	json_writer__flush(jw);
	if (jw != &stdout_jw)
		free(jw);
}

/* Room for n more bytes in buf (n <= JSON_BUF), flushing what it holds if need be. */
static char *room(struct json_writer *jw, size_t n)
{
	if (jw->len + n > JSON_BUF)
		json_writer__flush(jw);
	return jw->buf + jw->len;
}

static void put(struct json_writer *jw, const char *s, size_t n)
{
	if (n > JSON_BUF) {
		json_writer__flush(jw);
		fwrite(s, 1, n, jw->f);
		return;
	}
	memcpy(room(jw, n), s, n);
	jw->len += n;
}

static void put_c(struct json_writer *jw, char c)
{
	*room(jw, 1) = c;
	jw->len++;
}

/* After a value: a top-level one is complete, and goes to stdio. */
static void value_done(struct json_writer *jw)
{
	if (!jw->depth)
		json_writer__flush(jw);
}

void json_writer__end_line(struct json_writer *jw)
{
	put_c(jw, '\n');
	json_writer__flush(jw);
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
		put_c(jw, ',');
	jw->has_value[jw->depth] = true;
}

static void open_level(struct json_writer *jw, char c)
{
	separate(jw);
	put_c(jw, c);
	if (jw->depth < JSON_MAX_DEPTH - 1)
		jw->depth++;
	jw->has_value[jw->depth] = false;
}

static void close_level(struct json_writer *jw, char c)
{
	if (jw->depth > 0)
		jw->depth--;
	put_c(jw, c);
	value_done(jw);
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
		long u;

		if (s[i] < 0x80) {	/* ASCII: most of every name */
			i++;
			continue;
		}
		u = utf8_seq(s + i, n - i);
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
		run += escape_plain_run(s + i, n - i, true);
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

/* s escaped between quotes, straight into the writer's buffer (a name or value fits). */
static void put_string(struct json_writer *jw, const char *s, size_t len)
{
	size_t need;
	char *big;

	put_c(jw, '"');
	/* json_escape() says how much it needs: a string longer than what is left retried. */
	need = json_escape(jw->buf + jw->len, JSON_BUF - jw->len, s, len);
	if (need < JSON_BUF - jw->len) {
		jw->len += need;
	} else if (need < JSON_BUF) {
		json_writer__flush(jw);
		jw->len = json_escape(jw->buf, JSON_BUF, s, len);
	} else {
		big = xmalloc(need + 1);
		json_escape(big, need + 1, s, len);
		put(jw, big, need);
		free(big);
	}
	put_c(jw, '"');
}

void json_name(struct json_writer *jw, const char *name)
{
	separate(jw);
	put_string(jw, name, strlen(name));
	put_c(jw, ':');
	jw->after_name = true;
}

void json_string(struct json_writer *jw, const char *s)
{
	separate(jw);
	put_string(jw, s, strlen(s));
	value_done(jw);
}

void json_string_len(struct json_writer *jw, const char *s, size_t len)
{
	separate(jw);
	put_string(jw, s, len);
	value_done(jw);
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
	separate(jw);
	jw->len = put_u64(room(jw, 20), v) - jw->buf;
	value_done(jw);
}

void json_s64(struct json_writer *jw, int64_t v)
{
	separate(jw);
	jw->len = put_s64(room(jw, 21), v) - jw->buf;
	value_done(jw);
}

void json_double(struct json_writer *jw, double v)
{
	separate(jw);
	if (isfinite(v))
		jw->len += snprintf(room(jw, 32), 32, "%.17g", v);
	else
		put(jw, "null", 4);
	value_done(jw);
}

void json_bool(struct json_writer *jw, bool v)
{
	separate(jw);
	if (v)
		put(jw, "true", 4);
	else
		put(jw, "false", 5);
	value_done(jw);
}

void json_null(struct json_writer *jw)
{
	separate(jw);
	put(jw, "null", 4);
	value_done(jw);
}
