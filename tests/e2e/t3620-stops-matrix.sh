#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Every way a tracing command stops, for trace, lifetimes, exitcodes and
# readline: SIGINT, SIGTERM, SIGHUP, -d, stdout closed (| head -1) with and
# without events flowing, the -c command killed by a signal, the -p process
# gone, SIGKILL of upx.  After each: no upx program or link left, no half
# line on stdout, and the summary there when the stop was graceful.
# (t3600 has the details of trace's own stops.  How fast a stop is, is
# measured by make bench, figure 11: here one that takes TEST_STOP_S hangs.)
. "$(dirname "$0")/lib.sh"

H=$FIXTURES/hostile

# summary CMD: what the end of a graceful run prints (readline has no table)
summary() {
	case $1 in
	trace) echo "^PROBE  *COUNT\$" ;;
	lifetimes) echo "^@lifetime_ns\[" ;;
	exitcodes) echo "^COMM  *CODE  *COUNT\$" ;;
	readline) echo "^TIME  *PID  *COMM  *COMMAND\$" ;;
	esac
}
# args CMD [PID]: the arguments of CMD that aggregate (trace: on PID's storm_fn)
args() {
	case $1 in
	trace) echo "trace --count ${2:+-p $2} $H:storm_fn" ;;
	readline) echo "readline ${2:+-p $2}" ;;
	*) echo "$1 ${2:+-p $2}" ;;
	esac
}
# events CMD: something for CMD to see: for trace a storm_fn storm (one
# thread, $st), for lifetimes and exitcodes a process started (and ended with
# code 3) every 20 ms ($sp); readline sees nothing typed here.
events() {
	case $1 in
	trace) { $H storm 1 60 2>/dev/null & } && st=$! && test_when_finished "test_kill $st" ;;
	lifetimes|exitcodes)
		{ while :; do sh -c "exit 3"; sleep 0.02; done & } &&
		sp=$! && test_when_finished "test_kill $sp" ;;
	esac
}
# whole_lines FILE: empty, or ends with a newline
whole_lines() {
	[ ! -s "$1" ] || [ "$(tail -c 1 "$1" | od -An -c | tr -d " ")" = "\\n" ] ||
		{ echo "half line at the end of $1:"; tail -c 200 "$1"; return 1; }
}
# start CMD ARGS...: upx ARGS in the background ($up), probes live
start() {
	{ upx "$@" >out 2>err & } &&
	up=$! &&
	test_when_finished "test_kill $up" &&
	wait_for "^Tracing" err
}
# flowing CMD: until CMD has events to see (storm_fn is called without a
# pause from the start; readline has none)
flowing() {
	case $1 in
	lifetimes|exitcodes) wait_wakeups $sp 3 ;;
	esac
}

for cmd in trace lifetimes exitcodes readline; do
	for sig in INT TERM HUP; do
		test_expect_success BPF "$cmd, SIG$sig: exit 0, summary, nothing left" '
			events $cmd && start $(args $cmd) && flowing $cmd &&
			kill -$sig $up && wait_exit $up $TEST_STOP_S &&
			test_grep "$(summary $cmd)" out && whole_lines out && test_no_leftover_links
		'
	done

	test_expect_success BPF "$cmd, SIGKILL of upx: the kernel detaches everything" '
		events $cmd && start $(args $cmd) && flowing $cmd &&
		kill -KILL $up && test_expect_code 137 wait_exit $up $TEST_STOP_S &&
		test_no_leftover_links
	'

	test_expect_success BPF "$cmd, -d 0.3: exit 0, summary" '
		events $cmd &&
		{ upx $(args $cmd) -d 0.3 >out 2>err & up=$!; } &&
		wait_exit $up $TEST_STOP_S &&
		test_grep "$(summary $cmd)" out && whole_lines out && test_no_leftover_links
	'

	# | head -1 with events flowing (trace and exitcodes stream a line per event),
	# and with none (readline sees no typing: its header line, then nothing);
	# lifetimes prints at the end only: -d 0.3, then more lines than head reads
	test_expect_success BPF "$cmd, stdout closed (| head -1): ends, exit 0" '
		events $cmd &&
		case $cmd in
		trace) a="trace -p $st $H:storm_fn" ;;
		lifetimes) a="lifetimes -d 0.3" ;;
		*) a=$cmd ;;
		esac &&
		{ test_timeout $TEST_STOP_S upx $a 2>err; echo $? >ret; } | head -1 >out &&
		test "$(cat ret)" = 0 && test_line_count = 1 out && test_no_leftover_links
	'

	[ $cmd = readline ] || test_expect_success BPF "$cmd, the -c command killed by SIGKILL: ends, summary" '
		start $(args $cmd) -c "$H storm 1 60" &&
		wait_until 5 pgrep -P $up -x hostile >/dev/null &&
		kill -KILL $(pgrep -P $up -x hostile) &&
		wait_exit $up $TEST_STOP_S &&
		{ [ $cmd = lifetimes ] || test_grep "$(summary $cmd)" out; } &&
		whole_lines out && test_no_leftover_links
	'

	[ $cmd = lifetimes ] || test_expect_success BPF "$cmd, the -p process gone: ends, summary" '
		case $cmd in
		readline) mkfifo never && { bash -c "read -t 60 x <never" & } && pid=$! && wait_exec $pid bash ;;
		*) { $H storm 1 60 2>/dev/null & } && pid=$! ;;
		esac &&
		test_when_finished "test_kill $pid" &&
		start $(args $cmd $pid) &&
		kill -KILL $pid &&
		wait_exit $up $TEST_STOP_S &&
		test_grep "$(summary $cmd)" out && whole_lines out && test_no_leftover_links
	'
done

test_expect_success BPFTOOL 'bpftool lists no uprobe link of an upx program afterwards' '
	! bpftool link show 2>/dev/null | grep -B1 -A3 "uprobe" | grep "prog [0-9]*" |
		sed "s/.*prog \([0-9]*\).*/\1/" | grep -xF -f "$TRASH/progs-before" -v |
		while read -r id; do bpftool prog show id $id; done | grep "name upx_"
'

test_done
