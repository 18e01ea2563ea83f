#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The first lab everyone runs: every malloc of every process, no filter.
# While a 4-thread storm of libc calls runs, a stop (SIGINT, SIGTERM, -d, the
# -p process gone, a closed pipe) ends upx, with its summary, nothing left
# attached, and upx's own process in no event.  (How fast: make bench,
# figure 11; here a stop that takes TEST_STOP_S is a hang.)
. "$(dirname "$0")/lib.sh"

STORM=$FIXTURES/storm

# storm_start: the storm runs in the background, its pid in $storm.
storm_start() {
	$STORM 4 >storm.pid &
	storm=$!
	wait_for . storm.pid
}

storm_stop() {
	kill "$storm" 2>/dev/null
	wait "$storm" 2>/dev/null
	return 0
}

# events_sane FILE UPX_PID: a header, whole event lines, upx itself in none.
events_sane() {
	head -1 "$1" >head &&
	test_grep "^TIME  *PID  *TID  *COMM  *PROBE$" head &&
	test "$(tail -c 1 "$1" | od -An -c | tr -d " ")" = "\n" &&
	awk -v p="$2" 'NR > 1 && ($2 == p || NF < 5)' "$1" >bad &&
	test_line_count = 0 bad &&
	test "$(wc -l <"$1")" -gt 100
}

for f in malloc free memcpy strlen write; do
	test_expect_success BPF "system-wide $f under a storm: SIGINT ends it" '
		storm_start &&
		{ upx trace libc.so.6:'$f' >out 2>err & up=$!; } &&
		wait_for "^Tracing" err &&
		wait_lines out 1000 &&
		kill -INT $up &&
		{ wait_exit $up $TEST_STOP_S; rc=$?; storm_stop; test $rc = 0; } &&
		events_sane out $up &&
		test_grep -v "write error\|reading events" err &&
		test_no_leftover_links
	'
done

test_expect_success BPF 'system-wide --count under a storm: SIGTERM, the table is complete' '
	storm_start &&
	{ upx trace --count libc.so.6:malloc libc.so.6:free >out 2>err & up=$!; } &&
	wait_for "^Tracing" err &&
	wait_cpu $storm 20 &&
	kill -TERM $up &&
	{ wait_exit $up $TEST_STOP_S; rc=$?; storm_stop; test $rc = 0; } &&
	test_grep "^PROBE  *COUNT$" out &&
	test_grep "^libc.so.6:malloc  *[1-9][0-9]\{3,\}$" out &&
	test_grep "^libc.so.6:free  *[1-9][0-9]\{3,\}$" out &&
	test_no_leftover_links
'

test_expect_success BPF '-d ends a system-wide trace under a storm, not before its time' '
	storm_start &&
	start=$(date +%s%N) &&
	{ upx trace -d 1 libc.so.6:malloc >out 2>err & up=$!; } &&
	{ wait_exit $up $((1 + TEST_STOP_S)); rc=$?; storm_stop; test $rc = 0; } &&
	ms=$(( ($(date +%s%N) - start) / 1000000 )) &&
	say "    -d 1 took $ms ms" &&
	test $ms -ge 1000 &&
	events_sane out -1 &&
	test_no_leftover_links
'

# int_taken PID: SIGINT is pending for PID no more (its handler has run)
int_taken() {
	for m in $(sed -n "s/^\(SigPnd\|ShdPnd\):\t*//p" /proc/"$1"/status 2>/dev/null); do
		[ $((0x$m & 2)) = 0 ] || return 1
	done
}

# The reader reads nothing until upx, blocked on the full pipe, has taken
# SIGINT; then upx stops normally, what it wrote there whole.  (UPX_STOP_MS:
# the reader resumes within it; a stdout nobody reads is the next test.)
test_expect_success BPF 'SIGINT while stdout is a full pipe: a normal stop, no write error' '
	storm_start &&
	test_when_finished ": >read" &&
	{ ( UPX_STOP_MS=30000 upx trace libc.so.6:malloc 2>err & echo $! >up.pid; wait $!; echo $? >rc ) |
	  { while [ ! -e read ]; do sleep 0.05; done; cat >out; } & reader=$!; } &&
	wait_for "^Tracing" err &&
	wait_write_blocked $(cat up.pid) &&
	kill -INT $(cat up.pid) &&
	wait_until 10 int_taken $(cat up.pid) &&
	: >read &&
	{ wait_gone $(cat up.pid) $TEST_STOP_S; ok=$?; storm_stop; wait $reader; test $ok = 0; } &&
	test "$(cat rc)" = 0 &&
	test_grep -v "write error\|Interrupted" err &&
	events_sane out $(cat up.pid) &&
	test_line_count -gt 1000 out &&
	test_no_leftover_links
'

# A reader that never reads: the write upx is blocked in would never end;
# the stop gives standard output up and says so.
test_expect_success BPF 'SIGINT while nobody ever reads stdout: the stop ends, the rest dropped and said' '
	storm_start &&
	test_when_finished ": >done" &&
	{ ( upx trace libc.so.6:malloc 2>err & echo $! >up.pid; wait $!; echo $? >rc ) |
	  { while [ ! -e done ]; do sleep 0.05; done; } & reader=$!; } &&
	wait_for "^Tracing" err &&
	wait_write_blocked $(cat up.pid) &&
	kill -INT $(cat up.pid) &&
	{ wait_gone $(cat up.pid) $TEST_STOP_S; ok=$?; storm_stop; : >done; wait $reader; test $ok = 0; } &&
	test "$(cat rc)" = 0 &&
	test_grep "^upx trace: warning: standard output was not read after the stop: the rest of the output was dropped$" err &&
	test_grep -v "write error\|Interrupted" err &&
	test_no_leftover_links
'

test_expect_success BPF 'a closed pipe ends a system-wide trace under a storm' '
	storm_start &&
	{ ( upx trace libc.so.6:malloc 2>err & echo $! >up.pid; wait $!; echo $? >rc ) |
	  head -5 >out & reader=$!; } &&
	wait_for . up.pid &&
	{ wait_gone $(cat up.pid) $TEST_STOP_S; ok=$?; storm_stop; wait $reader; test $ok = 0; } &&
	test "$(cat rc)" = 0 &&
	test_line_count = 5 out &&
	test_grep -v "write error" err &&
	test_no_leftover_links
'

test_expect_success BPF 'trace -p stops when the process exits' '
	storm_start &&
	{ upx trace -p $storm --count libc.so.6:malloc >out 2>err & up=$!; } &&
	wait_for "^Tracing" err &&
	wait_cpu $storm 10 &&
	storm_stop &&
	wait_exit $up $TEST_STOP_S &&
	test_grep "^libc.so.6:malloc  *[1-9]" out &&
	test_no_leftover_links
'

test_expect_success BPF 'a closed stdout is noticed with no event at all (readline | head -1)' '
	{ ( upx readline 2>err & echo $! >up.pid; wait $!; echo $? >rc ) | head -1 >out & reader=$!; } &&
	wait_for . up.pid &&
	{ wait_gone $(cat up.pid) $TEST_STOP_S; ok=$?; wait $reader; test $ok = 0; } &&
	test_grep "^TIME  *PID  *COMM  *COMMAND$" out &&
	test "$(cat rc)" = 0 &&
	test_no_leftover_links
'

test_done
