#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make bench: upx beside bpftrace and beside the floor (bench/floor, a bare
# libbpf loader), run in turns (A B A B ...), REPS rounds, medians and ranges.
# Figures 1-16 are described in Documentation/bench.txt.  The tracer runs on
# CPU0, the workload on CPU1; every peer run has a timeout; each figure that
# loads BPF holds /tmp/upx-bpf.lock while it runs.  Prints a table and writes
# bench/results.json.  Exits non-zero only when a command fails, never on a ratio.
#   QUICK=1  fewer calls and rounds, under a minute
#   ONLY=NAME  only the figure run by that function (stream, perhit, stacks, ...)
set -u
cd "$(dirname "$0")/.." || exit 1
export LC_ALL=C

QUICK=${QUICK:-}
if [ -n "$QUICK" ]; then
	REPS=${REPS:-3} N_STREAM=${N_STREAM:-100000} N_HIT=${N_HIT:-50000} TICKS=${TICKS:-50}
	N_STK=${N_STK:-20000} N_STKEV=${N_STKEV:-200000} N_PY=${N_PY:-10000} N_BUF=${N_BUF:-20000}
else
	REPS=${REPS:-5} N_STREAM=${N_STREAM:-1000000} N_HIT=${N_HIT:-300000} TICKS=${TICKS:-250}
	N_STK=${N_STK:-20000} N_STKEV=${N_STKEV:-1000000} N_PY=${N_PY:-10000} N_BUF=${N_BUF:-20000}
fi
TIMEOUT=${TIMEOUT:-120}
# BPFTRACE=PATH: another bpftrace (say, trixie's) as the peer.
BPFTRACE=${BPFTRACE:-bpftrace}
LOCK=/tmp/upx-bpf.lock
# UPX=PATH: another build of upx (say, main's) measured in the same figures.
UPX=${UPX:-$PWD/upx}
B=$PWD/build/bench
BM=$B/benchme
FLOOR=$B/floor
OUT=bench/results.json
# ONLY: a partial run leaves the figures of record alone.
[ -n "${ONLY:-}" ] && OUT=/dev/null

if [ "$BPFTRACE" = bpftrace ] && ! command -v bpftrace >/dev/null; then
	echo "bench: installing bpftrace"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bpftrace >/dev/null ||
		{ echo "bench: cannot install bpftrace" >&2; exit 1; }
fi
BT_VERSION=$("$BPFTRACE" --version)
# The rules name their targets relative to the tree (build/bench/...), not by $B.
make -s all fixtures build/bench/floor build/bench/benchme build/bench/stamp || exit 1
LIBC=$(ldconfig -p | awk '$1 == "libc.so.6" && /x86-64/ { print $NF; exit }')
[ -n "$LIBC" ] || LIBC=$(ldconfig -p | awk '$1 == "libc.so.6" { print $NF; exit }')

TMP=$(mktemp -d)
STATS_OLD=
cleanup() {
	[ -n "$STATS_OLD" ] && sysctl -q kernel.bpf_stats_enabled="$STATS_OLD"
	rm -rf "$TMP"
}
# The sleeping processes of figures 11 and 12 (spawn), killed at the end of each and on exit.
reap() {
	[ -s "$TMP/sleepers" ] && kill $(cat "$TMP/sleepers") 2>/dev/null
	rm -f "$TMP/sleepers"
	wait 2>/dev/null
	return 0
}
trap 'reap; cleanup' EXIT
trap 'exit 130' INT TERM
status=0
T0=$(date +%s)

echo "bench: upx $("$UPX" --version | awk '{ print $NF }'), $BT_VERSION, kernel $(uname -r)," \
     "$(nproc) CPUs, $REPS rounds${QUICK:+ (QUICK)}"

# The lock, held per figure.
lock() { exec 9>"$LOCK" && flock 9; }
unlock() { flock -u 9; exec 9>&-; }

fail() {
	echo "bench: FAILED: $*" >&2
	[ -s "$TMP/err" ] && tail -3 "$TMP/err" | sed 's/^/    /' >&2
	status=1
}

# tracer CMD...: run a tracer on CPU0 with a timeout, stdout to $TMP/out, stderr to $TMP/err.
tracer() {
	taskset -c 0 timeout -k 5 "$TIMEOUT" "$@" >"$TMP/out" 2>"$TMP/err" || { fail "$*"; return 1; }
}

# peer ROW CMD...: like tracer, for a run of the peer.  A run that a signal ends (bpftrace
# 0.17 aborts now and then when a traced process exits while it reads /proc/PID/exe) is the
# peer's result: counted in ROW's cell as a crash, not a failure of the suite.  Its timeout
# (124, or 137 after -k) and an error exit are still failures.
peer() {
	local row=$1
	shift
	taskset -c 0 timeout -k 5 "$TIMEOUT" "$@" >"$TMP/out" 2>"$TMP/err"
	peer_status "$row" $? "$@"
}

# peer_status ROW RC CMD...: 0 when RC is, else a crash counted or a failure (see peer).
peer_status() {
	local row=$1 rc=$2 sig
	shift 2
	[ "$rc" -eq 0 ] && return 0
	if [ "$rc" -gt 128 ] && [ "$rc" -ne 137 ]; then
		sig=$(kill -l "$rc" 2>/dev/null || echo "$((rc - 128))")
		echo "$sig" >>"$TMP/c.$row.bt"
		echo "bench: the peer crashed (SIG$sig) in figure $row, counted in its cell: $*" >&2
		tail -2 "$TMP/err" | sed 's/^/    /' >&2
		return 1
	fi
	fail "$*"
}

# work ARGS...: the workload command line, pinned to CPU1 (a full path: bpftrace -c
# refuses a name that two PATH entries resolve to, as /bin and /usr/bin do when merged).
TASKSET=$(readlink -f "$(command -v taskset)")
work() { echo "$TASKSET -c 1 $BM $*"; }

# The workload's own figures go to their own file, never into a tracer's output.
export BENCHME_OUT=$TMP/bm
elapsed() { sed -n 's/^ELAPSED_NS \([0-9]*\)$/\1/p' "$BENCHME_OUT"; }

# sample ROW TOOL VALUE: one measurement.
sample() { [ -n "$3" ] && echo "$3" >>"$TMP/s.$1.$2"; }

# row ID UNIT GOAL LABEL: a line of the table, in order.
row() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$TMP/rows"; }

base() {
	taskset -c 1 timeout "$TIMEOUT" "$BM" "$@" >"$TMP/out" 2>"$TMP/err" || fail "benchme $*"
	elapsed
}

# per_call BASE N: ns added per call, from $TMP/out
per_call() {
	local e
	e=$(elapsed)
	[ -n "$e" ] && [ -n "$1" ] && echo $(( (e - $1) / $2 ))
}

ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

# --- 1, 2: stream N_STREAM calls of push_first to a file -----------------------------
stream() {
	local id=$1 json=$2 n=$N_STREAM b lines
	local fn=$BM:push_first
	row "$id" "ns/call" "upx <= bpftrace" "stream ${n} calls to a file${json:+ (--json)}, added"
	row "$id.lost" "events" "0" "  events lost of $n"
	for _ in $(seq "$REPS"); do
		b=$(base push "$n")
		if tracer "$UPX" trace ${json:+--json} --args 1 "$fn" -c "$(work push "$n")"; then
			sample "$id" upx "$(per_call "$b" "$n")"
			# (--json ends with a summary line that names the probe too)
			lines=$(grep -v '^{"summary"' "$TMP/out" | grep -c 'push_first')
			sample "$id.lost" upx $((n - lines))
		fi
		if [ -n "$json" ]; then
			peer "$id" "$BPFTRACE" -f json -e "uprobe:$fn { printf(\"E %d\\n\", arg0); }" \
				-c "$(work push "$n")" && lines=$(grep -c '"E [0-9]' "$TMP/out")
		else
			peer "$id" "$BPFTRACE" -e "uprobe:$fn { printf(\"E %d\\n\", arg0); }" \
				-c "$(work push "$n")" && lines=$(grep -c '^E [0-9]' "$TMP/out")
		fi && {
			sample "$id" bt "$(per_call "$b" "$n")"
			sample "$id.lost" bt $((n - lines))
		}
		if tracer "$FLOOR" -m ringbatch ${json:+--json} -c "$(work push "$n")" "$fn"; then
			sample "$id" floor "$(per_call "$b" "$n")"
			lines=$(grep -c 'push_first' "$TMP/out")
			sample "$id.lost" floor $((n - lines))
		fi
		if tracer "$FLOOR" -m ring ${json:+--json} -c "$(work push "$n")" "$fn"; then
			sample "$id.ring" floor "$(per_call "$b" "$n")"
		fi
	done
	row "$id.ring" "ns/call" "" "  floor with a wake-up per event"
}

# --- 3: full run, one probe on libc malloc, -c true --------------------------------
fullrun() {
	local s
	row 3 ms "upx <= bpftrace" "full run, one probe, -c true (wall)"
	row 3.multi ms "" "  floor with a one-site uprobe_multi link"
	for _ in $(seq "$REPS"); do
		s=$(date +%s%N); tracer "$UPX" trace --count libc.so.6:malloc -c true &&
			sample 3 upx "$(ms_since "$s")"
		s=$(date +%s%N); peer 3 "$BPFTRACE" -e "uprobe:$LIBC:malloc { @ = count(); }" -c /bin/true &&
			sample 3 bt "$(ms_since "$s")"
		s=$(date +%s%N); tracer "$FLOOR" -m count -c true "$LIBC:malloc" &&
			sample 3 floor "$(ms_since "$s")"
		s=$(date +%s%N); tracer "$FLOOR" -m count --multi -c true "$LIBC:malloc" &&
			sample 3.multi floor "$(ms_since "$s")"
	done
}

# --- 4: when does an event reach a reader? ---------------------------------------------
# benchme tick calls tick(i) every 2 ms and writes "TICK i ns" (CLOCK_MONOTONIC just
# before the call) to $BENCHME_OUT; the tracer's stdout goes through stamp, which prefixes each
# line with the time it was read.  Delay = read time - call time, matched by i.
# latency TOOL: the first event's delay and the median, in us, "first median".
latency() {
	awk -v tool="$1" '
	FILENAME ~ /bm$/ { if ($1 == "TICK") t[$2] = $3; next }
	{
		seq = ""
		if (tool == "bt") { if ($2 == "E") seq = $3 }
		else if ($0 ~ /:tick /) { seq = $NF; sub(/.*=/, "", seq) }
		if (seq == "" || !(seq in t)) next
		printf "%d\n", ($1 - t[seq]) / 1000
	}' "$BENCHME_OUT" "$TMP/out" >"$TMP/delays"
	[ -s "$TMP/delays" ] || return 1
	echo "$(head -1 "$TMP/delays") $(sort -n "$TMP/delays" | awk '{ a[NR] = $1 }
		END { print a[int((NR + 1) / 2)] }')"
}

# tracer_piped [-p ROW] CMD...: like tracer (like peer with -p), stdout through stamp.
tracer_piped() {
	local row= rc
	[ "$1" = -p ] && { row=$2; shift 2; }
	{ taskset -c 0 timeout -k 5 "$TIMEOUT" "$@" 2>"$TMP/err" || echo $? >"$TMP/rc"; } |
		"$B/stamp" >"$TMP/out"
	[ -e "$TMP/rc" ] || return 0
	rc=$(cat "$TMP/rc")
	rm -f "$TMP/rc"
	if [ -n "$row" ]; then
		peer_status "$row" "$rc" "$@"
	else
		fail "$*"
	fi
}

firstevent() {
	local fn=$BM:tick w r
	w=$(work tick "$TICKS" 2)
	row 4 us "upx <= bpftrace" "first event seen, delay after the call"
	row 4.med us "" "  median delay over $TICKS events, one per 2 ms"
	for _ in $(seq "$REPS"); do
		tracer_piped "$UPX" trace --args 1 "$fn" -c "$w" && r=$(latency upx) &&
			sample 4 upx "${r% *}" && sample 4.med upx "${r#* }"
		tracer_piped -p 4 "$BPFTRACE" -e "uprobe:$fn { printf(\"E %d\\n\", arg0); }" -c "$w" &&
			r=$(latency bt) && sample 4 bt "${r% *}" && sample 4.med bt "${r#* }"
		tracer_piped "$FLOOR" -m ring -c "$w" "$fn" && r=$(latency floor) &&
			sample 4 floor "${r% *}" && sample 4.med floor "${r#* }"
	done
}

# --- 5: cost per hit in count mode, by first instruction -------------------------------
perhit() {
	local id=$1 fx=$2 fn=$3 label=$4 ret=$5 n=$N_HIT b mode=count bt=uprobe
	[ -n "$ret" ] && mode=ret bt=uretprobe
	row "$id" ns "upx/floor ~ 1" "$label"
	for _ in $(seq "$REPS"); do
		b=$(base "$fx" "$n")
		tracer "$UPX" trace --count "${ret:+r:}$BM:$fn" -c "$(work "$fx" "$n")" &&
			sample "$id" upx "$(per_call "$b" "$n")"
		peer "$id" "$BPFTRACE" -e "$bt:$BM:$fn { @ = count(); }" -c "$(work "$fx" "$n")" &&
			sample "$id" bt "$(per_call "$b" "$n")"
		tracer "$FLOOR" -m "$mode" -c "$(work "$fx" "$n")" "$BM:$fn" &&
			sample "$id" floor "$(per_call "$b" "$n")"
		# endbr64 is single-stepped: the floor placed after it, as upx places its probe.
		[ "$fx" = endbr ] && tracer "$FLOOR" -m count -c "$(work "$fx" "$n")" "$BM:$fn+4" &&
			sample "$id.after" floor "$(per_call "$b" "$n")"
	done
	[ "$fx" = endbr ] && row "$id.after" ns "" "  floor at endbr_first+4 (push, emulated)"
}

# --- 6: BPF program run time per hit (kernel.bpf_stats_enabled) ------------------------
# The programs a tracer loaded are the ones `bpftool prog show` lists once it is armed
# and did not list before (the lock keeps other loaders out).
progtime() {
	local id=$1 tool=$2 armed=$3 pid ids i
	shift 3
	bpftool prog show -j >"$TMP/before" || { fail "bpftool prog show"; return; }
	taskset -c 0 timeout -k 5 "$TIMEOUT" "$@" >"$TMP/out" 2>"$TMP/err" &
	pid=$!
	for i in $(seq 500); do
		grep -q "$armed" "$TMP/err" "$TMP/out" && break
		sleep 0.02
	done
	if ! grep -q "$armed" "$TMP/err" "$TMP/out"; then
		kill "$pid" 2>/dev/null
		wait "$pid"
		fail "$* never armed"
		return
	fi
	taskset -c 1 "$BM" push "$N_HIT" >/dev/null || fail "benchme push"
	bpftool prog show -j >"$TMP/after" || fail "bpftool prog show"
	kill -INT "$(pgrep -P "$pid" || echo "$pid")" 2>/dev/null
	for i in $(seq 250); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.02
	done
	kill -0 "$pid" 2>/dev/null && { kill "$pid"; fail "$* did not stop on SIGINT"; }
	wait "$pid"
	python3 - "$TMP/before" "$TMP/after" <<'PY' >"$TMP/v" || fail "bpftool output"
import json, sys
old = {p["id"] for p in json.load(open(sys.argv[1]))}
new = [p for p in json.load(open(sys.argv[2])) if p["id"] not in old and p.get("run_cnt")]
cnt = sum(p["run_cnt"] for p in new)
if cnt:
    print(sum(p.get("run_time_ns", 0) for p in new) // cnt)
PY
	sample "$id" "$tool" "$(cat "$TMP/v")"
}

bpfstats() {
	local fn=$BM:push_first
	row 6 ns "upx/floor ~ 1" "BPF program run time per hit, --count"
	row 6.key ns "upx/floor <= 1.3" "  the same work: the floor counts by cookie, leaves itself out"
	row 6.comm ns "" "  the same, --comm benchme: every call passes"
	row 6.drop ns "" "  the same, --comm other: every call dropped"
	row 6.by ns "upx <= bpftrace" "  --count --by comm (bpftrace @[comm] = count())"
	row 6.ev ns "" "  events (--args 1) to a file (floor ringbatch)"
	row 6.evn ns "upx/floor <= 1.3" "  the same work: the floor reads comm and cookie too (ringnamed)"
	STATS_OLD=$(sysctl -n kernel.bpf_stats_enabled)
	sysctl -q kernel.bpf_stats_enabled=1 || { fail "sysctl kernel.bpf_stats_enabled"; return; }
	for _ in $(seq "$REPS"); do
		progtime 6 upx '^Tracing' "$UPX" trace --count -d 60 "$fn"
		# bpftrace prints "Attaching" before it attaches; BEGIN runs once it has.
		progtime 6 bt '^ARMED' "$BPFTRACE" -e "BEGIN { printf(\"ARMED\\n\"); } uprobe:$fn { @ = count(); }"
		progtime 6 floor 'armed' "$FLOOR" -m count -d 60 "$fn"
		progtime 6.key upx '^Tracing' "$UPX" trace --count -d 60 "$fn"
		progtime 6.key floor 'armed' "$FLOOR" -m countkeyed -d 60 "$fn"
		# A filter: the cost of a call that passes it, and of one it drops (the zero report's
		# counters, per probe and per value); bpftrace's filter is its predicate.
		progtime 6.comm upx '^Tracing' "$UPX" trace --count --comm benchme -d 60 "$fn"
		progtime 6.comm bt '^ARMED' "$BPFTRACE" -e "BEGIN { printf(\"ARMED\\n\"); } uprobe:$fn /comm == \"benchme\"/ { @ = count(); }"
		progtime 6.drop upx '^Tracing' "$UPX" trace --count --comm other -d 60 "$fn"
		progtime 6.drop bt '^ARMED' "$BPFTRACE" -e "BEGIN { printf(\"ARMED\\n\"); } uprobe:$fn /comm == \"other\"/ { @ = count(); }"
		progtime 6.by upx '^Tracing' "$UPX" trace --count --by comm -d 60 "$fn"
		progtime 6.by bt '^ARMED' "$BPFTRACE" -e "BEGIN { printf(\"ARMED\\n\"); } uprobe:$fn { @[comm] = count(); }"
		progtime 6.ev upx '^Tracing' "$UPX" trace --args 1 -d 60 "$fn"
		progtime 6.ev bt '^ARMED' "$BPFTRACE" -e "BEGIN { printf(\"ARMED\\n\"); } uprobe:$fn { printf(\"E %d\\n\", arg0); }"
		progtime 6.ev floor 'armed' "$FLOOR" -m ringbatch -d 60 "$fn"
		progtime 6.evn upx '^Tracing' "$UPX" trace --args 1 -d 60 "$fn"
		progtime 6.evn floor 'armed' "$FLOOR" -m ringnamed -d 60 "$fn"
	done
	sysctl -q kernel.bpf_stats_enabled="$STATS_OLD"
	STATS_OLD=
}

# --- 8: maximum resident set size --------------------------------------------------------
rss() { sed -n 's/.*Maximum resident set size (kbytes): //p' "$TMP/time"; }

memory() {
	local fn=$BM:push_first w
	w=$(work push 100000)
	row 8 KiB "" "max RSS, one probe --count"
	row 8.events KiB "" "max RSS, events mode to /dev/null"
	row 8.life KiB "" "max RSS, lifetimes -c (upx alone)"
	for _ in $(seq "$REPS"); do
		tracer /usr/bin/time -v -o "$TMP/time" "$UPX" trace --count "$fn" -c "$w" &&
			sample 8 upx "$(rss)"
		peer 8 /usr/bin/time -v -o "$TMP/time" "$BPFTRACE" -e "uprobe:$fn { @ = count(); }" -c "$w" &&
			sample 8 bt "$(rss)"
		tracer /usr/bin/time -v -o "$TMP/time" "$FLOOR" -m count -c "$w" "$fn" &&
			sample 8 floor "$(rss)"
		tracer /usr/bin/time -v -o "$TMP/time" "$UPX" trace --args 1 "$fn" -c "$w" &&
			sample 8.events upx "$(rss)"
		peer 8.events /usr/bin/time -v -o "$TMP/time" "$BPFTRACE" \
			-e "uprobe:$fn { printf(\"E %d\\n\", arg0); }" -c "$w" && sample 8.events bt "$(rss)"
		tracer /usr/bin/time -v -o "$TMP/time" "$FLOOR" -m ringbatch -c "$w" "$fn" &&
			sample 8.events floor "$(rss)"
		tracer /usr/bin/time -v -o "$TMP/time" "$UPX" lifetimes -c "sh -c true" &&
			sample 8.life upx "$(rss)"
	done
}

# --- 11: a scrape while other clients hold connections (--listen) ----------------------
# crowd_us URL N KIND FROM: the median us of 5 scrapes (from 127.0.0.1, each with a 2 s
# timeout) while N KIND connections from FROM are held (tests/e2e/metrics.py crowd)
crowd_us() {
	timeout "$TIMEOUT" python3 tests/e2e/metrics.py crowd "$1" "$2" "$3" "$4" 5 2>>"$TMP/err" |
		sort -n | awk '{ a[NR] = $1 } END { if (NR == 5) printf "%d\n", a[3] * 1000 }'
}

# scrape_sample ROW URL N KIND FROM
scrape_sample() {
	local v
	v=$(crowd_us "$2" "$3" "$4" "$5")
	[ -n "$v" ] || fail "scrapes with $3 $4 connections from $5"
	sample "$1" upx "$v"
}

scrapes() {
	local pid url
	row 12.alone us "" "scrape (--listen), no other client"
	row 12 us "< 1000000" "  100 idle connections from another address"
	row 12.drip us "< 1000000" "  100 sending a byte a second, 100 addresses"
	row 12.same us "< 1000000" "  100 idle from the scraper's own address"
	for _ in $(seq "$REPS"); do
		: >"$TMP/err"
		taskset -c 0 "$UPX" trace --count --listen 127.0.0.1:0 "$BM:push_first" \
			>"$TMP/out" 2>"$TMP/err" &
		pid=$!
		for _ in $(seq 200); do
			grep -q '^Serving metrics on ' "$TMP/err" && break
			sleep 0.05
		done
		url=$(sed -n 's/^Serving metrics on //p' "$TMP/err")
		if [ -n "$url" ]; then
			scrape_sample 12.alone "$url" 0 idle 127.0.0.2
			scrape_sample 12 "$url" 100 idle 127.0.0.2
			scrape_sample 12.drip "$url" 100 drip 127.0.0.2-127.0.0.101
			scrape_sample 12.same "$url" 100 idle 127.0.0.1
		else
			fail "upx trace --listen"
		fi
		kill "$pid" 2>/dev/null
		wait "$pid"
	done
}

# figure NAME ARGS...: one figure under the lock; the time it waited for the lock is
# left out of the suite's own time.
WAITED=0
# --- 9: a glob, libc's s* functions, attach + run + detach (bpftrace needs ~50 s: not run) -
globrun() {
	local s
	row 9 ms "" "glob libc.so.6:s*, -c true (wall)"
	for _ in $(seq "$REPS"); do
		s=$(date +%s%N); tracer "$UPX" trace --count 'libc.so.6:s*' -c true &&
			sample 9 upx "$(ms_since "$s")"
	done
}

# --- 10: stacks: per-hit cost and unwinding throughput (stackfix's b, 4 frames) ----------------
# stackfix (tests/fixtures, built with frame pointers so that fp and dwarf walk the same
# code) writes ELAPSED_NS of its calls to $BENCHME_OUT; b starts with push %rbp, which the
# kernel emulates (leaf starts with a load that is single-stepped: 5 us more a hit).  bpftrace's peers: @ = count(),
# @[ustack] = count() (frame pointers) and printf; it has no DWARF unwinder to compare.
# The dwarf runs get a 256M ring buffer so that no event is lost: the figure is the
# cost to the traced program, the throughput is what upx -v says it unwound.
stacks() {
	local n=$N_STK f=$PWD/build/fixtures/stackfix b w
	local fn=$f:b
	w="$TASKSET -c 1 $f $n 0"
	row 10 ns/call "" "per hit, 4-frame stack: --count"
	row 10.fp ns/call "" "  --count --stack=fp (in the kernel)"
	row 10.ev ns/call "" "  events (--args 1) to a file"
	row 10.fpev ns/call "" "  --stack=fp events to a file"
	row 10.dw ns/call "" "  --stack=dwarf events to a file (unwound in the kernel)"
	row 10.dwc ns/call "" "  --count --stack=dwarf (unwound and counted in the kernel)"
	row 10.lost events "0" "  dwarf events lost of $n"
	row 10.fplost events "0" "  --stack=fp events lost of $N_STKEV, default ring"
	row 10.unw stacks/s "" "DWARF unwinding in upx (-v, UPX_NO_KUNWIND=1), 4 frames"
	row 10.nfp ns/call "" "no frame pointers (stackfix-nofp's b+4): --count --stack=fp"
	row 10.kdw ns/call "<= 1.3x nfp, <= 0.5x copy" "  --count --stack=dwarf, unwound in the kernel"
	row 10.kcopy ns/call "" "  --count --stack=dwarf, copied (UPX_NO_KUNWIND=1, 256M ring)"
	row 10.kin stacks "$n" "  of which unwound in the kernel (-v)"
	row 10.klost events "0" "  --stack=dwarf events lost of $N_STKEV, default ring"
	row 10.start ms "<= copy + 100" "start of --stack on python3.11, -c 'pass' (wall)"
	row 10.start0 ms "" "  the same, copied (UPX_NO_KUNWIND=1)"
	for _ in $(seq "$REPS"); do
		taskset -c 1 timeout "$TIMEOUT" $f "$n" 0 >/dev/null 2>"$TMP/err" || fail "stackfix"
		b=$(elapsed)
		tracer "$UPX" trace --count "$fn" -c "$w" && sample 10 upx "$(per_call "$b" "$n")"
		peer 10 "$BPFTRACE" -e "uprobe:$fn { @ = count(); }" -c "$w" &&
			sample 10 bt "$(per_call "$b" "$n")"
		tracer "$UPX" trace --count --stack=fp "$fn" -c "$w" &&
			sample 10.fp upx "$(per_call "$b" "$n")"
		peer 10.fp "$BPFTRACE" -e "uprobe:$fn { @[ustack] = count(); }" -c "$w" &&
			sample 10.fp bt "$(per_call "$b" "$n")"
		tracer "$UPX" trace --args 1 "$fn" -c "$w" && sample 10.ev upx "$(per_call "$b" "$n")"
		peer 10.ev "$BPFTRACE" -e "uprobe:$fn { printf(\"E %d\\n\", arg0); }" -c "$w" &&
			sample 10.ev bt "$(per_call "$b" "$n")"
		tracer "$UPX" trace --stack=fp "$fn" -c "$w" && sample 10.fpev upx "$(per_call "$b" "$n")"
		peer 10.fpev "$BPFTRACE" -e "uprobe:$fn { printf(\"%s\\n\", ustack); }" -c "$w" &&
			sample 10.fpev bt "$(per_call "$b" "$n")"
		# At the fixture's full rate, long enough to fill the default ring if upx fell behind.
		tracer "$UPX" trace --stack=fp "$fn" -c "$TASKSET -c 1 $f $N_STKEV 0" &&
			sample 10.fplost upx $((N_STKEV - $(grep -c '^    b+0x0 ' "$TMP/out")))
		if tracer "$UPX" trace -v -m 256M --stack=dwarf "$fn" -c "$w"; then
			sample 10.dw upx "$(per_call "$b" "$n")"
			sample 10.lost upx $((n - $(grep -c '^    b+0x0 ' "$TMP/out")))
		fi
		tracer "$UPX" trace -v -m 256M --count --stack=dwarf "$fn" -c "$w" &&
			sample 10.dwc upx "$(per_call "$b" "$n")"
		if UPX_NO_KUNWIND=1 tracer "$UPX" trace -v -m 256M --count --stack=dwarf "$fn" -c "$w"; then
			sample 10.unw upx "$(sed -n 's/.*unwound with DWARF in .* (\([0-9]*\) stacks\/s)$/\1/p' \
				"$TMP/err")"
		fi
		kunwind_stacks
	done
}

# The same 4 frames without frame pointers: the kernel's unwind tables beside the
# frame-pointer walk (wrong there, but the same work) and the copy.  At b+4, its call,
# which the kernel emulates (b's first instruction, sub $8,%rsp, is single-stepped: some
# 10 us a hit on this VM, which would drown the rest).
kunwind_stacks() {
	local n=$N_STK f=$PWD/build/fixtures/stackfix-nofp b w s
	local fn=$f:b+4
	w="$TASKSET -c 1 $f $n 0"
	taskset -c 1 timeout "$TIMEOUT" $f "$n" 0 >/dev/null 2>"$TMP/err" || fail "stackfix-nofp"
	b=$(elapsed)
	tracer "$UPX" trace --count --stack=fp "$fn" -c "$w" && sample 10.nfp upx "$(per_call "$b" "$n")"
	if tracer "$UPX" trace -v --count --stack=dwarf "$fn" -c "$w"; then
		sample 10.kdw upx "$(per_call "$b" "$n")"
		sample 10.kin upx "$(sed -n 's/^upx trace: stacks: \([0-9]*\) unwound in the kernel.*/\1/p' \
			"$TMP/err")"
	fi
	UPX_NO_KUNWIND=1 tracer "$UPX" trace -m 256M --count --stack=dwarf "$fn" -c "$w" &&
		sample 10.kcopy upx "$(per_call "$b" "$n")"
	tracer "$UPX" trace --stack=dwarf "$fn" -c "$TASKSET -c 1 $f $N_STKEV 0" &&
		sample 10.klost upx $((N_STKEV - $(grep -c '^    b+0x4 ' "$TMP/out")))
	[ -x /usr/bin/python3.11 ] || return 0
	# Emptied before the clock starts: truncating the run before's output (1M stacks,
	# 351 MB, its pages still being written back) took 120-140 ms, which was counted as
	# this start's.
	: >"$TMP/out"
	s=$(date +%s%N)
	tracer "$UPX" trace --stack libc.so.6:malloc --min 1G -c "/usr/bin/python3.11 -c pass" &&
		sample 10.start upx "$(ms_since "$s")"
	s=$(date +%s%N)
	UPX_NO_KUNWIND=1 tracer "$UPX" trace --stack libc.so.6:malloc --min 1G \
		-c "/usr/bin/python3.11 -c pass" && sample 10.start0 upx "$(ms_since "$s")"
}

# --- 15: Python frames: what walking them adds to an event -------------------------------
# Debian's python3.11 runs deep(20) N_PY times on CPU1 (tests/fixtures/pyframes.py bench: a
# 5 MiB bytearray 21 Python frames deep), traced with -p (the kernel runs the program for its
# calls only) by upx on CPU0, malloc --min 4M, bpf_stats on: the run time of upx's programs
# summed over the run, with Python frames and with UPX_NO_PYTHON=1 (native frames only); the
# difference per call that passed (the calls the filter dropped are the same in both).  Only
# the programs this upx holds (its fds' prog_id): others' runs of upx or tests may trace malloc
# system-wide at the same time.
# poll_for PATTERN FILE N: until a line of FILE matches, N times 20 ms at most.
poll_for() {
	local i
	for i in $(seq "$3"); do
		grep -q "$1" "$2" && return
		sleep 0.02
	done
}

# progtotal CMD...: that sum (ns) for CMD -p PID.
progtotal() {
	local py pid up ids
	rm -f "$TMP/go" "$TMP/py.out" && mkfifo "$TMP/go" || { fail "mkfifo"; return; }
	PYTHONDONTWRITEBYTECODE=1 taskset -c 1 /usr/bin/python3.11 \
		"$PWD/tests/fixtures/pyframes.py" bench 20 "$N_PY" <"$TMP/go" >"$TMP/py.out" &
	py=$!
	exec 7>"$TMP/go"
	# -p once it is python3.11 with libc mapped (the shell's copy before its exec, or a
	# process between two images, is not what is traced)
	for _ in $(seq 500); do
		[ "$(readlink /proc/"$py"/exe)" = /usr/bin/python3.11 ] &&
			grep -q 'libc\.so\.6' /proc/"$py"/maps 2>/dev/null && break
		sleep 0.01
	done
	taskset -c 0 timeout -k 5 "$TIMEOUT" "$@" -p "$py" >/dev/null 2>"$TMP/err" &
	pid=$!
	poll_for '^Tracing' "$TMP/err" 500
	# timeout's child, upx: the ids of the programs it loaded
	up=$(ps --ppid "$pid" -o pid= | tr -d ' ')
	ids=$(cat /proc/"$up"/fdinfo/* 2>/dev/null | awk '/^prog_id:/ { printf "%s ", $2 }')
	bpftool prog show -j >"$TMP/before" || fail "bpftool prog show"
	echo go >&7
	poll_for '^done' "$TMP/py.out" 3000
	bpftool prog show -j >"$TMP/after" || fail "bpftool prog show"
	echo end >&7
	exec 7>&-
	wait "$py"
	kill -INT "$pid" 2>/dev/null
	wait "$pid"
	[ -n "$ids" ] || { fail "no BPF programs held by upx"; return; }
	python3 - "$TMP/before" "$TMP/after" "$ids" <<'PY' || fail "bpftool output"
import json, sys
ids = {int(i) for i in sys.argv[3].split()}
old = {p["id"]: p.get("run_time_ns", 0) for p in json.load(open(sys.argv[1]))}
print(sum(p.get("run_time_ns", 0) - old[p["id"]] for p in json.load(open(sys.argv[2]))
          if p["id"] in old and p["id"] in ids))
PY
}

pyframes() {
	local t1 t0 m
	[ -x /usr/bin/python3.11 ] || { echo "  pyframes: no /usr/bin/python3.11, figure 15 skipped"; return; }
	row 15.fp ns "< 1000" "Python frames 20 deep, added per call: --count --stack=fp"
	row 15.dw ns "< 1000" "  --stack=dwarf events to a file"
	STATS_OLD=$(sysctl -n kernel.bpf_stats_enabled)
	sysctl -q kernel.bpf_stats_enabled=1 || { fail "sysctl kernel.bpf_stats_enabled"; return; }
	for _ in $(seq "$REPS"); do
		for m in fp dw; do
			set -- --count --stack=fp
			[ $m = dw ] && set -- --stack=dwarf
			t1=$(progtotal "$UPX" trace "$@" --min 4M libc.so.6:malloc)
			t0=$(UPX_NO_PYTHON=1 progtotal "$UPX" trace "$@" --min 4M libc.so.6:malloc)
			[ -n "$t1" ] && [ -n "$t0" ] && sample 15.$m upx $(((t1 - t0) / N_PY))
		done
	done
	sysctl -q kernel.bpf_stats_enabled="$STATS_OLD"
	STATS_OLD=
}

# --- 11: the stop of each mode after SIGINT, under a storm ---------------------------------
# build/fixtures/storm (4 threads of malloc, memcpy, strlen, write, free) runs on CPU1;
# upx traces libc's malloc system-wide on CPU0 for 1 s, then gets SIGINT: the ms until it
# has exited (bench/stopms.py).  Events and --stack events go to a file; "tty" prints
# events to a terminal inside tmux, where tmux's own mallocs for each line are traced too;
# "listen" serves its counts (--listen).  And 11.debuginfod: SIGTERM to list-syms while it
# waits on a debuginfod server that accepts and never answers (bash: no debug file here).
# (make test checks that each of these stops, with what it says; how fast is this figure's.)
STOP_MODES="count events latency fpcount dwcount fpev tty listen"
stop_opts() {
	case $1 in
	count) echo "--count" ;;
	listen) echo "--count --listen 127.0.0.1:0" ;;
	latency) echo "--latency" ;;
	fpcount) echo "--count --stack=fp" ;;
	dwcount) echo "--count --stack" ;;
	fpev) echo "--stack=fp" ;;
	esac
}
stopping() {
	local st opts ms out=$TMP/out
	# The output in tmpfs where there is one: on ext4, closing a file the shell truncated
	# (auto_da_alloc) makes the exit wait for its blocks to be allocated and written, 40-90
	# ms after a second of stack events, any program's, counted as upx's stop otherwise.
	[ -d /dev/shm ] && out=$(mktemp -p /dev/shm upx-bench-stop.XXXXXX)
	taskset -c 1 "$PWD/build/fixtures/storm" 4 >/dev/null &
	st=$!
	for mode in $STOP_MODES; do
		case $mode in
		events) opts="events to a file" ;;
		fpev) opts="--stack=fp events to a file" ;;
		tty) opts="events to a terminal in tmux" ;;
		*) opts=$(stop_opts $mode) ;;
		esac
		row "11.$mode" ms "<= 100" "stop after SIGINT, storm: $opts"
	done
	row 11.debuginfod ms "<= 100" "stop after SIGTERM, list-syms waiting on a silent debuginfod"
	for _ in $(seq "$REPS"); do
		for mode in $STOP_MODES; do
			opts=$(stop_opts $mode)
			if [ "$mode" = tty ]; then
				ms=$(python3 bench/stopms.py --tmux -- taskset -c 0 "$UPX" trace \
					libc.so.6:malloc 2>"$TMP/err") || { fail "stop: $mode"; continue; }
			else
				# shellcheck disable=SC2086
				ms=$(python3 bench/stopms.py -o "$out" -- taskset -c 0 "$UPX" trace \
					$opts libc.so.6:malloc 2>"$TMP/err") || { fail "stop: $mode"; continue; }
			fi
			sample "11.$mode" upx "$ms"
		done
		stop_debuginfod
	done
	kill "$st"
	wait "$st" 2>/dev/null
	[ "$out" = "$TMP/out" ] || rm -f "$out"
}
# stop_debuginfod: one sample of 11.debuginfod
stop_debuginfod() {
	local srv ms
	rm -rf "$TMP/accepted" "$TMP/port" "$TMP/dcache"
	python3 -c 'import socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(16)
print(s.getsockname()[1], flush=True)
held = []
while True:
    held.append(s.accept())
    open(sys.argv[1], "a").write("accepted\n")' "$TMP/accepted" >"$TMP/port" &
	srv=$!
	for _ in $(seq 100); do [ -s "$TMP/port" ] && break; sleep 0.05; done
	ms=$(DEBUGINFOD_CACHE_PATH=$TMP/dcache DEBUGINFOD_URLS=http://127.0.0.1:$(cat "$TMP/port") \
		python3 bench/stopms.py --until "$TMP/accepted" -s 0.2 --term -- \
		taskset -c 0 "$UPX" list-syms /usr/bin/bash 2>"$TMP/err") || fail "stop: debuginfod"
	sample 11.debuginfod upx "$ms"
	kill "$srv"
	wait "$srv" 2>/dev/null
}

# --- 13, 14: the start with many processes and with many copies of libc ------------------
# armed_ms WORD CMD...: ms from the start of CMD until a line that begins with WORD on its
# stdout or stderr (read through stamp -r), then CMD is stopped (SIGINT).  Empty on failure.
armed_ms() {
	local pat=$1 s pid i
	shift
	rm -f "$TMP/armed"
	s=$(date +%s%N)
	taskset -c 0 timeout -k 5 "$TIMEOUT" "$@" > >("$B/stamp" -r >"$TMP/armed") 2>&1 &
	pid=$!
	for i in $(seq 2000); do
		grep -q "^[0-9]* $pat" "$TMP/armed" 2>/dev/null && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.005
	done
	kill -INT "$pid" 2>/dev/null
	wait "$pid"
	awk -v s="$s" -v p="$pat" '$2 == p { print int(($1 - s) / 1000000); exit }' "$TMP/armed"
}

# spawn N DIR...: N sleeping processes (each in the next DIR's LD_LIBRARY_PATH, when given);
# their pids are appended to $TMP/sleepers.
spawn() {
	local n=$1 i dir
	shift
	for i in $(seq "$n"); do
		dir=${1:-}
		[ $# -gt 0 ] && shift
		LD_LIBRARY_PATH=$dir sleep 100000 </dev/null >/dev/null 2>&1 &
		echo $! >>"$TMP/sleepers"
	done
}

upx_armed() { armed_ms Tracing "$UPX" trace --count "$@" -d 60; }
bt_armed() { armed_ms ARMED "$BPFTRACE" -e "BEGIN { printf(\"ARMED\\n\"); } $1 { @ = count(); }"; }

# 13: finding copies reads /proc/PID/maps of every process; 1000 sleeping ones are added.
startup() {
	row 13 ms "" "armed: --count libc.so.6:malloc (bpftrace: BEGIN)"
	row 13.k ms "upx <= 1.5 x main + 50" "  the same with 1000 more processes (sleeping)"
	for _ in $(seq "$REPS"); do
		sample 13 upx "$(upx_armed libc.so.6:malloc)"
		sample 13 bt "$(bt_armed "uprobe:$LIBC:malloc")"
	done
	spawn 1000
	for _ in $(seq "$REPS"); do
		sample 13.k upx "$(upx_armed libc.so.6:malloc)"
		sample 13.k bt "$(bt_armed "uprobe:$LIBC:malloc")"
	done
	reap
}

# 14: 50 copies of libc (other inodes, one build), each mapped by a sleeping process through
# LD_LIBRARY_PATH; upx probes every copy, bpftrace is given the 50 paths as one probe list.
copies50() {
	local i dirs=() probes="uprobe:$LIBC:malloc"
	row 14 ms "" "armed: one copy of libc mapped (all processes share it)"
	row 14.50 ms "upx <= row 14 + 100" "  50 more copies of libc, each mapped (bpftrace: 51 paths)"
	for i in $(seq 50); do
		mkdir -p "$TMP/libc.$i" && cp "$LIBC" "$TMP/libc.$i/libc.so.6" || { fail "cp $LIBC"; return; }
		dirs+=("$TMP/libc.$i")
		probes="$probes, uprobe:$TMP/libc.$i/libc.so.6:malloc"
	done
	for _ in $(seq "$REPS"); do
		sample 14 upx "$(upx_armed libc.so.6:malloc)"
		sample 14 bt "$(bt_armed "uprobe:$LIBC:malloc")"
	done
	spawn 50 "${dirs[@]}"
	for _ in $(seq "$REPS"); do
		sample 14.50 upx "$(upx_armed libc.so.6:malloc)"
		sample 14.50 bt "$(bt_armed "$probes")"
	done
	reap
	rm -rf "$TMP"/libc.*
}

# --- 15: a span per START/END pair (--span --latency), beside bench/span.bt ----------------
span() {
	local n=$N_HIT b
	row 15 ns/pair "upx <= bpftrace" "span per START/END pair, --span --latency"
	for _ in $(seq "$REPS"); do
		b=$(base span "$n")
		tracer "$UPX" trace --span --latency "$BM:push_first" "$BM:push_end" \
			-c "$(work span "$n")" && sample 15 upx "$(per_call "$b" "$n")"
		peer 15 "$BPFTRACE" bench/span.bt "$BM" -c "$(work span "$n")" &&
			sample 15 bt "$(per_call "$b" "$n")"
	done
}

# --- 16: --buf per call at 64, 256 and 4096 bytes, events to a file, beside bench/buf.bt ---
# bpftrace 0.17 copies at most 200 bytes (BPFTRACE_STRLEN): past that its row is its 200.
buf() {
	local n=$N_BUF size bt_size b lines
	for size in 64 256 4096; do
		bt_size=$((size < 200 ? size : 200))
		row "16.$size" ns/call "upx <= bpftrace" \
			"--buf of $size bytes per call$([ "$bt_size" != "$size" ] && echo " (bt: 200)")"
		row "16.$size.lost" events "0" "  events lost of $n"
		for _ in $(seq "$REPS"); do
			b=$(base buf "$n" "$size")
			if tracer "$UPX" trace --buf arg0,arg1 --buf-size "$size" "$BM:buf_first" \
				-c "$(work buf "$n" "$size")"; then
				sample "16.$size" upx "$(per_call "$b" "$n")"
				lines=$(grep -c ' buf\[' "$TMP/out")
				sample "16.$size.lost" upx $((n - lines))
			fi
			BPFTRACE_STRLEN=$bt_size peer "16.$size" "$BPFTRACE" bench/buf.bt "$BM" \
				-c "$(work buf "$n" "$size")" && {
				sample "16.$size" bt "$(per_call "$b" "$n")"
				lines=$(grep -c '^abc' "$TMP/out")
				sample "16.$size.lost" bt $((n - lines))
			}
		done
	done
}

figure() {
	local s w
	[ -n "${ONLY:-}" ] && [ "$1" != "$ONLY" ] && return
	w=$(date +%s)
	lock
	s=$(date +%s)
	WAITED=$((WAITED + s - w))
	: >"$TMP/out"	# the figure before's output emptied out of any figure's clock (see 10.start)
	"$@"
	unlock
	echo "  $1 ${2:-} done in $(( $(date +%s) - s )) s (waited $((s - w)) s for the lock)"
}

figure stream 1 ""
figure stream 2 json
figure fullrun
figure firstevent
figure perhit 5 push push_first "per hit, push-first (emulated), --count" ""
figure perhit 5.lea lea lea_first "per hit, lea-first (single-stepped)" ""
figure perhit 5.endbr endbr endbr_first "per hit, endbr64-first (upx: after it)" ""
figure perhit 5.ret push push_first "per hit, return probe, --count" r
figure bpfstats
figure memory
[ -z "$QUICK" ] && figure globrun
figure stacks
figure stopping
figure pyframes
figure scrapes
[ -z "$QUICK" ] && figure startup
[ -z "$QUICK" ] && figure copies50
figure span
figure buf

# --- 7 and the others without BPF: their own output ------------------------------------
[ -z "${ONLY:-}" ] && echo "=== bench/list-syms.sh (figure 7)"
# Its exit status may be a verdict on a ratio: reported, not counted as a failure.
[ -z "${ONLY:-}" ] && { RUNS=${RUNS:-$REPS} bench/list-syms.sh || echo "bench: bench/list-syms.sh exited $?"; }
if [ -z "$QUICK" ] && [ -z "${ONLY:-}" ]; then
	echo "=== bench/leaks.sh (upx leaks beside heaptrack)"
	bench/leaks.sh || echo "bench: bench/leaks.sh exited $?"
	echo "=== bench/ldd-resolve.sh"
	: >"$TMP/err"
	bench/ldd-resolve.sh || fail "bench/ldd-resolve.sh"
fi

# --- the table and results.json ---------------------------------------------------------
for f in "$TMP"/s.*; do
	[ -e "$f" ] || continue
	k=${f#"$TMP"/s.}
	sort -n "$f" | awk -v k="$k" '{ a[NR] = $1 }
		END { printf "%s\t%s\t%s\t%s\n", k, a[int((NR + 1) / 2)], a[1], a[NR] }'
done >"$TMP/stats"
# A peer's crashes: "ROW.TOOL N SIGNAL..." per cell that has any.
for f in "$TMP"/c.*; do
	[ -e "$f" ] || continue
	echo "${f#"$TMP"/c.} $(wc -l <"$f") $(sort -u "$f" | tr '\n' ' ')"
done >"$TMP/crashes"
python3 - "$TMP/rows" "$TMP/stats" "$OUT" "$BT_VERSION" "$(uname -r)" "$REPS" "${QUICK:+1}" \
	"$TMP/crashes" <<'PY' ||
import json, sys, time
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
stats = {}
for l in open(sys.argv[2]):
    k, med, lo, hi = l.split()
    rid, tool = k.rsplit(".", 1)
    stats.setdefault(rid, {})[tool] = {"median": int(med), "min": int(lo), "max": int(hi)}
# A cell whose tool crashed in some rounds: {"crashed": N, "signals": [...]} beside its figures.
for l in open(sys.argv[8]):
    k, n, *sigs = l.split()
    rid, tool = k.rsplit(".", 1)
    stats.setdefault(rid, {}).setdefault(tool, {}).update(crashed=int(n), signals=sigs)
def cell(s):
    if not s:
        return "-"
    v = "" if "median" not in s else "%d [%d-%d]" % (s["median"], s["min"], s["max"]) \
        if s["min"] != s["max"] else "%d" % s["median"]
    if s.get("crashed"):
        v += "%s%dx SIG%s" % (" " if v else "crashed ", s["crashed"], "/".join(s["signals"]))
    return v
def ratio(a, b, unit):
    if unit == "events":
        return None
    return round(a["median"] / b["median"], 2) if a and b and b.get("median", 0) > 0 \
        and "median" in a else None
out = []
print("%-46s %-7s %-22s %-28s %-22s %-6s %-6s" %
      ("figure", "unit", "upx", "bpftrace", "floor", "upx/bt", "upx/fl"))
for rid, unit, goal, label in rows:
    s = stats.get(rid, {})
    u, b, f = s.get("upx"), s.get("bt"), s.get("floor")
    r = {"upx/bpftrace": ratio(u, b, unit), "upx/floor": ratio(u, f, unit)}
    fmt = lambda x: "-" if x is None else "%.2f" % x
    print("%-46s %-7s %-22s %-28s %-22s %-6s %-6s" % (label[:46], unit, cell(u), cell(b), cell(f),
          fmt(r["upx/bpftrace"]), fmt(r["upx/floor"])))
    out.append({"figure": rid, "label": label.strip(), "unit": unit, "upx": u, "bpftrace": b,
                "floor": f, "ratios": r, "goal": goal or None})
json.dump({"date": time.strftime("%Y-%m-%d"), "bpftrace": sys.argv[4], "kernel": sys.argv[5],
           "rounds": int(sys.argv[6]), "quick": bool(sys.argv[7]), "figures": out},
          open(sys.argv[3], "w"), indent=1)
print("medians [min-max] of %s rounds; written to %s" % (sys.argv[6], sys.argv[3]))
PY
	fail "results"
echo "bench: $(( $(date +%s) - T0 - WAITED )) s, and $WAITED s waiting for $LOCK"
exit $status
