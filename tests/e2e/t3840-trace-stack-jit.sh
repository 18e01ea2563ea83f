#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# trace --stack through code in anonymous memory, named from the process's
# /tmp/perf-PID.map: a fixture that copies a trampoline into executable
# memory and calls a probed function through it (jitcall), and node with
# --perf-basic-prof when node is here.  A map owned by another user, or
# writable by others, is not read, and said so once.
. "$(dirname "$0")/lib.sh"

J=$FIXTURES/jitcall
test_lazy_prereq NODE 'command -v node || { echo "no node here"; false; }'

# map_of OUT: the map file the fixture named on its first output line
map_of() {
	sed -n "s|^\(/tmp/perf-[0-9]*\.map\)\$|\1|p" "$1" | head -1
}

test_expect_success BPF '--stack=dwarf: the trampoline named from the map, the stack cut there' '
	upx trace -v --stack $J:jit_target -c "$J 1 100" >out 2>err &&
	map=$(map_of out) &&
	test_when_finished "rm -f $map" &&
	test -n "$map" &&
	awk "/^    [^[]/ { print \$1, \$2 }" out >got &&
	printf "%s\n" "jit_target+0x0 ($J)" "jit_trampoline+0x10 ($map)" >expect &&
	test_cmp expect got &&
	test_grep "cut: unknown mapping 0x[0-9a-f]*" out
'

test_expect_success BPF '--folded, both unwinders: the JIT frame in its place, every call counted' '
	upx trace --folded $J:jit_target -c "$J 7 100" >out 2>err &&
	map=$(map_of out) && test_when_finished "rm -f $map" &&
	test_grep "^jit_trampoline;jit_target 7\$" out &&
	upx trace --folded --stack=fp $J:jit_target -c "$J 5 100" >out 2>err &&
	map=$(map_of out) && test_when_finished "rm -f $map" &&
	test_grep "^__libc_start_call_main;main;call_jitted;jit_trampoline;jit_target 5\$" out
'

test_expect_success BPF 'a map writable by others, or owned by another user, is not read: said once' '
	upx trace --stack $J:jit_target -c "$J 3 100 0666" >out 2>err &&
	map=$(map_of out) && test_when_finished "rm -f $map" &&
	test_grep "^upx trace: warning: .$map. of process [0-9]* not read: writable by anyone\$" err &&
	test "$(grep -c "not read" err)" = 1 &&
	test_grep -v jit_trampoline out &&
	upx trace --stack $J:jit_target -c "$J 1 100 0620" >out 2>err &&
	map=$(map_of out) && test_when_finished "rm -f $map" &&
	test_grep "not read: writable by its group" err &&
	upx trace --stack $J:jit_target -c "$J 1 100 0644 65534" >out 2>err &&
	map=$(map_of out) && test_when_finished "rm -f $map" &&
	test_grep "not read: owned by uid 65534, not by the process.s user (uid 0)" err &&
	test_grep -v jit_trampoline out
'

test_expect_success BPF 'a symbolic link in place of the map is not followed' '
	upx trace --stack $J:jit_target -c "$J 1 100 link" >out 2>err &&
	map=$(map_of out) && test_when_finished "rm -f $map $map.real" &&
	test -L "$map" &&
	test_grep "^upx trace: warning: .$map. of process [0-9]* not read: a symbolic link\$" err &&
	test_grep -v jit_trampoline out
'

test_expect_success BPF,NODE 'node --perf-basic-prof: JavaScript functions in the stacks of a libuv call' '
	node=$(readlink -f "$(command -v node)") &&
	cat >w.js <<-\EOF &&
	const fs = require("fs");
	const fd = fs.openSync("/dev/null", "w");
	function hot(i) { return fs.writeSync(fd, "x"); }
	for (let i = 0; i < 200; i++) hot(i);
	EOF
	upx trace --folded --stack=fp "$node:uv_fs_write" \
		-c "sh -c \"echo \\\$\\\$ >pid; exec node --perf-basic-prof --interpreted-frames-native-stack w.js\"" \
		>out 2>err &&
	test_when_finished "rm -f /tmp/perf-$(cat pid).map" &&
	test -f /tmp/perf-$(cat pid).map &&
	grep ";JS:[~^*]hot $PWD/w.js:3:[0-9]*;JS:[~^*]writeSync node:fs:[0-9:]*;" out >hot &&
	awk "{ n += \$NF } END { print n }" hot >count &&
	echo 200 >expect && test_cmp expect count
'

test_done
