#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# No harm from where a hostile or broken file says code is: a function
# symbol in .rodata (the datafunc fixture prints the bytes a probe would
# overwrite) is refused by name and left out of a glob, with its name; the
# program prints what it prints untraced.  list-syms still lists it, marked.
# The same for USDT sites: copies of the sdtprobes fixture with a note's pc
# inside an instruction, in data, or where nothing says where instructions
# start.  And the words: every site left out, corrupt notes.
. "$(dirname "$0")/lib.sh"

D=$FIXTURES/datafunc
S=$FIXTURES/sdtprobes

test_expect_success 'datafunc untraced prints its bytes' '
	"$D" >out &&
	echo "rodata_fn 554889e5" >expect &&
	test_cmp expect out
'

test_expect_success BPF 'a function symbol in .rodata, named: refused with one line' '
	test_expect_code 1 upx trace $D:rodata_fn -c "$D" >out 2>err &&
	test_one_line_error err &&
	test_grep "^upx trace: '\''$D'\'': '\''rodata_fn'\'' is not in executable memory (0x[0-9a-f]* is in a segment mapped without execute permission): a probe would write into the program'\''s data$" err &&
	test_line_count = 0 out &&
	test_expect_code 1 upx trace "$D:rodata_*" -c "$D" >out 2>err &&
	test_one_line_error err &&
	test_grep "every function that matched '\''rodata_\*'\'' is outside executable memory.*: rodata_fn$" err
'

test_expect_success BPF 'in a glob it is left out, named; the program prints the same' '
	upx trace --count "$D:*" -c "$D" >out 2>err &&
	test_grep "^rodata_fn 554889e5$" out &&
	test_grep "^$D:main  *1$" out &&
	test_grep -v ":rodata_fn " out &&
	test_grep "^upx trace: warning: left out 1 function symbol outside executable memory, a probe would write into the program'\''s data: rodata_fn$" err &&
	upx trace "$D:*" -c "$D" >out 2>err &&
	test_grep "^rodata_fn 554889e5$" out &&
	test_no_leftover_links
'

test_expect_success 'list-syms lists it, marked noexec; --json says executable false' '
	upx list-syms $D rodata_fn >out &&
	test_grep "^[0-9a-f]* [0-9a-f]*  *5 FUNC   GLOBAL noexec  *rodata_fn$" out &&
	upx list-syms $D main >out &&
	test_grep " FUNC   GLOBAL defined  *main$" out &&
	upx list-syms --json $D >out.json &&
	test "$(jq -r ".symbols[] | select(.name == \"rodata_fn\") | .executable" out.json)" = false &&
	test "$(jq -r ".symbols[] | select(.name == \"main\") | .executable" out.json)" = true
'

# sym NAME: the address of NAME in the sdtprobes fixture (nm); sym_end NAME: where it ends
sym() { printf '0x%x\n' "0x$(nm "$S" | awk -v n="$1" '$3 == n { print $1 }')"; }
sym_end() {
	set -- $(nm -S "$S" | awk -v n="$1" '$4 == n { print $1, $2 }')
	printf '0x%x\n' $((0x$1 + 0x$2))
}

# copy NAME PROVIDER:NAME ADDR: ./NAME, the fixture with that probe's first site at ADDR
copy() {
	python3 "$SRC_DIR/tests/e2e/stapsdt.py" pc "$S" "$1" "$2" "$3" && chmod +x "$1"
}

# untraced NAME N: how ./NAME N runs without upx: its output and status, in NAME.ref
untraced() {
	{ "./$1" "$2"; echo "exit $?"; } >"$1.ref" 2>&1
}

# traced NAME N SPEC...: the same under upx trace --count SPEC..., into NAME.out; upx's
# table and messages into out and err
traced() {
	f=$1 n=$2 &&
	shift 2 &&
	upx trace --count --follow "$@" -- sh -c "./$f $n >$f.out 2>&1; echo exit \$? >>$f.out" >out 2>err
}

test_expect_success BPF,PYTHON3,TOOLCHAIN 'a USDT site inside an instruction: left out, named; the program runs as untraced' '
	fire_sem=$(sym fire_sem) &&
	copy mid upx:plain $((fire_sem + 1)) &&
	untraced mid 3 &&
	test_grep "^sem off$" mid.ref && test_grep "^exit 0$" mid.ref &&
	traced mid 3 "usdt:./mid:[pm]*" &&
	test_cmp mid.ref mid.out &&
	test_grep "^upx trace: warning: left out USDT site upx:plain at $(printf 0x%x $((fire_sem + 1))) of '\''./mid'\'': not on an instruction boundary: inside the instruction at fire_sem+0x0$" err &&
	test_grep "^usdt:./mid:upx:mem  *3$" out &&
	test_grep -v "upx:plain" out &&
	test_no_leftover_links
'

test_expect_success BPF,PYTHON3,TOOLCHAIN 'named alone, it is refused with one line; the program never runs' '
	copy mid upx:plain $(($(sym fire_sem) + 1)) &&
	test_expect_code 1 upx trace "usdt:./mid:plain" -c "./mid 3" >out 2>err &&
	test_one_line_error err &&
	test_grep "^upx trace: '\''./mid'\'': cannot probe USDT upx:plain at 0x[0-9a-f]*: not on an instruction boundary: inside the instruction at fire_sem+0x0$" err &&
	test_line_count = 0 out
'

test_expect_success BPF,PYTHON3,TOOLCHAIN 'a probe with one bad site of two: the good one counted, the bad one named' '
	fire_sem=$(sym fire_sem) &&
	python3 "$SRC_DIR/tests/e2e/stapsdt.py" pc "$S" twice upx:twice $((fire_sem + 2)) &&
	chmod +x twice &&
	untraced twice 4 &&
	traced twice 4 "usdt:./twice:twice" &&
	test_cmp twice.ref twice.out &&
	test_grep "^usdt:./twice:upx:twice  *4$" out &&
	test_grep "^upx trace: warning: left out USDT site upx:twice at $(printf 0x%x $((fire_sem + 2))) of '\''./twice'\'': not on an instruction boundary" err &&
	test_expect_code 1 env UPX_NO_MULTI=1 upx trace --count "usdt:./twice:twice" -c "./twice 4" \
		>out 2>err &&
	test_grep "^upx trace: '\''usdt:./twice:upx:twice'\'': 1 of its sites were left out, and libbpf'\''s USDT attach (without uprobe_multi links) takes every site of a probe$" err &&
	test_line_count = 0 out &&
	test_no_leftover_links
'

test_expect_success BPF,PYTHON3,TOOLCHAIN 'a USDT site in data is left out, named; the program runs as untraced' '
	copy rod upx:plain $(sym plain_str) &&
	untraced rod 2 &&
	traced rod 2 "usdt:./rod:[pm]*" &&
	test_cmp rod.ref rod.out &&
	test_grep "^upx trace: warning: left out USDT site upx:plain at $(sym plain_str) of '\''./rod'\'': its address is not in executable memory: a probe would write into the program'\''s data$" err &&
	test_expect_code 1 upx trace "usdt:./rod:plain" -c "./rod 2" >out 2>err &&
	test_one_line_error err && test_grep "is not in executable memory" err
'

test_expect_success BPF,PYTHON3,TOOLCHAIN 'a USDT site no symbol nor call frame information covers: refused' '
	pad=$(($(sym_end fire_twice) + 3)) &&
	test $pad -lt $(($(sym fire_sem))) &&
	copy pad upx:plain $pad &&
	test_expect_code 1 upx trace "usdt:./pad:plain" -c "./pad 2" >out 2>err &&
	test_one_line_error err &&
	test_grep "^upx trace: '\''./pad'\'': cannot probe USDT upx:plain at $(printf 0x%x $pad): no function symbol or call frame information covers it: upx cannot tell it is on an instruction boundary$" err
'

test_expect_success BPF,PYTHON3,TOOLCHAIN 'every site of a glob left out: no probe left to attach, and why' '
	copy mid upx:plain $(($(sym fire_sem) + 1)) &&
	test_expect_code 1 upx trace --count "usdt:./mid:pl*" -c "./mid 2" >out 2>err &&
	test_one_line_error err &&
	test_grep "^upx trace: '\''./mid'\'': no USDT probe left to attach: the one site that matches '\''pl\*'\'' was left out; upx:plain at 0x[0-9a-f]*: not on an instruction boundary: inside the instruction at fire_sem+0x0$" err &&
	test_expect_code 1 upx trace --count "usdt:$FIXTURES/sdtprobes-rosem:se*" -c true >out 2>err &&
	test_one_line_error err &&
	test_grep "no USDT probe left to attach: .*upx:sem at 0x[0-9a-f]*: its semaphore at 0x[0-9a-f]* is in a read-only segment" err &&
	test_line_count = 0 out
'

test_expect_success PYTHON3,TOOLCHAIN 'corrupt namesz or descsz in .note.stapsdt: the notes are corrupt' '
	python3 "$SRC_DIR/tests/e2e/stapsdt.py" sizes "$S" cn upx:plain 0xffff 52 &&
	python3 "$SRC_DIR/tests/e2e/stapsdt.py" sizes "$S" cd upx:twice 8 0x7fffffff &&
	chmod +x cn cd &&
	for f in cn cd; do
		test_expect_code 1 upx list-syms --usdt ./$f >out 2>err &&
		test_one_line_error err &&
		test_grep "^upx list-syms: '\''./$f'\'': corrupt .note.stapsdt: the note at +0x[0-9a-f]* (namesz [0-9]*, descsz [0-9]*) runs past the section'\''s end (0x[0-9a-f]* bytes)$" err || return 1
	done &&
	test_expect_code 1 upx trace usdt:./cn:plain -c true 2>err &&
	test_one_line_error err &&
	test_grep "^upx trace: '\''./cn'\'': cannot read its USDT notes: corrupt .note.stapsdt: the note at +0x0 (namesz 65535, descsz 52)" err
'

test_done
