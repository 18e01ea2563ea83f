#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# upx trace on input that used to get through: a FIFO as TARGET hung forever,
# cut or corrupt ELF headers, and too few capabilities for the attach path
# chosen (a raw "Permission denied" from the kernel).  One line, exit 1,
# within 5 seconds, nothing left attached.
. "$(dirname "$0")/lib.sh"


# refused CAUSE TARGET: `upx trace TARGET:main` exits 1 within 5 s with one line naming both.
refused() {
	timeout 5 upx trace "$2:main" -c true >out 2>err
	code=$?
	[ "$code" = 1 ] || { echo "exit $code from upx trace $2:main"; cat err; return 1; }
	test_one_line_error err &&
	test_grep "^upx trace: '$(printf %s "$2" | sed "s/[.[*]/\\\\&/g")': $1\$" err &&
	test_line_count = 0 out
}

patched() {
	cp /bin/true "$1" &&
	printf "$3" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

test_expect_success ROOT 'a FIFO as TARGET: refused, not opened (no hang)' '
	mkfifo fifo && refused "not a regular file (a FIFO)" "$PWD/fifo"
'

test_expect_success ROOT 'a character device as TARGET' '
	refused "not a regular file (a character device)" /dev/zero
'

test_expect_success ROOT 'cut to 100 bytes, e_phnum 0xffff' '
	head -c 100 /bin/true >t100 && refused "truncated ELF file" "$PWD/t100" &&
	patched phff 56 "\377\377" && refused "truncated ELF file" "$PWD/phff"
'

test_expect_success ROOT 'invalid ELF class, a 32-bit ARM file' '
	patched cls7 4 "\007" && refused "invalid ELF class 7" "$PWD/cls7" &&
	{ [ "$(uname -m)" = x86_64 ] || exit 0; } &&
	patched arm32 4 "\001" && printf "\050\000" | dd of=arm32 bs=1 seek=18 conv=notrunc status=none &&
	refused "32-bit ELF for ARM, this machine is 64-bit x86-64" "$PWD/arm32"
'

# A command prefix: CAP_BPF and CAP_PERFMON only (root otherwise).
BPF_PERFMON="setpriv --inh-caps=-all --ambient-caps=-all --bounding-set=-all,+bpf,+perfmon"
# uprobe_multi links came with Linux 6.6 (what attach_has_multi() asks).
IFS=. read -r kmaj kmin _ <<EOF2
$(uname -r)
EOF2
test_lazy_prereq MULTI '[ "$kmaj" -gt 6 ] || { [ "$kmaj" = 6 ] && [ "${kmin%%[!0-9]*}" -ge 6 ]; }'

test_expect_success BPF,SETPRIV 'CAP_BPF+CAP_PERFMON, classic links only: one line says what they need' '
	f=$FIXTURES/uprobeme &&
	test_expect_code 1 env UPX_NO_MULTI=1 timeout 5 $BPF_PERFMON "$UPX" trace --count "$f:foo" \
		-c "$f 1 0" >out 2>err &&
	test_one_line_error err &&
	test_grep "^upx trace: .$f:foo.: a classic uprobe link is a perf event, and the kernel.s uprobe PMU needs CAP_SYS_ADMIN (CAP_BPF and CAP_PERFMON are enough only for uprobe_multi links, which UPX_NO_MULTI turns off)\$" err &&
	test_grep -v "Permission denied" err &&
	test_no_leftover_links
'

test_expect_success BPF,SETPRIV,MULTI 'CAP_BPF+CAP_PERFMON: a single probe takes a uprobe_multi link and counts' '
	f=$FIXTURES/uprobeme &&
	timeout 10 $BPF_PERFMON "$UPX" trace --count "$f:foo" -c "$f 3 0" >out 2>err &&
	test_grep "(1 multi link)" err &&
	test "$(awk -v l="$f:foo" "\$1 == l { print \$2 }" out)" = 3 &&
	test_no_leftover_links
'

test_expect_success BPF,SETPRIV 'CAP_BPF alone is refused before any BPF work' '
	f=$FIXTURES/uprobeme &&
	test_expect_code 1 timeout 5 setpriv --inh-caps=-all --ambient-caps=-all --bounding-set=-all,+bpf \
		"$UPX" trace --count "$f:foo" -c "$f 1 0" >out 2>err &&
	test_one_line_error err &&
	test_grep "needs root, or CAP_BPF and CAP_PERFMON" err
'

test_done
