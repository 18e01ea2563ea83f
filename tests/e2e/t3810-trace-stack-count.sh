#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# upx trace --count --stack: calls counted per distinct stack (in the kernel
# for frame pointers, in upx for DWARF), exact for two known chains into one
# leaf, in code built with frame pointers and without; sorted, --top,
# --folded, --json and --flamegraph.
. "$(dirname "$0")/lib.sh"

F=$FIXTURES/stackfix
NOFP=$FIXTURES/stackfix-nofp
N=300
M=200
LINGER=100

# stacks FILE: "COUNT frame frame ..." for each stack of a --count --stack table
stacks() {
	awk '/^PROBE / { next }
	     /^[^ ]/ && NF == 2 { if (s != "") print s; s = $2; next }
	     /^    [^ [+]*\+0x/ { sub(/^    /, ""); sub(/\+0x.*/, ""); s = s " " $0 }
	     END { if (s != "") print s }' "$1"
}

printf "%s\n" "$N leaf b a main _start" "$M leaf c main _start" >"$TRASH/expect-stacks"

for fix in stackfix stackfix-nofp; do
	test_expect_success BPF "$fix: the default unwinder counts two stacks, $N and $M" '
		f=$FIXTURES/'$fix' &&
		upx trace --count --stack $f:leaf -c "$f $N $M $LINGER" >out 2>err &&
		stacks out >got &&
		test_cmp "$TRASH/expect-stacks" got &&
		! grep -q -e unreliable -e lost out err
	'
done

test_expect_success BPF '--stack=fp with frame pointers: counted in the kernel, the same two' '
	upx trace -v --count --stack=fp $F:leaf -c "$F $N $M $LINGER" >out 2>err &&
	test_grep "frame pointers walked in the kernel" err &&
	stacks out >got &&
	test_cmp "$TRASH/expect-stacks" got &&
	! grep -q unreliable out err
'

test_expect_success BPF '--stack=fp without frame pointers: counted, and said to be unreliable' '
	upx trace --count --stack=fp $NOFP:leaf -c "$NOFP $N $M $LINGER" >out 2>err &&
	test_grep "^upx trace: warning: --stack=fp: .* they are unreliable" err &&
	test "$(grep -c "^    \[unreliable: " out)" = 2 &&
	awk "/^[^ ]/ && NF == 2 && \$1 != \"PROBE\" { print \$2 }" out >counts &&
	printf "%s\n" $N $M >expect && test_cmp expect counts
'

test_expect_success BPF '--top 1: the most frequent stack only, and how many more' '
	upx trace --count --stack --top 1 $F:leaf -c "$F $N $M $LINGER" >out 2>err &&
	stacks out >got &&
	head -1 "$TRASH/expect-stacks" >expect && test_cmp expect got &&
	test_grep "^\.\.\. 1 more stack (--top 1)$" out
'

for u in dwarf:stackfix-nofp fp:stackfix; do
	test_expect_success BPF "--folded --stack=${u%%:*} on ${u#*:}: the folded lines, exactly" '
		f=$FIXTURES/'${u#*:}' &&
		upx trace --folded --stack='${u%%:*}' $f:leaf -c "$f $N $M $LINGER" >out 2>err &&
		printf "%s\n" "_start;main;a;b;leaf $N" "_start;main;c;leaf $M" >expect &&
		test_cmp expect out
	'
done

test_expect_success BPF '--json: one document, the stacks with their counts and frames' '
	upx trace --json --count --stack $F:leaf -c "$F $N $M $LINGER" >out 2>err &&
	python3 -c "
import json
lines = open(\"out\").read().splitlines()
d = json.loads(lines[0])
assert d[\"unwinder\"] == \"dwarf\" and d[\"stacks_total\"] == 2, d
got = [(s[\"count\"], [f[\"function\"] for f in s[\"stack\"]]) for s in d[\"stacks\"]]
assert got == [($N, [\"leaf\", \"b\", \"a\", \"main\", \"_start\"]),
	       ($M, [\"leaf\", \"c\", \"main\", \"_start\"])], got
assert all(s[\"probe\"] == \"$F:leaf\" and s[\"function\"] == \"leaf\" for s in d[\"stacks\"])
assert all(json.loads(l) == {\"lost\": 0} for l in lines[1:-1]), lines
s = json.loads(lines[-1])[\"summary\"][\"probes\"]
assert [p[\"calls\"] for p in s] == [$N + $M], s
"
'

test_expect_success BPF '--flamegraph FILE: only the SVG, and a line on stderr saying where it went' '
	upx trace --flamegraph fg.svg $F:leaf -c "$F $N $M $LINGER" >out 2>err &&
	test ! -s out &&
	test_grep "^upx trace: flame graph of 2 stacks ($((N + M)) calls) written to .fg.svg.$" err &&
	xmllint --noout fg.svg &&
	test_grep "<title>b ($N calls, " fg.svg &&
	test_grep "<title>c ($M calls, " fg.svg &&
	for fn in _start main a b c leaf; do
		test_grep ">$fn<\|>$fn (" fg.svg || return 1
	done
'

test_expect_success BPF '--folded and --flamegraph together; an unwritable SVG is refused before attaching' '
	upx trace --folded --flamegraph fg.svg $F:leaf -c "$F $N $M $LINGER" >out 2>err &&
	test_line_count = 2 out && xmllint --noout fg.svg &&
	# the folded lines drawn by upx flamegraph: the same picture
	upx flamegraph --title "upx trace --stack" --count-name calls -o fg2.svg out &&
	test_cmp fg.svg fg2.svg &&
	# one line: no "Tracing", nothing was attached
	test_expect_code 1 upx trace --flamegraph /nonexistent/fg.svg $F:leaf -c "$F 1 1 $LINGER" >out 2>err &&
	test_one_line_error err &&
	test_grep "^upx trace: cannot write ./nonexistent/fg.svg.: No such file or directory$" err &&
	test ! -s out &&
	mkfifo fifo &&
	test_expect_code 1 upx trace --flamegraph fifo $F:leaf -c "$F 1 1 $LINGER" >out 2>err &&
	test_one_line_error err &&
	test_grep "^upx trace: cannot write .fifo.: a FIFO, not a regular file$" err &&
	test -p fifo
'

for u in fp dwarf; do
	test_expect_success BPF "--stack=$u: the same stack in two processes (--follow) is one row" '
		upx trace --follow --count --stack='$u' $F:leaf \
			-c "sh -c \"$F 3 0 $LINGER; $F 2 0 $LINGER\"" >out 2>err &&
		stacks out >got &&
		echo "5 leaf b a main _start" >expect &&
		test_cmp expect got
	'
done

test_done
