#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# upx trace events: arguments, kernel-side filters, strings, return values, JSON.
. "$(dirname "$0")/lib.sh"

T=$FIXTURES/tracee

test_expect_success BPF 'malloc --min: exactly the large allocations, with their sizes' '
	upx trace --args 1 --min 1M libc.so.6:malloc -c "$T malloc 100 2000000 4096 1048576 1048575 9000000" >out &&
	grep "libc.so.6:malloc" out | sed "s/.*bytes=//" >sizes &&
	printf "2000000\n1048576\n9000000\n" >expect &&
	test_cmp expect sizes
'

test_expect_success BPF '--max and --on arg0 together bound the value' '
	upx trace --args 1 --min 4000 --max 5000 --on arg0 libc.so.6:malloc -c "$T malloc 3999 4000 4500 5000 5001" >out &&
	grep "libc.so.6:malloc" out | sed "s/.*bytes=//" >sizes &&
	printf "4000\n4500\n5000\n" >expect && test_cmp expect sizes
'

test_expect_success BPF 'r: with --str retval shows the returned strings' '
	upx trace --str retval r:$T:greet -c "$T greet 3" >out &&
	grep "r:$T:greet" out | sed "s/.* ret=//" >got &&
	printf "\"hello 0\"\n\"hello 1\"\n\"hello 2\"\n" >expect && test_cmp expect got
'

test_expect_success BPF 'strings from the traced program are escaped' '
	upx trace --str retval r:$T:greet_esc -c "$T esc" >out &&
	test_grep "ret=\"red \\\\x1b\[31mRED\\\\x1b\[0m\\\\n\"" out &&
	! grep -q "$(printf "\033")" out
'

test_expect_success BPF 'the columns: TIME PID TID COMM PROBE, pid is the command' '
	upx trace $T:greet -c "$T greet 2" >out &&
	head -1 out | grep -q "^TIME  *PID  *TID  *COMM  *PROBE" &&
	test "$(grep -c " $T:greet" out)" = 2 &&
	awk "/ $(echo $T | sed "s,/,\\\\/,g"):greet/ { print \$4 }" out | sort -u >comm &&
	echo tracee >expect && test_cmp expect comm
'

test_expect_success BPF '--comm filters in the kernel' '
	upx trace --count --comm nosuchcomm $T:greet -c "$T greet 4" >out &&
	test "$(awk -v l="$T:greet" "\$1 == l { print \$2 }" out)" = 0 &&
	upx trace --count --comm tracee $T:greet -c "$T greet 4" >out &&
	test "$(awk -v l="$T:greet" "\$1 == l { print \$2 }" out)" = 4
'

test_expect_success BPF '--uid filters in the kernel' '
	upx trace --count --uid 12345 $T:greet -c "$T greet 4" >out &&
	test "$(awk -v l="$T:greet" "\$1 == l { print \$2 }" out)" = 0
'

test_expect_success BPF '--json: one object per event, valid JSON' '
	upx trace --json --str retval r:$T:greet -c "$T greet 2" >out &&
	grep "^{\"time\"" out >events &&
	python3 -c "
import json
ev = [json.loads(l) for l in open(\"events\")]
assert [e[\"str\"] for e in ev] == [\"hello 0\", \"hello 1\"], ev
assert all(e[\"comm\"] == \"tracee\" and e[\"function\"] == \"greet\" for e in ev)
assert all(e[\"retval\"] != 0 and e[\"args\"] == [] for e in ev)
" &&
	upx trace --json --args 2 $T:nap -c "$T nap 1 2" >out &&
	grep "^{\"time\"" out >events &&
	python3 -c "
import json
ev = [json.loads(l) for l in open(\"events\")]
assert [e[\"args\"][0] for e in ev] == [1, 1] and \"retval\" not in ev[0], ev
"
'

test_expect_success BPF 'python3: the large allocation of a one-liner is seen' '
	upx trace --args 1 --min 4M libc.so.6:malloc -c "python3 -c \"b = bytearray(5 << 20)\"" >out &&
	grep "libc.so.6:malloc" out | sed "s/.*bytes=//" >sizes &&
	awk "\$1 >= 5242880 && \$1 < 5246976" sizes | grep -q .
'

test_expect_success BPF 'DWARF names the arguments: malloc bytes= (libc6-dbg)' '
	upx trace --args 1 --min 1M libc.so.6:malloc -c "$T malloc 4194305" >out &&
	test_grep "libc.so.6:malloc bytes=4194305$" out
'

test_expect_success BPF '--str and --on take DWARF parameter names' '
	upx trace --str name --on name --min 1 libc.so.6:getenv -c "ls /nonexistent" >out 2>&1 &&
	test_grep "tracee\|ls  *libc.so.6:getenv name=\"" out &&
	! grep -q " upx  *libc.so.6:getenv" out &&
	upx trace --args 1 --on ms --min 2 $T:nap -c "$T nap 1 3" >out &&
	! grep -q "ms=" out &&
	upx trace --args 1 --on ms --min 2 $T:nap -c "$T nap 2 3" >out &&
	test "$(grep -c " ms=2$" out)" = 3
'

test_expect_success BPF 'an unknown parameter name is an error' '
	test_expect_code 1 upx trace --str nosuch $T:nap -c "$T nap 1 1" 2>err &&
	test_one_line_error err && test_grep "has no parameter of that name" err
'

# A reader that cannot keep up, for certain: upx is stopped (SIGSTOP) while
# the command makes its 20000 calls into a 4 KiB ring buffer, and resumed
# once the command has exited.  lost_run OUT ERR [--json]
lost_run() {
	rm -f go && mkfifo go &&
	exec 3<>go &&
	{ upx trace -m 4K ${3:-} $T:greet -c "$T greet-after-input 20000" <go >"$1" 2>"$2" & } &&
	up=$! &&
	test_when_finished "kill -CONT $up 2>/dev/null; test_kill $up" &&
	# "Tracing" is printed once the probes are live, before the command is released
	wait_for "^Tracing" "$2" &&
	kid=$(pgrep -P $up) &&
	# released: upx wrote the byte that lets it exec (a stopped upx never would)
	wait_exec $kid $T &&
	kill -STOP $up &&
	echo go >&3 &&
	# the command has exited (a zombie: upx, stopped, cannot reap it)
	wait_gone $kid 20 &&
	kill -CONT $up &&
	wait_exit $up 20 &&
	exec 3>&-
}

test_expect_success BPF 'a full ring buffer: every call is either shown or counted as lost' '
	lost_run out err --json &&
	shown=$(grep -c "^{\"time\"" out) &&
	lost=$(sed -n "s/^{\"lost\":\([0-9]*\)}$/\1/p" out) &&
	test "$lost" -gt 19000 && test $((shown + lost)) = 20000 &&
	lost_run out err &&
	shown=$(grep -c " $T:greet\$" out) &&
	lost=$(sed -n "s/.*warning: lost \([0-9]*\) events: the ring buffer was full$/\1/p" err) &&
	test $((shown + lost)) = 20000
'

test_expect_success BPF 'nothing stays attached' '
	test_no_leftover_links
'

test_done
