#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# -c CMD that cannot run, in trace, exitcodes and lifetimes: upx ends as a
# shell would (127 no such file, 126 not executable), with one line and
# no table, and found out before anything is attached when it can be; an
# exec that fails only once the probes are live is reported the same way.
# Until its exec the forked child is upx's own: never traced, never
# reported (it once showed up as `upx 127 _exit`).
. "$(dirname "$0")/lib.sh"

X=$FIXTURES/uprobeme

# The commands: each runs -c with the other arguments good.
cat >"$TRASH/cmds" <<EOF
trace --count $X:foo
exitcodes
lifetimes
EOF

# The commands that cannot run: a name, its exit status, the cause.
cat >"$TRASH/cases" <<'EOF'
/nonexistent/prog|127|No such file or directory
./nonexistent|127|No such file or directory
upx-surely-not-in-path|127|not found in PATH
./notexec|126|Permission denied
./adir|126|Is a directory
./adir/|126|Is a directory
EOF

test_expect_success BPF 'cannot run: 127 or 126, one line, no table, nothing attached' '
	echo "echo hi" >notexec && chmod 644 notexec && mkdir adir &&
	while read -r cmd; do
		while IFS="|" read -r prog code cause; do
			test_expect_code $code upx $cmd -c "$prog" >out 2>err || return 1
			c=${cmd%% *} &&
			echo "upx $c: cannot run '"'"'$prog'"'"': $cause" >expect &&
			test_cmp expect err &&
			test ! -s out || return 1
			# -- CMD ARGS, the same
			test_expect_code $code upx $cmd -- "$prog" arg >out 2>err &&
			test_cmp expect err || return 1
		done <"$TRASH/cases"
	done <"$TRASH/cmds" &&
	test_no_leftover_links
'

test_expect_success BPF 'an exec that fails once the probes are live: 126, one line, no table' '
	# executable, but no format the kernel runs (no ELF, no #!)
	echo "just text" >garbage && chmod 755 garbage &&
	while read -r cmd; do
		test_expect_code 126 upx $cmd -c ./garbage >out 2>err || return 1
		c=${cmd%% *} &&
		test_grep "^Tracing" err &&
		grep -v "^Tracing" err >rest &&
		echo "upx $c: cannot run '"'"'./garbage'"'"': Exec format error" >expect &&
		test_cmp expect rest &&
		# a header at most, no row: upx'"'"'s own child is not reported
		test_grep -v "upx" out &&
		test_line_count -le 1 out || return 1
	done <"$TRASH/cmds" &&
	test_no_leftover_links
'

test_expect_success BPF 'the child is left out until its exec: execve counted for the command only' '
	# the execve that starts the command, in the child of upx, is not counted
	upx trace --count libc.so.6:execve -c "$X 1 1" >out 2>err &&
	test_grep "^libc.so.6:execve  *0$" out &&
	# sh forks and execs uprobeme once (true is a builtin): that one is
	upx trace --follow --count libc.so.6:execve -c "sh -c \"$X 1 1; true\"" >out 2>err &&
	test_grep "^libc.so.6:execve  *1$" out
'

test_expect_success BPF 'a command that runs: its own exit status is what exitcodes reports' '
	upx exitcodes -c "sh -c \"exit 3\"" >out 2>err &&
	test_grep "^sh  *3  *1$" out &&
	test_grep -v "^upx " out
'

test_done
