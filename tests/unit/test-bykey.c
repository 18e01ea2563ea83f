// SPDX-License-Identifier: GPL-2.0
#include <string.h>

#include "plan/bykey.h"
#include "unit.h"

/* What trace's parse_arg_name() does, enough for the parser: arg0..arg5, retval, names. */
static int parse_arg(const char *s)
{
	if (!strcmp(s, "retval"))
		return TRACE_VALUE_RETVAL;
	if (!strncmp(s, "arg", 3) && s[3] >= '0' && s[3] <= '5' && !s[4])
		return s[3] - '0';
	return s[0] >= 'a' && s[0] <= 'z' ? 100 : -1;
}

static void test_parse(void)
{
	struct by_spec b;
	char err[128];

	CU_ASSERT_EQUAL_FATAL(by_spec_parse(&b, "comm,pid,str:arg1,arg0,bytes", parse_arg, err,
					    sizeof(err)), 0);
	CU_ASSERT_EQUAL(b.nr, 5);
	CU_ASSERT_EQUAL(b.parts[0].kind, BY_COMM);
	CU_ASSERT_EQUAL(b.parts[1].kind, BY_PID);
	CU_ASSERT_EQUAL(b.parts[2].kind, BY_STR);
	CU_ASSERT_STRING_EQUAL(b.parts[2].name, "arg1");
	CU_ASSERT_EQUAL(b.parts[2].arg, 1);
	CU_ASSERT_EQUAL(b.parts[3].kind, BY_VALUE);
	CU_ASSERT_EQUAL(b.parts[3].slot, 0);
	CU_ASSERT_EQUAL(b.parts[4].slot, 1);
	CU_ASSERT_EQUAL(b.parts[4].arg, 100);
	CU_ASSERT_EQUAL(by_spec_fields(&b), TRACE_BY_COMM | TRACE_BY_PID);
	CU_ASSERT_TRUE(by_spec_has(&b, BY_STR));
	CU_ASSERT_FALSE(by_spec_has(&b, BY_TID));
	by_spec_free(&b);

	/* file: the copy of the probed file, a field of the key (not a parameter named so) */
	CU_ASSERT_EQUAL_FATAL(by_spec_parse(&b, "probe,file", parse_arg, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(b.parts[1].kind, BY_FILE);
	CU_ASSERT_EQUAL(by_spec_fields(&b), TRACE_BY_PROBE | TRACE_BY_FILE);
	by_spec_free(&b);
}

/* The packed key: only its parts, numbers first, as wide as they are; unpacked back whole. */
static void test_layout(void)
{
	struct trace_by_layout l;
	struct trace_by_key k;
	struct by_spec b;
	char err[128], packed[sizeof(struct trace_by_key)];
	__u64 v0 = 0x1122334455667788ULL, v1 = 7;
	__u32 pid = 4242;

	CU_ASSERT_EQUAL_FATAL(by_spec_parse(&b, "comm", parse_arg, err, sizeof(err)), 0);
	by_spec_layout(&b, &l);
	CU_ASSERT_EQUAL(l.size, UPX_COMM_LEN);	/* what bpftrace's @[comm] hashes */
	CU_ASSERT_EQUAL(l.comm, 0);
	CU_ASSERT_EQUAL(l.pid, TRACE_BY_ABSENT);
	CU_ASSERT_EQUAL(l.str, TRACE_BY_ABSENT);
	CU_ASSERT_EQUAL(l.values[0], TRACE_BY_ABSENT);
	by_spec_free(&b);

	CU_ASSERT_EQUAL_FATAL(by_spec_parse(&b, "comm,pid,str:arg1,arg0,bytes", parse_arg, err,
					    sizeof(err)), 0);
	by_spec_layout(&b, &l);
	CU_ASSERT_EQUAL(l.values[0], 0);
	CU_ASSERT_EQUAL(l.values[1], 8);
	CU_ASSERT_EQUAL(l.pid, 16);
	CU_ASSERT_EQUAL(l.comm, 20);
	CU_ASSERT_EQUAL(l.str, 20 + UPX_COMM_LEN);
	CU_ASSERT_EQUAL(l.size, 20 + UPX_COMM_LEN + TRACE_BY_STR);
	CU_ASSERT_EQUAL(l.probe, TRACE_BY_ABSENT);
	CU_ASSERT(l.size < sizeof(struct trace_by_key));
	memset(packed, 0, sizeof(packed));
	memcpy(packed + l.values[0], &v0, 8);
	memcpy(packed + l.values[1], &v1, 8);
	memcpy(packed + l.pid, &pid, 4);
	memcpy(packed + l.comm, "python3", 7);
	memcpy(packed + l.str, "/etc/passwd", 11);
	memset(&k, 0xaa, sizeof(k));
	by_key_unpack(&l, packed, &k);
	CU_ASSERT_EQUAL(k.values[0], v0);
	CU_ASSERT_EQUAL(k.values[1], v1);
	CU_ASSERT_EQUAL(k.pid, pid);
	CU_ASSERT_STRING_EQUAL(k.comm, "python3");
	CU_ASSERT_STRING_EQUAL(k.str, "/etc/passwd");
	CU_ASSERT_EQUAL(k.probe, 0);
	CU_ASSERT_EQUAL(k.tid, 0);
	CU_ASSERT_EQUAL(k.uid, 0);
	CU_ASSERT_EQUAL(k.file, 0);
	by_spec_free(&b);

	/* every id: 4 bytes each, in a fixed order */
	CU_ASSERT_EQUAL_FATAL(by_spec_parse(&b, "uid,tid,pid,file,probe", parse_arg, err,
					    sizeof(err)), 0);
	by_spec_layout(&b, &l);
	CU_ASSERT_EQUAL(l.size, 20);
	CU_ASSERT_EQUAL(l.probe, 0);
	CU_ASSERT_EQUAL(l.uid, 16);
	by_spec_free(&b);
}

static void test_bad(void)
{
	static const char *const bad[] = {
		"", ",", "comm,comm", "arg0,arg1,arg2", "str:arg0,str:arg1", "9x", "str:",
		"a,b,c,d,e,f,g,h,i",
	};
	struct by_spec b;
	char err[128];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = 0;
		CU_ASSERT_EQUAL(by_spec_parse(&b, bad[i], parse_arg, err, sizeof(err)), -1);
		CU_ASSERT_NOT_EQUAL(err[0], 0);
		by_spec_free(&b);
	}
}

CU_TestInfo bykey_tests[] = {
	UNIT_TEST(test_parse),
	UNIT_TEST(test_bad),
	UNIT_TEST(test_layout),
	CU_TEST_INFO_NULL,
};
