#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# upx trace --span START END: the time between two probes, paired on a thread
# or by a value (--span-key), as events, counts and histograms; the fixture
# (handoff) times each job itself, and each span must fall within its bounds.
. "$(dirname "$0")/lib.sh"

H=$FIXTURES/handoff

# check_bounds JSON BOUNDS N: N spans, one per job id (arg0), each within the
# fixture's own [lo, hi] for it; cross: END ran in another thread than START.
check_bounds() {
	python3 - "$@" <<-\EOP
	import json, sys
	out, bounds, n, cross = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4] == "cross"
	b = {int(i): (int(lo), int(hi)) for i, lo, hi in (l.split() for l in open(bounds))}
	spans = [json.loads(l) for l in open(out) if "duration_ns" in l]
	assert len(spans) == n and len(b) == n, (spans, b)
	ids = [s["args"][0] if s["args"] else s["retval"] for s in spans]
	for s, i in zip(spans, ids):
	    lo, hi = b[i]
	    assert lo <= s["duration_ns"] <= hi, (s, lo, hi)
	    assert (s["end_tid"] != s["tid"]) == cross, s
	assert sorted(ids) == list(range(1, n + 1)), spans
	EOP
}

test_expect_success BPF '--span-key arg0: jobs handed to another thread, each span within the fixture clock' '
	upx trace --json --span --span-key arg0 --args 1 $H:job_start $H:job_done \
		-c "$H 5 bounds" >out 2>err &&
	check_bounds out bounds 5 cross
'

test_expect_success BPF '--span on one thread (the default pairing): text lines with START args and dur=' '
	upx trace --span --args 1 $H:job_start $H:job_done -c "$H -l 3 bounds" >out 2>err &&
	test_line_count = 4 out &&
	test "$(grep -c "^[0-9:.]*  *[0-9]*  *[0-9]*  *handoff  *$H:job_start id=[123] dur=[0-9.]*ms$" out)" = 3 &&
	upx trace --json --span --args 1 $H:job_start $H:job_done -c "$H -l 3 bounds" >out 2>err &&
	check_bounds out bounds 3 same
'

test_expect_success BPF 'END on another thread, paired by thread: no span, every END unmatched, the replaced STARTs evicted' '
	upx trace --json --count --span $H:job_start $H:job_done -c "$H 5 bounds" >out 2>err &&
	python3 -c "
import json
d = json.loads(open(\"out\").readline())
assert d[\"counts\"] == [{\"probe\": \"$H:job_start\", \"function\": \"job_start\", \"count\": 0}], d
assert d[\"ends_unmatched\"] == 5 and d[\"spans_evicted\"] == 4, d
" &&
	upx trace --count --span $H:job_start $H:job_done -c "$H 2 bounds" >out 2>err &&
	test_grep "^upx trace: warning: --span: 1 START evicted before an END came" err
'

test_expect_success BPF '--min 25ms: only the spans that long (30 and 40 ms of 10..40)' '
	upx trace --json --span --min 25ms --args 1 $H:job_start $H:job_done -c "$H -l 4 bounds" >out 2>err &&
	python3 -c "
import json
spans = [json.loads(l) for l in open(\"out\") if \"duration_ns\" in l]
assert sorted(s[\"args\"][0] for s in spans) == [3, 4], spans
assert all(s[\"duration_ns\"] >= 25000000 for s in spans), spans
" &&
	upx trace --span --max 15ms --args 1 $H:job_start $H:job_done -c "$H -l 3 bounds" >out 2>err &&
	test_line_count = 2 out &&
	test_grep " id=1 dur=" out
'

test_expect_success BPF '--span --latency: the durations in log2 buckets, under START; --count counts spans' '
	upx trace --json --span --latency $H:job_start $H:job_done -c "$H -l 4 bounds" >out 2>err &&
	python3 -c "
import json
d = json.loads(open(\"out\").readline())
assert d[\"probe\"] == \"$H:job_start\" and d[\"count\"] == 4, d
b = {x[\"low\"]: x[\"count\"] for x in d[\"buckets\"] if x[\"count\"]}
assert b == {8 << 20: 1, 16 << 20: 2, 32 << 20: 1}, b
bounds = [l.split() for l in open(\"bounds\")]
assert sum(int(lo) for _, lo, _ in bounds) <= d[\"sum\"] <= sum(int(hi) for _, _, hi in bounds), d
" &&
	upx trace --span --count $H:job_start $H:job_done -c "$H -l 3 bounds" >out 2>err &&
	printf "%s\n" "PROBE COUNT" "$H:job_start 3" >expect &&
	sed "s/  */ /g" out >got &&
	test_cmp expect got
'

test_expect_success BPF '--span --count --by arg0: the key is taken at START' '
	upx trace --span --count --by arg0 $H:job_start $H:job_done -c "$H -l 2 bounds" >out 2>err &&
	sort out | sed "s/  */ /g" >got &&
	printf "%s\n" "1 1" "2 1" "ARG0 COUNT" >expect &&
	test_cmp expect got
'

test_expect_success BPF,PROMTOOL '--span --latency --metrics-file: the span histogram as a metric' '
	upx trace --span --latency --metrics-file "$PWD/m.prom" $H:job_start $H:job_done \
		-c "$H -l 2 bounds" >out 2>err &&
	promtool check metrics <m.prom &&
	test_grep "^upx_span_duration_seconds_count{probe=\"$H:job_start\",.*} 2$" m.prom &&
	test_grep "^upx_spans_evicted_total 0$" m.prom &&
	test_grep "^upx_span_ends_unmatched_total 0$" m.prom
'

test_expect_success 'bad --span input: one line each, exit 2' '
	test_usage_errors trace <<-EOF
	--span $H:job_start|--span takes two probes, START and END, not 1
	--span $H:job_start $H:job_done $H:job_done|--span takes two probes, START and END, not 3
	--span $H:job_start $H:job_start|--span: START and END are the same probe
	--span --span-key arg9 $H:job_start $H:job_done|: expected arg0..arg5 or retval
	--span --span-key retval $H:job_start $H:job_done|--span-key retval: START
	--span --span-key arg0 r:$H:job_start $H:job_done|--span-key arg0: arguments are gone when a function returns
	--span --span-key arg0,retval $H:job_start $H:job_done|--span-key retval: END
	--span-key arg0 $H:job_start|--span-key goes with --span
	--min 20ms $H:job_start|--min and --max take a duration (20ms) with --span only
	--span --min 20xs $H:job_start $H:job_done|expects a number (1M = 1048576) or a duration (20ms), not
	--span --hist arg0 $H:job_start $H:job_done|--span does not go with --hist
	--span --min 1ms --on arg0 $H:job_start $H:job_done|--span does not go with --on
	EOF
'

test_expect_success BPF '--span-key retval,arg0: a span from what r:START returns to the END given it' '
	upx trace --json --span --span-key retval,arg0 r:$H:job_start $H:job_done \
		-c "$H 4 bounds" >out 2>err &&
	check_bounds out bounds 4 cross
'

test_done
