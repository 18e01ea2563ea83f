#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make demo's script (tools/demo.sh) on the build under test: malloc itself
# is among the symbols it lists, python3's large allocations are seen at
# libc's malloc, foo() and bar() are counted exactly.
. "$(dirname "$0")/lib.sh"

test_expect_success BPF 'the demo: malloc@@GLIBC_2.2.5 listed, four large allocations, foo 3 and bar 5' '
	UPX_BUILD_DIR=$BUILD_DIR sh "$SRC_DIR/tools/demo.sh" >out 2>err &&
	test_grep "^\$ upx list-syms libc.so.6 .malloc\*.$" out &&
	test_grep "^[0-9a-f]* [0-9a-f]*  *[0-9]* FUNC   GLOBAL defined malloc@@GLIBC_2.2.5$" out &&
	test "$(grep -c " python3  *libc.so.6:malloc bytes=8388609$" out)" = 1 &&
	test "$(grep -c " python3  *libc.so.6:malloc bytes=2097153$" out)" = 3 &&
	test_grep "^\./uprobeme:bar  *5$" out &&
	test_grep "^\./uprobeme:foo  *3$" out &&
	test_no_leftover_links
'

test_done
