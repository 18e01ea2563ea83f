#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Scrapes under load: 10 at a time and 1,000 in a row while a fixture's
# calls flow, each response complete and strictly parsed, the counts never
# going down and exact at the end, upx's memory flat; --metrics-file
# replaced under a reader that never sees a part of it.
. "$(dirname "$0")/lib.sh"

M="python3 $E2E_DIR/metrics.py"

# serve ARGS...: upx ARGS in the background; its pid in $up, its URL in $url
serve() {
	upx "$@" >out 2>err &
	up=$!
	wait_for "^Serving metrics on " err &&
	url=$(sed -n "s/^Serving metrics on //p" err)
}

# load: `exact loop 20000` again and again until the file stop exists; the
# rounds done so far in the file rounds.  Its pid in $load.
load() {
	(
		n=0
		while [ ! -e stop ]; do
			"$FIXTURES/exact" loop 20000 || exit 1
			n=$((n + 1))
			echo $n >rounds
		done
	) &
	load=$!
}

rss_kb() {
	awk '/^VmRSS:/ { print $2 }' /proc/"$1"/status
}

test_expect_success BPF '10 concurrent and 1,000 sequential scrapes while calls flow' '
	x=$FIXTURES/exact &&
	serve trace --count --listen 127.0.0.1:0 $x:takes_args &&
	test_when_finished "test_kill $up" &&
	$M hammer "$url" 100 4 >/dev/null &&
	rss0=$(rss_kb $up) &&
	load &&
	test_when_finished "touch stop; test_kill $load" &&
	wait_until 10 test -s rounds &&
	{ $M hammer "$url" 300 10 >par.out 2>par.err & } &&
	par=$! &&
	$M hammer "$url" 1000 1 last.txt >seq.out &&
	wait_exit $par 60 &&
	touch stop &&
	wait_exit $load 10 &&
	test "$(cat seq.out)" = 1000 && test "$(cat par.out)" = 300 &&
	rounds=$(cat rounds) &&
	say "$rounds rounds of 20000 calls during the scrapes" &&
	test "$rounds" -ge 2 &&
	# the scrapes saw the calls flow, and the end is exact: none lost
	test "$($M get last.txt upx_probe_calls_total function=takes_args)" -gt 0 &&
	$M fetch "$url" text final.txt &&
	test "$($M get final.txt upx_probe_calls_total function=takes_args)" = $((rounds * 20000)) &&
	test "$($M get final.txt upx_events_lost_total)" = 0 &&
	rss1=$(rss_kb $up) &&
	say "upx RSS: $rss0 kB after 100 scrapes, $rss1 kB after 1,400 more" &&
	# ASan keeps what is freed in quarantine: no bound to hold it to there
	if [ -z "${UPX_SAN:-}" ]; then test $((rss1 - rss0)) -lt 2048; fi
'

test_expect_success BPF 'more connections than the limit: the rest wait their turn, none is cut' '
	serve trace --count --listen 127.0.0.1:0 $FIXTURES/exact:takes_args &&
	test_when_finished "test_kill $up" &&
	$M hammer "$url" 400 40 >out40 &&
	test "$(cat out40)" = 400
'

test_expect_success BPF '--metrics-file: replaced atomically under a reader, exact at the end' '
	x=$FIXTURES/exact &&
	{ upx trace --count --metrics-file "$PWD/m.prom" -i 0.01 $x:takes_args >/dev/null 2>err & } &&
	up=$! &&
	test_when_finished "test_kill $up" &&
	wait_for "^Tracing" err &&
	load &&
	test_when_finished "touch stop; test_kill $load" &&
	$M watch m.prom 2 >w &&
	touch stop &&
	wait_exit $load 10 &&
	read -r reads files <w &&
	say "$reads complete reads of $files files" &&
	test "$reads" -ge 100 && test "$files" -ge 20 &&
	kill -TERM $up &&
	wait_exit $up $TEST_STOP_S &&
	test "$($M get m.prom upx_probe_calls_total function=takes_args)" = $(($(cat rounds) * 20000)) &&
	test "$(ls -A | grep -c "m\.prom")" = 1
'

test_done
