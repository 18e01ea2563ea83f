#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# upx trace --latency and --hist: the values land in the right log2 buckets.
. "$(dirname "$0")/lib.sh"

T=$FIXTURES/tracee

# 34 ms = 34e6 ns lies in [2^25, 2^26) = [32M, 64M): a nap may run 30 ms late on a busy machine.
test_expect_success BPF '--latency: 5 naps of 34 ms fall in [32M, 64M) ns' '
	upx trace --latency $T:nap -c "$T nap 34 5" >out &&
	test_grep "^@latency_ns\[$T:nap\]: 5 calls" out &&
	test_grep "^\[32M, 64M)  *5 |@*|$" out
'

test_expect_success BPF '--latency --json gives the buckets' '
	upx trace --json --latency $T:nap -c "$T nap 34 4" >out &&
	python3 -c "
import json
d = json.loads(open(\"out\").readline())
b = d[\"buckets\"]
assert d[\"count\"] == 4 and len(b) == 1 and b[0][\"low\"] == 33554432 and b[0][\"count\"] == 4, d
"
'

test_expect_success BPF '--hist arg0 of malloc' '
	upx trace --hist arg0 libc.so.6:malloc -c "$T malloc 1048576 1048577 3000000" >out &&
	test_grep "^\[1M, 2M)  *2 |" out &&
	test_grep "^\[2M, 4M)  *1 |" out
'

test_expect_success BPF '--hist retval on a return probe' '
	upx trace --hist retval r:libc.so.6:strlen -c "$T strlen 10" >out &&
	test_grep "^\[16, 32)  *1[0-9] |" out
'

test_expect_success BPF '-i prints the totals periodically' '
	upx trace --count -i 0.3 -d 1.1 $T:tick -c "$T loop" >out 2>err &&
	test "$(grep -c "^PROBE" out)" -ge 3
'

test_expect_success BPF 'nothing stays attached' '
	test_no_leftover_links
'

test_done
