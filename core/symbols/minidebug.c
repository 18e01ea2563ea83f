// SPDX-License-Identifier: GPL-2.0
/* MiniDebugInfo: .gnu_debugdata's xz stream decompressed with liblzma (minidebug.h). */
#include <lzma.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/util.h"
#include "symbols/minidebug.h"

static const char *lzma_cause(lzma_ret r)
{
	switch (r) {
	case LZMA_FORMAT_ERROR: return "not an xz stream";
	case LZMA_OPTIONS_ERROR: return "xz options this liblzma does not support";
	case LZMA_DATA_ERROR: return "corrupt xz data";
	case LZMA_BUF_ERROR: return "truncated xz data";
	case LZMA_MEM_ERROR: return "out of memory";
	case LZMA_MEMLIMIT_ERROR: return "xz data that needs too much memory to decode";
	default: return "xz data liblzma cannot decode";
	}
}

int minidebug_decompress(const void *buf, size_t len, void **out, size_t *out_len, char *err,
			 size_t errlen)
{
	lzma_stream s = LZMA_STREAM_INIT;
	unsigned char *o = NULL;
	size_t cap = 0;
	lzma_ret r;

	*out = NULL;
	*out_len = 0;
	/* 128 MiB of decoder state: more than any xz preset needs (-9e: a 64 MiB dictionary). */
	r = lzma_stream_decoder(&s, 128u << 20, LZMA_CONCATENATED);
	if (r != LZMA_OK) {
		snprintf(err, errlen, "%s", lzma_cause(r));
		return -1;
	}
	s.next_in = buf;
	s.avail_in = len;
	do {
		if (!s.avail_out) {
			if (cap >= MINIDEBUG_MAX_SIZE) {
				snprintf(err, errlen, "more than %u MiB once decompressed",
					 MINIDEBUG_MAX_SIZE >> 20);
				goto fail;
			}
			cap = cap ? cap * 2 : (len * 4 > 65536 ? len * 4 : 65536);
			if (cap > MINIDEBUG_MAX_SIZE)
				cap = MINIDEBUG_MAX_SIZE;
			o = xrealloc(o, cap);
			s.next_out = o + s.total_out;
			s.avail_out = cap - s.total_out;
		}
		/* All the input is there: LZMA_FINISH, so a stream cut short is an error. */
		r = lzma_code(&s, LZMA_FINISH);
	} while (r == LZMA_OK);
	if (r != LZMA_STREAM_END) {
		snprintf(err, errlen, "%s", lzma_cause(r));
		goto fail;
	}
	*out = o;
	*out_len = s.total_out;
	lzma_end(&s);
	return 0;
fail:
	free(o);
	lzma_end(&s);
	return -1;
}
