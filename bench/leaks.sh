#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# upx leaks beside its peers: the time N malloc/free pairs of mixed sizes
# (bench/fixtures/mallocpairs, default 10M) take alone; under the floor
# (bench/floor with do-nothing programs at the two sites upx leaks probes,
# malloc's entry and free's past its NULL test, in one uprobe_multi link: the
# kernel's trap cost for the probes the default mode needs); under upx leaks
# (sampled, the default, with uprobe session links and with UPX_NO_SESSION=1's
# entry and return probes; --all with DWARF stacks; --all --stack=fp); under
# upx trace --count --stack of malloc (the cost of a stack per allocation,
# --all's goal); under heaptrack (Debian's package, LD_PRELOAD and libunwind)
# and under BCC's memleak (bpfcc-tools; not installed by this script: a peer
# that cannot start is recorded as failed, with its first error line).
# Each run in turns, RUNS rounds (default 3), medians of the pairs' own time
# (ELAPSED_NS from the fixture, so start-up and reports are left out), and
# the cost per pair added.  Holds /tmp/upx-e2e.lock around each traced run
# (the tests' lock: their leftover checks must not see these programs).
# Prints figures, never a verdict.  Run from the repo root after make bench's build.
set -u
UPX=${UPX:-$PWD/upx}
N=${N:-10000000}
RUNS=${RUNS:-3}
FIX=${FIX:-$PWD/build/bench/mallocpairs}
FLOOR=${FLOOR:-$PWD/build/bench/floor}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

if ! command -v heaptrack >/dev/null; then
	echo "bench/leaks: installing heaptrack"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq heaptrack >/dev/null ||
		echo "bench/leaks: cannot install heaptrack: not measured" >&2
fi
MEMLEAK=$(command -v memleak-bpfcc || ls /usr/share/bcc/tools/memleak 2>/dev/null || true)

# elapsed CMD...: the pairs' time in ns, from the fixture's file
elapsed() {
	rm -f "$TMP/el"
	BENCHME_OUT=$TMP/el "$@" >/dev/null 2>"$TMP/err" || { cat "$TMP/err" >&2; return 1; }
	awk '/^ELAPSED_NS/ { print $2 }' "$TMP/el"
}

# upxrun ARGS...: the pairs' time under upx ARGS -p, attached to FIX before its pairs start
# (-p filters in the kernel's uprobe as the floor's link does; -c would probe every process
# and follow the command's descendants, paying for the other processes' calls too)
upxrun() {
	rm -f "$TMP/el" "$TMP/go" "$TMP/upx.err" && mkfifo "$TMP/go" || return 1
	exec 9<>"$TMP/go"	# held open: FIX's open neither blocks nor sees EOF early
	BENCHME_OUT=$TMP/el "$FIX" "$N" "$TMP/go" >"$TMP/ready" 2>/dev/null &
	local fix=$! up
	until grep -q ready "$TMP/ready" 2>/dev/null; do sleep 0.01; done
	flock /tmp/upx-e2e.lock sh -c '"$@" 2>"$0" >/dev/null & up=$!
		until grep -q "^Tracing\|^Tracking" "$0" 2>/dev/null || ! kill -0 $up 2>/dev/null; do
			sleep 0.01
		done
		echo go >&9
		wait $up' "$TMP/upx.err" "$UPX" "$@" -p "$fix"
	up=$?
	exec 9>&-
	wait "$fix"
	cp "$TMP/upx.err" "$TMP/err" 2>/dev/null
	[ "$up" = 0 ] && awk '/^ELAPSED_NS/ { print $2 }' "$TMP/el"
}

# The sites upx leaks probes in libc (malloc's entry, free's past its NULL test), from its plan.
sites=$(flock /tmp/upx-e2e.lock "$UPX" leaks -v -d 0.01 2>&1 |
	sed -n 's/^upx: probe [0-9]*: libc\.so\.6:\(malloc\|free\) at \(.*\)+\(0x[0-9a-f]*\).*/\2 \3/p')
LIBC=$(echo "$sites" | awk 'NR == 1 { print $1 }')
SITES=$(echo "$sites" | awk '{ print $2 }' | paste -sd,)

run() {
	case "$1" in
	alone) elapsed "$FIX" "$N" ;;
	floor) flock /tmp/upx-e2e.lock env BENCHME_OUT=$TMP/el "$FLOOR" -m null --multi \
		-c "$FIX $N" "$LIBC:$SITES" >/dev/null 2>"$TMP/err" &&
		awk '/^ELAPSED_NS/ { print $2 }' "$TMP/el" ;;
	sampled) upxrun leaks --top 1 ;;
	sampled-nosession) UPX_NO_SESSION=1 upxrun leaks --top 1 ;;
	all-dwarf) upxrun leaks --all --top 1 ;;
	all-fp) upxrun leaks --all --stack=fp --top 1 ;;
	trace-stack) upxrun trace --count --stack --top 1 libc.so.6:malloc ;;
	trace-stack-fp) upxrun trace --count --stack=fp --top 1 libc.so.6:malloc ;;
	heaptrack) (cd "$TMP" && elapsed heaptrack -o "$TMP/ht" "$FIX" "$N") ;;
	memleak) flock /tmp/upx-e2e.lock env BENCHME_OUT=$TMP/el "$MEMLEAK" -c "$FIX $N" \
		>/dev/null 2>"$TMP/err" && awk '/^ELAPSED_NS/ { print $2 }' "$TMP/el" ;;
	esac
}

tools="alone sampled sampled-nosession all-dwarf all-fp trace-stack trace-stack-fp"
[ -n "$SITES" ] && tools="alone floor ${tools#alone }"
command -v heaptrack >/dev/null && tools="$tools heaptrack"
if [ -n "$MEMLEAK" ]; then
	tools="$tools memleak"
else
	echo "bench/leaks: BCC's memleak is not installed (bpfcc-tools): not measured"
fi
[ -n "$SITES" ] || echo "bench/leaks: upx leaks -v named no malloc and free sites in libc: no floor"
# TOOLS="alone floor sampled": only those (alone is the base of +ns/pair)
[ -n "${TOOLS:-}" ] && tools=$TOOLS
for _ in $(seq "$RUNS"); do
	for t in $tools; do
		if v=$(run "$t") && [ -n "$v" ]; then
			echo "$v" >>"$TMP/$t"
		else
			# the peer's own words, for its "failed" line
			grep -v '^\s*$' "$TMP/err" 2>/dev/null | head -1 >"$TMP/$t.why"
		fi
	done
done
base=$(sort -n "$TMP/alone" | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
printf "%-17s %14s %14s %10s\n" "leaks" "median ms" "ns per pair" "+ns/pair"
for t in $tools; do
	[ -s "$TMP/$t" ] || { printf "%-17s %14s  %s\n" "$t" "failed" "$(cat "$TMP/$t.why" 2>/dev/null)"; continue; }
	sort -n "$TMP/$t" | awk -v t="$t" -v n="$N" -v b="$base" '{ a[NR] = $1 }
		END { m = a[int((NR + 1) / 2)]; printf "%-17s %14.1f %14.1f %10.1f\n", t, m / 1e6, m / n, (m - b) / n }'
done
