// SPDX-License-Identifier: GPL-2.0
/* A value read from a traced program, in text and in JSON (value.h). */
#include <string.h>

#include "base/escape.h"
#include "base/util.h"
#include "output/json.h"
#include "output/value.h"

char *value_put(char *buf, uint64_t v)
{
	if ((long long)v < 0 && (long long)v > -65536)
		return put_s64(buf, (long long)v);
	if (v <= 0xffffffffULL)
		return put_u64(buf, v);
	return put_hex(buf, v);
}

void value_print(FILE *f, uint64_t v)
{
	char buf[VALUE_TEXT_MAX], *end = value_put(buf, v);

	fwrite(buf, 1, end - buf, f);
}

const char *errno_text(int err)
{
	const char *name = strerrorname_np(-err);

	return name ? name : "unknown error";
}

static size_t held(const struct read_str *r)
{
	return (size_t)r->len < r->max ? (size_t)r->len : r->max;
}

void read_str_print(FILE *f, const struct read_str *r)
{
	if (r->len < 0) {
		if (!r->ptr)
			fputs("NULL", f);
		else
			fprintf(f, "(unreadable 0x%llx: %s)", (unsigned long long)r->ptr,
				errno_text(r->len));
		return;
	}
	fputs_quoted(f, r->s, held(r));
	if ((size_t)r->len > r->max)
		fputs("...", f);
}

void read_str_json(struct json_writer *jw, const struct read_str *r)
{
	if (r->len >= 0) {
		json_bytes_field(jw, "str", r->s, held(r));
		json_bool_field(jw, "str_truncated", (size_t)r->len > r->max);
	} else {
		json_string_field(jw, "str", NULL);
		if (r->ptr)
			json_string_field(jw, "str_error", errno_text(r->len));
	}
	json_u64_field(jw, "str_ptr", r->ptr);
}
