/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one JSON writer: every --json output goes through it, so escaping and
 * commas are right everywhere.  Output is compact; a document (or one line of
 * a JSON-lines stream) ends with json_writer__end_line().
 */
#ifndef UPX_JSON_H
#define UPX_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct json_writer;

struct json_writer *json_writer__new(FILE *f);
/*
 * The one writer on stdout, shared by a command's stream and its error
 * messages, so both keep one state; json_writer__free() leaves it alone.
 */
struct json_writer *json_writer__stdout(void);
void json_writer__free(struct json_writer *jw);
/* Newline after a complete top-level value (a document or one stream line). */
void json_writer__end_line(struct json_writer *jw);
/*
 * Hand what the writer holds to its FILE.  A writer holds its output until
 * a top-level value is complete (or it has 4K), so this is needed only to
 * write to the FILE by other means in the middle of a document.
 */
void json_writer__flush(struct json_writer *jw);

void json_object_start(struct json_writer *jw);
void json_object_end(struct json_writer *jw);
void json_array_start(struct json_writer *jw);
void json_array_end(struct json_writer *jw);
/* The name of the next member of the current object. */
void json_name(struct json_writer *jw, const char *name);

/* An array element: no name for a _hex beside it (json_string_field() keeps the bytes). */
void json_string(struct json_writer *jw, const char *s);
/*
 * A string of len bytes that may hold NULs or invalid UTF-8: each maximal
 * invalid subpart becomes U+FFFD (written \ufffd), so a byte is never shown
 * as a character it is not.  Use json_bytes_field() when the bytes matter.
 */
void json_string_len(struct json_writer *jw, const char *s, size_t len);
/*
 * "name": the string as json_string_len() writes it and, only when it is not
 * valid UTF-8, "name_hex": its len bytes in lowercase hex, so the exact
 * bytes a traced program holds are never lost.
 */
void json_bytes_field(struct json_writer *jw, const char *name, const char *s, size_t len);
void json_u64(struct json_writer *jw, uint64_t v);
void json_s64(struct json_writer *jw, int64_t v);
void json_double(struct json_writer *jw, double v);
void json_bool(struct json_writer *jw, bool v);
void json_null(struct json_writer *jw);

/*
 * "n": v (null for NULL), and "n_hex" too when v is not valid UTF-8: every
 * named string keeps its exact bytes, whatever file or process it came from.
 */
static inline void json_string_field(struct json_writer *jw, const char *n, const char *v)
{
	if (v) {
		json_bytes_field(jw, n, v, strlen(v));
		return;
	}
	json_name(jw, n);
	json_null(jw);
}

static inline void json_u64_field(struct json_writer *jw, const char *n, uint64_t v)
{
	json_name(jw, n);
	json_u64(jw, v);
}

static inline void json_s64_field(struct json_writer *jw, const char *n, int64_t v)
{
	json_name(jw, n);
	json_s64(jw, v);
}

static inline void json_bool_field(struct json_writer *jw, const char *n, bool v)
{
	json_name(jw, n);
	json_bool(jw, v);
}

/* Is s (len bytes) valid UTF-8? */
bool json_utf8_valid(const char *s, size_t len);
/* Escape s into buf (NUL-terminated, truncated to size); returns the full length needed. */
size_t json_escape(char *buf, size_t size, const char *s, size_t len);

#endif
