#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A function with aliases is probed once, under one name: of the names at
# its address that the glob matched, a GLOBAL one, then a WEAK one, then the
# shortest LOCAL one (glibc's exit, not its internal __GI_exit).  readelf's
# symbol tables of libc and its debug file (libc6-dbg) are the oracle.
. "$(dirname "$0")/lib.sh"

LIBC=$(upx ldd-resolve libc.so.6 | sed -n '1s/.* => \([^ ]*\).*/\1/p')
DBG=$(upx list-syms --json libc.so.6 exit | jq -r .debug_file)
test_lazy_prereq ORACLE 'test -r "$DBG" && command -v readelf'

# best REGEX: for each address of a function whose name REGEX matches (libc and its debug
# file), the name to show: the lowest rank (GLOBAL 0, WEAK 1, LOCAL 2), the shortest, the first.
best() {
	{ readelf -sW "$DBG"; readelf -sW --dyn-syms "$LIBC"; } |
	awk -v re="$1" '($4 == "FUNC" || $4 == "IFUNC") && $7 != "UND" && NF >= 8 {
		name = $8; sub(/@.*/, "", name)
		if (name !~ re) next
		r = $5 == "GLOBAL" ? 0 : $5 == "WEAK" ? 1 : 2
		a = $2
		if (!(a in bn) || r < br[a] || (r == br[a] && (length(name) < length(bn[a]) ||
		    (length(name) == length(bn[a]) && name < bn[a])))) {
			bn[a] = name; br[a] = r
		}
	} END { for (a in bn) print bn[a] }' | sort -u
}

# shown FILE: the names upx -v planned or left out, one a line
shown() {
	sed -n -e 's/^upx: probe [0-9]*: libc\.so\.6:\([^ ]*\) at .*/\1/p' \
		-e 's/^upx: left out: \([^ ]*\) (.*/\1/p' "$1" | sort -u
}

test_expect_success BPF,ORACLE 'a glob over libc names each function as readelf ranks its aliases' '
	upx trace -v --count "libc.so.6:*exit*" -c true >out 2>err &&
	shown err >actual &&
	best exit >expect &&
	test_cmp expect actual &&
	test_grep "^exit$" actual &&
	test_grep -v "^__GI_exit$" actual &&
	test_grep "^libc.so.6:exit  *[0-9]" out
'

test_expect_success BPF,ORACLE 'the same for malloc and its aliases (GLOBAL ones: the shorter)' '
	upx trace -v --count "libc.so.6:*malloc" -c true >out 2>err &&
	shown err >actual &&
	best "malloc\$" >expect &&
	test_cmp expect actual &&
	test_grep "^malloc$" actual &&
	test_grep -v "^__libc_malloc$" actual
'

test_done
