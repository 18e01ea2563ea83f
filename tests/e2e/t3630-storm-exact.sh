#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A storm with an exact count: 4 threads call the fixture's storm_fn as fast
# as they can for 3 s (not 10: the set of matrices has ~90 s of the suite);
# the fixture counts its own calls.  Events shown + events reported lost = calls, exactly, streaming
# (text with the default buffer, JSON with a 4 KiB one that must overflow)
# and with --count; upx's peak RSS (VmHWM) stays under 64 MiB; SIGINT in the
# middle of a storm stops upx within 1 s with nothing left attached.
. "$(dirname "$0")/lib.sh"

H=$FIXTURES/hostile
SECS=3
HWM_KB=65536

# calls FILE: the fixture's own count
calls() { sed -n 's/^CALLS \([0-9]*\)$/\1/p' "$1"; }
# lost FILE: what upx reported lost (text warning or JSON), 0 if nothing
lost() {
	{ sed -n 's/^upx trace: warning: lost \([0-9]*\) events: the ring buffer was full$/\1/p' "$1" &&
	  sed -n 's/^{"lost":\([0-9]*\)}$/\1/p' "$1" && echo 0; } | awk '{ s += $1 } END { print s }'
}
# hwm_ok FILE: the peak RSS /usr/bin/time wrote is under the bound
hwm_ok() {
	kb=$(tail -1 "$1") &&
	{ [ "$kb" -lt $HWM_KB ] || { echo "upx VmHWM $kb KB, bound $HWM_KB KB"; return 1; }; }
}

test_expect_success BPF "--count: the count is the fixture's own, exactly" '
	/usr/bin/time -f %M -o hwm upx trace --count $H:storm_fn -c "$H storm 4 $SECS" >out 2>err &&
	n=$(calls err) && test "$n" -gt 0 &&
	test_grep "^$H:storm_fn  *$n\$" out &&
	test "$(lost err)" = 0 &&
	hwm_ok hwm && test_no_leftover_links
'

for row in "text default" "json 4K"; do
	set -- $row
	fmt=$1 buf=$2
	test_expect_success BPF "streaming ($fmt, buffer $buf): shown + lost = calls" '
		opts= &&
		{ [ $fmt = text ] || opts=--json; } &&
		{ [ $buf = default ] || opts="$opts -m $buf"; } &&
		/usr/bin/time -f %M -o hwm upx trace $opts $H:storm_fn -c "$H storm 4 $SECS" >out 2>err &&
		n=$(calls err) && test "$n" -gt 0 &&
		shown=$(grep -v "^{\"summary\"" out | grep -c "storm_fn") &&
		l=$(lost err) && l=$((l + $(lost out))) &&
		echo "calls $n shown $shown lost $l" &&
		test $((shown + l)) = "$n" &&
		{ [ $buf = default ] || test "$l" -gt 0; } &&
		hwm_ok hwm && test_no_leftover_links
	'
done

test_expect_success BPF 'SIGINT mid-storm: upx ends within 1 s, summary printed, nothing attached' '
	{ $H storm 4 30 2>calls & } &&
	st=$! &&
	test_when_finished "test_kill $st" &&
	wait_exec $st $H &&
	{ upx trace --count -i 0.1 -p $st $H:storm_fn >out 2>err & } &&
	up=$! &&
	test_when_finished "test_kill $up" &&
	wait_for "^Tracing" err &&
	wait_for "storm_fn  *[1-9]" out &&
	kill -INT $up &&
	wait_exit $up $TEST_STOP_S &&
	test_grep "^$H:storm_fn  *[1-9]" out &&
	test_no_leftover_links
'

test_done
