#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# list-syms and imports: an undefined symbol is shown with the library that
# defines it (ld.so's search order) and its offset there.
. "$(dirname "$0")/lib.sh"

PY=$(readlink -f /usr/bin/python3)
LIBC=$(readlink -f "$(ldd "$PY" | awk '/libc\.so\.6/ { print $3 }')")

test_expect_success 'python3 imports malloc@GLIBC_2.2.5 from libc.so.6, at libc offset' '
	upx list-syms --imported "$PY" malloc >out 2>/dev/null &&
	test_grep " FUNC   GLOBAL libc.so.6 malloc@GLIBC_2.2.5\$" out &&
	upx list-syms --defined "$LIBC" "mallo[c]" >def &&
	read -r off value size rest <<<"$(sed -n 2p def)" &&
	test_grep "^$off $value  *$size FUNC   GLOBAL libc.so.6 malloc@GLIBC_2.2.5\$" out &&
	# and the same as readelf says for libc
	readelf -W --dyn-syms "$LIBC" | awk "\$8 == \"malloc@@GLIBC_2.2.5\" { print \$2 }" >expect &&
	echo "0000000000$value" | tail -c 17 >actual &&
	test_cmp expect actual
'

test_expect_success '--json: defined_in names the file, soname and offset' '
	upx list-syms --json --imported "$PY" "mallo[c]" >out &&
	python3 -c "
import json, os
d = json.load(open(\"out\"))
[m] = d[\"symbols\"]
assert not m[\"defined\"] and m[\"version\"] == \"GLIBC_2.2.5\" and not m[\"default_version\"]
i = m[\"defined_in\"]
assert os.path.realpath(i[\"file\"]) == \"$LIBC\" and i[\"soname\"] == \"libc.so.6\", i
assert i[\"offset\"] > 0 and i[\"version\"] == \"GLIBC_2.2.5\"
"
'

test_expect_success 'every import of python3 that nm -D lists as U is listed' '
	nm -D --undefined-only "$PY" | awk "{ print \$2 }" | sort >all &&
	upx list-syms -a --imported --json "$PY" | python3 -c "
import json, sys
for s in json.load(sys.stdin)[\"symbols\"]:
    v = s[\"version\"]
    print(s[\"name\"] + (\"@\" + v if v else \"\"))
" | sort >actual &&
	test_cmp all actual
'

test_expect_success 'C++ imports resolve to libstdc++, weak unresolved ones say so' '
	upx list-syms -a --imported "$FIXTURES/cxxshop" >out &&
	test_grep " libstdc++.so.6 _ZdlPvm@CXXABI_1.3.9  *operator delete(void\*, unsigned long)\$" out &&
	test_grep "^-  *-  *- NOTYPE WEAK   unresolved *__gmon_start__\$" out
'

test_expect_success '--defined hides imports, --imported hides definitions' '
	upx list-syms --defined "$FIXTURES/cxxshop" >def &&
	test_grep -v " libc.so.6 " def &&
	test_grep " defined main\$" def &&
	upx list-syms --imported "$FIXTURES/cxxshop" >imp &&
	test_grep -v " defined " imp &&
	test_expect_code 2 upx list-syms --defined --imported "$FIXTURES/cxxshop" 2>err
'

test_done
