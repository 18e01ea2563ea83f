#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# MiniDebugInfo: a fixture stripped the way Fedora strips (the functions
# .dynsym lacks kept in an xz-compressed .symtab in .gnu_debugdata,
# fixtures.mk): list-syms, trace and stacks name its functions; a corrupt
# .gnu_debugdata is one warning and .dynsym.
. "$(dirname "$0")/lib.sh"

MD=$FIXTURES/stackfix-minidebug
FULL=$FIXTURES/stackfix-nofp

test_expect_success 'the fixture: no .symtab, a .gnu_debugdata' '
	readelf -SW "$MD" >sections &&
	test_grep " .gnu_debugdata " sections &&
	test_grep -v " .symtab " sections &&
	nm "$MD" 2>&1 | grep -q "no symbols"
'

test_expect_success 'list-syms: the functions of the MiniDebugInfo beside .dynsym, at the addresses nm gives' '
	upx list-syms --defined "$MD" >out 2>err &&
	test_line_count = 0 err &&
	awk "NR > 1 { print \$NF }" out | sort >got &&
	printf "%s\n" _start a b c leaf main >expect &&
	test_cmp expect got &&
	nm -g --defined-only "$FULL" | awk "\$3 ~ /^(leaf|main)\$/ { print \$3, \$1 }" | sort >expect &&
	awk "NR > 1 && \$NF ~ /^(leaf|main)\$/ { print \$NF, \$2 }" out | sort >got &&
	sed "s/ 0*/ /" expect >expect2 && sed "s/ 0*/ /" got >got2 &&
	test_cmp expect2 got2 &&
	upx list-syms -v "$MD" leaf >out 2>err &&
	test_grep "symbols from .dynsym and its MiniDebugInfo (.gnu_debugdata)" err &&
	upx list-syms --json "$MD" leaf >json &&
	jq -e ".minidebuginfo == true and .stripped == true and .symbols[0].name == \"leaf\"" json
'

test_expect_success 'a corrupt .gnu_debugdata: one warning, .dynsym only' '
	cp "$MD" bad &&
	printf "not xz at all" >junk &&
	objcopy --update-section .gnu_debugdata=junk bad &&
	upx list-syms ./bad >out 2>err &&
	test_grep "^upx list-syms: warning: .\./bad.: MiniDebugInfo (.gnu_debugdata) rejected: not an xz stream; using .dynsym only\$" err &&
	test_grep -v " leaf\$" out &&
	objcopy --dump-section .gnu_debugdata=mini.xz "$MD" &&
	head -c 100 mini.xz >cut.xz &&
	cp "$MD" cut && objcopy --update-section .gnu_debugdata=cut.xz cut &&
	upx list-syms ./cut >out 2>err &&
	test_grep "MiniDebugInfo (.gnu_debugdata) rejected: truncated xz data" err
'

test_expect_success 'an xz stream of something else than ELF: rejected' '
	printf "hello" | xz >hello.xz &&
	cp "$MD" other && objcopy --update-section .gnu_debugdata=hello.xz other &&
	upx list-syms ./other >out 2>err &&
	test_grep "MiniDebugInfo (.gnu_debugdata) rejected: not an ELF file" err
'

test_expect_success BPF 'trace: a function only the MiniDebugInfo names, counted; its stacks named' '
	upx trace --folded "$MD:leaf" -c "$MD 30 20 100" >out 2>err &&
	printf "%s\n" "_start;main;a;b;leaf 30" "_start;main;c;leaf 20" >expect &&
	test_cmp expect out
'

test_expect_success BPF 'trace --stack events: the frames by name' '
	upx trace --stack "$MD:leaf" -c "$MD 1 0 100" >out 2>err &&
	awk "/^    / { sub(/^    /, \"\"); sub(/\\+0x.*/, \"\"); print }" out >got &&
	printf "%s\n" leaf b a main _start >expect &&
	test_cmp expect got
'

test_done
