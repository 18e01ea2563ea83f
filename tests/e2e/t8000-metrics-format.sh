#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# --listen and --metrics-file: every metric kind in the text format (checked
# by promtool) and in OpenMetrics (checked by tests/e2e/metrics.py), exact
# values from the fixtures, a hostile comm escaped and read back, bad input,
# and a stop that closes the port and detaches.
. "$(dirname "$0")/lib.sh"

M="python3 $E2E_DIR/metrics.py"

# serve ARGS...: upx ARGS in the background (out, err); its pid in $up, its URL in $url
serve() {
	upx "$@" >out 2>err &
	up=$!
	wait_for "^Serving metrics on http://127.0.0.1:[0-9]*/metrics$" err &&
	url=$(sed -n "s/^Serving metrics on //p" err)
}

# scrape NAME: text into NAME.txt (checked by promtool) and OpenMetrics into NAME.om
scrape() {
	$M fetch "$url" text "$1.txt" && promtool check metrics <"$1.txt" &&
	$M check "$1.txt" text &&
	$M fetch "$url" om "$1.om" && $M check "$1.om" om
}

# both NAME METRIC LABEL=VALUE...: the value of one sample, the same in both formats
both() {
	f=$1
	shift
	v1=$($M get "$f.txt" "$@") && v2=$($M get "$f.om" "$@") &&
	test "$v1" = "$v2" && echo "$v1"
}

test_expect_success BPF,PROMTOOL '--count: exact calls per probe, text and OpenMetrics' '
	f=$FIXTURES/uprobeme &&
	serve trace --count --listen 127.0.0.1:0 $f:foo $f:bar &&
	test_when_finished "test_kill $up" &&
	$f 7 3 >/dev/null &&
	scrape m &&
	test "$(both m upx_probe_calls_total function=foo probe=$f:foo file=$f)" = 7 &&
	test "$(both m upx_probe_calls_total function=bar)" = 3 &&
	test "$(both m upx_events_lost_total)" = 0 &&
	test "$(both m upx_probes_attached)" = 2 &&
	test "$(both m upx_build_info command=trace)" = 1 &&
	test_grep "^# TYPE upx_probe_calls_total counter$" m.txt &&
	test_grep "^# TYPE upx_probe_calls counter$" m.om &&
	test "$(tail -1 m.om)" = "# EOF"
'

test_expect_success BPF,PROMTOOL '--count --by comm,arg0: a label per key, exact per series' '
	f=$FIXTURES/tracee &&
	ln -s "$f" alpha &&
	serve trace --count --by comm,bytes --listen 127.0.0.1:0 libc.so.6:malloc -c "./alpha malloc 100 100 7" &&
	test_when_finished "test_kill $up" &&
	wait_for "the command has exited; serving until stopped" err &&
	scrape m &&
	test "$(both m upx_probe_calls_total comm=alpha bytes=100)" = 2 &&
	test "$(both m upx_probe_calls_total comm=alpha bytes=7)" = 1 &&
	test "$(both m upx_by_not_counted_total)" = 0 &&
	test "$(both m upx_by_keys)" = 2
'

test_expect_success BPF,PROMTOOL '--latency --by pid: histograms per key, in seconds' '
	f=$FIXTURES/tracee &&
	serve trace --latency --by pid --listen 127.0.0.1:0 $f:nap -c "$f nap 3 4" &&
	test_when_finished "test_kill $up" &&
	wait_for "the command has exited; serving until stopped" err &&
	scrape l &&
	pid=$(sed -n "s/.*upx_probe_duration_seconds_count{pid=\"\([0-9]*\)\"} .*/\1/p" l.txt) &&
	test -n "$pid" &&
	test "$(both l upx_probe_duration_seconds_count pid=$pid)" = 4 &&
	test "$(both l upx_probe_duration_seconds_bucket pid=$pid le=+Inf)" = 4
'

test_expect_success BPF,PROMTOOL '--hist: the buckets of known argument values, and their real sum' '
	f=$FIXTURES/exact &&
	serve trace --hist a --listen 127.0.0.1:0 $f:takes_args -c "$f args 10" &&
	test_when_finished "test_kill $up" &&
	wait_for "the command has exited; serving until stopped" err &&
	scrape h &&
	# a = 0..9: [0] 1, [1] 1, [2,4) 2, [4,8) 4, [8,16) 2
	for b in 0:1 1:2 3:4 7:8 15:10 31:10 +Inf:10; do
		test "$($M get h.txt upx_probe_value_bucket arg=a le=${b%:*})" = ${b#*:} || return 1
	done &&
	for b in 0.0:1 1.0:2 3.0:4 7.0:8 15.0:10 +Inf:10; do
		test "$($M get h.om upx_probe_value_bucket arg=a le=${b%:*})" = ${b#*:} || return 1
	done &&
	test "$(both h upx_probe_value_sum function=takes_args)" = 45 &&
	test "$(both h upx_probe_value_count function=takes_args)" = 10 &&
	test "$(grep -c "^upx_probe_value_bucket{" h.txt)" = 65
'

test_expect_success BPF,PROMTOOL '--latency: durations in seconds, with UNIT in OpenMetrics' '
	f=$FIXTURES/tracee &&
	serve trace --latency --listen 127.0.0.1:0 $f:nap -c "$f nap 3 4" &&
	test_when_finished "test_kill $up" &&
	wait_for "the command has exited" err &&
	scrape l &&
	test "$(both l upx_probe_duration_seconds_count function=nap)" = 4 &&
	# a 3 ms nanosleep is never shorter than 2^21 - 1 ns
	test "$(both l upx_probe_duration_seconds_bucket function=nap le=0.002097151)" = 0 &&
	test "$(both l upx_probe_duration_seconds_bucket function=nap le=+Inf)" = 4 &&
	sum=$(both l upx_probe_duration_seconds_sum function=nap) &&
	awk -v s="$sum" "BEGIN { exit !(s >= 0.012 && s < 1) }" &&
	test_grep "^# UNIT upx_probe_duration_seconds seconds$" l.om &&
	test_grep -v "^# UNIT" l.txt &&
	test "$(both l upx_probe_returns_unmatched_total)" = 0
'

test_expect_success BPF,PROMTOOL 'lifetimes: one histogram per name' '
	f=$FIXTURES/uprobeme &&
	serve lifetimes --listen 127.0.0.1:0 -c "$f 1 1" &&
	test_when_finished "test_kill $up" &&
	wait_for "the command has exited" err &&
	scrape t &&
	test "$(both t upx_process_lifetime_seconds_count comm=uprobeme)" = 1 &&
	test "$(both t upx_process_lifetimes_from_task_start_total comm=uprobeme)" = 0 &&
	test "$(both t upx_build_info command=lifetimes)" = 1
'

test_expect_success BPF,PROMTOOL 'exitcodes: a hostile comm and one not UTF-8, escaped and read back exactly' '
	name=$(printf "q\"b\\\\s\nn\$x") &&
	ln -s /bin/sh "$name" &&
	serve exitcodes --listen 127.0.0.1:0 -- sh -c "\"\$0\" -c \"exit 7\"; \"\$1\" utf8" "./$name" "$FIXTURES/exact" &&
	test_when_finished "test_kill $up" &&
	wait_for "the command has exited" err &&
	scrape e &&
	test "$(both e upx_process_exits_total "comm=$name" code=7)" = 1 &&
	test "$(both e upx_process_exits_total comm_hex=626164fffe code=0)" = 1 &&
	test "$(both e upx_process_exits_total "comm=bad$(printf "\357\277\275\357\277\275")")" = 1 &&
	# on the wire: \" \\ and \n, nothing raw
	test_grep "comm=\"q\\\\\"b\\\\\\\\s\\\\nn\$x\",code=\"7\"} 1" e.txt
'

test_expect_success BPF,PROMTOOL '--metrics-file: the same text, written at the end' '
	f=$FIXTURES/uprobeme &&
	upx trace --count --metrics-file $PWD/m.prom $f:foo -c "$f 5 0" >out 2>err &&
	promtool check metrics <m.prom &&
	test "$($M get m.prom upx_probe_calls_total function=foo)" = 5 &&
	test "$(ls -A)" = "$(printf "err\nm.prom\nout")" &&
	upx exitcodes --metrics-file e.prom -i 0.05 -- sh -c "exit 3" >out 2>err &&
	promtool check metrics <e.prom &&
	test "$($M get e.prom upx_process_exits_total comm=sh code=3)" = 1
'

test_expect_success BPF '-p: the file label is the path in the process; its end is said, not an end' '
	f=$FIXTURES/tracee &&
	{ $f loop >/dev/null & } &&
	pid=$! &&
	test_when_finished "test_kill $pid" &&
	serve trace --count --listen 127.0.0.1:0 $f:tick -p $pid &&
	test_when_finished "test_kill $up" &&
	wait_until 5 test "$($M fetch "$url" | $M get /dev/stdin upx_probe_calls_total function=tick)" -gt 2 &&
	kill $pid &&
	wait_for "process $pid has exited; serving until stopped" err &&
	$M fetch "$url" text p.txt &&
	n=$($M get p.txt upx_probe_calls_total function=tick file=$f) &&
	$M fetch "$url" text p2.txt &&
	test "$($M get p2.txt upx_probe_calls_total function=tick file=$f)" = "$n" &&
	kill -0 $up
'

test_expect_success BPF 'only GET and HEAD of /metrics; anything else 404 or 405' '
	serve trace --count --listen 127.0.0.1:0 $FIXTURES/uprobeme:foo &&
	test_when_finished "test_kill $up" &&
	test "$($M status "${url%/metrics}/")" = 404 &&
	test "$($M status "${url%/metrics}/metricsx")" = 404 &&
	test "$($M status "$url" POST)" = 405 &&
	test "$($M status "$url" HEAD)" = 200 &&
	test "$($M status "$url")" = 200
'

# libmicrohttpd brings gnutls and twenty more libraries: loaded by --listen alone
# (not NEEDED by upx: t0000).
# in_bg ARGS...: upx ARGS in the background (out0, err0), its pid in $up0
in_bg() {
	upx "$@" >out0 2>err0 &
	up0=$!
}

test_expect_success BPF 'only a --listen process maps libmicrohttpd' '
	f=$FIXTURES/uprobeme &&
	in_bg trace --count $f:foo &&
	test_when_finished "test_kill $up0" &&
	wait_for "^Tracing" err0 &&
	! grep "microhttpd\|gnutls" /proc/$up0/maps &&
	serve trace --count --listen 127.0.0.1:0 $f:foo &&
	test_when_finished "test_kill $up" &&
	grep -q "/libmicrohttpd\.so\.12" /proc/$up/maps
'

# nomhd ARGS...: upx ARGS where libmicrohttpd.so.12 is an empty file (a mount namespace of its own)
nomhd() {
	unshare -m --propagation private sh -c 'mount --bind "$1" "$2" && shift 2 && exec "$@"' \
		- "$PWD/empty" "$lib" "$UPX" "$@"
}

test_expect_success BPF,REALROOT 'no libmicrohttpd: --listen is one line naming it, exit 1, nothing attached' '
	f=$FIXTURES/uprobeme &&
	lib=$(ldconfig -p | sed -n "s/^[[:space:]]*libmicrohttpd\.so\.12 (libc6,x86-64) => //p" | head -1) &&
	lib=$(readlink -f "$lib") && test -f "$lib" &&
	: >empty &&
	test_expect_code 1 nomhd trace --count --listen 127.0.0.1:0 $f:foo >out 2>err &&
	test_one_line_error err &&
	test_grep "^upx trace: .libmicrohttpd\.so\.12.: cannot load it for --listen: " err &&
	test ! -s out &&
	test_no_leftover_links &&
	nomhd trace --count $f:foo -c "$f 2 0" >out 2>err &&
	test_grep "^$f:foo *2$" out
'

test_expect_success BPF 'bad input: one line naming the cause, exit 1 or 2, nothing attached' '
	f=$FIXTURES/uprobeme &&
	test_expect_code 2 upx trace --listen 127.0.0.1:0 $f:foo 2>err &&
	test_grep "^upx trace: --listen goes with --count, --hist or --latency$" err &&
	test_expect_code 2 upx trace --metrics-file x.prom $f:foo 2>err &&
	test_grep "^upx trace: --metrics-file goes with --count, --hist or --latency$" err &&
	# a malformed ADDR:PORT is a usage error, found by the option parser
	test_expect_code 2 upx trace --count --listen 127.0.0.1:99999 $f:foo 2>err &&
	test_grep "^upx trace: option .--listen. expects ADDR:PORT, not .127.0.0.1:99999.: .99999. is not a port number$" err &&
	test_expect_code 2 upx trace --count --listen nohost $f:foo 2>err &&
	test_grep "^upx trace: option .--listen. expects ADDR:PORT, not .nohost.: expected HOST:PORT" err &&
	test_expect_code 2 upx trace --count --listen ::1:80 $f:foo 2>err &&
	test_grep "brackets" err &&
	# a name that does not resolve is not a usage error
	test_expect_code 1 upx trace --count --listen nohost.invalid:80 $f:foo 2>err &&
	test_one_line_error err && test_grep "nohost.invalid" err &&
	test_expect_code 1 upx trace --count --metrics-file /nonexistent/x.prom $f:foo 2>err &&
	test_one_line_error err &&
	test_grep "^upx trace: cannot write '"'"'/nonexistent/x.prom'"'"': No such file or directory$" err &&
	test_expect_code 2 upx exitcodes -i 1 -d 1 2>err &&
	test_grep "^upx exitcodes: -i goes with --metrics-file" err &&
	test_no_leftover_links
'

test_expect_success BPF 'a port in use: one line naming the address, exit 1, nothing attached' '
	f=$FIXTURES/uprobeme &&
	serve trace --count --listen 127.0.0.1:0 $f:foo &&
	test_when_finished "test_kill $up" &&
	port=${url#http://127.0.0.1:} && port=${port%/metrics} &&
	upx_prog_ids >progs1 &&
	test_expect_code 1 upx trace --count --listen 127.0.0.1:$port $f:bar >out2 2>err2 &&
	test_one_line_error err2 &&
	test_grep "^upx trace: cannot listen on '"'"'127.0.0.1:$port'"'"': Address already in use$" err2 &&
	test ! -s out2 &&
	upx_prog_ids >progs2 &&
	test_cmp progs1 progs2
'

# (How fast: make bench, figure 11.listen.)
test_expect_success BPF 'SIGTERM stops serving and detaches' '
	f=$FIXTURES/uprobeme &&
	serve trace --count --listen 127.0.0.1:0 --metrics-file $PWD/m.prom $f:foo &&
	test_when_finished "test_kill $up" &&
	port=${url#http://127.0.0.1:} && port=${port%/metrics} &&
	$M listening $port &&
	$f 4 0 >/dev/null &&
	$M fetch "$url" >/dev/null &&
	ms=$($M stop $up) &&
	wait_exit $up $TEST_STOP_S &&
	say "stopped in $ms ms" &&
	! $M listening $port &&
	test "$($M get m.prom upx_probe_calls_total function=foo)" = 4 &&
	test_no_leftover_links
'

test_done
