#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# upx list-syms against its peers on libLLVM (45k dynamic symbols, 36k of them
# C++), output to /dev/null:
#   upx list-syms LIB               vs  nm -D -C LIB      (demangled; goal <= 0.5x)
#   upx list-syms --no-demangle LIB vs  eu-readelf -s LIB (raw names; goal <= 1.3x)
#   upx list-syms LIB               vs  bpftrace -l 'uprobe:LIB:*'
# The commands run in turns, RUNS rounds (default 11), so a busy machine slows
# them alike; medians of wall-clock and CPU (user+sys) time.  Peers are
# installed when missing (as root) and timed out after 60 s.  Ratios are
# printed against the goals, never turned into a failure (a 2-core VM shared
# with other jobs is noisy): the exit status is non-zero only when a command
# fails.  Run from the repo root.
set -u
UPX=${UPX:-./upx}
RUNS=${RUNS:-11}
SONAME=${1:-libLLVM-14.so.1}
LIB=$(ldconfig -p | awk -v s="$SONAME" '$1 == s { print $NF; exit }')
PEER_TIMEOUT=60

if [ ! -x "$UPX" ]; then
	echo "bench/list-syms: no $UPX; run 'make' first" >&2
	exit 1
fi
if [ -z "$LIB" ]; then
	echo "bench/list-syms: $SONAME not installed (apt-get install libllvm14)" >&2
	exit 1
fi

# need CMD PACKAGE: install PACKAGE when CMD is missing (elfutils may have to
# come from backports, to match a libelf1 installed from there).
need() {
	command -v "$1" >/dev/null && return 0
	[ "$(id -u)" = 0 ] || return 1
	apt-get install -y -qq "$2" >/dev/null 2>&1 ||
		apt-get install -y -qq -t "$(. /etc/os-release && echo "$VERSION_CODENAME")-backports" \
			"$2" >/dev/null 2>&1
	command -v "$1" >/dev/null
}
have_eu=true
have_bt=true
need eu-readelf elfutils || { have_eu=false; echo "bench/list-syms: no eu-readelf (elfutils), skipped"; }
need bpftrace bpftrace || { have_bt=false; echo "bench/list-syms: no bpftrace, skipped"; }

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
TIMEFORMAT='%R %U %S'
fail=0

# run NAME CMD...: one timed run, "wall cpu" in milliseconds appended to
# $TMP/NAME; a peer that times out is marked in $TMP/NAME.timeout, a command
# that fails in $TMP/NAME.failed.
run() {
	local name=$1 rc
	shift
	{ time "$@" >/dev/null 2>"$TMP/$name.err"; } 2>"$TMP/time"
	rc=$?
	# bash's time reports the pipeline's status through $? of the group
	if [ $rc = 124 ]; then
		touch "$TMP/$name.timeout"
	elif [ $rc != 0 ]; then
		touch "$TMP/$name.failed"
	fi
	awk '{ printf "%d %d\n", $1 * 1000, ($2 + $3) * 1000 }' "$TMP/time" >>"$TMP/$name"
}

# median NAME COLUMN
median() {
	sort -n -k"$2" "$TMP/$1" | awk -v c="$2" '{ a[NR] = $c } END { print a[int((NR + 1) / 2)] }'
}

# Warm the page cache and check every command once.
check() {
	local what=$1
	shift
	"$@" >/dev/null 2>"$TMP/check.err" && return 0
	echo "bench/list-syms: '$what' failed:" >&2
	head -3 "$TMP/check.err" >&2
	fail=1
	return 1
}
check "upx list-syms" "$UPX" list-syms "$LIB" || exit 1
check "upx list-syms --no-demangle" "$UPX" list-syms --no-demangle "$LIB" || exit 1
check "nm -D -C" nm -D -C "$LIB" || exit 1
$have_eu && { check "eu-readelf -s" eu-readelf -s "$LIB" || have_eu=false; }
if $have_bt; then
	timeout "$PEER_TIMEOUT" bpftrace -l "uprobe:$LIB:*" >/dev/null 2>"$TMP/check.err"
	case $? in
	0) ;;
	124) ;;
	*) echo "bench/list-syms: 'bpftrace -l' failed:" >&2; head -3 "$TMP/check.err" >&2
	   fail=1; have_bt=false ;;
	esac
fi

# Start-up and libc, like for like with eu-readelf (goals: 1.2x and 1.0x): `--version`
# (what every start costs, loading libraries), and libc's symbols from the same two
# files: upx reads the debug file it finds by build-id (libc6-dbg), so eu-readelf -s is
# given libc and that file, and upx prints every type with raw names (-a --no-demangle).
LIBC6=$(ldconfig -p | awk '$1 == "libc.so.6" && /x86-64/ { print $NF; exit }')
LIBC6=$(readlink -f "$LIBC6")
BID=$($have_eu && eu-readelf -n "$LIBC6" | awk '/Build ID:/ { print $NF; exit }')
DBG=/usr/lib/debug/.build-id/${BID:0:2}/${BID:2}.debug
[ -n "$BID" ] && [ -f "$DBG" ] || DBG=
[ -z "$DBG" ] && echo "bench/list-syms: no debug file of libc (libc6-dbg): libc's rows skipped"

# run_n NAME N CMD...: N runs in one timed loop, "wall cpu" in us per run appended to $TMP/NAME
run_n() {
	local name=$1 n=$2 i
	shift 2
	{ time for ((i = 0; i < n; i++)); do "$@" >/dev/null 2>&1 || touch "$TMP/$name.failed"; done; } \
		2>"$TMP/time"
	awk -v n="$n" '{ printf "%d %d\n", $1 * 1e6 / n, ($2 + $3) * 1e6 / n }' "$TMP/time" >>"$TMP/$name"
}

for _ in $(seq "$RUNS"); do
	run_n ver_upx 100 "$UPX" --version
	$have_eu && run_n ver_eu 100 eu-readelf --version
	if [ -n "$DBG" ]; then
		run_n libc_upx 10 "$UPX" list-syms -a --no-demangle "$LIBC6"
		run_n libc_eu 10 eu-readelf -s "$LIBC6" "$DBG"
	fi
	run upx "$UPX" list-syms "$LIB"
	run nm timeout "$PEER_TIMEOUT" nm -D -C "$LIB"
	run upx_raw "$UPX" list-syms --no-demangle "$LIB"
	$have_eu && run eu timeout "$PEER_TIMEOUT" eu-readelf -s "$LIB"
	$have_bt && run bt timeout "$PEER_TIMEOUT" bpftrace -l "uprobe:$LIB:*"
	run upx_all "$UPX" list-syms -a "$LIB"
done
for f in "$TMP"/*.failed; do
	[ -e "$f" ] || continue
	n=$(basename "$f" .failed)
	echo "bench/list-syms: a '$n' run failed:" >&2
	head -3 "$TMP/$n.err" >&2
	fail=1
done

# row LABEL NAME
row() {
	local w c
	if [ ! -s "$TMP/$2" ]; then
		printf '  %-40s %10s %8s\n' "$1" "skipped" ""
		return
	fi
	w=$(median "$2" 1)
	c=$(median "$2" 2)
	[ -e "$TMP/$2.timeout" ] && w=">${PEER_TIMEOUT}000"
	printf '  %-40s %10s %8s\n' "$1" "$w" "$c"
}

# ratio LABEL A B GOAL: median wall of A / median wall of B, against GOAL ("" for none)
ratio() {
	if [ ! -s "$TMP/$2" ] || [ ! -s "$TMP/$3" ] || [ -e "$TMP/$3.timeout" ]; then
		printf '  %-40s %s\n' "$1" "n/a"
		return
	fi
	awk -v l="$1" -v aw="$(median "$2" 1)" -v bw="$(median "$3" 1)" -v ac="$(median "$2" 2)" \
	    -v bc="$(median "$3" 2)" -v g="$4" 'BEGIN {
		r = aw / (bw ? bw : 1)
		printf "  %-40s wall %.2fx, cpu %.2fx", l, r, ac / (bc ? bc : 1)
		if (g != "")
			printf "  (goal <= %sx: %s)", g, r <= g ? "met" : "missed"
		printf "\n"
	}'
}

echo "list-syms: $LIB, $(nm -D "$LIB" | wc -l) dynamic symbols, medians of $RUNS runs in turns"
printf '  %-40s %10s %8s\n' "" "wall ms" "cpu ms"
row "upx list-syms" upx
row "nm -D -C" nm
row "upx list-syms --no-demangle" upx_raw
row "eu-readelf -s" eu
row "bpftrace -l 'uprobe:LIB:*'" bt
row "upx list-syms -a (every type)" upx_all
ratio "upx / nm -D -C" upx nm 0.5
ratio "upx --no-demangle / eu-readelf -s" upx_raw eu 1.3
ratio "upx / bpftrace -l" upx bt ""
echo "start-up and libc (like for like: see bench/list-syms.sh), medians of $RUNS rounds"
printf '  %-40s %10s %8s\n' "" "wall us" "cpu us"
row "upx --version" ver_upx
row "eu-readelf --version" ver_eu
row "upx list-syms -a --no-demangle libc" libc_upx
row "eu-readelf -s libc DEBUGFILE" libc_eu
ratio "upx / eu-readelf --version" ver_upx ver_eu 1.2
ratio "upx / eu-readelf -s, libc" libc_upx libc_eu 1.0
exit $fail
