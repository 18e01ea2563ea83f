#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# upx trace --stack: each event followed by its user stack, innermost first,
# right in code built with frame pointers and without (the default unwinder,
# DWARF), C++ names demangled, inlined calls with their lines, JSON frames,
# the frame-pointer walk saying when it cannot be trusted.
. "$(dirname "$0")/lib.sh"

F=$FIXTURES/stackfix
NOFP=$FIXTURES/stackfix-nofp
CXX=$FIXTURES/stackcxx
# The fixtures stay LINGER ms after their calls, so that their mappings are
# read while they live (a process is symbolized from its mappings).
LINGER=100

# frames FILE: the function of each frame line, one a line
frames() {
	sed -n "s/^    \([^ +]*\)+0x[0-9a-f]* (.*/\1/p" "$1"
}

test_expect_success 'usage errors: bad unwinder, with --hist or --latency, stray options' '
	test_expect_code 2 upx trace --stack=frames x:y 2>err &&
	test_grep "^upx trace: --stack takes fp or dwarf, not .frames.$" err &&
	test_expect_code 2 upx trace --stack --hist arg0 x:y 2>err &&
	test_grep "^upx trace: --stack .*not with --hist$" err &&
	test_expect_code 2 upx trace --stack --latency x:y 2>err &&
	test_grep "not with --latency$" err &&
	test_expect_code 2 upx trace --folded --hist arg0 x:y 2>err &&
	test_grep "^upx trace: --folded, --flamegraph and --pprof count calls per stack: not with --hist or --latency" err &&
	test_expect_code 2 upx trace --stack=fp --stack-size 16K x:y 2>err &&
	test_grep "^upx trace: --stack-size goes with --stack=dwarf" err &&
	test_expect_code 2 upx trace --stack --stack-size 100 x:y 2>err &&
	test_grep "^upx trace: --stack-size must be a multiple of 8 from 512 to 64K$" err &&
	test_expect_code 2 upx trace --stack-size 16K x:y 2>err &&
	test_expect_code 2 upx trace --stack --top 3 x:y 2>err &&
	test_grep "^upx trace: --top N goes with --count --stack" err &&
	test_expect_code 2 upx trace --count --stack --by comm x:y 2>err &&
	test_grep "^upx trace: --stack counts per stack: not with --by$" err &&
	test_expect_code 2 upx trace --folded --metrics-file m x:y 2>err &&
	test_grep "^upx trace: --stack counts per stack: not with --metrics-file$" err &&
	test_expect_code 2 upx trace --folded --json x:y >out 2>err &&
	test_grep "^{\"error\":\"--folded is a text format: not with --json\"}$" out
'

test_expect_success '-h shows --stack with its optional unwinder' '
	upx trace -h >usage &&
	test_grep "^ *--stack\[=<fp|dwarf>\] " usage
'

for fix in stackfix stackfix-nofp; do
	test_expect_success BPF "$fix: the default unwinder gives both chains, frame by frame" '
		f=$FIXTURES/'$fix' &&
		upx trace --stack $f:leaf -c "$f 1 1 $LINGER" >out 2>err &&
		frames out >got &&
		printf "%s\n" leaf b a main _start leaf c main _start >expect &&
		test_cmp expect got &&
		! grep -q unreliable out err
	'
done

test_expect_success BPF '-v says which unwinder ran' '
	upx trace -v --stack $F:leaf -c "$F 1 0 $LINGER" >out 2>err &&
	test_grep "^upx trace: stacks: [0-9]* unwound in the kernel, [0-9]* copied" err &&
	UPX_NO_KUNWIND=1 upx trace -v --stack $F:leaf -c "$F 1 0 $LINGER" >out 2>err &&
	test_grep "^upx trace: stacks: .*unwound with DWARF" err &&
	! grep -q "unwound in the kernel" err &&
	upx trace -v --stack=fp $F:leaf -c "$F 1 0 $LINGER" >out 2>err &&
	test_grep "^upx trace: stacks: frame pointers walked in the kernel" err
'

test_expect_success BPF '--stack=fp with frame pointers: the same frames, trusted' '
	upx trace --stack=fp $F:leaf -c "$F 1 1 $LINGER" >out 2>err &&
	frames out >got &&
	printf "%s\n" leaf b a main _start leaf c main _start >expect &&
	test_cmp expect got &&
	! grep -q unreliable out err
'

test_expect_success BPF '--stack=fp without frame pointers says its stacks are unreliable' '
	upx trace --stack=fp $NOFP:leaf -c "$NOFP 1 1 $LINGER" >out 2>err &&
	test_grep "^upx trace: warning: --stack=fp: stacks pass through code without frame pointers" err &&
	test_grep "unreliable, frames may be missing or wrong; --stack=dwarf unwinds them" err &&
	test "$(grep -c "^    \[unreliable: .* keeps no frame pointer" out)" = 2
'

# The file offset of symbol SYM in FILE: its address through readelf's LOAD program headers.
file_offset_of() {
	addr=$(nm "$1" | awk -v s="$2" '$3 == s { print $1 }') &&
	readelf -lW "$1" | python3 -c "
import sys
a = int(\"$addr\", 16)
for l in sys.stdin:
	w = l.split()
	if w and w[0] == \"LOAD\":
		off, va, sz = int(w[1], 16), int(w[2], 16), int(w[5], 16)
		if va <= a < va + sz:
			print(a - va + off)
"
}

test_expect_success BPF '--json: the frames as objects (file, build id, offsets, source line)' '
	upx trace --json --stack $F:leaf -c "$F 1 0 $LINGER" >out 2>err &&
	# the event, then the summary object (the zero report)
	test_line_count = 2 out &&
	tail -1 out | jq -e ".summary.probes[0].calls == 1" >/dev/null &&
	head -1 out >event && mv event out &&
	bid=$(readelf -n $F | sed -n "s/.*Build ID: //p") &&
	off=$(file_offset_of $F leaf) &&
	line=$(grep -n "sink += x;" $SRC_DIR/tests/fixtures/stackfix.c | cut -d: -f1) &&
	python3 -c "
import json, os, sys
e = json.load(open(\"out\"))
s = e[\"stack\"]
assert [f[\"function\"] for f in s] == [\"leaf\", \"b\", \"a\", \"main\", \"_start\"], s
f = s[0]
assert f[\"file\"] == os.path.realpath(\"$F\"), f
assert f[\"build_id\"] == \"$bid\", f
assert f[\"file_offset\"] == $off and f[\"offset\"] == 0, f
assert f[\"src_file\"].endswith(\"stackfix.c\") and f[\"line\"] == $line, f
assert f[\"inlined\"] is False and f[\"deleted\"] is False
assert all(x[\"addr\"] - x[\"file_offset\"] == f[\"addr\"] - f[\"file_offset\"] for x in s)
assert e[\"unwinder\"] == \"dwarf\" and e[\"stack_cut\"] is None and e[\"stack_unreliable\"] is None
"
'

test_expect_success BPF 'C++: demangled frames, the inlined call with its source line' '
	upx trace --stack "$CXX:shop::leaf" -c "$CXX 1 $LINGER" >out 2>err &&
	leaf=$(nm $CXX | c++filt | sed -n "s/^[0-9a-f]* T \(shop::leaf.*\)/\1/p") &&
	weigh=$(nm $CXX | c++filt | sed -n "s/^[0-9a-f]* W \(shop::Basket.*weigh.*\)/\1/p") &&
	test "$leaf" = "shop::leaf(int)" &&
	line=$(grep -n "the inlined call site" $SRC_DIR/tests/fixtures/stackcxx.cc | cut -d: -f1) &&
	sed -n "/^    /p" out >stack &&
	sed -n 1p stack | grep -F "    $leaf+0x0 (" &&
	sed -n 2p stack | grep -E "^    (shop::)?helper(\(int\))? \(inlined\) \(.*\) stackcxx.cc:$line$" &&
	sed -n 3p stack | grep -F "    $weigh+0x" &&
	sed -n 4p stack | grep "^    main+0x"
'

test_expect_success BPF 'python3: an 8 MiB bytearray from libpython down to the start' '
	upx trace --stack libc.so.6:malloc --min 4M -c "python3 -c '\''x = bytearray(8 << 20)'\''" >out 2>err &&
	sed -n "/^    /p" out >stack &&
	sed -n 1p stack | grep -q "^    malloc+0x0 (.*libc.so.6)" &&
	test_grep "(.*python3[^ ]*)" stack &&
	test_grep "^    PyByteArray_Resize+0x" stack &&
	tail -n 3 stack | grep -E "^    (main|_start|__libc_start_main)\+0x" &&
	test $(wc -l <stack) -gt 8
'

# --stack-size is the copy's (UPX_NO_KUNWIND=1: not the kernel's unwind tables, whose stack is whole)
test_expect_success BPF 'a small --stack-size: the stack is cut, and -v says where' '
	UPX_NO_KUNWIND=1 upx trace -v --stack --stack-size 512 libc.so.6:malloc --min 4M -c "python3 -c '\''x = bytearray(8 << 20)'\''" >out 2>err &&
	test_grep "^    \[dwarf: cut: .*512" out
'

test_expect_success BPF 'near the top of the stack (no environment): what is mapped is copied' '
	upx trace -v --stack $F:main -- env -i $F 0 0 $LINGER >out 2>err &&
	frames out >got &&
	printf "%s\n" main _start >expect &&
	test_cmp expect got &&
	! grep -q "cut:" out
'

test_expect_success BPF 'Ctrl-C and SIGTERM stop a system-wide --stack run, nothing left' '
	{ upx trace --stack libc.so.6:malloc >out 2>err & } &&
	up=$! &&
	test_when_finished "test_kill $up" &&
	wait_for "^Tracing" err &&
	kill -INT $up &&
	wait_exit $up $TEST_STOP_S &&
	{ upx trace --count --stack=fp libc.so.6:malloc >out 2>err & } &&
	up=$! &&
	wait_for "^Tracing" err &&
	kill -TERM $up &&
	wait_exit $up $TEST_STOP_S &&
	test_grep "^PROBE  *COUNT$" out &&
	test_no_leftover_links
'

# An event's fp record is short (16 addresses) when the stack is: a deeper one takes the long one.
test_expect_success BPF '--stack=fp, 16 frames and 33: short and long records, every frame' '
	KFP=$FIXTURES/kunwindfix-fp &&
	upx trace --stack=fp $KFP:leaf -c "$KFP deep 3 -" >out 2>err &&
	test "$(grep -c " kunwindfix-fp  *$KFP:leaf$" out)" = 3 &&
	test "$(grep -c "^    deep+0x14 ($KFP) " out)" = 87 &&
	test "$(grep -c "^    deep+0x27 ($KFP) " out)" = 3 &&
	test "$(grep -c "^    main+0x[0-9a-f]* ($KFP) " out)" = 3 &&
	upx trace --stack=dwarf $KFP:leaf -c "$KFP deep 3 -" >dw 2>err &&
	grep "($KFP)" out >got &&
	# libc has no frame pointers: the fp walk ends in __libc_start_call_main, before _start
	grep "($KFP)" dw | grep -v "^    _start+" >expect &&
	test_cmp expect got &&
	upx trace --stack=fp $F:b -c "$F 3 0" >out 2>err &&
	grep "^    " out >got &&
	test "$(grep -c "^    b+0x0 ($F) stackfix.c:" got)" = 3 &&
	test "$(grep -c "^    _start+0x[0-9a-f]* ($F)" got)" = 3
'

test_done
