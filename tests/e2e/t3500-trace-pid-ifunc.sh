#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# upx trace -p on a running process, and IFUNC symbols counted exactly.
. "$(dirname "$0")/lib.sh"

T=$FIXTURES/tracee

count_of() {
	awk -v l="$1" '$1 == l { print $2 }' "$2"
}

test_expect_success BPF 'IFUNC strlen: every call counted, not the resolver' '
	upx trace -v --count libc.so.6:strlen -c "$T strlen 0" >base 2>err &&
	test_grep "(IFUNC strlen -> __strlen_" err &&
	upx trace --count libc.so.6:strlen -c "$T strlen 500" >out &&
	b=$(count_of libc.so.6:strlen base) && n=$(count_of libc.so.6:strlen out) &&
	test $((n - b)) = 500
'

test_expect_success BPF '-p: a running process, its own libc, stopped by -d' '
	$T loop >pid &
	sleep 0.3 && p=$(cat pid) &&
	upx trace -p $p --count -d 1 libc.so.6:usleep $T:tick >out 2>err;
	ret=$?; kill $p; wait;
	test $ret = 0 &&
	u=$(count_of libc.so.6:usleep out) && t=$(count_of $T:tick out) &&
	test "$u" -ge 40 && test "$u" -le 110 &&
	test $((t - u)) -le 1 && test $((u - t)) -le 1
'

test_expect_success BPF '-p: only that process is traced' '
	$T loop >pid1 &
	$T loop >pid2 &
	sleep 0.3 && p1=$(cat pid1) &&
	upx trace -p $p1 --args 1 -d 0.5 $T:tick >out 2>err;
	ret=$?; kill %1 %2; wait;
	test $ret = 0 &&
	awk "NR > 1 { print \$2 }" out | sort -u >pids &&
	echo $p1 >expect && test_cmp expect pids
'

test_expect_success BPF '-p: a library the process does not map is an error' '
	$T loop >pid &
	sleep 0.2 && p=$(cat pid) &&
	upx trace -p $p libreadline.so.8:readline 2>err;
	ret=$?; kill $p; wait;
	test $ret = 1 && test_one_line_error err && test_grep "has no .libreadline.so.8. mapped" err
'

test_expect_success BPF 'nothing stays attached' '
	test_no_leftover_links
'

test_done
