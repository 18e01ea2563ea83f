// SPDX-License-Identifier: GPL-2.0
/* A buffer from a traced program: escaped text, hex dump, base64 in JSON (buf.h). */
#include <errno.h>
#include <stdlib.h>

#include <sodium/utils.h>

#include "base/util.h"
#include "output/buf.h"
#include "output/json.h"
#include "output/value.h"

char *buf_escape(char *out, const uint8_t *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '"' && p[i] != '\\') {
			*out++ = p[i];
			continue;
		}
		*out++ = '\\';
		*out++ = 'x';
		*out++ = hex[p[i] >> 4];
		*out++ = hex[p[i] & 15];
	}
	return out;
}

/* The bytes were read (some or all), else why not, in words. */
static bool buf_read(const struct buf_view *b, FILE *f)
{
	if (b->err == -ENODATA)
		fputs("(the call's entry was not seen: its arguments are unknown)", f);
	else if (b->err)
		fprintf(f, "(unreadable 0x%llx: %s)", (unsigned long long)b->ptr,
			errno_text(b->err));
	else if (b->len < 0)
		fputs("(no bytes: negative length)", f);
	return !b->err && b->len >= 0;
}

/* 16 bytes a line: offset, the bytes in hex, printable ASCII beside them ('.' for the rest). */
static void hex_dump(FILE *f, const uint8_t *p, size_t n)
{
	for (size_t off = 0; off < n; off += 16) {
		fprintf(f, "\n    %04zx ", off);
		for (size_t i = off; i < off + 16; i++)
			i < n ? fprintf(f, " %02x", p[i]) : fputs("   ", f);
		fputs("  |", f);
		for (size_t i = off; i < n && i < off + 16; i++)
			fputc(p[i] >= 0x20 && p[i] < 0x7f ? p[i] : '.', f);
		fputc('|', f);
	}
}

void buf_print(FILE *f, const struct buf_view *b, bool hex)
{
	char *text, *end;

	fprintf(f, " buf[%lld]%s", (long long)b->len, hex && !b->err && b->len >= 0 ? ":" : "=");
	if (!buf_read(b, f))
		return;
	if (hex) {
		hex_dump(f, b->data, b->copied);
	} else {
		text = xcalloc(4, b->copied + 1);
		end = buf_escape(text, b->data, b->copied);
		fputc('"', f);
		fwrite(text, 1, end - text, f);
		fputc('"', f);
		free(text);
	}
	if ((uint64_t)b->len > b->copied)
		fprintf(f, "%s(cut at %u bytes)", hex ? "\n    ... " : "... ", b->copied);
}

void buf_json(struct json_writer *jw, const struct buf_view *b)
{
	size_t size = sodium_base64_ENCODED_LEN(b->copied, sodium_base64_VARIANT_ORIGINAL);
	char *b64;

	json_s64_field(jw, "buf_len", b->len);
	json_u64_field(jw, "buf_ptr", b->ptr);
	if (b->err || b->len < 0) {
		json_string_field(jw, "buf", NULL);
		json_string_field(jw, "buf_error", b->err == -ENODATA ? "entry not seen" :
				  b->err ? errno_text(b->err) : "negative length");
		return;
	}
	b64 = xcalloc(1, size);
	sodium_bin2base64(b64, size, b->data, b->copied, sodium_base64_VARIANT_ORIGINAL);
	json_string_field(jw, "buf", b64);
	json_u64_field(jw, "buf_copied", b->copied);
	json_bool_field(jw, "buf_truncated", (uint64_t)b->len > b->copied);
	free(b64);
}
