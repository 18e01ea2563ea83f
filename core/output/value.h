/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A value read from a traced program, in text and in JSON: a register's
 * number as upx shows it when no type says otherwise, a negative errno by
 * its name, and a string the kernel read at a pointer (cut at the size the
 * probe holds, or unreadable with the reason).
 */
#ifndef UPX_VALUE_H
#define UPX_VALUE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct json_writer;

/* What value_put() writes at most. */
#define VALUE_TEXT_MAX 24

/*
 * v as a number with no type to go by, into buf (VALUE_TEXT_MAX bytes):
 * small negatives (above -65536: errors) signed, up to 32 bits in decimal,
 * wider (pointers) in hex.  Returns the end of what it wrote.
 */
char *value_put(char *buf, uint64_t v);
void value_print(FILE *f, uint64_t v);

/* "EFAULT" for -14 (a negative errno); "unknown error" for one without a name. */
const char *errno_text(int err);

/*
 * A string the kernel read at ptr in a traced program: len is how long it
 * was (more than max when cut: s holds max bytes), or a negative errno when
 * it could not be read (a null pointer among them).
 */
struct read_str {
	const char *s;
	long len;
	size_t max;
	uint64_t ptr;
};

/*
 * For a terminal: quoted and escaped ('"' too: a traced string cannot forge
 * the fields of a line), "..." after a cut one; NULL for a null pointer,
 * "(unreadable 0x7f..: EFAULT)" for any other failed read.
 */
void read_str_print(FILE *f, const struct read_str *r);

/*
 * Fields of jw's open object: "str" (null when unreadable; "str_hex" too
 * when not UTF-8), "str_truncated", "str_error" (a failed read of a non-null
 * pointer) and "str_ptr".
 */
void read_str_json(struct json_writer *jw, const struct read_str *r);

#endif
