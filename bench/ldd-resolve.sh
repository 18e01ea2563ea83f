#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Times resolving the libraries of every ELF program in /usr/bin (or DIR) with
# `upx ldd-resolve` and with ldd, side by side, and prints the ratio.
# Run from the repository root after `make`:  bench/ldd-resolve.sh [DIR]
set -u
cd "$(dirname "$0")/.." || exit 1
UPX=./upx
DIR=${1:-/usr/bin}
if [ ! -x "$UPX" ]; then
	echo "bench/ldd-resolve.sh: no ./upx, run make first" >&2
	exit 1
fi
command -v ldd >/dev/null || { echo "bench/ldd-resolve.sh: no ldd" >&2; exit 1; }

list=$(mktemp)
trap 'rm -f "$list"' EXIT
# ELF files only (scripts would make both tools fail fast and flatter neither).
for f in "$DIR"/*; do
	[ -f "$f" ] || continue
	[ "$(head -c 4 "$f" 2>/dev/null | od -An -c | tr -d ' ')" = '177ELF' ] && realpath "$f"
done | sort -u >"$list"
n=$(wc -l <"$list")

now() { date +%s.%N; }
# run CMD... once per file of the list
per_file() {
	while read -r f; do
		"$@" "$f" >/dev/null 2>&1
	done <"$list"
}

# Warm the page cache so neither side pays for the first read.
per_file cat

t0=$(now); per_file ldd; t1=$(now)
per_file "$UPX" ldd-resolve; t2=$(now)
xargs "$UPX" ldd-resolve <"$list" >/dev/null 2>&1; t3=$(now)

awk -v n="$n" -v dir="$DIR" -v a="$t0" -v b="$t1" -v c="$t2" -v d="$t3" 'BEGIN {
	ldd = b - a; upx = c - b; batch = d - c
	printf "ldd-resolve: %d ELF files in %s\n", n, dir
	printf "  %-38s %8.2f s  %7.2f ms/file\n", "ldd", ldd, ldd * 1000 / n
	printf "  %-38s %8.2f s  %7.2f ms/file  %6.1fx faster\n", "upx ldd-resolve (a process per file)", upx, upx * 1000 / n, ldd / upx
	printf "  %-38s %8.2f s  %7.2f ms/file  %6.1fx faster\n", "upx ldd-resolve FILE... (one process)", batch, batch * 1000 / n, ldd / batch
}'
