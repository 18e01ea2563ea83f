#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# upx leaks: tests/fixtures/leaky leaks known bytes through four chains
# (realloc growth, calloc, posix_memalign, C++ new) among allocations of every
# kind that are all freed (some by another thread).  --all reports exactly
# those bytes and blocks per chain and nothing else, in a process already
# running (its older blocks freed under upx: ignored), with -c and
# system-wide; stops print the final report and leave nothing attached; the
# options' forms; bad input.
. "$(dirname "$0")/lib.sh"

L=$FIXTURES/leaky
LEAKS_PY=$E2E_DIR/leaks.py

# start_leaky NAME [ARGS]: leaky waiting on fifo NAME.go, its output in NAME.out, its pid in NAME.pid
start_leaky() {
	mkfifo "$1.go" &&
	{ "$L" -f "$1.go" ${2:-} >"$1.out" & } &&
	echo $! >"$1.pid" &&
	wait_for "^ready" "$1.out"
}

# go_leaky NAME: the next step (the work, or the exit after it); fails, not hangs, when
# leaky is gone (a fifo's writer waits for a reader)
go_leaky() {
	timeout 5 sh -c 'echo go >"$1"' sh "$1.go"
}

# A stop does not wait for stacks still to unwind (a process's first takes tens of ms to
# read its files' DWARF): before one, the reports of -i show them all.
# wait_chains FILE [SCALE]: until the last report of FILE has the chains exactly
wait_chains() {
	wait_until 30 test_chains_ "$1" "${2:-1}"
}
test_chains_() {
	python3 "$LEAKS_PY" chains "$1" -1 "$2" 2>/dev/null | grep -qx expected
}

test_expect_success BPF '--all -p: a process already running, exactly its four chains' '
	start_leaky a &&
	test_when_finished "go_leaky a; test_kill $(cat a.pid)" &&
	{ upx leaks --all --json -i 0.2 -p $(cat a.pid) >out 2>err & } &&
	up=$! &&
	test_when_finished "test_kill $up" &&
	wait_for "^Tracking" err &&
	go_leaky a &&
	wait_for "^done" a.out &&
	wait_chains out &&
	kill -INT $up &&
	wait_exit $up $TEST_STOP_S &&
	python3 "$LEAKS_PY" chains out >got &&
	cat >want <<-\EOF &&
	chain_calloc 11 33000 0
	chain_memalign 5 61725 0
	chain_new 13 10101 0
	chain_realloc 7 280000 0
	other 0
	expected
	EOF
	test_cmp want got &&
	tail -1 out | jq -e ".bytes_total == 384826 and .blocks_total == 36 and .untracked_blocks == 0" &&
	! grep -q lost out err &&
	test_no_leftover_links
'

test_expect_success BPF '--all -c: the chains exact; what else is outstanding was allocated before the work' '
	upx leaks --all --json -c "$L" >out 2>err &&
	python3 "$LEAKS_PY" chains out >got &&
	test_grep "^expected$" got &&
	# the rest: libstdc++'"'"'s emergency pool (its start-up) and the TLS of the thread that frees
	jq -r ".stacks[] | [.stack[].function] | join(\";\")" out >stacks &&
	grep -v -e "chain_" stacks >rest &&
	! grep -e churn -e chain_ rest &&
	test_line_count = 2 rest &&
	grep -c "_dl_init" rest | grep -qx 1 &&
	grep -c "pthread_create" rest | grep -qx 1 &&
	test_no_leftover_links
'

test_expect_success BPF 'text: the total, then the stacks by bytes, each with its frames' '
	upx leaks --all -c "$L" >out 2>err &&
	# jemalloc too where it is installed (tools/install-deps.sh installs it)
	test_grep "^Tracking glibc.s malloc in [^ ]*/libc.so.6\( and [a-z]* in [^ ]*/lib[a-z_]*.so.[0-9.]*\)*: every allocation, stacks by dwarf\.$" err &&
	test_grep "^Outstanding: [0-9]* bytes in [0-9]* blocks, by stack:$" out &&
	test_grep "^BLOCKS  *OLDEST  *GROWTH  *BYTES$" out &&
	test_grep "^     7 *[0-9.]*s  *+280000  *280000$" out &&
	test_grep "^    grow_buffer()+0x[0-9a-f]* (.*/leaky) leaky.cc:[0-9]*$" out &&
	test_grep "^    operator new(unsigned long)+0x[0-9a-f]* (.*libstdc++.so.*)$" out &&
	test_grep "^    chain_new(long)+0x[0-9a-f]* (.*/leaky) leaky.cc:[0-9]*$" out &&
	# the largest first
	awk "/^ *[0-9]+ .*s [+-][0-9]+ +[0-9]+$/ { print \$NF }" out >bytes &&
	sort -rn bytes | test_cmp - bytes
'

# 7 x 520 blocks of 40000 bytes, ...: 200 MB in four chains, sampled every 512K on average.
test_expect_success BPF 'default: sampled by bytes; at a 200 MB leak the chains rank first, each within its stated error' '
	upx leaks --json -c "$L -s 520" >out 2>err &&
	test_grep "^Tracking glibc.s malloc in .*: allocations sampled every 524288 bytes on average, stacks by dwarf\.$" err &&
	python3 "$LEAKS_PY" sampled out 520 >got &&
	cat got &&
	test_grep "^within$" got &&
	jq -e "select(.stacks) | .sample_bytes == 524288 and .error_bytes_total > 0" out &&
	upx leaks --top 1 -c "$L -s 520" >out 2>err &&
	test_grep "^Outstanding (estimated from blocks sampled every 524288 bytes on average): [0-9]* bytes +-[0-9]* (1 sigma) in [0-9]* blocks, by stack:$" out &&
	test_grep "^    \[estimate: +-[0-9]* bytes (1 sigma), from [0-9]* sampled blocks\]$" out &&
	test_grep "^    grow_buffer()" out
'

test_expect_success BPF '--sample-bytes: a smaller interval, a smaller error' '
	upx leaks --json --sample-bytes 16K -c "$L -s 100" >out 2>err &&
	python3 "$LEAKS_PY" sampled out 100 >got &&
	test_grep "^within$" got &&
	# sqrt(38 MB x 16K) is 2% of 38 MB; at 512K it is 12%
	jq -e "select(.stacks) | .sample_bytes == 16384 and .error_bytes_total < 0.05 * .bytes_total" out
'

# The kernel's uprobe session links (6.13): where its BTF has the attach type.
test_lazy_prereq UPROBE_SESSION '
	test_have_prereq BPFTOOL &&
	bpftool btf dump file /sys/kernel/btf/vmlinux | grep -q "BPF_TRACE_UPROBE_SESSION"
'

# uprobe_links PID: the uprobe_multi links of PID, as "entry" and "return" lines (bpftool)
uprobe_links() {
	bpftool link show --json |
	jq -r ".[] | select(.type == \"uprobe_multi\" and .pid == $1) | if .retprobe then \"return\" else \"entry\" end"
}

test_expect_success BPF,BPFTOOL,UPROBE_SESSION 'session links: one link per library, no return probes; UPX_NO_SESSION=1: an entry and a return link' '
	start_leaky a &&
	test_when_finished "go_leaky a; test_kill $(cat a.pid)" &&
	{ upx leaks -v -p $(cat a.pid) >out 2>err & } &&
	up=$! &&
	test_when_finished "test_kill $up" &&
	wait_for "^Tracking" err &&
	wait_for "uprobe session links" err &&
	test_grep "^upx leaks: uprobe session links: a call.s return is probed only when its entry asks$" err &&
	uprobe_links $(cat a.pid) >links &&
	echo entry | test_cmp - links &&
	kill -INT $up &&
	wait_exit $up $TEST_STOP_S &&
	test_no_leftover_links &&
	{ UPX_NO_SESSION=1 upx leaks -v -p $(cat a.pid) >out 2>err & } &&
	up=$! &&
	test_when_finished "test_kill $up" &&
	wait_for "^Tracking" err &&
	wait_for "entry and return probes" err &&
	test_grep "^upx leaks: entry and return probes: UPX_NO_SESSION is set$" err &&
	uprobe_links $(cat a.pid) | sort >links &&
	printf "%s\n" entry return | test_cmp - links &&
	kill -INT $up &&
	wait_exit $up $TEST_STOP_S &&
	test_no_leftover_links
'

test_expect_success BPF 'UPX_NO_SESSION=1 (entry and return probes): --all exact, the sampled estimate within its error' '
	UPX_NO_SESSION=1 upx leaks --all --json -c "$L" >out 2>err &&
	python3 "$LEAKS_PY" chains out >got &&
	test_grep "^expected$" got &&
	test_grep "^chain_realloc 7 280000 280000$" got &&
	UPX_NO_SESSION=1 upx leaks --json --sample-bytes 16K -c "$L -s 100" >out 2>err &&
	python3 "$LEAKS_PY" sampled out 100 >got &&
	test_grep "^within$" got
'

# Every process on the machine, filtered in the kernel by name: with DWARF stacks, --all sends
# one per allocation, and the compilers of a busy machine would fill the ring buffer.
test_expect_success BPF 'system-wide: two programs, each chain twice, one row per chain' '
	start_leaky a &&
	test_when_finished "go_leaky a; test_kill $(cat a.pid)" &&
	start_leaky b &&
	test_when_finished "go_leaky b; test_kill $(cat b.pid)" &&
	{ upx leaks --all --json -i 0.2 --comm leaky >out 2>err & } &&
	up=$! &&
	test_when_finished "test_kill $up" &&
	wait_for "^Tracking" err &&
	go_leaky a && go_leaky b &&
	wait_for "^done" a.out && wait_for "^done" b.out &&
	wait_chains out 2 &&
	kill -INT $up &&
	wait_exit $up $TEST_STOP_S &&
	python3 "$LEAKS_PY" chains out -1 2 >got &&
	test_grep "^expected$" got &&
	test_grep "^chain_realloc 14 560000 0$" got &&
	test_no_leftover_links
'

test_expect_success BPF '-d and SIGTERM end a run with the final report' '
	start_leaky a &&
	test_when_finished "go_leaky a; test_kill $(cat a.pid)" &&
	{ upx leaks --all --json -i 0.2 -d 600 -p $(cat a.pid) >out 2>err & } &&
	up=$! &&
	test_when_finished "test_kill $up" &&
	wait_for "^Tracking" err &&
	go_leaky a &&
	wait_for "^done" a.out &&
	wait_chains out &&
	kill -TERM $up &&
	wait_exit $up $TEST_STOP_S &&
	tail -1 out | jq -e ".bytes_total == 384826 and .blocks_total == 36" &&
	test_no_leftover_links &&
	upx leaks --all -d 0.5 -p $(cat a.pid) >out 2>err &&
	test_grep "^Outstanding: 0 bytes in 0 blocks, by stack:$" out &&
	test_grep "^No outstanding allocations\.$" out &&
	test_no_leftover_links
'

test_expect_success BPF '-i: a report each interval; growth since the last one' '
	start_leaky a &&
	test_when_finished "go_leaky a; test_kill $(cat a.pid)" &&
	{ upx leaks --all --json -i 0.2 -p $(cat a.pid) >out 2>err & } &&
	up=$! &&
	test_when_finished "test_kill $up" &&
	wait_for "^Tracking" err &&
	wait_lines out 1 &&
	go_leaky a &&
	wait_for "^done" a.out &&
	wait_chains out &&
	n=$(wc -l <out) &&
	wait_lines out $((n + 1)) &&
	kill -INT $up &&
	wait_exit $up $TEST_STOP_S &&
	python3 "$LEAKS_PY" chains out >got &&
	printf "%s\n" "chain_calloc 11 33000 0" "chain_memalign 5 61725 0" \
		"chain_new 13 10101 0" "chain_realloc 7 280000 0" "other 0" expected >want &&
	test_cmp want got &&
	python3 "$LEAKS_PY" chains out 0 >first &&
	test_grep "^other 0$" first && test_line_count = 1 first &&
	# the growths of a chain over the reports add up to its bytes
	test $(jq -s "[.[] | select(.stacks) | .stacks[] | select(any(.stack[]; .function == \"chain_realloc(long)\")) | .growth] | add" out) = 280000
'

# preloaded LIB NAME: leaky with LIB preloaded under upx leaks --all -p, until its report has the
# chains exactly; the Tracking line names glibc and NAME in the library the process maps
preloaded() {
	mkfifo a.go &&
	{ LD_PRELOAD=$1 "$L" -f a.go >a.out & } &&
	echo $! >a.pid &&
	test_when_finished "go_leaky a; test_kill $(cat a.pid)" &&
	wait_for "^ready" a.out &&
	lib=$(grep -o "/[^ ]*/$1[.0-9]*$" /proc/$(cat a.pid)/maps | head -1) &&
	test -n "$lib" &&
	{ upx leaks --all --json -i 0.2 -p $(cat a.pid) >out 2>err & } &&
	up=$! &&
	test_when_finished "test_kill $up" &&
	wait_for "^Tracking" err &&
	test_grep "^Tracking glibc.s malloc in .*/libc.so.6 and $2 in $lib: every allocation" err &&
	go_leaky a &&
	wait_for "^done" a.out &&
	wait_chains out &&
	kill -INT $up &&
	wait_exit $up $TEST_STOP_S &&
	python3 "$LEAKS_PY" chains out >got &&
	printf "%s\n" "chain_calloc 11 33000 0" "chain_memalign 5 61725 0" \
		"chain_new 13 10101 0" "chain_realloc 7 280000 0" "other 0" expected >want &&
	test_cmp want got &&
	test_no_leftover_links
}

test_expect_success BPF 'jemalloc (LD_PRELOAD): found in the process, tracked through its own functions' '
	preloaded libjemalloc.so.2 jemalloc &&
	# jemalloc has an operator new of its own: the caller is the top frame
	jq -e "select(.stacks) | .stacks[] | select(.stack[0].function == \"chain_new(long)\") | .bytes == 10101" out >/dev/null
'

test_lazy_prereq TCMALLOC 'test -n "$(upx ldd-resolve libtcmalloc_minimal.so.4 2>/dev/null)"'
test_lazy_prereq MIMALLOC 'test -n "$(upx ldd-resolve libmimalloc.so.2 2>/dev/null)"'

test_expect_success BPF,TCMALLOC 'tcmalloc (LD_PRELOAD): found in the process, tracked through its own functions' '
	preloaded libtcmalloc_minimal.so.4 tcmalloc &&
	# its operator new allocates without malloc: the caller is the top frame
	jq -e "select(.stacks) | .stacks[] | select(.stack[0].function == \"chain_new(long)\") | .bytes == 10101" out >/dev/null
'

test_expect_success BPF,MIMALLOC 'mimalloc (LD_PRELOAD): found in the process, tracked through its own functions' '
	preloaded libmimalloc.so.2 mimalloc &&
	jq -e "select(.stacks) | .stacks[] | select(.stack[0].function == \"chain_new(long)\") | .bytes == 10101" out >/dev/null
'

test_expect_success BPF 'without jemalloc in the process, -p probes glibc alone' '
	start_leaky a &&
	test_when_finished "go_leaky a; test_kill $(cat a.pid)" &&
	upx leaks --all -d 0.1 -p $(cat a.pid) >out 2>err &&
	test_grep "^Tracking glibc.s malloc in .*/libc.so.6: every allocation" err
'

test_expect_success BPF '--older-than hides young blocks; --top cuts' '
	upx leaks --all --older-than 3600 -c "$L" >out 2>err &&
	test_grep "^No outstanding allocations\.$" out &&
	upx leaks --all --top 2 -c "$L" >out 2>err &&
	test_grep "^\.\.\. [0-9]* more stacks (--top 2)$" out &&
	test $(grep -c "^ *[0-9]* *[0-9.]*s  *+[0-9]*  *[0-9]*$" out) = 2
'

test_expect_success BPF '--folded and --flamegraph: stacks weighted by bytes' '
	upx leaks --all --folded -c "$L" >out 2>err &&
	test_grep "^_start;__libc_start_main;__libc_start_call_main;main;chain_realloc(long);grow_buffer() 280000$" out &&
	test_grep "^_start;__libc_start_main;__libc_start_call_main;main;chain_new(long);operator new(unsigned long) 10101$" out &&
	upx leaks --all --flamegraph fg.svg -c "$L" >out 2>err &&
	test_grep "flame graph of [0-9]* stacks ([0-9]* bytes) written to .fg.svg." err &&
	xmllint --noout fg.svg &&
	grep -q "chain_memalign" fg.svg
'

test_expect_success BPF '--stack=fp: frame pointers walked in the kernel; operator new has none' '
	upx leaks --all --stack=fp --json -c "$FIXTURES/leaky-fp" >out 2>err &&
	python3 "$LEAKS_PY" chains out >got &&
	test_grep "^chain_realloc 7 280000 280000$" got &&
	test_grep "^chain_calloc 11 33000 33000$" got &&
	test_grep "^chain_memalign 5 61725 61725$" got &&
	# libstdc++ keeps no frame pointer: the walk skips the caller of operator new, and says so
	jq -e ".stacks[] | select(.stack[0].function == \"operator new(unsigned long)\") |
		select(.bytes == 10101 and .blocks == 13) | .stack_unreliable | test(\"frame pointer\")" out &&
	test_grep "stacks pass through code without frame pointers" err
'

test_expect_success BPF '--max-tracked: the blocks past it are counted and said' '
	upx leaks --all --max-tracked 10 --json -c "$L" >out 2>err &&
	test_grep "^upx leaks: warning: [0-9]* allocations ([0-9]* bytes) not tracked: the outstanding map was full (--max-tracked 10)$" err &&
	jq -e "select(.stacks) | .blocks_total <= 10 and .untracked_blocks > 0 and .untracked_bytes > 0" out
'

# usage_error FILE: the usage error of upx leaks, and the hint to -h
usage_error() {
	test_line_count = 2 "$1" &&
	head -1 "$1" | grep -q "^upx leaks: " &&
	test_grep "^See .upx leaks -h.\.$" "$1"
}

test_expect_success 'bad options: a usage error naming the option, exit 2' '
	test_expect_code 2 upx leaks --sample-bytes 0 2>err && usage_error err &&
	test_grep "^upx leaks: --sample-bytes takes a number of bytes from 1 (K, M, G), not .0.$" err &&
	test_expect_code 2 upx leaks --sample-bytes lots 2>err && usage_error err &&
	test_expect_code 2 upx leaks --max-tracked 0 2>err && usage_error err &&
	test_expect_code 2 upx leaks --all --sample-bytes 4K 2>err && usage_error err &&
	test_expect_code 2 upx leaks -p nope 2>err && usage_error err &&
	test_expect_code 2 upx leaks --folded --json >out 2>err && test_grep "not with --json" out &&
	test_expect_code 2 upx leaks --folded --flamegraph x.svg 2>err && usage_error err &&
	test_expect_code 2 upx leaks --stack=lbr 2>err && usage_error err &&
	test_expect_code 2 upx leaks --older-than -1 2>err && usage_error err &&
	! test -e x.svg
'

test_expect_success BPF 'a PID that is not running: one line, exit 1' '
	test_expect_code 1 upx leaks -p 2147483647 2>err && test_one_line_error err &&
	test_grep "no process 2147483647" err &&
	test_no_leftover_links
'

test_done
