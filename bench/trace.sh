#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# upx trace against bpftrace 0.17, run side by side on the same fixture:
#   1. cost per probe hit: uprobeme calls foo() N times; time it untraced,
#      under `upx trace --count` and under bpftrace's count(); report ns/hit
#      above the untraced run, for a push-first function and an endbr64-first one;
#   2. events mode, every hit sent to user space (ring buffer vs perf buffer);
#   3. start-up to first probe live plus tear-down: `-c true` end to end;
#   4. a glob over libc's s* functions: attach + detach time (bpftrace is skipped
#      past 60 s: it needs ~49 s here).
# Needs root.  Prints ratios; upx must not be slower than bpftrace.
cd "$(dirname "$0")/.." || exit 1
command -v bpftrace >/dev/null || apt-get install -y -qq bpftrace >/dev/null
F=build/fixtures
N=${N:-1000000}
export BPFTRACE_STRLEN=64

now() { date +%s%N; }

# run_ms CMD...: wall time of CMD in ms (median of 3)
run_ms() {
	for i in 1 2 3; do
		s=$(now); "$@" >/dev/null 2>&1; e=$(now)
		echo $(( (e - s) / 1000000 ))
	done | sort -n | sed -n 2p
}

# ns the fixture spent in its loop (it times itself: UPROBEME_TIME), median of 3
loop_ns() {
	for i in 1 2 3; do
		UPROBEME_TIME=1 "$@" 2>/dev/null | sed -n 's/^ELAPSED_NS \([0-9]*\)$/\1/p'
	done | sort -n | sed -n 2p
}

fail=0
for fx in uprobeme uprobeme-fp uprobeme-cet-fp; do
	bin=$PWD/$F/$fx
	base=$(loop_ns $bin $N 0)
	upx=$(loop_ns ./upx trace --count $bin:foo -c "$bin $N 0")
	bt=$(loop_ns bpftrace -e "uprobe:$bin:foo { @ = count(); }" -c "$bin $N 0")
	upx_ns=$(( (upx - base) / N ))
	bt_ns=$(( (bt - base) / N ))
	echo "per hit ($fx, $N calls): untraced $((base / N)) ns/call; upx +${upx_ns} ns/hit; bpftrace +${bt_ns} ns/hit; bpftrace/upx = $(awk "BEGIN { printf \"%.1f\", $bt_ns / ($upx_ns > 0 ? $upx_ns : 1) }")"
	[ "$upx_ns" -le "$bt_ns" ] || fail=1
done

# Events mode: every hit goes out to user space (upx's ring buffer with
# batched wake-ups, bpftrace's printf through its perf buffer), to /dev/null.
M=$((N / 5))
bin=$PWD/$F/uprobeme-fp
base=$(loop_ns $bin $M 0)
upx=$(loop_ns ./upx trace --args 1 $bin:foo -c "$bin $M 0")
bt=$(loop_ns bpftrace -e "uprobe:$bin:foo { printf(\"%d\\n\", arg0); }" -c "$bin $M 0")
upx_ns=$(( (upx - base) / M ))
bt_ns=$(( (bt - base) / M ))
echo "per event (uprobeme-fp, $M events): upx +${upx_ns} ns/event; bpftrace +${bt_ns} ns/event; bpftrace/upx = $(awk "BEGIN { printf \"%.1f\", $bt_ns / ($upx_ns > 0 ? $upx_ns : 1) }")"
[ "$upx_ns" -le "$bt_ns" ] || fail=1

upx_start=$(run_ms ./upx trace --count libc.so.6:malloc -c true)
bt_start=$(run_ms bpftrace -e 'uprobe:/lib/x86_64-linux-gnu/libc.so.6:malloc { @ = count(); }' -c /bin/true)
echo "start + stop around 'true': upx ${upx_start} ms, bpftrace ${bt_start} ms, ratio $(awk "BEGIN { printf \"%.1f\", $bt_start / ($upx_start > 0 ? $upx_start : 1) }")x"
[ "$upx_start" -le "$bt_start" ] || fail=1

s=$(now); ./upx trace --count 'libc.so.6:s*' -c true >/dev/null 2>/tmp/upx-bench-err; e=$(now)
n=$(sed -n 's/^Tracing \([0-9]*\) probes.*/\1/p' /tmp/upx-bench-err)
upx_glob=$(( (e - s) / 1000000 ))
s=$(now); timeout 60 bpftrace -e 'uprobe:/lib/x86_64-linux-gnu/libc.so.6:s* { @ = count(); }' -c /bin/true >/dev/null 2>&1; rc=$?; e=$(now)
bt_glob=$(( (e - s) / 1000000 ))
[ $rc = 124 ] && bt_glob=">60000 (timed out)"
echo "glob libc.so.6:s* ($n sites), attach + run + detach: upx ${upx_glob} ms, bpftrace ${bt_glob} ms"
exit $fail
