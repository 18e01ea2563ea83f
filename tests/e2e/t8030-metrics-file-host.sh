#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# --metrics-file does no harm to the host: what PATH names is replaced only
# when it is a regular file (as root, a rename over a device node or a FIFO
# would replace it with a regular file); a full disk is reported as itself,
# not as an I/O error, and leaves the last whole file in place.  The nodes
# and the small file system are the test's own, in its scratch directory.
. "$(dirname "$0")/lib.sh"

M="python3 $E2E_DIR/metrics.py"
F=$FIXTURES/uprobeme

# what PATH is: its type, and for a device its numbers
node() {
	stat -c '%F %t:%T' "$1"
}

# no temporary (.NAME.XXXXXX) left in DIR
no_temporaries() {
	! ls -A "$1" | grep -q '^\.'
}

test_expect_success BPF 'a FIFO, a device node, a socket, a directory, or a link to one: refused, untouched' '
	mkfifo fifo && mknod dev c 1 3 && mkdir dir && ln -s dev link-dev &&
	python3 -c "import socket; socket.socket(socket.AF_UNIX).bind(\"sock\")" &&
	for p in fifo dev dir link-dev sock; do node $p >before.$p || return 1; done &&
	for p in fifo:FIFO dev:"character device" link-dev:"character device" \
		 dir:directory sock:socket; do
		path=${p%%:*} && kind=${p#*:} &&
		test_expect_code 1 upx trace --count --metrics-file $path $F:foo -c "$F 1 1" \
			>out 2>err &&
		test_one_line_error err &&
		test_grep "^upx trace: cannot write .$path.: a $kind, not a regular file$" err &&
		test ! -s out || return 1
	done &&
	for p in fifo dev dir link-dev sock; do node $p >after.$p && test_cmp before.$p after.$p || return 1; done &&
	test -L link-dev &&
	no_temporaries . &&
	test_no_leftover_links
'

test_expect_success BPF 'exitcodes and lifetimes refuse them too, before anything is attached' '
	mkfifo fifo && mknod dev c 1 3 &&
	test_expect_code 1 upx exitcodes --metrics-file fifo -c true >out 2>err &&
	test_one_line_error err &&
	test_grep "^upx exitcodes: cannot write .fifo.: a FIFO, not a regular file$" err &&
	test_expect_code 1 upx lifetimes --metrics-file dev -c true >out 2>err &&
	test_one_line_error err &&
	test_grep "^upx lifetimes: cannot write .dev.: a character device, not a regular file$" err &&
	test -p fifo && test -c dev &&
	test_no_leftover_links
'

test_expect_success BPF 'a link to a regular file: the file it names is replaced, the link stays' '
	echo old >real.prom && chmod 640 real.prom && ln -s real.prom link.prom &&
	upx trace --count --metrics-file link.prom $F:foo -c "$F 3 0" >out 2>err &&
	test -L link.prom &&
	test "$($M get real.prom upx_probe_calls_total function=foo)" = 3 &&
	test "$(stat -c %a real.prom)" = 640 &&
	no_temporaries .
'

# fill DIR: up to the last block of its file system
fill() {
	dd if=/dev/zero of="$1/fill" bs=4096 2>/dev/null
	! { echo more >"$1/probe"; } 2>/dev/null
}

test_expect_success BPF 'a full disk at the start: "No space left on device", nothing attached' '
	mkdir mnt && mount -t tmpfs -o size=64k tmpfs mnt &&
	test_when_finished "umount mnt" &&
	fill mnt &&
	test_expect_code 1 upx trace --count --metrics-file mnt/m.prom $F:foo -c "$F 1 1" \
		>out 2>err &&
	test_one_line_error err &&
	test_grep "^upx trace: cannot write .mnt/m.prom.: No space left on device$" err &&
	test ! -e mnt/m.prom && no_temporaries mnt &&
	test_no_leftover_links
'

# Each rewrite takes a page before the rename frees the old one's: a page
# freed while the disk is filled goes to the next file, until upx's write is
# the one that finds none (then nothing frees any).
fill_until_warned() {
	n=0
	while ! grep -q "warning: cannot write" err; do
		n=$((n + 1))
		[ $n -le 200 ] || return 1
		dd if=/dev/zero of=mnt/fill.$n bs=4096 2>/dev/null
		sleep 0.05
	done
}

test_expect_success BPF 'the disk fills during the run: one warning with the real cause, the last file whole' '
	mkdir mnt && mount -t tmpfs -o size=64k tmpfs mnt &&
	test_when_finished "umount mnt" &&
	{ upx exitcodes --metrics-file mnt/m.prom -i 0.05 >out 2>err & } &&
	up=$! &&
	test_when_finished "test_kill $up" &&
	wait_for "^Tracing" err &&
	wait_until 10 test -s mnt/m.prom &&
	fill_until_warned &&
	# the ticks go on failing, said once; the end fails the same way
	wait_wakeups $up 5 &&
	kill -TERM $up &&
	wait_exit $up $TEST_STOP_S &&
	test "$(grep -c "^upx exitcodes: warning: cannot write .mnt/m.prom.: No space left on device$" err)" = 1 &&
	test_grep -v "Input/output error" err &&
	$M check mnt/m.prom text &&
	no_temporaries mnt
'

test_done
