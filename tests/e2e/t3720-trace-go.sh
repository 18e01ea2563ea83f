#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Go (the gotest fixture): a return probe kills a Go program when Go moves a
# goroutine's stack ("unexpected return pc"), so every way of asking for one
# (r:, --latency, a glob) is refused with one line unless --force; entry
# probes are fine.  And Go's frame pointers (sub; mov %rbp,N(%rsp); lea
# N(%rsp),%rbp) hold up under --stack=fp, to the goroutine's goexit.
. "$(dirname "$0")/lib.sh"

G=$FIXTURES/gotest
# Built where a Go toolchain is (golang-go): without one these tests skip, loudly.
test_lazy_prereq GO 'test -x "$G"'

test_expect_success GO 'untraced: 1000 levels deep' '
	"$G" >out &&
	test_grep "^deep 1000 500500$" out
'

# refused ARGS...: exit 1, one line saying why and how to force it; the program never ran.
refused() {
	test_expect_code 1 upx trace "$@" -c "$G" >out 2>err &&
	test_one_line_error err &&
	test_grep "^upx trace: '$G': a Go program: a return probe.* crashes it when Go moves a goroutine's stack (--force to do it anyway)$" err &&
	test_line_count = 0 out
}

test_expect_success BPF,GO 'r: on a Go function is refused' '
	refused r:$G:main.deep
'

test_expect_success BPF,GO '--latency on a Go function is refused' '
	refused --latency $G:main.deep &&
	test_grep "return probe (--latency)" err
'

test_expect_success BPF,GO '--latency on a glob of Go functions is refused' '
	refused --latency "$G:main.*" &&
	refused "r:$G:main.*"
'

# (A function entered while its stack grows is entered again once Go has moved it:
# main.deep is counted exactly where the stack never grows, 4 levels.)
test_expect_success BPF,GO 'entry probes count every call, the output unchanged' '
	upx trace --count $G:main.deep $G:main.leaf -c "$G 3" >out 2>err &&
	test_grep "^deep 3 6$" out &&
	test_grep "^$G:main.deep  *4$" out &&
	test_grep "^$G:main.leaf  *1$" out &&
	upx trace --count "$G:main.*" -c "$G" >out 2>err &&
	test_grep "^deep 1000 500500$" out &&
	test_grep "^$G:main.leaf  *1$" out &&
	test_no_leftover_links
'

# Under --force the program may well die: only that the probes are attached is checked.
test_expect_success BPF,GO '--force attaches the return probes' '
	{ upx trace --force --latency $G:main.deep -c "$G 3" >out 2>err || :; } &&
	test_grep "^Tracing 2 probes in 1 file" err &&
	{ upx trace --force --count r:$G:main.leaf -c "$G 3" >out 2>err || :; } &&
	test_grep "^Tracing 1 probe in 1 file" err &&
	test_no_leftover_links
'

# frames FILE: the function of each frame of the (one) stack in FILE, one a line
frames() {
	sed -n 's/^    \([^ +]*\)+0x[0-9a-f]* .*/\1/p' "$1"
}

test_expect_success BPF,GO '--stack=fp: Go frame pointers hold (sub; mov %rbp; lea), to goexit' '
	upx trace --count --stack=fp $G:main.leaf -c "$G 3" >out 2>err &&
	test_grep "^$G:main.leaf  *1$" out &&
	frames out >actual &&
	printf "%s\n" main.leaf main.deep main.deep main.deep main.deep main.main.func1 \
		runtime.goexit.abi0 >expect &&
	test_cmp expect actual &&
	test_grep -v "unreliable" out &&
	test_grep -v "unreliable" err
'

test_done
