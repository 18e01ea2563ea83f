#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# upx lifetimes: sleeps of known length land in the right log2 buckets with
# exact counts; a process running before tracing began is measured from its
# start; a process killed before exit() leaves no entry behind.
. "$(dirname "$0")/lib.sh"

# bucket LABEL FILE: the count of the histogram line "[LABEL)"
bucket() {
	awk -v l="$1" 'index($0, l) == 1 { print $3 }' "$2"
}

# 0.14 s = 140e6 ns lies in [2^27, 2^28) = [134M, 268M); 0.6 s in [2^29, 2^30) = [537M, 1.07G):
# each may run over 100 ms late on a busy machine and stay in its bucket.
test_expect_success BPF 'five sleep 0.14 and one sleep 0.6: exact counts in the right buckets' '
	upx lifetimes --comm sleep -c "sh -c \"for i in 1 2 3 4 5; do sleep 0.14; done; sleep 0.6\"" >out 2>err &&
	test_grep "^@lifetime_ns\[sleep\]: 6 processes$" out &&
	test "$(bucket "[128M, 256M)" out)" = 5 &&
	test "$(bucket "[256M, 512M)" out)" = 0 &&
	test "$(bucket "[512M, 1G)" out)" = 1 &&
	grep "^\[" out >buckets && test_line_count = 3 buckets &&
	test_grep "^  count 6, min 1[4-9][0-9]\.[0-9] ms, mean .*, max [6-9][0-9][0-9]\.[0-9] ms, p50 ~.*, p99 ~" out &&
	test_grep -v "@lifetime_ns\[sh\]" out &&
	test_grep -v "already running" out
'

test_expect_success BPF '--json: one object per name, buckets in nanoseconds' '
	upx lifetimes --json --comm sleep -- sh -c "sleep 0.14; sleep 0.14" >out 2>err &&
	test_line_count = 1 out &&
	python3 -c "
import json
d = json.loads(open(\"out\").read())
assert d[\"comm\"] == \"sleep\" and d[\"count\"] == 2, d
assert d[\"buckets\"] == [{\"low\": 1 << 27, \"high\": 1 << 28, \"count\": 2}], d
assert 140e6 <= d[\"min_ns\"] <= d[\"mean_ns\"] <= d[\"max_ns\"] < 1 << 28, d
assert d[\"already_running\"] == 0
"
'

test_expect_success BPF '--json: a name that is not UTF-8 keeps its bytes in comm_hex' '
	upx lifetimes --json -- sh -c "printf \"lt\\377x\" >/proc/\$\$/comm; sleep 0.1" >out 2>err &&
	python3 -c "
import json
rows = [json.loads(l) for l in open(\"out\")]
bad = [r for r in rows if \"comm_hex\" in r]
assert len(bad) == 1 and bad[0][\"comm_hex\"] == \"6c74ff78\", rows
assert bad[0][\"comm\"] == \"lt\\ufffdx\" and bad[0][\"count\"] == 1, bad
assert [r[\"comm\"] for r in rows if r is not bad[0]] == [\"sleep\"], rows
" &&
	upx lifetimes -- sh -c "printf \"lt\\377x\" >/proc/\$\$/comm; sleep 0.1" >out 2>err &&
	test_grep "^@lifetime_ns\[lt\\\\xffx\]: 1 process\$" out
'

test_expect_success BPF 'without --comm every name has its table; exit() then _exit() counts once' '
	upx lifetimes -- sh -c "sleep 0.2; true" >out 2>err &&
	test_grep "^@lifetime_ns\[sleep\]: 1 process$" out &&
	test_grep "^@lifetime_ns\[sh\]: 1 process$" out
'

test_expect_success BPF 'a process already running when tracing began is measured from its start' '
	# a name of its own: other sleeps on the machine are not counted
	cp "$(command -v sleep)" ./lt-napper &&
	{ ./lt-napper 1.5 & } &&
	s=$! &&
	test_when_finished "test_kill $s" &&
	wait_exec $s ./lt-napper &&
	{ upx lifetimes --comm lt-napper >out 2>err & } &&
	u=$! &&
	test_when_finished "test_kill $u" &&
	wait_for "^Tracing" err &&
	wait_exit $s 5 &&
	# what the kernel recorded before SIGINT is shown
	kill -INT $u &&
	wait_exit $u 10 &&
	test_grep "^@lifetime_ns\[lt-napper\]: 1 process$" out &&
	test "$(bucket "[1G, 2G)" out)" = 1 &&
	test_grep "^  1 already running when tracing began" out
'

test_expect_success BPF,BPFTOOL 'a process killed before exit() leaves no start time behind' '
	cat >has-key.py <<-\PY &&
	import json, sys
	keys = {e["formatted"]["key"] for e in json.load(open(sys.argv[1]))}
	sys.exit(0 if int(sys.argv[2]) in keys else 1)
	PY
	# the start time of the sleep is looked for (5 s at most) before it is killed
	cat >killed.sh <<-\EOF &&
	sleep 30 & p=$!
	echo $p >pid
	for i in $(seq 100); do
		bpftool map dump name upx_life_procs -j >before
		python3 has-key.py before $p && break
		sleep 0.05
	done
	kill -9 $p; wait $p
	bpftool map dump name upx_life_procs -j >after
	EOF
	upx lifetimes --comm sleep -- sh killed.sh >out 2>err &&
	p=$(cat pid) &&
	{ python3 has-key.py before $p || { echo "no start time recorded for $p"; false; }; } &&
	{ ! python3 has-key.py after $p || { echo "$p still there after its death"; false; }; } &&
	test_grep -v "@lifetime_ns\[sleep\]: 2" out
'

test_expect_success ROOT 'bad arguments are usage errors' '
	test_expect_code 2 upx lifetimes stray 2>err && test_grep "unexpected argument" err &&
	test_expect_code 2 upx lifetimes -d 0 2>err && test_grep "seconds" err
'

test_expect_success BPF 'nothing stays attached' '
	test_no_leftover_links
'

test_done
