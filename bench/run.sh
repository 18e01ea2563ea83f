#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# make bench: every bench/*.sh, each comparing upx with a peer or a floor side by side.
cd "$(dirname "$0")/.." || exit 1
status=0
for b in bench/[a-z]*.sh; do
	[ "$b" = bench/run.sh ] && continue
	echo "=== $b"
	"./$b" || status=1
done
exit $status
