#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# upx trace --stack=dwarf unwound in the kernel from tables built from each
# file's .eh_frame (issue 25): the same frames and counts as the copy
# unwound by libdw (UPX_NO_KUNWIND=1, the oracle), in events, --count and
# --folded; in the kernel once the tables are loaded (-v's counters); the
# copy where the tables cannot go (a signal frame, a stub with the PLT's CFI
# expression, a library dlopen()ed before its table is loaded, full tables).
. "$(dirname "$0")/lib.sh"

NOFP=$FIXTURES/stackfix-nofp
KF=$FIXTURES/kunwindfix
LIB=$FIXTURES/libkwlib.so
N=300
M=200
LINGER=100

# frames FILE: the function of each frame line, one a line
frames() {
	sed -n "s/^    \([^ +]*\)+0x[0-9a-f]* (.*/\1/p" "$1"
}

# kernel_says ERR N COPIED: -v's account: N stacks unwound in the kernel, COPIED copied
kernel_says() {
	test_grep "^upx trace: stacks: $2 unwound in the kernel, $3 copied" "$1"
}

# bg_trace OUT ERR ARGS...: upx trace -v ARGS in the background (its pid in $up), live.
# Its stop may take 3 s (UPX_STOP_MS): these tests are about the frames, and on a
# loaded machine the report's symbols took more than the 80 ms a stop gives them
# (the stop promise has its own tests, t3600)
bg_trace() {
	o=$1 e=$2
	shift 2
	{ UPX_STOP_MS=3000 upx trace -v "$@" >"$o" 2>"$e" & } &&
	up=$! &&
	wait_for "^Tracing" "$e"
}

# test_stacks_ FILE N: FILE has N stacks down to _start
test_stacks_() {
	[ "$(grep -c "^    _start+0x" "$1")" -ge "$2" ]
}

# table_loaded ERR FILE: wait until -v says FILE's table is loaded
table_loaded() {
	wait_for "^upx trace: stacks: unwind table of '.*$2' loaded: [0-9]* rows" "$1"
}

for mode in "" --count --folded; do
	test_expect_success BPF "no frame pointers, ${mode:-events}: as the copy gives them, exactly" '
		upx trace '"$mode"' --stack $NOFP:leaf -c "$NOFP $N $M $LINGER" >out 2>err &&
		UPX_NO_KUNWIND=1 upx trace '"$mode"' --stack $NOFP:leaf -c "$NOFP $N $M $LINGER" \
			>copy 2>err.copy &&
		sed "s/^[0-9:.]* *[0-9]* *[0-9]* /T P P /" out >got &&
		sed "s/^[0-9:.]* *[0-9]* *[0-9]* /T P P /" copy >expect &&
		test_cmp expect got &&
		! grep -q -e lost -e warning err err.copy &&
		case "'"$mode"'" in
		--folded) printf "%s\n" "_start;main;a;b;leaf $N" "_start;main;c;leaf $M" >expect &&
			  test_cmp expect out ;;
		"") test "$(frames out | grep -c "^leaf$")" = $((N + M)) ;;
		esac
	'
done

test_expect_success BPF 'a process started after upx: every stack unwound in the kernel' '
	bg_trace out err --folded --stack $NOFP:leaf &&
	test_when_finished "test_kill $up" &&
	table_loaded err stackfix-nofp &&
	$NOFP $N $M &&
	kill -INT $up &&
	wait_exit $up $TEST_STOP_S &&
	printf "%s\n" "_start;main;a;b;leaf $N" "_start;main;c;leaf $M" >expect &&
	test_cmp expect out &&
	kernel_says err $((N + M)) 0
'

test_expect_success BPF 'events of a process started after upx: unwound in the kernel, no loss' '
	bg_trace out err --stack $NOFP:leaf &&
	test_when_finished "test_kill $up" &&
	table_loaded err stackfix-nofp &&
	$NOFP $N $M &&
	# every event printed before the stop (a stop does not wait for the rest)
	wait_until 30 test_stacks_ out $((N + M)) &&
	kill -INT $up &&
	wait_exit $up $TEST_STOP_S &&
	frames out | awk "{ s = s \" \" \$0 } /^_start$/ { print substr(s, 2); s = \"\" }" |
		sort | uniq -c | sed "s/^ *//" >got &&
	printf "%s\n" "$N leaf b a main _start" "$M leaf c main _start" >expect &&
	test_cmp expect got &&
	kernel_says err $((N + M)) 0 &&
	! grep -q lost err
'

test_lazy_prereq GDB 'command -v gdb'
test_lazy_prereq PY311 'test -x /usr/bin/python3.11'

# gdb_frames: "FILE OFFSET" of each frame of gdb's bt (stdin: gdb's output
# with its mappings), consecutive repeats (inlined calls) once
gdb_frames() {
	python3 -c '
import re, sys
maps, last = [], None
for l in sys.stdin:
	f = l.split()
	if len(f) == 6 and f[0].startswith("0x") and f[5].startswith("/"):
		maps.append((int(f[0], 16), int(f[1], 16), int(f[3], 16), f[5]))
	m = re.match(r"#[0-9]+ +(0x[0-9a-f]+) ", l)
	if m:
		a = int(m.group(1), 16)
		for s, e, o, p in maps:
			if s <= a < e:
				k = "%s %x" % (p, a - s + o)
				if k != last:
					print(k)
				last = k
'
}

test_expect_success BPF,GDB,PY311 'python3.11 malloc: the native frames of gdb bt, unwound in the kernel' '
	mkfifo go &&
	py="x = open(\"go\").read(); y = bytearray(8 << 20)" &&
	test_timeout 60 gdb -batch -ex "set pagination off" -ex "break *malloc if \$rdi >= 4194304" \
		-ex run -ex "info proc mappings" -ex "bt -frame-info location-and-address" \
		--args /usr/bin/python3.11 -c "x = 0; y = bytearray(8 << 20)" >gdb.out 2>&1 &&
	gdb_frames <gdb.out | sed "s|^/usr/lib/|/lib/|" >expect &&
	test $(wc -l <expect) -gt 10 &&
	{ UPX_NO_PYTHON=1 upx trace -v --json --stack libc.so.6:malloc --min 4M \
		-c "/usr/bin/python3.11 -c '\''$py'\''" >out 2>err & } &&
	up=$! &&
	test_when_finished "test_kill $up" &&
	table_loaded err /usr/bin/python3.11 &&
	table_loaded err libc.so.6 &&
	echo >go &&
	wait_exit $up 30 &&
	python3 -c "
import json, os
ev = [e for e in map(json.loads, open(\"out\")) if \"stack\" in e]
assert len(ev) == 1, ev
last = None
for f in ev[0][\"stack\"]:
	if f[\"inlined\"]:
		continue
	k = \"%s %x\" % (os.path.realpath(f[\"file\"]), f[\"file_offset\"])
	if k != last:
		print(k.replace(\"/usr/lib/\", \"/lib/\"))
	last = k
" >got &&
	test_cmp expect got &&
	kernel_says err 1 0
'

test_expect_success BPF 'a library dlopen()ed after the start: its table loaded then, frames exact' '
	mkfifo go &&
	bg_trace out err --folded --stack $KF:leaf -c "$KF dlopen $N go $LIB $M" &&
	test_when_finished "test_kill $up" &&
	table_loaded err libkwlib.so &&
	echo >go &&
	wait_exit $up $TEST_STOP_S &&
	UPX_NO_KUNWIND=1 upx trace --folded --stack $KF:leaf -c "$KF dlopen $N - $LIB $M" >expect &&
	test_cmp expect out &&
	# two calls of kw_each in main: two stacks
	printf "_start;__libc_start_main;__libc_start_call_main;main;kw_each;leaf %s\n" $N $M >want &&
	test_cmp want out &&
	# the M after the table: in the kernel
	n=$(sed -n "s/^upx trace: stacks: \([0-9]*\) unwound in the kernel, .*/\1/p" err) &&
	test "$n" -ge $M
'

test_expect_success BPF 'a signal handler on the stack: the copy (no rule for the signal frame), exact' '
	mkfifo go &&
	bg_trace out err --folded --stack $KF:leaf -c "$KF sig $N go" &&
	test_when_finished "test_kill $up" &&
	table_loaded err libc.so.6 &&
	echo >go &&
	wait_exit $up $TEST_STOP_S &&
	UPX_NO_KUNWIND=1 upx trace --folded --stack $KF:leaf -c "$KF sig $N -" >expect &&
	test_cmp expect out &&
	grep -q ";main;raise;__pthread_kill_implementation;.*;on_alarm;leaf $N$" out &&
	test_grep "^upx trace: stacks: 0 unwound in the kernel, $N copied: $N no rule" err
'

test_expect_success BPF 'a stub with the PLT'\''s CFI at the leaf: the copy, exact' '
	mkfifo go &&
	bg_trace out err --count --stack $KF:stub -c "$KF stub $N go" &&
	test_when_finished "test_kill $up" &&
	table_loaded err kunwindfix &&
	echo >go &&
	wait_exit $up $TEST_STOP_S &&
	UPX_NO_KUNWIND=1 upx trace --count --stack $KF:stub -c "$KF stub $N -" >expect &&
	test_cmp expect out &&
	frames out >got &&
	printf "%s\n" stub main __libc_start_call_main __libc_start_main _start >expect &&
	test_cmp expect got &&
	test_grep "^upx trace: stacks: 0 unwound in the kernel, $N copied: $N no rule" err
'

test_expect_success BPF 'a stack of 35 frames in events: a long record, the copy'\''s frames' '
	mkfifo go &&
	bg_trace out err --stack $KF:leaf -c "$KF deep 3 go" &&
	test_when_finished "test_kill $up" &&
	table_loaded err libc.so.6 &&
	echo >go &&
	wait_exit $up $TEST_STOP_S &&
	UPX_NO_KUNWIND=1 upx trace --stack $KF:leaf -c "$KF deep 3 -" >copy &&
	frames out >got &&
	frames copy >expect &&
	test_cmp expect got &&
	test "$(grep -c "^deep$" got)" = 90 &&
	test "$(wc -l <got)" = 105 &&
	kernel_says err 3 0
'

test_expect_success BPF 'tables full (UPX_KUNWIND_ROWS): every stack copied, right, and -v says so' '
	UPX_KUNWIND_ROWS=20 upx trace -v --folded --stack $NOFP:leaf -c "$NOFP $N $M $LINGER" \
		>out 2>err &&
	printf "%s\n" "_start;main;a;b;leaf $N" "_start;main;c;leaf $M" >expect &&
	test_cmp expect out &&
	kernel_says err 0 $((N + M)) &&
	test_grep "^upx trace: stacks: the unwind tables are full: .* not loaded (UPX_KUNWIND_ROWS=20)" err &&
	UPX_KUNWIND_ROWS=lots upx trace --folded --stack $NOFP:leaf -c "$NOFP 1 1 $LINGER" \
		>out 2>err &&
	test_grep "^upx trace: warning: UPX_KUNWIND_ROWS=.lots.: not a number of rows" err
'

# The tables are found by the kernel's (dev, inode): a file deleted while its rows are
# loaded must not see its inode number given to another file (ext4 gives a freed one to
# the next file made, at once) that a process then maps and that would be unwound by the
# old file's rows.  upx holds each such file open for the run.
test_expect_success BPF 'a library deleted during the run: its inode is not given to the next file, stacks exact' '
	mkdir lib &&
	cp $LIB lib/libkw.so &&
	bg_trace out err --folded --stack $KF:leaf &&
	test_when_finished "test_kill $up" &&
	$KF dlopen 3 - "$PWD/lib/libkw.so" 0 &&
	table_loaded err lib/libkw.so &&
	ino=$(stat -c %i lib/libkw.so) &&
	rm lib/libkw.so &&
	cp $LIB lib/libkw2.so &&
	test "$(stat -c %i lib/libkw2.so)" != "$ino" &&
	$KF dlopen 4 - "$PWD/lib/libkw2.so" 0 &&
	wait_until 30 grep -q "unwind table of .*lib/libkw2.so. loaded" err &&
	kill -INT $up &&
	wait_exit $up $TEST_STOP_S &&
	# one line per library (another file: another frame), the most calls first
	printf "_start;__libc_start_main;__libc_start_call_main;main;kw_each;leaf %s\n" 4 3 >want &&
	test_cmp want out
'

test_expect_success BPF 'UPX_NO_KUNWIND=1: no tables, every stack copied' '
	UPX_NO_KUNWIND=1 upx trace -v --count --stack $NOFP:leaf -c "$NOFP $N $M $LINGER" >out 2>err &&
	! grep -q -e "unwind table" -e "in the kernel" err &&
	test_grep "^upx trace: stacks: $((N + M)) stacks unwound with DWARF" err
'

test_done
