#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# list-syms on static binaries (and static-pie), stripped copies (.dynsym
# only, with a note) and separate debug files found by .gnu_debuglink.
. "$(dirname "$0")/lib.sh"

STATIC=$FIXTURES/staticprog
SHOP=$FIXTURES/cxxshop

test_expect_success 'static binary: a note, its own symbols, nothing imported' '
	upx list-syms "$STATIC" static_work >out 2>err &&
	test_grep "statically linked" err &&
	test_line_count = 1 err &&
	test_grep " FUNC   GLOBAL defined static_work\$" out &&
	upx list-syms --imported "$STATIC" >imp 2>/dev/null &&
	test_line_count = 1 imp &&
	upx list-syms "$STATIC" >all 2>/dev/null &&
	test_line_count -gt 500 all &&
	test_grep -v " unresolved " all
'

test_expect_success 'static binary: offset = value - load base, as nm and readelf say' '
	nm "$STATIC" | awk "\$3 == \"static_work\" { print \$1 }" >expect &&
	upx list-syms "$STATIC" static_work 2>/dev/null | awk "NR == 2 { print \$2 }" >value &&
	test "$((0x$(cat expect)))" = "$((0x$(cat value)))" &&
	upx list-syms "$STATIC" static_work 2>/dev/null | awk "NR == 2 { print \$1 }" >off &&
	readelf -lW "$STATIC" | awk "\$1 == \"LOAD\" && \$NF == \"0x1000\" { print \$2, \$3, \$5 }" >loads &&
	v=$((0x$(cat value))) &&
	while read -r poff pvaddr pfilesz; do
		if [ $v -ge $((pvaddr)) ] && [ $v -lt $((pvaddr + pfilesz)) ]; then
			test "$((0x$(cat off)))" = "$((poff + v - pvaddr))" || return 1
			found=1
		fi
	done <loads &&
	test "$found" = 1
'

test_expect_success 'static binary --json: "static": true' '
	upx list-syms --json "$STATIC" static_work >out 2>err &&
	test_line_count = 0 err &&
	python3 -c "
import json
d = json.load(open(\"out\"))
assert d[\"static\"] and not d[\"stripped\"] and d[\"symbols\"][0][\"name\"] == \"static_work\"
"
'

test_expect_success GCC 'static-pie: static too' '
	gcc -O2 -static-pie -o spie "$SRC_DIR/tests/fixtures/staticprog.c" &&
	upx list-syms ./spie static_work >out 2>err &&
	test_grep "statically linked" err &&
	test_grep " defined static_work\$" out
'

test_expect_success 'stripped copy: a note, .dynsym only' '
	cp "$SHOP" shop && strip --strip-all shop &&
	upx list-syms -a ./shop >out 2>err &&
	test_grep "stripped, no debug file found: .dynsym only" err &&
	test_line_count = 1 err &&
	test_grep -v " main\$" out &&
	test_grep -v "Basket" out &&
	test_grep " libc.so.6  *printf@GLIBC_2.2.5\$" out &&
	upx list-syms --json ./shop >json 2>/dev/null &&
	python3 -c "
import json
d = json.load(open(\"json\"))
assert d[\"stripped\"] and d[\"debug_file\"] is None
assert all(s[\"dynamic\"] for s in d[\"symbols\"])
"
'

test_expect_success 'stripped copy with .gnu_debuglink: the debug file next to it' '
	cp "$SHOP" shop &&
	objcopy --only-keep-debug shop shop.debug &&
	strip --strip-all shop &&
	objcopy --add-gnu-debuglink=shop.debug shop &&
	upx list-syms -v ./shop Basket >out 2>err &&
	test_grep "debug file .*shop.debug" err &&
	test_grep " shop::cart::Basket::add(int)\$" out &&
	upx list-syms ./shop main >out 2>err &&
	test_line_count = 0 err &&
	nm "$SHOP" | awk "\$3 == \"main\" { print \$1 }" >expect &&
	awk "\$NF == \"main\" { print \$2 }" out >actual &&
	test "$((0x$(cat expect)))" = "$((0x$(cat actual)))"
'

test_expect_success 'a debug file in .debug/, and one whose CRC does not match is ignored' '
	cp "$SHOP" shop &&
	objcopy --only-keep-debug shop shop.debug &&
	strip --strip-all shop &&
	objcopy --add-gnu-debuglink=shop.debug shop &&
	mkdir .debug && mv shop.debug .debug/ &&
	upx list-syms -v ./shop main >out 2>err &&
	test_grep "debug file .*\.debug/shop.debug" err &&
	echo garbage >>.debug/shop.debug &&
	upx list-syms ./shop >out 2>err &&
	test_grep "stripped, no debug file found" err
'

test_expect_success 'symbol-less ELF: one line, exit 1' '
	cp "$STATIC" bare && strip --strip-all bare &&
	test_expect_code 1 upx list-syms ./bare >out 2>err &&
	test_one_line_error err &&
	test_grep "no symbols" err
'

test_done
