/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A buffer read from a traced program (trace --buf ARG,LEN): its bytes as a
 * terminal may show them (printable ASCII as it is, every other byte \xNN,
 * so a 0 byte, UTF-8 and escape sequences alike are seen, never acted on),
 * as a hex dump, or in JSON as base64 with its length.  Nothing is shown as
 * data that was not read: a failed read says why, a cut one says so.
 */
#ifndef UPX_BUF_H
#define UPX_BUF_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct json_writer;

struct buf_view {
	const uint8_t *data;	/* copied bytes */
	uint32_t copied;
	int64_t len;		/* the length the call gave (more than copied: cut) */
	uint64_t ptr;		/* where they were read */
	int err;		/* 0, or -errno (-ENODATA: the call's entry was not seen) */
};

/*
 * " buf[LEN]=\"...\"" (escaped), " buf[LEN]=\"...\"... (cut at N bytes)",
 * " buf[-1]=(no bytes: negative length)", " buf[13]=(unreadable 0x..: EFAULT)";
 * with hex, " buf[LEN]:" and the dump on lines of their own, each begun with
 * a newline (the caller ends the last).
 */
void buf_print(FILE *f, const struct buf_view *b, bool hex);
/* Fields of jw's object: "buf" (base64, null when not read), "buf_len", "buf_copied",
 * "buf_truncated", "buf_error", "buf_ptr". */
void buf_json(struct json_writer *jw, const struct buf_view *b);

/* The bytes escaped (\xNN but printable ASCII, '"' and '\\' too) into out; the end of what it wrote
 * (out holds 4 bytes a byte). */
char *buf_escape(char *out, const uint8_t *p, size_t n);

#endif
