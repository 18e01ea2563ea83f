#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs every tests/e2e/tNNNN-*.sh (or those named) and ends with the totals:
#   N passed, N failed, N skipped
cd "$(dirname "$0")" || exit 1
passed=0 failed=0 skipped=0 broken=""
[ $# -gt 0 ] || set -- t[0-9]*.sh
for t in "$@"; do
	t=$(basename "$t")
	echo "*** $t"
	out=$(bash "./$t" 2>&1)
	echo "$out" | grep -v '^RESULT '
	res=$(echo "$out" | sed -n 's/^RESULT //p' | tail -1)
	if [ -z "$res" ]; then
		echo "*** $t: died before test_done"
		failed=$((failed + 1))
		broken="$broken $t"
		continue
	fi
	read -r p f s <<EOT
$res
EOT
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	[ "$f" = 0 ] || broken="$broken $t"
done
[ -z "$broken" ] || echo "failed in:$broken"
[ "$skipped" = 0 ] || echo "WARNING: $skipped tests skipped (missing prerequisites, see SKIP lines above)"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
