// SPDX-License-Identifier: GPL-2.0
/* core/output/buf.c: a buffer from a traced program as escaped text, a hex dump and base64. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "output/buf.h"
#include "output/json.h"
#include "unit.h"

static void check(const struct buf_view *b, const char *text, const char *hex, const char *json)
{
	char *t = UNIT_WRITTEN(f, buf_print(f, b, false)), *h = UNIT_WRITTEN(f, buf_print(f, b, true)),
	     *j = UNIT_JSON_OBJECT(jw, buf_json(jw, b));

	CU_ASSERT_STRING_EQUAL(t, text);
	CU_ASSERT_STRING_EQUAL(h, hex);
	CU_ASSERT_STRING_EQUAL(j, json);
	free(t);
	free(h);
	free(j);
}

/* Every byte that is not printable ASCII, and '"' and '\\', is \xNN: nothing forged, nothing lost. */
static void test_buf_escape(void)
{
	static const uint8_t all[] = "a\0\x80\xff\"\\\x1b[31m\n~ ";
	char out[4 * sizeof(all)], *end = buf_escape(out, all, sizeof(all) - 1);

	*end = '\0';
	CU_ASSERT_STRING_EQUAL(out, "a\\x00\\x80\\xff\\x22\\x5c\\x1b[31m\\x0a~ ");
}

static void test_buf_forms(void)
{
	static const uint8_t hello[] = "hello\0\x80world, and some more";

	check(&(struct buf_view){ hello, 12, 12, 0x1000, 0 },
	      " buf[12]=\"hello\\x00\\x80world\"",
	      " buf[12]:\n    0000  68 65 6c 6c 6f 00 80 77 6f 72 6c 64              |hello..world|",
	      "{\"buf_len\":12,\"buf_ptr\":4096,\"buf\":\"aGVsbG8AgHdvcmxk\",\"buf_copied\":12,"
	      "\"buf_truncated\":false}\n");
	/* cut at --buf-size: the length the call gave, the bytes copied, said */
	check(&(struct buf_view){ hello, 4, 100, 0x1000, 0 },
	      " buf[100]=\"hell\"... (cut at 4 bytes)",
	      " buf[100]:\n    0000  68 65 6c 6c                                      |hell|"
	      "\n    ... (cut at 4 bytes)",
	      "{\"buf_len\":100,\"buf_ptr\":4096,\"buf\":\"aGVsbA==\",\"buf_copied\":4,"
	      "\"buf_truncated\":true}\n");
	/* more than 16 bytes: a second line of the dump */
	check(&(struct buf_view){ hello, 17, 17, 1, 0 },
	      " buf[17]=\"hello\\x00\\x80world, and\"",
	      " buf[17]:\n    0000  68 65 6c 6c 6f 00 80 77 6f 72 6c 64 2c 20 61 6e  |hello..world, an|"
	      "\n    0010  64                                               |d|",
	      "{\"buf_len\":17,\"buf_ptr\":1,\"buf\":\"aGVsbG8AgHdvcmxkLCBhbmQ=\",\"buf_copied\":17,"
	      "\"buf_truncated\":false}\n");
	check(&(struct buf_view){ hello, 0, 0, 1, 0 }, " buf[0]=\"\"", " buf[0]:",
	      "{\"buf_len\":0,\"buf_ptr\":1,\"buf\":\"\",\"buf_copied\":0,\"buf_truncated\":false}\n");
}

/* Not read: why, and never bytes. */
static void test_buf_not_read(void)
{
	check(&(struct buf_view){ NULL, 0, 16, 0x10, -EFAULT },
	      " buf[16]=(unreadable 0x10: EFAULT)", " buf[16]=(unreadable 0x10: EFAULT)",
	      "{\"buf_len\":16,\"buf_ptr\":16,\"buf\":null,\"buf_error\":\"EFAULT\"}\n");
	check(&(struct buf_view){ NULL, 0, -1, 0x10, 0 },
	      " buf[-1]=(no bytes: negative length)", " buf[-1]=(no bytes: negative length)",
	      "{\"buf_len\":-1,\"buf_ptr\":16,\"buf\":null,\"buf_error\":\"negative length\"}\n");
	check(&(struct buf_view){ NULL, 0, 5, 0, -ENODATA },
	      " buf[5]=(the call's entry was not seen: its arguments are unknown)",
	      " buf[5]=(the call's entry was not seen: its arguments are unknown)",
	      "{\"buf_len\":5,\"buf_ptr\":0,\"buf\":null,\"buf_error\":\"entry not seen\"}\n");
}

CU_TestInfo buf_tests[] = {
	UNIT_TEST(test_buf_escape),
	UNIT_TEST(test_buf_forms),
	UNIT_TEST(test_buf_not_read),
	CU_TEST_INFO_NULL,
};
