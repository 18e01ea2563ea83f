#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# upx trace --by KEY: counts and histograms per key, kept in a kernel hash
# map: exact counts per comm, pid, argument, parameter, string and return value.
. "$(dirname "$0")/lib.sh"

T=$FIXTURES/tracee

# Two names for one program (symbolic links: one file, so one probe fires in
# both): the comm is the name it was run by.
A=$TRASH/alpha B=$TRASH/beta
ln -s "$T" "$A" && ln -s "$T" "$B" || exit 1

test_expect_success BPF '--by comm,pid: two programs in parallel, exact counts per key' '
	{ upx trace --count --by comm,pid $A:greet >out 2>err & up=$!; } &&
	test_when_finished "test_kill $up" &&
	wait_for "^Tracing" err &&
	{ $A greet 5 & a=$!; $B greet 7 & b=$!; } &&
	wait $a && wait $b &&
	kill -INT $up && wait_exit $up 5 &&
	printf "%s\n" "COMM PID COUNT" "beta $b 7" "alpha $a 5" >expect &&
	sed "s/  */ /g" out >got &&
	test_cmp expect got
'

test_expect_success BPF '--by comm --json: the key is a field' '
	{ upx trace --count --by comm --json $A:greet >out 2>err & up=$!; } &&
	test_when_finished "test_kill $up" &&
	wait_for "^Tracing" err &&
	$B greet 3 && $A greet 2 && $B greet 1 &&
	kill -INT $up && wait_exit $up 5 &&
	python3 -c "
import json
d, s = [json.loads(l) for l in open(\"out\").read().splitlines()]
assert d[\"counts\"] == [{\"comm\": \"beta\", \"count\": 4}, {\"comm\": \"alpha\", \"count\": 2}], d
assert d[\"keys\"] == 2 and d[\"not_counted\"] == 0, d
assert [p[\"calls\"] for p in s[\"summary\"][\"probes\"]] == [6], s
"
'

test_expect_success BPF '--by arg0: calls per size, largest count first' '
	upx trace --count --by arg0 libc.so.6:malloc -c "$T malloc 4096 100 4096 7 4096" >out &&
	printf "%s\n" "ARG0 COUNT" "4096 3" "7 1" "100 1" >expect &&
	sed "s/  */ /g" out >got &&
	test_cmp expect got
'

test_expect_success BPF '--by a parameter name from DWARF (nap(int ms))' '
	upx trace --count --by ms $T:nap -c "$T nap 3 4" >out &&
	printf "%s\n" "MS COUNT" "3 4" >expect &&
	sed "s/  */ /g" out >got &&
	test_cmp expect got
'

test_expect_success BPF '--by str:arg0: the string is the key (strdup calls strlen once more)' '
	upx trace --count --by str:arg0 libc.so.6:strlen -c "$T strlen 7" >out 2>err &&
	test_grep "^upx counts calls  *8$" out
'

test_expect_success BPF '--by str:retval on a return probe, --top 2' '
	upx trace --count --by str:retval --top 2 r:$T:greet -c "$T greet 5" >out &&
	test_line_count = 4 out &&
	test "$(grep -c "^hello [0-4]  *1$" out)" = 2 &&
	test_grep "^\.\.\. 3 more keys (--top 2)$" out
'

test_expect_success BPF '--hist --by comm: the buckets per key' '
	upx trace --hist arg0 --by comm libc.so.6:malloc -c "$T malloc 1048576 1048577 3000000" >out &&
	test_grep "^@arg0\[comm=tracee\]: 3 calls$" out &&
	test_grep "^\[1M, 2M)  *2 |" out &&
	test_grep "^\[2M, 4M)  *1 |" out
'

test_expect_success BPF '--hist --by comm --json: buckets and the exact sum' '
	upx trace --json --hist arg0 --by comm libc.so.6:malloc -c "$T malloc 1000 24" >out &&
	python3 -c "
import json
d = json.loads(open(\"out\").readline())
assert d[\"comm\"] == \"tracee\" and d[\"count\"] == 2 and d[\"sum\"] == 1024, d
assert [(b[\"low\"], b[\"count\"]) for b in d[\"buckets\"] if b[\"count\"]] == [(16, 1), (512, 1)], d
"
'

test_expect_success BPF '--latency --by pid: the key taken at entry, the time at return' '
	{ upx trace --latency --by pid $T:nap -c "$T nap 17 3" >out 2>err; } &&
	test_grep "^@latency_ns\[pid=[0-9]*\]: 3 calls$" out &&
	test_grep "^\[16M, 32M)  *3 |" out
'

test_expect_success BPF 'a full --by map: what did not fit is reported, not silently dropped' '
	upx trace --count --by arg0 --by-size 2 $T:greet -c "$T greet 5" >out 2>err &&
	test_line_count = 3 out &&
	test_grep "the --by map is full (2 keys): 3 calls under other keys not counted" err &&
	upx trace --count --json --by arg0 --by-size 2 $T:greet -c "$T greet 5" >out &&
	python3 -c "
import json
d, s = [json.loads(l) for l in open(\"out\").read().splitlines()]
assert d[\"keys\"] == 2 and d[\"not_counted\"] == 3, d
# the zero report counts the calls not counted under a key too
assert [p[\"calls\"] for p in s[\"summary\"][\"probes\"]] == [5], s
"
'

for bad in "--by comm" "--count --by nosuch:x" "--count --by retval" "--count --by comm,comm" \
	   "--count --by-size 5" "--top 3" "--count --by arg0,arg1,arg2" "--latency --by str:retval"; do
	test_expect_success "usage error: $bad" '
		test_expect_code 2 upx trace '"$bad"' $T:greet -c "$T greet 1" 2>err >out &&
		test_grep "^upx trace: " err &&
		test_line_count = 0 out
	'
done

test_expect_success BPF '--by arg0 on a return probe is refused' '
	test_expect_code 2 upx trace --count --by arg0 r:$T:greet -c "$T greet 1" 2>err &&
	test_grep "arguments are gone when a function returns" err
'

test_expect_success BPF 'nothing stays attached' '
	test_no_leftover_links
'

test_done
