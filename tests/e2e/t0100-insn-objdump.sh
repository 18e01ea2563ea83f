#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# core/symbols/insn.c against objdump: every instruction objdump decodes in libc (and
# a few other system libraries) must have the same length, and the entries of
# pthread_spin_lock and malloc must get the verdicts the kernel gives them.
. "$(dirname "$0")/lib.sh"

CHECK=$FIXTURES/insn-check
test_lazy_prereq X86_64 'test "$(uname -m)" = x86_64'
test_lazy_prereq OBJDUMP 'command -v objdump'

LIBDIR=/lib/x86_64-linux-gnu
LIBC=$(gcc -print-file-name=libc.so.6 2>/dev/null)
case "$LIBC" in /*) ;; *) LIBC=$LIBDIR/libc.so.6 ;; esac
LIBC=$(readlink -f "$LIBC")

# first_insn SYMBOL: "BYTES<TAB>MNEMONIC" of the first instruction at SYMBOL's address.
first_insn() {
	addr=$(nm -D --defined-only "$LIBC" | awk -v s="$1" '$3 == s || index($3, s "@@") == 1 { print $1; exit }')
	[ -n "$addr" ] || return 1
	objdump -d --insn-width=16 --start-address=0x$addr --stop-address=$((0x$addr + 16)) "$LIBC" |
		awk -F'\t' '/^ *[0-9a-f]+:\t/ { print $2 "\t" $3; exit }'
}

test_expect_success X86_64,OBJDUMP 'libc: every instruction has objdump'"'"'s length' '
	objdump -d -M intel --insn-width=16 "$LIBC" >dis &&
	test_when_finished "cat out" &&
	"$CHECK" <dis >out &&
	test_grep " 0 mismatches" out &&
	n=$(sed -n "s/^\([0-9]*\) instructions checked.*/\1/p" out) &&
	test "$n" -gt 100000
'

test_expect_success X86_64,OBJDUMP 'libm, ld.so, libstdc++: the same' '
	for f in $LIBDIR/libm.so.6 $LIBDIR/ld-linux-x86-64.so.2 $LIBDIR/libstdc++.so.6; do
		[ -e "$f" ] || continue
		objdump -d --insn-width=16 "$f" >dis &&
		{ "$CHECK" <dis >out || cat out; } &&
		echo "$f: $(tail -1 out)" &&
		test_grep " 0 mismatches" out || return 1
	done
'

test_expect_success X86_64,OBJDUMP 'pthread_spin_lock starts with a lock prefix: refused' '
	first_insn pthread_spin_lock >insn &&
	cat insn &&
	"$CHECK" -c "$(cut -f1 insn)" >out &&
	cat out &&
	if grep -q "endbr64" insn; then
		test_grep "endbr64=1" out	# a CET build: the lock comes next
	else
		test_grep "uprobe_ok=0 .*why=lock prefix$" out
	fi
'

test_expect_success X86_64,OBJDUMP 'malloc: the first instruction as objdump sees it' '
	first_insn malloc >insn &&
	cat insn &&
	bytes=$(cut -f1 insn) &&
	"$CHECK" -c "$bytes" >out &&
	cat out &&
	test_grep "^len=$(echo $bytes | wc -w) uprobe_ok=1 " out &&
	case "$(cut -f2 insn)" in
	endbr64*) test_grep "emulated=0 endbr64=1" out ;;
	push*) test_grep "emulated=1 endbr64=0" out ;;
	*) test_grep "endbr64=0" out ;;
	esac
'

test_done
