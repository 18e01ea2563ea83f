#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A real Prometheus server scrapes upx every second (in OpenMetrics, which
# it asks for first) and its HTTP API gives back exactly what the fixtures
# did: N calls of foo(), the buckets of known argument values, a hostile comm.
. "$(dirname "$0")/lib.sh"

M="python3 $E2E_DIR/metrics.py"
test_lazy_prereq PROMETHEUS 'command -v prometheus'

# serve VAR ARGS...: upx ARGS in the background (VAR.out, VAR.err); its pid in
# $VAR_pid, the port it serves on in $VAR_port
serve() {
	v=$1
	shift
	upx "$@" >$v.out 2>$v.err &
	eval "${v}_pid=$!" &&
	wait_for "^Serving metrics on " $v.err &&
	eval "${v}_port=\$(sed -n \"s,^Serving metrics on http://127.0.0.1:\\([0-9]*\\)/metrics\$,\\1,p\" $v.err)"
}

# value EXPR: the one value of a Prometheus query (nothing when it has none)
value() {
	$M query "$prom" "$1" >q && test "$(wc -l <q)" -le 1 && sed -n "s/.* //p" q
}
value_is() {
	test "$(value "$1")" = "$2"
}
# samples_at_least SERIES N: Prometheus holds N samples of SERIES from the last minute
samples_at_least() {
	n=$(value "count_over_time($1[1m])") && test "${n:-0}" -ge "$2"
}

test_expect_success BPF,PROMETHEUS 'Prometheus scrapes exact counts, buckets and a hostile comm' '
	u=$FIXTURES/uprobeme && x=$FIXTURES/exact &&
	name=$(printf "q\"b\\\\s\nn\$x") &&
	ln -s /bin/sh "$name" &&
	serve count trace --count --listen 127.0.0.1:0 $u:foo &&
	test_when_finished "test_kill $count_pid" &&
	serve hist trace --hist a --listen 127.0.0.1:0 $x:takes_args -c "$x args 10" &&
	test_when_finished "test_kill $hist_pid" &&
	serve exits exitcodes --listen 127.0.0.1:0 -- "./$name" -c "exit 7" &&
	test_when_finished "test_kill $exits_pid" &&
	ln -s $u alpha && ln -s $u beta &&
	serve by trace --count --by comm --listen 127.0.0.1:0 $u:bar &&
	test_when_finished "test_kill $by_pid" &&
	cat >prometheus.yml <<-EOF &&
	global:
	  scrape_interval: 1s
	  scrape_timeout: 1s
	scrape_configs:
	  - job_name: upx
	    static_configs:
	      - targets: ["127.0.0.1:$count_port", "127.0.0.1:$hist_port", "127.0.0.1:$exits_port", "127.0.0.1:$by_port"]
	EOF
	{ prometheus --config.file=prometheus.yml --storage.tsdb.path="$PWD/data" \
		--web.listen-address=127.0.0.1:0 --log.level=warn >prom.log 2>&1 & } &&
	prom_pid=$! &&
	test_when_finished "test_kill $prom_pid" &&
	wait_until 20 $M port $prom_pid >/dev/null 2>&1 &&
	prom=http://127.0.0.1:$($M port $prom_pid) &&
	wait_until 20 test "$($M status $prom/-/ready 2>/dev/null)" = 200 &&

	# foo() called exactly 37 times while Prometheus scrapes
	$u 37 0 >/dev/null &&
	wait_until 15 value_is "upx_probe_calls_total{function=\"foo\"}" 37 &&
	value_is "up{instance=\"127.0.0.1:$count_port\"}" 1 &&
	value_is "upx_probes_attached{instance=\"127.0.0.1:$count_port\"}" 1 &&

	# a = 0..9 into the log2 buckets: le is "7.0" in OpenMetrics
	wait_until 15 value_is "upx_probe_value_count{function=\"takes_args\"}" 10 &&
	value_is "upx_probe_value_sum{function=\"takes_args\"}" 45 &&
	for b in 0.0:1 1.0:2 3.0:4 7.0:8 15.0:10 +Inf:10; do
		value_is "upx_probe_value_bucket{function=\"takes_args\",arg=\"a\",le=\"${b%:*}\"}" ${b#*:} ||
		return 1
	done &&
	$M query "$prom" "count(upx_probe_value_bucket{function=\"takes_args\"})" >q &&
	test "$(sed -n "s/.* //p" q)" = 65 &&
	value_is "histogram_quantile(0.5, upx_probe_value_bucket{function=\"takes_args\"})" 4 &&

	# the comm, quote, backslash and newline, exactly as the kernel had it
	wait_until 15 value_is "upx_process_exits_total{code=\"7\"}" 1 &&
	$M query "$prom" "upx_process_exits_total{code=\"7\"}" >q &&
	python3 -c "
import json, sys
line = open(\"q\").read()
labels = json.loads(line[:line.rindex(\" \")])
sys.exit(labels[\"comm\"] != sys.argv[1])
" "$name" &&

	# --by comm: two names of one program (symbolic links), one series each
	./alpha 0 5 >/dev/null && ./beta 0 9 >/dev/null && ./alpha 0 2 >/dev/null &&
	wait_until 15 value_is "upx_probe_calls_total{comm=\"alpha\"}" 7 &&
	value_is "upx_probe_calls_total{comm=\"beta\"}" 9 &&
	value_is "upx_by_keys{instance=\"127.0.0.1:$by_port\"}" 2 &&

	# still exactly 37, scrape after scrape
	wait_until 10 samples_at_least "upx_probe_calls_total{function=\"foo\"}" 3 &&
	value_is "max_over_time(upx_probe_calls_total{function=\"foo\"}[1m])" 37 &&
	value_is "upx_probe_calls_total{function=\"foo\"}" 37 &&

	# stopped: nothing listens, nothing stays attached
	test_kill $prom_pid $count_pid $hist_pid $exits_pid $by_pid &&
	for p in $count_port $hist_port $exits_port $by_port; do
		! $M listening $p || return 1
	done &&
	test_no_leftover_links
'

test_done
