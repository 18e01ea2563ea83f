#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# upx trace --stack on a process that exits right after its call: its
# mappings are taken by the probe at its first event, so its stacks are
# symbolized though it is gone when they are printed, in every mode.
. "$(dirname "$0")/lib.sh"

T=$FIXTURES/tracee

# frames FILE: the function of each frame line, one a line
frames() {
	sed -n "s/^    \([^ +]*\)+0x[0-9a-f]* (.*/\1/p" "$1"
}

# run_5 OPTS...: five runs of the tracee's one malloc of 5000000 bytes, which exits at once
run_5() {
	for i in 1 2 3 4 5; do
		upx trace -v "$@" libc.so.6:malloc --min 4M -c "$T malloc 5000000" >out.$i 2>err.$i ||
			return 1
	done
}

test_expect_success BPF '--stack (dwarf): all five runs symbolized, from malloc to _start' '
	run_5 --stack &&
	printf "%s\n" malloc main __libc_start_call_main __libc_start_main _start >expect &&
	for i in 1 2 3 4 5; do
		frames out.$i >got &&
		test_cmp expect got &&
		! grep -q "\[unknown\]" out.$i &&
		! grep -q "not symbolized" err.$i || return 1
	done
'

# Whether the tracee is still there when upx reads its event is up to the
# machine (an ASan build takes its time to exit): upx is stopped here until
# the tracee has exited, so its mappings can only be those the probe took.
test_expect_success BPF '--stack (dwarf): a process gone before upx read its event: symbolized from the mappings the probe took' '
	{ upx trace -v --stack libc.so.6:malloc --min 4M \
		-c "sh -c \"until test -e $PWD/go; do sleep 0.01; done; exec $T malloc 5000000\"" \
		>out 2>err & } &&
	up=$! &&
	test_when_finished "kill -CONT $up 2>/dev/null; test_kill $up" &&
	wait_for "^Tracing" err &&
	kid=$(pgrep -P $up) &&
	kill -STOP $up &&
	: >go &&
	# gone: a zombie (upx, stopped, cannot reap it)
	wait_gone $kid 20 &&
	kill -CONT $up &&
	wait_exit $up 20 &&
	printf "%s\n" malloc main __libc_start_call_main __libc_start_main _start >expect &&
	frames out >got &&
	test_cmp expect got &&
	test_grep "stacks: mappings of 1 process taken in the kernel at the first event" err
'

test_expect_success BPF '--stack=fp: all five runs name malloc and main' '
	run_5 --stack=fp &&
	printf "%s\n" malloc main >expect &&
	for i in 1 2 3 4 5; do
		frames out.$i >got &&
		test_cmp expect got &&
		! grep -q "not symbolized" err.$i || return 1
	done
'

test_expect_success BPF '--count --stack: all five runs count the one stack, symbolized' '
	run_5 --count --stack &&
	printf "%s\n" malloc main __libc_start_call_main __libc_start_main _start >expect &&
	for i in 1 2 3 4 5; do
		frames out.$i >got &&
		test_cmp expect got &&
		test_grep "^libc.so.6:malloc  *1$" out.$i &&
		! grep -q "not symbolized" err.$i || return 1
	done
'

test_expect_success BPF '--count --stack=fp: symbolized too (the kernel counts)' '
	run_5 --count --stack=fp &&
	printf "%s\n" malloc main >expect &&
	for i in 1 2 3 4 5; do
		frames out.$i >got &&
		test_cmp expect got || return 1
	done
'

test_expect_success BPF 'only --stack loads the kernel BTF (the mappings walk); a plain trace does not' '
	upx trace -vv --count $T:main -c "$T malloc 1" >out 2>err &&
	! grep "loaded kernel BTF" err &&
	upx trace -vv --count --stack $T:main -c "$T malloc 1" >out 2>err &&
	test_grep "loaded kernel BTF" err &&
	test_grep "bpf_iter_task_vma_new.: resolved" err &&
	test_no_leftover_links
'

test_done
