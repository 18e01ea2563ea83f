#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# upx flamegraph -o FILE harms no file: FILE is replaced only once the whole
# SVG is written (a bad input or a full disk leaves a good FILE byte for
# byte), and only when it is a regular file; a FILE that cannot be written is
# said before the input is read.  The nodes and the small file system are the
# test's own, in its scratch directory.
. "$(dirname "$0")/lib.sh"

printf "main;a 3\nmain;b 4\n" >"$TRASH/good.folded"
# counts that add up past 2^64 - 1: found while the SVG is written
printf "main;a 18446744073709551615\nmain;b 1\n" >"$TRASH/over.folded"

no_temporaries() {
	! ls -A "$1" | grep -q '^\.'
}

test_expect_success 'counts past 2^64 - 1: the good FILE stays as it was, byte for byte' '
	upx flamegraph -o keep.svg "$TRASH/good.folded" &&
	cp keep.svg keep.orig &&
	test_expect_code 1 upx flamegraph -o keep.svg "$TRASH/over.folded" >out 2>err &&
	test_one_line_error err &&
	test_grep "^upx flamegraph: the counts add up to more than 2^64 - 1$" err &&
	cmp keep.orig keep.svg &&
	test ! -s out &&
	no_temporaries .
'

test_expect_success 'a good run replaces FILE, which keeps its mode; a link to it is followed' '
	upx flamegraph -o keep.svg "$TRASH/good.folded" &&
	chmod 600 keep.svg && ln -s keep.svg link.svg &&
	printf "main;c 5\n" >c.folded &&
	upx flamegraph -o link.svg c.folded &&
	test -L link.svg &&
	test_grep ">c<" keep.svg &&
	test "$(stat -c %a keep.svg)" = 600 &&
	no_temporaries .
'

test_expect_success 'a FIFO, a device node, a directory: refused before the input is read' '
	mkfifo fifo in.fifo && mknod dev c 1 3 && mkdir dir &&
	for p in fifo:FIFO dev:"character device" dir:directory; do
		path=${p%%:*} && kind=${p#*:} &&
		# the input is a FIFO nobody writes: reading it would wait for ever
		test_expect_code 1 timeout 10 upx flamegraph -o $path in.fifo >out 2>err &&
		test_one_line_error err &&
		test_grep "^upx flamegraph: cannot write .$path.: a $kind, not a regular file$" err || return 1
	done &&
	test -p fifo && test -c dev && test "$(stat -c %t:%T dev)" = 1:3 && test -d dir
'

test_expect_success ROOT 'a full disk: "No space left on device", the old FILE kept' '
	mkdir mnt && mount -t tmpfs -o size=64k tmpfs mnt &&
	test_when_finished "umount mnt" &&
	upx flamegraph -o mnt/keep.svg "$TRASH/good.folded" &&
	cp mnt/keep.svg keep.orig &&
	{ dd if=/dev/zero of=mnt/fill bs=4096 2>/dev/null || true; } &&
	test_expect_code 1 upx flamegraph -o mnt/keep.svg "$TRASH/good.folded" >out 2>err &&
	test_one_line_error err &&
	test_grep "^upx flamegraph: cannot write .mnt/keep.svg.: No space left on device$" err &&
	cmp keep.orig mnt/keep.svg &&
	no_temporaries mnt
'

test_done
