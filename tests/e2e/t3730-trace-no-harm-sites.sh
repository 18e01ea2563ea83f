#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# No harm from where a hostile or broken file says code is: a function
# symbol in .rodata (the datafunc fixture prints the bytes a probe would
# overwrite) is refused by name and left out of a glob, with its name; the
# program prints what it prints untraced.  list-syms still lists it, marked.
. "$(dirname "$0")/lib.sh"

D=$FIXTURES/datafunc

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

test_done
