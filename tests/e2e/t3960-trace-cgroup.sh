#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# --cgroup PATH: only calls from tasks in that cgroup v2 directory or below
# it, tested in the kernel.  The test makes its cgroups in the v2 hierarchy
# (found in /proc/self/mountinfo: /sys/fs/cgroup/unified on a hybrid host,
# /sys/fs/cgroup on a v2-only one) and removes them afterwards.
. "$(dirname "$0")/lib.sh"

T=$FIXTURES/tracee
CG2=$(awk '$9 == "cgroup2" && $4 == "/" { print $5; exit }' /proc/self/mountinfo)
test_lazy_prereq CGROUP2 'test_have_prereq ROOT && test -n "$CG2" && test -w "$CG2/cgroup.procs"'
CG=$CG2/upx-test-$$

# in_cgroup DIR FIFO N: a tracee in cgroup DIR ("" for where it is) that
# calls greet N times once a line comes on FIFO; its pid in $!
in_cgroup() {
	sh -c 'if [ -n "$1" ]; then echo $$ >"$1/cgroup.procs" || exit 1; fi
	       read line && exec "$2" greet "$3"' sh "$1" "$T" "$3" <"$2" >/dev/null &
}

test_expect_success BPF,CGROUP2 'only the calls of the process in the cgroup (and below) are counted' '
	mkdir -p $CG/below &&
	test_when_finished "rmdir $CG/below $CG" &&
	mkfifo go1 go2 go3 &&
	{ upx trace --count --cgroup $CG $T:greet >out 2>err & } &&
	up=$! &&
	test_when_finished "test_kill $up" &&
	wait_for "^Tracing" err &&
	in_cgroup $CG go1 5 && p1=$! &&
	in_cgroup $CG/below go2 7 && p2=$! &&
	in_cgroup "" go3 11 && p3=$! &&
	test_when_finished "test_kill $p1 $p2 $p3" &&
	echo go >go1 && echo go >go2 && echo go >go3 &&
	wait_exit $p1 10 && wait_exit $p2 10 && wait_exit $p3 10 &&
	kill -INT $up && wait_exit $up 10 &&
	test_grep "^$T:greet  *12$" out
'

test_expect_success BPF,CGROUP2 '-v: the calls from outside, dropped by --cgroup, and where they were' '
	mkdir -p $CG &&
	test_when_finished "rmdir $CG" &&
	mkfifo go1 go2 &&
	{ upx trace -v --count --cgroup $CG $T:greet >out 2>err & } &&
	up=$! &&
	test_when_finished "test_kill $up" &&
	wait_for "^Tracing" err &&
	in_cgroup $CG go1 3 && p1=$! &&
	in_cgroup "" go2 4 && p2=$! &&
	test_when_finished "test_kill $p1 $p2" &&
	here=$(sed -n "s/^0:://p" /proc/self/cgroup) &&
	echo go >go1 && echo go >go2 &&
	wait_exit $p1 10 && wait_exit $p2 10 &&
	kill -INT $up && wait_exit $up 10 &&
	test_grep "^$T:greet  *3$" out &&
	test_grep "^upx trace: $T:greet: 3 shown; 4 calls dropped by --cgroup $CG; cgroups seen: $here 4$" err
'

test_expect_success BPF,CGROUP2 'an empty cgroup: zero, and the calls it dropped' '
	mkdir -p $CG &&
	test_when_finished "rmdir $CG" &&
	upx trace --count --cgroup $CG $T:greet -c "$T greet 6" >out 2>err &&
	test_grep "^$T:greet  *0$" out &&
	test_grep "^upx trace: $T:greet: 0 shown; 6 calls dropped by --cgroup $CG; cgroups seen: " err
'

test_expect_success BPF,CGROUP2 'exitcodes and lifetimes take --cgroup too' '
	mkdir -p $CG &&
	test_when_finished "rmdir $CG" &&
	upx exitcodes --cgroup $CG -c "sh -c \"exit 3\"" >out 2>err &&
	test_grep -v "^sh " out &&
	upx exitcodes -c "sh -c \"exit 3\"" >out 2>err &&
	test_grep "^sh  *3 " out
'

test_expect_success 'bad --cgroup paths: one line, exit 1' '
	test_expect_code 1 upx trace --count --cgroup /nonexistent/cg $T:greet -d 1 2>err &&
	test_one_line_error err &&
	test_grep "^upx trace: ./nonexistent/cg.: --cgroup: No such file or directory$" err &&
	test_expect_code 1 upx trace --count --cgroup /etc $T:greet -d 1 2>err &&
	test_one_line_error err &&
	test_grep "^upx trace: ./etc.: --cgroup: not a cgroup v2 directory$" err &&
	test_expect_code 1 upx trace --count --cgroup /etc/passwd $T:greet -d 1 2>err &&
	test_one_line_error err &&
	test_grep "not a directory$" err &&
	test_expect_code 1 upx lifetimes --cgroup /etc -d 1 2>err &&
	test_one_line_error err &&
	test_grep "^upx lifetimes: ./etc.: --cgroup: not a cgroup v2 directory$" err
'

test_expect_success ROOT 'a cgroup v1 directory is refused, saying so' '
	v1=$(awk "\$9 == \"cgroup\" { print \$5; exit }" /proc/self/mountinfo) &&
	if [ -z "$v1" ]; then say "    skipped: no cgroup v1 hierarchy here"; return 0; fi &&
	test_expect_code 1 upx trace --count --cgroup $v1 $T:greet -d 1 2>err &&
	test_one_line_error err &&
	test_grep "a cgroup v1 directory: --cgroup takes a cgroup v2 one" err
'

test_expect_success BPF 'nothing stays attached' '
	test_no_leftover_links
'

test_done
