#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The first lab everyone runs: every malloc of every process, no filter.
# While a 4-thread storm of libc calls runs, a stop (SIGINT, SIGTERM, -d, the
# -p process gone, a closed pipe) ends upx within a second, with its summary,
# nothing left attached, and upx's own process in no event.
. "$(dirname "$0")/lib.sh"

STORM=$FIXTURES/storm

# stopped_within PID SECONDS: PID exits by itself within SECONDS (else it is
# killed and this fails); when it is a child of the test, its exit status is
# left in $rc.
stopped_within() {
	for _ in $(seq $(($2 * 20))); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.05
	done
	if kill -0 "$1" 2>/dev/null; then
		say "    pid $1 still running after $2 s"
		kill -9 "$1"
		wait "$1" 2>/dev/null
		return 1
	fi
	wait "$1" 2>/dev/null
	rc=$?
}

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
	test_expect_success BPF "system-wide $f under a storm: SIGINT ends it within 1 s" '
		storm_start &&
		{ upx trace libc.so.6:'$f' >out 2>err & up=$!; } &&
		wait_for "^Tracing" err &&
		sleep 2 &&
		kill -INT $up &&
		{ stopped_within $up 1; ok=$?; storm_stop; test $ok = 0; } &&
		test $rc = 0 &&
		events_sane out $up &&
		test_grep -v "write error\|reading events" err &&
		test_no_leftover_links
	'
done

test_expect_success BPF 'system-wide --count under a storm: SIGTERM, the table is complete' '
	storm_start &&
	{ upx trace --count libc.so.6:malloc libc.so.6:free >out 2>err & up=$!; } &&
	wait_for "^Tracing" err &&
	sleep 1 &&
	kill -TERM $up &&
	{ stopped_within $up 1; ok=$?; storm_stop; test $ok = 0; } &&
	test $rc = 0 &&
	test_grep "^PROBE  *COUNT$" out &&
	test_grep "^libc.so.6:malloc  *[1-9][0-9]\{3,\}$" out &&
	test_grep "^libc.so.6:free  *[1-9][0-9]\{3,\}$" out &&
	test_no_leftover_links
'

test_expect_success BPF '-d ends a system-wide trace under a storm on time' '
	storm_start &&
	start=$(date +%s%N) &&
	{ timeout -s KILL 10 upx trace -d 1 libc.so.6:malloc >out 2>err; rc=$?; storm_stop; test $rc = 0; } &&
	ms=$(( ($(date +%s%N) - start) / 1000000 )) &&
	say "    -d 1 took $ms ms" &&
	test $ms -lt 2000 &&
	events_sane out -1 &&
	test_no_leftover_links
'

test_expect_success BPF 'SIGINT while stdout is a full pipe: a normal stop, no write error' '
	storm_start &&
	{ ( upx trace libc.so.6:malloc 2>err & echo $! >up.pid; wait $!; echo $? >rc ) |
	  { sleep 3; wc -l >lines; } & reader=$!; } &&
	wait_for "^Tracing" err &&
	sleep 1 &&
	kill -INT $(cat up.pid) &&
	{ stopped_within $(cat up.pid) 5; ok=$?; storm_stop; wait $reader; test $ok = 0; } &&
	test "$(cat rc)" = 0 &&
	test_grep -v "write error\|Interrupted" err &&
	test "$(cat lines)" -gt 1000 &&
	test_no_leftover_links
'

test_expect_success BPF 'a closed pipe ends a system-wide trace under a storm' '
	storm_start &&
	{ ( upx trace libc.so.6:malloc 2>err & echo $! >up.pid; wait $!; echo $? >rc ) |
	  head -5 >out & reader=$!; } &&
	wait_for . up.pid &&
	{ stopped_within $(cat up.pid) 5; ok=$?; storm_stop; wait $reader; test $ok = 0; } &&
	test "$(cat rc)" = 0 &&
	test_line_count = 5 out &&
	test_grep -v "write error" err &&
	test_no_leftover_links
'

test_expect_success BPF 'trace -p stops when the process exits' '
	storm_start &&
	{ upx trace -p $storm --count libc.so.6:malloc >out 2>err & up=$!; } &&
	wait_for "^Tracing" err &&
	sleep 0.5 &&
	storm_stop &&
	stopped_within $up 1 &&
	test $rc = 0 &&
	test_grep "^libc.so.6:malloc  *[1-9]" out &&
	test_no_leftover_links
'

test_expect_success BPF 'a closed stdout is noticed with no event at all (readline | head -1)' '
	{ ( upx readline 2>err & echo $! >up.pid; wait $!; echo $? >rc ) | head -1 >out & reader=$!; } &&
	wait_for . up.pid &&
	{ stopped_within $(cat up.pid) 2; ok=$?; wait $reader; test $ok = 0; } &&
	test_grep "^TIME  *PID  *COMM  *COMMAND$" out &&
	test "$(cat rc)" = 0 &&
	test_no_leftover_links
'

test_done
