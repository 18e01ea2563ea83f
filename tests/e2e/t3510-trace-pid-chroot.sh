#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# -p on a process in a chroot and in its own mount namespace (pivot_root):
# TARGET is the process's path, its file found by device and inode.
. "$(dirname "$0")/lib.sh"

T=$FIXTURES/tracee
ROOT=$TRASH/root
N=7

# A root with tracee as /bin/tracee, /usr/bin/greeter -> /bin/tracee, and the
# libraries ldd names, ld.so too: copies, other inodes than the host's, so a
# probe on the host's libc would count nothing.
mkdir -p "$ROOT/bin" "$ROOT/usr/bin" && cp "$T" "$ROOT/bin/tracee" &&
	ln -s /bin/tracee "$ROOT/usr/bin/greeter" &&
	for lib in $(ldd "$T" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'); do
		mkdir -p "$ROOT$(dirname "$lib")" && cp -L "$lib" "$ROOT$lib" || exit 1
	done
CHROOT=$(command -v chroot)

# pivot_root needs the current root to be a mount point, and a process in
# another mount namespace shows its root (/proc/PID/root) as ROOT only from
# the machine's own root: not so when the suite itself runs in a chroot (a
# debootstrap tree), where those tests are skipped (REALROOT, lib.sh).
test_lazy_prereq PIVOT 'test_have_prereq REALROOT'

count_of() {
	awk -v l="$1" '$1 == l { print $2 }' "$2"
}

# start_in HOW: tracee greet-after-input $N as /bin/tracee in $ROOT, PATH=/usr/bin,
# stdin the fifo "go" (held open on fd 3); $p is its pid once it waits on stdin.
start_in() {
	rm -f go && mkfifo go && exec 3<>go || return 1
	case $1 in
	chroot)
		unshare -m --propagation unchanged env PATH=/usr/bin "$CHROOT" "$ROOT" \
			/bin/tracee greet-after-input $N <go 3>&- &
		;;
	pivot)
		unshare -m sh -c 'mount --bind "$1" "$1" && cd "$1" && mkdir -p old &&
			pivot_root . old && PATH=/usr/bin exec /bin/tracee greet-after-input '$N \
			sh "$ROOT" <go 3>&- &
		;;
	esac
	p=$!
	echo $p >>"$TRASH/pids"
	# read(0, ...) in fgets: past ld.so, every library mapped
	wait_for "^0 0x0 " /proc/$p/syscall || { kill $p; wait; return 1; }
}

# trace_greets OUT ERR SPEC...: trace -p $p, release its $N greets, stop upx
# once the process is gone. Leaves no process behind, whatever fails.
trace_greets() {
	out=$1 err=$2
	shift 2
	upx trace -p $p --count "$@" >"$out" 2>"$err" &
	up=$!
	wait_for "^Tracing" "$err" && echo go >&3 && wait $p &&
		kill -INT $up && wait $up
	ret=$?
	[ $ret = 0 ] || sed "s/^/    err: /" "$err"
	kill $p $up 2>/dev/null
	wait
	return $ret
}

# One upx per form: a function asked for twice in one trace is probed once.
for how in chroot pivot; do
	test_expect_success BPF$([ $how = pivot ] && echo ,PIVOT) "$how: its /bin/tracee and its libc, counted exactly" '
		start_in '$how' &&
		trace_greets out err /bin/tracee:greet libc.so.6:snprintf &&
		test "$(count_of /bin/tracee:greet out)" = $N &&
		test "$(count_of libc.so.6:snprintf out)" = $N
	'

	test_expect_success BPF$([ $how = pivot ] && echo ,PIVOT) "$how: by its base name, by its PATH (a symlink in its root)" '
		start_in '$how' &&
		trace_greets out1 err1 tracee:greet &&
		start_in '$how' &&
		trace_greets out2 err2 greeter:greet &&
		test "$(count_of tracee:greet out1)" = $N &&
		test "$(count_of greeter:greet out2)" = $N
	'

	test_expect_success BPF$([ $how = pivot ] && echo ,PIVOT) "$how: upx's own path to the file (ROOT/bin/tracee) too" '
		start_in '$how' &&
		trace_greets out err "$ROOT/bin/tracee:greet" &&
		test "$(count_of "$ROOT/bin/tracee:greet" out)" = $N
	'

	test_expect_success BPF$([ $how = pivot ] && echo ,PIVOT) "$how: a path it does not have, a file it does not map" '
		start_in '$how' &&
		test_when_finished "kill $p 2>/dev/null; wait" &&
		test_expect_code 1 upx trace -p $p /bin/nope:greet 2>err1 &&
		test_expect_code 1 upx trace -p $p "$T:greet" 2>err2 &&
		test_expect_code 1 upx trace -p $p /bin:greet 2>err3 &&
		test_one_line_error err1 && test_one_line_error err2 && test_one_line_error err3 &&
		test_grep "^upx trace: ./bin/nope.: process $p.* has no ./bin/nope.: No such file" err1 &&
		test_grep "process $p.* has no .$T. mapped$" err2 &&
		test_grep "process $p.* has no ./bin. mapped$" err3
	'
done

# ROOT/usr/bin/greeter -> /bin/tracee: upx resolves the link inside the
# process's root when that is ROOT; the pivot_root process's root is / as upx
# sees it, and /bin/tracee here is no file.
test_expect_success BPF,REALROOT 'chroot: ROOT/usr/bin/greeter, its symlink followed in ROOT' '
	start_in chroot &&
	trace_greets out err "$ROOT/usr/bin/greeter:greet" &&
	test "$(count_of "$ROOT/usr/bin/greeter:greet" out)" = $N
'

test_expect_success BPF,PIVOT 'pivot: ROOT/usr/bin/greeter (a link to /bin/tracee) is a clear error' '
	start_in pivot &&
	test_when_finished "kill $p 2>/dev/null; wait" &&
	test_expect_code 1 upx trace -p $p "$ROOT/usr/bin/greeter:greet" 2>err &&
	test_one_line_error err &&
	test_grep "process $p has no .$ROOT/usr/bin/greeter.: No such file or directory$" err
'

test_expect_success BPF,REALROOT 'chroot: the error names the root it looked in' '
	start_in chroot &&
	test_when_finished "kill $p 2>/dev/null; wait" &&
	test_expect_code 1 upx trace -p $p /bin/nope:greet 2>err &&
	test_grep "process $p (root .$ROOT.) has no ./bin/nope." err
'

test_expect_success BPF 'exitcodes -p: the chroot'"'"'s libc, the exit code' '
	start_in chroot &&
	test_when_finished "kill $p 2>/dev/null; wait" &&
	{ upx exitcodes -d 20 -p $p >out 2>err 3>&- & up=$!; } &&
	wait_for "^Tracing" err && exec 3>&- &&
	{ wait $p; test $? = 1; } &&
	# it stops by itself once the process is gone, well before -d
	wait_exit $up 5 &&
	awk -v p=$p "\$2 == p && \$4 == \"tracee\" && \$5 == 1 && \$6 == \"exit\"" out >match &&
	test_line_count = 1 match
'

test_expect_success 'no mount, no process left' '
	! grep -F "$ROOT" /proc/self/mountinfo &&
	for p in $(cat "$TRASH/pids"); do ! test -e /proc/$p || exit 1; done
'

test_expect_success BPF 'nothing stays attached' '
	test_no_leftover_links
'

test_done
