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

# start_loop FILE: a "tracee loop" in the background, its pid in FILE once
# it runs main (and so has its libc mapped); $loop is its pid.
start_loop() {
	{ $T loop >"$1" & } &&
	loop=$! &&
	test_when_finished "test_kill $loop" &&
	wait_for "^$loop\$" "$1"
}

test_expect_success BPF '-p: a running process, its own libc, stopped by -d' '
	start_loop pid && p=$loop &&
	upx trace -p $p --count -d 1 libc.so.6:usleep $T:tick >out 2>err &&
	u=$(count_of libc.so.6:usleep out) && t=$(count_of $T:tick out) &&
	test "$u" -ge 40 && test "$u" -le 110 &&
	test $((t - u)) -le 1 && test $((u - t)) -le 1
'

test_expect_success BPF '-p: only that process is traced' '
	start_loop pid1 && p1=$loop &&
	start_loop pid2 &&
	upx trace -p $p1 --args 1 -d 0.5 $T:tick >out 2>err &&
	awk "NR > 1 { print \$2 }" out | sort -u >pids &&
	echo $p1 >expect && test_cmp expect pids
'

test_expect_success BPF '-p: a library the process does not map is an error' '
	start_loop pid && p=$loop &&
	test_expect_code 1 upx trace -p $p libreadline.so.8:readline 2>err &&
	test_one_line_error err && test_grep "has no .libreadline.so.8. mapped" err
'

test_expect_success BPF 'nothing stays attached' '
	test_no_leftover_links
'

test_done
