#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# upx trace --count: exact counts from the uprobeme lab, in every build
# flavour a probe must handle.
. "$(dirname "$0")/lib.sh"

# count_of LABEL FILE: the COUNT column of LABEL's row
count_of() {
	awk -v l="$1" '$1 == l { print $2 }' "$2"
}

for flavour in uprobeme uprobeme-nopie uprobeme-static uprobeme-stripped uprobeme-cet \
	uprobeme-fp uprobeme-cet-fp; do
	test_expect_success BPF "--count is exact: $flavour" '
		f=$FIXTURES/'$flavour' &&
		upx trace --count $f:foo $f:bar -c "$f 7 11" >out 2>err &&
		test_grep "^foo 7 bar 11$" out &&
		test "$(count_of "$f:foo" out)" = 7 &&
		test "$(count_of "$f:bar" out)" = 11
	'
done

test_expect_success BPF 'the same with classic links (UPX_NO_MULTI=1)' '
	f=$FIXTURES/uprobeme &&
	UPX_NO_MULTI=1 upx trace --count $f:foo $f:bar -c "$f 4 2" >out 2>err &&
	test "$(count_of "$f:foo" out)" = 4 && test "$(count_of "$f:bar" out)" = 2 &&
	test_grep "(0 multi links)" err
'

test_expect_success BPF 'two probes in one file share one multi link' '
	f=$FIXTURES/uprobeme &&
	upx trace --count $f:foo $f:bar -c "$f 1 1" >out 2>err &&
	test_grep "Tracing 2 probes in 1 file (1 multi link)" err
'

test_expect_success BPF 'a function never called counts 0' '
	f=$FIXTURES/uprobeme &&
	upx trace --count $f:foo $f:bar -c "$f 0 3" >out &&
	test "$(count_of "$f:foo" out)" = 0 && test "$(count_of "$f:bar" out)" = 3
'

test_expect_success BPF '-- CMD ARGS is the same as -c' '
	f=$FIXTURES/uprobeme &&
	upx trace --count $f:foo -- $f 5 0 >out &&
	test "$(count_of "$f:foo" out)" = 5
'

test_expect_success BPF 'endbr64 is stepped over, and -v says so' '
	f=$FIXTURES/uprobeme-cet &&
	upx trace -v --count $f:foo -c "$f 1 0" >out 2>err &&
	test_grep "probe 0: $f:foo at .*+0x[0-9a-f]* (after endbr64)" err &&
	upx trace --at-entry --count $f:foo -c "$f 2 0" >out 2>err &&
	test "$(count_of "$f:foo" out)" = 2
'

test_expect_success BPF 'only the -c command is counted, not other runs' '
	f=$FIXTURES/uprobeme &&
	{ ( for i in 1 2 3 4 5 6 7 8 9 10; do $f 1 1 >/dev/null; done ) & } &&
	others=$! &&
	test_when_finished "test_kill $others" &&
	upx trace --count $f:foo -c "$f 3 0" >out &&
	wait_exit $others 10 &&
	test "$(count_of "$f:foo" out)" = 3
'

test_expect_success BPF '--follow counts the command'"'"'s children, without it only the command' '
	f=$FIXTURES/uprobeme &&
	upx trace --follow --count $f:foo -c "sh -c \"$f 2 0; $f 3 0; true\"" >out &&
	test "$(count_of "$f:foo" out)" = 5 &&
	upx trace --count $f:foo -c "sh -c \"$f 2 0; $f 3 0; true\"" >out &&
	test "$(count_of "$f:foo" out)" = 0 &&
	test_expect_code 2 upx trace --follow $f:foo 2>err && test_grep "goes with -c" err
'

test_expect_success BPF '--json counts' '
	f=$FIXTURES/uprobeme &&
	upx trace --json --count $f:foo $f:bar -c "$f 2 9" >out &&
	grep "^{\"counts\"" out >json &&
	python3 -c "
import json, sys
d = json.loads(open(\"json\").read())
c = {r[\"function\"]: r[\"count\"] for r in d[\"counts\"]}
assert c == {\"foo\": 2, \"bar\": 9}, c
assert d[\"lost\"] == 0
"
'

test_expect_success BPF 'PROGRAM:malloc, an import: its PLT stub counts the calls PROGRAM makes' '
	T=$FIXTURES/tracee &&
	upx trace --count $T:malloc -c "$T malloc 10 20 30" >out 2>err &&
	test "$(count_of "$T:malloc" out)" = 3 &&
	test_grep "^upx trace: $T:malloc is only imported here (defined in libc.so.6): probing its PLT stub" err &&
	upx trace -v --count $T:malloc -c "$T malloc 10" >out 2>err &&
	test "$(count_of "$T:malloc" out)" = 1 &&
	test_grep "^upx: probe 0: $T:malloc at .* (PLT stub of an import from libc.so.6)$" err &&
	# strdup calls malloc inside libc, not through tracee'"'"'s PLT
	upx trace --count $T:malloc -c "$T strlen 5" >out 2>err &&
	test "$(count_of "$T:malloc" out)" = 0
'

test_expect_success BPF 'nothing stays attached' '
	test_no_leftover_links
'

test_done
