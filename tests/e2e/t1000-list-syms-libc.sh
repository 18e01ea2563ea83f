#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# list-syms on libc.so.6 held against nm and readelf: names, values, types,
# versions, file offsets, patterns, --json, and the libc6-dbg debug file.
. "$(dirname "$0")/lib.sh"

LIBC=$(ldd /bin/true | awk '/libc\.so\.6/ { print $3 }')
LIBC=$(readlink -f "$LIBC")

# The file offset of a virtual address, from readelf -l's PT_LOAD lines.
vaddr_to_offset() {
	readelf -lW "$1" | awk '$1 == "LOAD" { print $2, $3, $5 }' |
	while read -r off vaddr filesz; do
		if [ $(($2)) -ge $((vaddr)) ] && [ $(($2)) -lt $((vaddr + filesz)) ]; then
			printf '%x\n' $((off + $2 - vaddr))
			return
		fi
	done
}

# "value name[@ver]" of every defined FUNC/IFUNC list-syms finds in .dynsym.
dynamic_funcs() {
	upx list-syms --json "$@" | python3 -c '
import json, sys
for s in json.load(sys.stdin)["symbols"]:
    if s["dynamic"] and s["defined"] and s["type"] in ("FUNC", "IFUNC"):
        v = s["version"]
        name = s["name"] + (("@@" if s["default_version"] else "@") + v if v else "")
        print("%016x %s" % (s["value"], name))
' | sort
}

test_expect_success 'defined functions of libc.so.6 = nm -D --defined-only (T, W, i)' '
	nm -D --defined-only "$LIBC" | awk "\$2 ~ /^[TWi]\$/ { print \$1, \$3 }" | sort >expect &&
	dynamic_funcs "$LIBC" >actual &&
	test_line_count -gt 1000 expect &&
	test_cmp expect actual
'

test_expect_success 'types and versions of libc.so.6 = readelf --dyn-syms' '
	readelf -W --dyn-syms "$LIBC" |
		awk "\$7 != \"UND\" && (\$4 == \"FUNC\" || \$4 == \"IFUNC\") { print \$8, \$4 }" |
		sed "s/ (.*)//" | sort >expect &&
	upx list-syms --json "$LIBC" | python3 -c "
import json, sys
for s in json.load(sys.stdin)[\"symbols\"]:
    if s[\"dynamic\"] and s[\"defined\"]:
        v = s[\"version\"]
        print(s[\"name\"] + ((\"@@\" if s[\"default_version\"] else \"@\") + v if v else \"\"), s[\"type\"])
" | sort >actual &&
	test_cmp expect actual
'

test_expect_success 'a soname finds the same file as its path' '
	upx list-syms libc.so.6 malloc >by-soname &&
	upx list-syms "$LIBC" malloc >by-path &&
	test_cmp by-path by-soname
'

test_expect_success 'malloc@@GLIBC_2.2.5, realpath in two versions' '
	upx list-syms "$LIBC" malloc >out &&
	test_grep " defined malloc@@GLIBC_2.2.5\$" out &&
	upx list-syms "$LIBC" "realpath@*" >out &&
	test_grep " realpath@GLIBC_2.2.5\$" out &&
	test_grep " realpath@@GLIBC_2.3\$" out
'

test_expect_success 'offsets = readelf -l arithmetic (libc and python3, where they differ)' '
	for f in "$LIBC" /usr/bin/python3; do
		upx list-syms --defined "$f" >out 2>/dev/null &&
		awk "NR > 1 && NR % 97 == 0 && \$1 != \"-\" { print \$1, \$2 }" out >pairs &&
		test_line_count -gt 5 pairs &&
		while read -r off value; do
			want=$(vaddr_to_offset "$f" 0x$value) &&
			[ "$((0x$off))" = "$((0x$want))" ] ||
			{ echo "$f: $value: offset $off, readelf says $want"; return 1; }
		done <pairs || return 1
	done &&
	upx list-syms /usr/bin/python3 PyList_New >out 2>/dev/null &&
	read -r off value rest <<<"$(sed -n 2p out)" &&
	test "$off" != "$value" &&
	test "$((0x$off))" = "$((0x$(vaddr_to_offset /usr/bin/python3 0x$value)))"
'

test_expect_success 'PATTERN: substring without glob characters, whole-name glob with them' '
	upx list-syms "$LIBC" malloc >sub &&
	test_grep " __libc_malloc@@GLIBC_2.2.5\$" sub &&
	test_grep " malloc_trim@@GLIBC_2.2.5\$" sub &&
	upx list-syms "$LIBC" "malloc*" >glob &&
	test_grep -v "__libc_malloc" glob &&
	test_grep " malloc_trim@@GLIBC_2.2.5\$" glob &&
	upx list-syms "$LIBC" "mallo[c]" >exact &&
	test_line_count = 2 exact &&
	test_grep " malloc@@GLIBC_2.2.5\$" exact
'

test_expect_success 'default is functions; -a adds objects and TLS' '
	upx list-syms "$LIBC" environ >funcs &&
	test_grep -v " OBJECT " funcs &&
	upx list-syms -a "$LIBC" environ >all &&
	test_grep " OBJECT .* environ@@GLIBC_2.2.5\$" all &&
	upx list-syms -a "$LIBC" errno >tls &&
	test_grep " TLS " tls
'

test_expect_success 'no match: one line, exit 1' '
	test_expect_code 1 upx list-syms "$LIBC" no_such_symbol_anywhere >out 2>err &&
	test_one_line_error err &&
	test_grep "no function symbol matches" err
'

test_expect_success 'libc6-dbg: the build-id debug file gives the full .symtab' '
	bid=$(readelf -n "$LIBC" | sed -n "s/.*Build ID: //p") &&
	dbg=/usr/lib/debug/.build-id/${bid%${bid#??}}/${bid#??}.debug &&
	if ! test -f "$dbg"; then echo "no $dbg: install libc6-dbg"; exit 1; fi &&
	upx list-syms -v "$LIBC" _int_malloc >out 2>err &&
	test_grep " LOCAL  defined _int_malloc\$" out &&
	test_grep "debug file .$dbg" err &&
	! nm -D "$LIBC" | grep -q " _int_malloc\$" &&
	nm "$dbg" | grep -q " t _int_malloc\$" &&
	# the local function has a real offset, from the main file PT_LOADs
	read -r off value rest <<<"$(sed -n 2p out)" &&
	test "$((0x$off))" = "$((0x$(vaddr_to_offset "$LIBC" 0x$value)))"
'

test_expect_success '--json: one valid document with the fields' '
	upx list-syms --json "$LIBC" malloc >out &&
	python3 -m json.tool out >/dev/null &&
	test_line_count = 1 out &&
	python3 -c "
import json, sys
d = json.load(open(\"out\"))
assert d[\"file\"] == \"$LIBC\" and not d[\"static\"] and not d[\"stripped\"]
assert d[\"debug_file\"].endswith(\".debug\") and len(d[\"build_id\"]) == 40
m = [s for s in d[\"symbols\"] if s[\"name\"] == \"malloc\"][0]
assert m[\"version\"] == \"GLIBC_2.2.5\" and m[\"default_version\"] and m[\"dynamic\"]
assert m[\"type\"] == \"FUNC\" and m[\"bind\"] == \"GLOBAL\" and m[\"defined\"]
assert m[\"offset\"] > 0 and m[\"size\"] > 0 and \"defined_in\" not in m
"
'

test_expect_success '--json errors are JSON too' '
	test_expect_code 1 upx list-syms --json /nonexistent >out 2>err &&
	python3 -m json.tool out >/dev/null &&
	test_grep "\"error\"" out
'

test_done
