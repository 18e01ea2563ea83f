#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# System-wide means every copy: a TARGET named by soname or program name is
# every copy of that file a process maps (a chroot's, a container's on
# overlayfs in its own mount namespace, another build), each probed at its
# own offsets, found at the start and as it appears; an explicit path is that
# file alone, and upx says what it leaves out.  Counts are exact: copyprog
# calls copy_work() and getppid() a known number of times, once told to.
. "$(dirname "$0")/lib.sh"

PROG=$FIXTURES/copyprog
ROOT=$TRASH/root
HOST_N=555
ROOT_N=777

# A root of copies: copyprog, the other build of libcopyfix.so (in /usr/lib,
# where ld.so looks: $ORIGIN needs /proc, which a chroot has not), sdtprobes,
# and the libraries ldd names with ld.so: other inodes than the host's.
make_root() {
	mkdir -p "$1/bin" "$1/usr/lib" &&
	cp "$PROG" "$FIXTURES/sdtprobes" "$1/bin/" &&
	cp "$FIXTURES/pad/libcopyfix.so" "$1/usr/lib/" &&
	for lib in $(ldd "$PROG" | awk '$2 == "=>" && $3 ~ /^\// && $1 != "libcopyfix.so" { print $3 }
				       $1 ~ /^\// { print $1 }'); do
		mkdir -p "$1$(dirname "$lib")" && cp -L "$lib" "$1$lib" || return 1
	done
}
make_root "$ROOT" || exit 1
CHROOT=$(command -v chroot)

# A "container": its own mount namespace, an overlayfs whose lower layer is a
# root of copies of its own (test_when_finished removes it), chrooted into.
test_lazy_prereq OVERLAY '
	mkdir -p "$TRASH/ovl/l" "$TRASH/ovl/u" "$TRASH/ovl/w" "$TRASH/ovl/m" &&
	unshare -m sh -c "mount -t overlay overlay -o lowerdir=\"\$1/l\",upperdir=\"\$1/u\",workdir=\"\$1/w\" \"\$1/m\"" \
		sh "$TRASH/ovl" ||
	{ echo "no overlayfs mount in a new mount namespace here"; false; }
'

# A process in another mount namespace shows its root as the path from the
# machine's own root: when the suite itself runs in a chroot, that path has
# more in front (t3510 says so too).
# And the machine's own processes map the machine's libc, one more copy of
# it than the suite's and the test's root have.
if mountpoint -q /; then
	NS_ROOT=$TRASH/k2/m
	LIBC_FILES=2
else
	NS_ROOT=.*
	LIBC_FILES="[2-9]"
	say "# / is not a mount point here (the suite runs in a chroot): a container's root is matched loosely, and the machine's libc is one more copy"
fi

count_of() {
	awk -v p="$1" -v k="$2" '$(NF - 1) == k && $0 ~ p { print $NF }' "$3"
}

# start NAME IN_ROOT ARGS...: copyprog (or what ARGS name) in the background,
# its stdin the fifo NAME (held open on fd 3, 4, ... by the test), its pid in
# pid_NAME once it waits in read(0, ...).  IN_ROOT: "", a root to chroot to,
# or "ovl:DIR" for a container on DIR's layers.
fd=3
start() {
	name=$1 where=$2
	shift 2
	rm -f "$name" && mkfifo "$name" && eval "exec $fd<>$name" || return 1
	case $where in
	"")	"$@" <"$name" >"$name.out" 3>&- 4>&- 5>&- 6>&- & ;;
	ovl:*)	d=${where#ovl:}
		unshare -m sh -c 'mount -t overlay overlay -o lowerdir="$1/l",upperdir="$1/u",workdir="$1/w" "$1/m" &&
			shift && exec "$@"' sh "$d" "$CHROOT" "$d/m" "$@" <"$name" >"$name.out" 3>&- 4>&- 5>&- 6>&- & ;;
	*)	"$CHROOT" "$where" "$@" <"$name" >"$name.out" 3>&- 4>&- 5>&- 6>&- & ;;
	esac
	eval "pid_$name=$!"
	eval "fd_$name=$fd"
	fd=$((fd + 1))
	wait_for "^0 0x0 " /proc/$!/syscall || return 1
	# past the wrappers (unshare, chroot): the program itself
	wait_until 5 test_is_exe_name_ $! "$(basename "$1")"
}
test_is_exe_name_() {
	[ "$(basename "$(readlink /proc/"$1"/exe 2>/dev/null)")" = "$2" ]
}

# go NAME: one line to NAME's stdin
go() {
	eval "echo go >&\$fd_$1"
}

# trace_run OUT ERR ARGS...: upx trace ARGS in the background, $up its pid, armed.
trace_run() {
	out=$1 err=$2
	shift 2
	upx trace "$@" >"$out" 2>"$err" 3>&- 4>&- 5>&- 6>&- &
	up=$!
	wait_for "^Tracing" "$err"
}

# jq_has FILE FILTER ARGS...: FILTER, given FILE's lines one by one (jq ARGS set its
# variables), finds something; else FILE is shown.
jq_has() {
	f=$1 filter=$2
	shift 2
	jq -e -s "$@" "[.[] | $filter] | length > 0" "$f" >/dev/null && return 0
	say "    nothing in $f for: $filter"
	sed 's/^/    | /' "$f"
	return 1
}

stop_upx() {
	kill -INT $up && wait_exit $up 5
}

# both OUT ERR ARGS...: copyprog on the host ($pid_h, HOST_N calls) and in
# ROOT ($pid_c, ROOT_N calls) started, traced by upx trace ARGS, released,
# gone; upx stopped.
both() {
	out=$1 err=$2
	shift 2
	start h "" "$PROG" input $HOST_N &&
	start c "$ROOT" /bin/copyprog input $ROOT_N &&
	trace_run "$out" "$err" "$@" &&
	go h && go c && wait $pid_h $pid_c &&
	stop_upx
}

test_expect_success BPF 'a chroot and the host: --count --by comm,pid counts each process exactly' '
	test_when_finished "kill \${pid_h:-} \${pid_c:-} \${up:-} 2>/dev/null; wait" &&
	both out err --count --by comm,pid libc.so.6:getppid &&
	test "$(count_of copyprog $pid_h out)" = $HOST_N &&
	test "$(count_of copyprog $pid_c out)" = $ROOT_N &&
	test_grep "^Tracing 1 probe in $LIBC_FILES files" err
'

test_expect_success BPF 'two builds of one library: each copy at its own offset, counts exact' '
	test_when_finished "kill \${pid_h:-} \${pid_c:-} \${up:-} 2>/dev/null; wait" &&
	both out err -v --count --by pid libcopyfix.so:copy_work &&
	test "$(count_of . $pid_h out)" = $HOST_N &&
	test "$(count_of . $pid_c out)" = $ROOT_N &&
	# the offsets upx took are those nm gives for each build
	host=$(nm "$FIXTURES/libcopyfix.so" | awk "\$3 == \"copy_work\" { print \$1 }") &&
	pad=$(nm "$ROOT/usr/lib/libcopyfix.so" | awk "\$3 == \"copy_work\" { print \$1 }") &&
	test "$host" != "$pad" &&
	grep "libcopyfix.so:copy_work at .*+0x" err | sed "s/.*+0x//" | sort >got &&
	printf "%x\n%x\n" 0x$host 0x$pad | sort >want &&
	test_cmp want got &&
	test_grep "placed by its own symbols" err
'

test_expect_success BPF,OVERLAY 'a container started before upx is armed: counted exactly' '
	test_when_finished "kill \${pid_h:-} \${pid_k:-} \${up:-} 2>/dev/null; wait; rm -rf \"$TRASH/k1\"" &&
	mkdir -p "$TRASH/k1/u" "$TRASH/k1/w" "$TRASH/k1/m" && make_root "$TRASH/k1/l" &&
	start h "" "$PROG" input $HOST_N &&
	start k "ovl:$TRASH/k1" /bin/copyprog input $ROOT_N &&
	trace_run out err --count --by comm,pid libcopyfix.so:copy_work &&
	go h && go k && wait $pid_h $pid_k &&
	stop_upx &&
	test "$(count_of copyprog $pid_h out)" = $HOST_N &&
	test "$(count_of copyprog $pid_k out)" = $ROOT_N &&
	test_grep -v "attached late" err
'

# The container's process starts once upx is armed and watching (-v says
# when): its copies are new to the run, told by the watch and attached
# before its calls (copyprog waits 0.5 s itself before it makes them).
test_expect_success BPF,OVERLAY 'a container started after upx is armed: counted exactly, reported late' '
	test_when_finished "kill \${up:-} 2>/dev/null; wait; rm -rf \"$TRASH/k2\"" &&
	mkdir -p "$TRASH/k2/u" "$TRASH/k2/w" "$TRASH/k2/m" && make_root "$TRASH/k2/l" &&
	{ LD_LIBRARY_PATH=$FIXTURES upx trace -v --count --by comm,pid libcopyfix.so:copy_work \
		>out 2>err & up=$!; } &&
	wait_for "^upx trace: watching for new copies" err &&
	{ unshare -m sh -c "mount -t overlay overlay -o lowerdir=$TRASH/k2/l,upperdir=$TRASH/k2/u,workdir=$TRASH/k2/w $TRASH/k2/m &&
		exec $CHROOT $TRASH/k2/m /bin/copyprog after 500 $ROOT_N" >k.out & k=$!; } &&
	wait $k &&
	test_grep "^done $ROOT_N$" k.out &&
	stop_upx &&
	test "$(count_of copyprog $k out)" = $ROOT_N &&
	test_grep "^upx trace: 1 copy attached late, after tracing began (calls before that were not counted):$" err &&
	test_grep "^  /usr/lib/libcopyfix.so in $NS_ROOT (mnt:\[[0-9]*\]): [0-9:.]*, [0-9.]* s after the start, [0-9.]* ms after process $k (copyprog) touched it$" err
'

test_expect_success BPF 'USDT: a semaphore in two copies, counted in both, both back to 0 after the stop' '
	test_when_finished "kill \${pid_h:-} \${pid_c:-} \${up:-} 2>/dev/null; wait" &&
	start h "" "$FIXTURES/sdtprobes" sem-input 5 &&
	start c "$ROOT" /bin/sdtprobes sem-input 7 &&
	trace_run out err --count --by pid usdt:sdtprobes:upx:sem &&
	go h && go c &&
	wait_for "^sem 1 fired 5$" h.out && wait_for "^sem 1 fired 7$" c.out &&
	stop_upx &&
	go h && go c &&
	wait_for "^sem 0 fired 0$" h.out && wait_for "^sem 0 fired 0$" c.out &&
	test "$(count_of . $pid_h out)" = 5 &&
	test "$(count_of . $pid_c out)" = 7
'

test_expect_success BPF 'an explicit path is that file alone: one notice, the other copy not counted' '
	test_when_finished "kill \${pid_h:-} \${pid_c:-} \${up:-} 2>/dev/null; wait" &&
	both out err --count --by pid "$FIXTURES/libcopyfix.so:copy_work" &&
	test "$(count_of . $pid_h out)" = $HOST_N &&
	test -z "$(count_of . $pid_c out)" &&
	grep "running process" err >notice &&
	test_line_count = 1 notice &&
	test_grep "^upx trace: .$FIXTURES/libcopyfix.so.: 1 running process maps another copy of it not traced (1 file); name it .libcopyfix.so. to trace every copy$" notice
'

test_expect_success BPF 'an explicit path that saw no call: the end of the run says other copies ran' '
	test_when_finished "kill \${pid_c:-} \${up:-} 2>/dev/null; wait" &&
	start c "$ROOT" /bin/copyprog input $ROOT_N &&
	trace_run out err --count "$FIXTURES/libcopyfix.so:copy_work" &&
	go c && wait $pid_c &&
	stop_upx &&
	test_grep "^$FIXTURES/libcopyfix.so:copy_work  *0$" out &&
	test_grep "^upx trace: $FIXTURES/libcopyfix.so:copy_work: 0 shown; at the start 1 running process mapped another copy of .$FIXTURES/libcopyfix.so., not traced (name it .libcopyfix.so. to trace every copy)$" err
'

test_expect_success BPF '--by file, -v and --json name each copy: path in its root, root, inode, build-id' '
	test_when_finished "kill \${pid_h:-} \${pid_c:-} \${up:-} 2>/dev/null; wait" &&
	both out err -v --count --by file libcopyfix.so:copy_work &&
	test_grep "^FILE  *COUNT$" out &&
	test_grep "^$FIXTURES/libcopyfix.so  *$HOST_N$" out &&
	test_grep "^/usr/lib/libcopyfix.so in $ROOT  *$ROOT_N$" out &&
	ino=$(stat -c %i "$ROOT/usr/lib/libcopyfix.so") &&
	bid=$(readelf -n "$ROOT/usr/lib/libcopyfix.so" | awk "/Build ID/ { print \$3 }") &&
	test_grep "^upx: copy [0-9]* of libcopyfix.so: /usr/lib/libcopyfix.so in $ROOT, [0-9]*:[0-9]* inode $ino, build-id $bid, mapped by 1 process: $pid_c (copyprog)$" err &&
	both out2 err2 --json --count --by file libcopyfix.so:copy_work &&
	jq_has out2 "select(.counts) | .counts[] | select(.file == \"/usr/lib/libcopyfix.so\" and
		.root == \$root and .count == \$n)" --arg root "$ROOT" --argjson n $ROOT_N &&
	jq_has out2 "select(.copies) | .copies[] | select(.target == \"libcopyfix.so\" and
		.root == \$root and .ino == \$ino and .build_id == \$bid and .pids == [\$pid] and
		.processes == 1 and .late == false)" \
		--arg root "$ROOT" --argjson ino $ino --arg bid "$bid" --argjson pid $pid_c
'

test_expect_success 'no mount, no process left' '
	! grep -F "$TRASH" /proc/self/mountinfo
'

test_expect_success BPF 'nothing stays attached' '
	test_no_leftover_links
'

test_done
