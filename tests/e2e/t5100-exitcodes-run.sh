#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# upx exitcodes: -p, -d, Ctrl-C and SIGTERM end it cleanly with the summary;
# bad options and a process without libc get one clear line.
. "$(dirname "$0")/lib.sh"

test_expect_success BPF '-p: only that process, found through its libc; ends with it' '
	{ sh -c "while [ ! -e go ]; do sleep 0.05; done; exit 3" & } &&
	target=$! &&
	test_when_finished "test_kill $target" &&
	wait_exec $target sh &&
	{ upx exitcodes -d 20 -p $target >out 2>err & } &&
	upx_pid=$! &&
	test_when_finished "test_kill $upx_pid" &&
	wait_for "^Tracing" err &&
	test_expect_code 4 bash -c "exit 4" &&
	touch go &&
	test_expect_code 3 wait_exit $target 10 &&
	# it stops by itself once the process is gone, well before -d
	wait_exit $upx_pid 5 &&
	sed -n "2,/^\$/p" out | sed "/^\$/d" >events &&
	test_line_count = 1 events &&
	awk -v p=$target "\$2 == p && \$4 == \"sh\" && \$5 == 3 && \$6 == \"_exit\"" events >match &&
	test_line_count = 1 match &&
	test_grep "^COMM  *CODE  *COUNT$" out
'

for sig in INT TERM; do
	test_expect_success BPF "SIG$sig ends it: events, summary, nothing attached" '
		{ upx exitcodes --comm bash >out 2>err & } &&
		upx_pid=$! &&
		test_when_finished "test_kill $upx_pid" &&
		wait_for "^Tracing" err &&
		test_expect_code 5 bash -c "exit 5" &&
		# what the kernel recorded before the signal is shown
		kill -'$sig' $upx_pid &&
		wait_exit $upx_pid 10 &&
		test "$(awk "\$4 == \"bash\" && \$5 == 5" out | wc -l)" -ge 1 &&
		test_grep "^COMM  *CODE  *COUNT$" out &&
		test_no_leftover_links
	'
done

test_expect_success BPF '-d ends it; nothing attached afterwards' '
	upx exitcodes -d 0.5 --comm upx-no-such-name >out 2>err &&
	test_grep "^TIME" out && test_grep "^COMM  *CODE  *COUNT$" out &&
	test_no_leftover_links
'

test_expect_success BPF 'a closed stdout ends it quietly' '
	( upx exitcodes -c "sh -c \"for i in 1 2 3 4 5 6 7 8; do sh -c true; done\"" 2>err; echo $? >rc ) | head -1 >out &&
	test_grep "^TIME" out && test "$(cat rc)" = 0 && test_no_leftover_links
'

test_expect_success BPF 'a process without libc: one clear line' '
	printf "#include <unistd.h>\nint main(void) { pause(); return 0; }\n" >st.c &&
	cc -static -o st st.c &&
	{ ./st & } &&
	st_pid=$! &&
	test_when_finished "test_kill $st_pid" &&
	wait_exec $st_pid ./st &&
	test_expect_code 1 upx exitcodes -p $st_pid 2>err &&
	test_one_line_error err && test_grep "libc.so.6" err
'

# A private mount namespace (for the bind mount over the kernel's BTF) needs
# the root to be a mount point: not so when the suite runs in a chroot.
test_lazy_prereq MOUNTNS 'test_have_prereq REALROOT'

test_expect_success BPF,MOUNTNS 'a kernel BTF that is not BTF: one clear line, nothing attached' '
	echo not-btf >fake-btf &&
	test_expect_code 1 unshare -m sh -c "mount --bind fake-btf /sys/kernel/btf/vmlinux && upx exitcodes -c true" 2>err &&
	test_one_line_error err &&
	test_grep "cannot find the kernel.s task fields: /sys/kernel/btf/vmlinux is not BTF" err &&
	test_expect_code 1 unshare -m sh -c "mount --bind fake-btf /sys/kernel/btf/vmlinux && upx lifetimes -d 0.1" 2>err &&
	test_one_line_error err &&
	test_no_leftover_links
'

test_expect_success ROOT 'bad options are usage errors' '
	test_expect_code 2 upx exitcodes -p 1 -c true 2>err &&
	test_grep "exclude each other" err &&
	test_expect_code 2 upx exitcodes stray 2>err &&
	test_grep "unexpected argument .stray." err &&
	test_expect_code 2 upx exitcodes -d soon 2>err &&
	test_grep "expects a number of seconds" err &&
	test_expect_code 2 upx exitcodes -c true -- true 2>err &&
	test_grep "not both" err
'

test_expect_success ROOT 'no such process' '
	test_expect_code 1 upx exitcodes -p 999999999 2>err &&
	test_one_line_error err && test_grep "no process 999999999" err
'

test_done
