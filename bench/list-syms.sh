#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# upx list-syms against nm -D -C on libLLVM (45k dynamic C++ symbols), output
# to /dev/null.  The commands run in turns, RUNS rounds (default 9), so a busy
# machine slows them alike; medians of wall-clock and CPU (user+sys) time.
# Run from the repo root; exits non-zero when upx takes more CPU time than nm
# (wall-clock alone is at the mercy of other jobs on a shared machine).
set -u
UPX=${UPX:-./upx}
RUNS=${RUNS:-9}
SONAME=${1:-libLLVM-14.so.1}
LIB=$(ldconfig -p | awk -v s="$SONAME" '$1 == s { print $NF; exit }')

if [ ! -x "$UPX" ]; then
	echo "bench/list-syms: no $UPX; run 'make' first" >&2
	exit 1
fi
if [ -z "$LIB" ]; then
	echo "bench/list-syms: $SONAME not installed (apt-get install libllvm14)" >&2
	exit 1
fi

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
TIMEFORMAT='%R %U %S'

# run NAME CMD...: one timed run, "wall cpu" in milliseconds appended to $TMP/NAME.
run() {
	name=$1
	shift
	{ time "$@" >/dev/null 2>&1; } 2>&1 |
		awk '{ printf "%d %d\n", $1 * 1000, ($2 + $3) * 1000 }' >>"$TMP/$name"
}

# median NAME COLUMN
median() {
	sort -n -k"$2" "$TMP/$1" | awk -v c="$2" '{ a[NR] = $c } END { print a[int((NR + 1) / 2)] }'
}

"$UPX" list-syms "$SONAME" >/dev/null 2>&1 || { echo "bench/list-syms: upx failed" >&2; exit 1; }
nm -D -C "$LIB" >/dev/null
for _ in $(seq "$RUNS"); do
	run nm nm -D -C "$LIB"
	run upx "$UPX" list-syms "$SONAME"
	run upx_all "$UPX" list-syms -a "$LIB"
done

echo "list-syms: $LIB, $(nm -D "$LIB" | wc -l) dynamic symbols, medians of $RUNS runs"
printf '  %-34s %8s %8s\n' "" "wall ms" "cpu ms"
printf '  %-34s %8s %8s\n' "nm -D -C" "$(median nm 1)" "$(median nm 2)" \
	"upx list-syms $SONAME" "$(median upx 1)" "$(median upx 2)" \
	"upx list-syms -a (every type)" "$(median upx_all 1)" "$(median upx_all 2)"
awk -v uw="$(median upx 1)" -v uc="$(median upx 2)" -v aw="$(median upx_all 1)" \
    -v ac="$(median upx_all 2)" -v nw="$(median nm 1)" -v nc="$(median nm 2)" 'BEGIN {
	if (!nw) nw = 1
	if (!nc) nc = 1
	printf "  upx / nm: wall %.2f, cpu %.2f (functions); wall %.2f, cpu %.2f (every type)\n",
		uw / nw, uc / nc, aw / nw, ac / nc
	if (uc > nc || ac > nc) {
		print "  upx is slower than nm"
		exit 1
	}
}'
