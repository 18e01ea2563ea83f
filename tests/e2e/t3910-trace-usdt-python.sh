#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# USDT probes of a real interpreter: python3.11's function__entry, its
# arguments (filename, function name, line number) read from the note's spec,
# exact counts per function, and its semaphore set while traced, 0 after.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3.11
# The spec names the interpreter as PATH finds it: the system's first.
PATH=/usr/bin:$PATH

# CPython 3.11 fires function__entry only where the interpreter enters a
# frame with an exception thrown in (gh-98894: the probe was not moved when
# 3.11 inlined Python-to-Python calls), so each call here is a generator
# started and then closed, which throws GeneratorExit into its frame: one
# function__entry per call, with the line of the yield.
cat >calls.py <<'PY'
def f():
    yield
def g():
    yield
def call(fn):
    c = fn()
    next(c)
    c.close()
for i in range(7):
    call(f)
for i in range(4):
    call(g)
PY

test_expect_success BPF,PYTHON311 'function__entry: f 7 times and g 4 times exactly, with their lines' '
	upx trace -a 3 --str arg1 usdt:python3.11:function__entry \
		-c "$PY $TRASH/calls.py" >out 2>err &&
	test_grep "^Tracing 1 probe in 1 file (1 multi link)\.\$" err &&
	test $(grep -c " usdt:python3.11:python:function__entry arg0=0x[0-9a-f]* arg1=\"f\" arg2=2\$" out) = 7 &&
	test $(grep -c " usdt:python3.11:python:function__entry arg0=0x[0-9a-f]* arg1=\"g\" arg2=4\$" out) = 4 &&
	test $(grep -c "arg1=\"[fg]\"" out) = 11 &&
	test_no_leftover_links
'

test_expect_success BPF,PYTHON311 '--count --by str:arg1: which Python functions run most, counted in the kernel' '
	upx trace --count --by str:arg1 usdt:python3.11:function__entry \
		-c "$PY $TRASH/calls.py" >out 2>err &&
	head -1 out | sed "s/  */ /g" >got &&
	test "$(cat got)" = "STR:ARG1 COUNT" &&
	# the interpreter runs generators of its own at start-up (<genexpr>, ...)
	grep "^[fg] " out | sed "s/  */ /g" >got &&
	printf "%s\n" "f 7" "g 4" >expect &&
	test_cmp expect got
'

test_expect_success BPF,PYTHON311 '--by str:arg0,str:arg1 is refused; --by arg2,str:arg1 gives function and line' '
	test_expect_code 2 upx trace --count --by str:arg0,str:arg1 usdt:python3.11:function__entry \
		-c "$PY $TRASH/calls.py" 2>err &&
	test_grep "one string key at most" err &&
	upx trace --count --by str:arg1,arg2 usdt:python3.11:function__entry \
		-c "$PY $TRASH/calls.py" >out 2>err &&
	grep "^[fg] " out | sed "s/  */ /g" >got &&
	printf "%s\n" "f 2 7" "g 4 4" >expect &&
	test_cmp expect got
'

test_expect_success BPF,PYTHON311 'the file name argument (arg0) is the script' '
	upx trace --str arg0 usdt:python3.11:python:function__entry \
		-c "$PY $TRASH/calls.py" >out 2>err &&
	test $(grep -c "arg0=\"$TRASH/calls.py\"\$" out) = 11
'

test_expect_success BPF,PYTHON311 'python:* globs: every probe of the interpreter attached in one link' '
	upx trace --count "usdt:python3.11:python:*" -c "$PY -c pass" >out 2>err &&
	n=$(readelf -n $PY | grep -c "Provider: python") &&
	test_grep "^Tracing $n probes in 1 file (1 multi link)\.\$" err &&
	test_grep "^usdt:python3.11:python:import__find__load__start  *[1-9]" out &&
	test_no_leftover_links
'

test_sem_zero_() { [ "$(semv)" = 0 ]; }
test_expect_success BPF,PYTHON311 '-p PID: the semaphore of function__entry is 1 while traced, 0 after SIGINT' '
	{ $PY -c "import sys; sys.stdin.read()" </dev/zero >/dev/null & } &&
	pp=$! &&
	test_when_finished "test_kill $pp" &&
	wait_exec $pp $PY &&
	sem=$(upx list-syms --usdt --json $PY function__entry | jq -r ".files[0].probes[0].semaphore") &&
	semv() {
		dd if=/proc/$pp/mem bs=2 count=1 iflag=skip_bytes skip=$sem status=none | od -An -tu2 |
			tr -d " "
	} &&
	test "$(semv)" = 0 &&
	{ upx trace --count -p $pp usdt:python3.11:function__entry >out 2>err & } &&
	up=$! &&
	test_when_finished "test_kill $up" &&
	wait_for "^Tracing" err &&
	test "$(semv)" = 1 &&
	kill -INT $up &&
	wait_exit $up 5 &&
	wait_until 2 test_sem_zero_ &&
	test_grep "^usdt:python3.11:python:function__entry  *0\$" out &&
	test_no_leftover_links
'

test_done
