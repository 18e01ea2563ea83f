#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# upx leaks beside its peers: the time N malloc/free pairs of mixed sizes
# (bench/fixtures/mallocpairs, default 10M) take alone, under upx leaks
# (sampled, the default; --all with DWARF stacks; --all --stack=fp), under
# heaptrack (Debian's package, LD_PRELOAD and libunwind) and under BCC's
# memleak when it is installed (bpfcc-tools; not installed by this script).
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

run() {
	case "$1" in
	alone) elapsed "$FIX" "$N" ;;
	sampled) flock /tmp/upx-e2e.lock env BENCHME_OUT=$TMP/el "$UPX" leaks --top 1 -c "$FIX $N" \
		>/dev/null 2>"$TMP/err" && awk '/^ELAPSED_NS/ { print $2 }' "$TMP/el" ;;
	all-dwarf) flock /tmp/upx-e2e.lock env BENCHME_OUT=$TMP/el "$UPX" leaks --all --top 1 -c "$FIX $N" \
		>/dev/null 2>"$TMP/err" && awk '/^ELAPSED_NS/ { print $2 }' "$TMP/el" ;;
	all-fp) flock /tmp/upx-e2e.lock env BENCHME_OUT=$TMP/el "$UPX" leaks --all --stack=fp --top 1 \
		-c "$FIX $N" >/dev/null 2>"$TMP/err" && awk '/^ELAPSED_NS/ { print $2 }' "$TMP/el" ;;
	heaptrack) (cd "$TMP" && elapsed heaptrack -o "$TMP/ht" "$FIX" "$N") ;;
	memleak)
		flock /tmp/upx-e2e.lock sh -c '"$1" -c "$2 $3" >/dev/null 2>&1' sh "$MEMLEAK" "$FIX" "$N"
		;;
	esac
}

tools="alone sampled all-dwarf all-fp"
command -v heaptrack >/dev/null && tools="$tools heaptrack"
[ -z "$MEMLEAK" ] && echo "bench/leaks: BCC's memleak is not installed (bpfcc-tools): not measured"
for _ in $(seq "$RUNS"); do
	for t in $tools; do
		v=$(run "$t") && [ -n "$v" ] && echo "$v" >>"$TMP/$t"
	done
done
base=$(sort -n "$TMP/alone" | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
printf "%-12s %14s %14s %10s\n" "leaks" "median ms" "ns per pair" "+ns/pair"
for t in $tools; do
	[ -s "$TMP/$t" ] || { printf "%-12s %14s\n" "$t" "failed"; continue; }
	sort -n "$TMP/$t" | awk -v t="$t" -v n="$N" -v b="$base" '{ a[NR] = $1 }
		END { m = a[int((NR + 1) / 2)]; printf "%-12s %14.1f %14.1f %10.1f\n", t, m / 1e6, m / n, (m - b) / n }'
done
