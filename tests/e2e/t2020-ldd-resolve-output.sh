#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ldd-resolve's output forms: static programs, a soname or a PATH name as the
# argument, --how, --tree, --json (one document, checked by python3).
. "$(dirname "$0")/lib.sh"


ldd_list() {
	ldd "$@" | sed -e 's/ (0x[0-9a-f]*)$//' -e '/linux-vdso\.so/d'
}

D=$TRASH/libs
test_expect_success GCC 'build a static, a static-pie and a two-level program' '
	mkdir -p "$D/lib" && cd "$D" &&
	echo "int main(void) { return 0; }" >m.c &&
	gcc -static -o static m.c &&
	gcc -static-pie -o static-pie m.c &&
	printf "#include <unistd.h>\nint foo(void) { return getpid(); }\n" >foo.c &&
	echo "int foo(void); int bar(void) { return foo(); }" >bar.c &&
	echo "int bar(void); int main(void) { return bar(); }" >mbar.c &&
	gcc -shared -fPIC -o lib/libfoo.so foo.c &&
	gcc -shared -fPIC -o lib/libbar.so bar.c -Llib -lfoo &&
	gcc -o two mbar.c -Llib -lbar -Wl,-rpath-link,lib -Wl,--disable-new-dtags -Wl,-rpath,"\$ORIGIN/lib"
'

test_expect_success GCC 'a static program: "statically linked", exit 0' '
	upx ldd-resolve "$D/static" >out &&
	printf "\tstatically linked\n" >expect && test_cmp expect out &&
	upx ldd-resolve "$D/static-pie" >out && test_cmp expect out &&
	# ldd agrees on the static-pie (it says "not a dynamic executable" for the other)
	{ ldd "$D/static-pie" >ldd.out || :; } &&
	test_cmp expect ldd.out
'

test_expect_success 'a soname: the file it is, how, then its libraries' '
	path=$(ldconfig -p | sed -n "s/^	libz.so.1 (libc6,x86-64) => //p" | head -1) &&
	test -n "$path" &&
	upx ldd-resolve libz.so.1 >out &&
	echo "libz.so.1 => $path (cache)" >expect &&
	ldd_list "$path" >>expect &&
	test_cmp expect out
'

test_expect_success 'a program in PATH is the program, not a soname' '
	PATH=/usr/bin:/bin "$UPX" ldd-resolve bash >out &&
	upx ldd-resolve /usr/bin/bash >expect &&
	test_cmp expect out
'

test_expect_success '--how says cache for the system libraries, interp for ld.so' '
	upx ldd-resolve --how /usr/bin/bash >out &&
	test_grep "^	libc.so.6 => .* (cache)\$" out &&
	test_grep "^	/lib64/ld-linux-x86-64.so.2 (interp)\$" out
'

test_expect_success GCC '--tree: who needs whom, a library expanded once' '
	upx ldd-resolve --tree "$D/two" >out &&
	test_grep "^$D/two\$" out &&
	test_grep "^	libbar.so => $D/lib/libbar.so\$" out &&
	test_grep "^		libfoo.so => $D/lib/libfoo.so\$" out &&
	test_grep "^			libc.so.6 => " out &&
	test_grep "^	libc.so.6 => .*(see above)\$" out &&
	# every library of the flat list is in the tree
	upx ldd-resolve "$D/two" | sed "s/^	//" | sort >flat &&
	sed -e "s/^	*//" -e "s/ (see above)\$//" out | sed 1d | sort -u >tree &&
	test_cmp flat tree
'

test_expect_success PYTHON3 '--json is one valid document with what the text says' '
	upx ldd-resolve --json /usr/bin/bash >out.json &&
	python3 -m json.tool out.json >/dev/null &&
	python3 - out.json <<-\PY >actual &&
	import json, sys
	d = json.load(open(sys.argv[1]))
	assert d["static"] is False and d["interp"].startswith("/")
	for lib in d["libs"]:
	    if lib["how"] == "interp":
	        print("\t" + lib["path"])
	    else:
	        print("\t%s => %s" % (lib["soname"], lib["path"] or "not found"))
	    assert lib["parent"] == -1 or 0 <= lib["parent"] < len(d["libs"])
	assert all(0 <= i < len(d["libs"]) for i in d["needs"])
	PY
	upx ldd-resolve /usr/bin/bash >expect &&
	test_cmp expect actual
'

test_expect_success PYTHON3 '--json with several arguments: one array, errors inside' '
	test_expect_code 1 upx ldd-resolve --json /usr/bin/bash /nonexistent libz.so.1 >out.json &&
	python3 -m json.tool out.json >/dev/null &&
	python3 -c "
import json, sys
a = json.load(open(\"out.json\"))
assert len(a) == 3, a
assert a[1][\"error\"] == \"No such file or directory\", a[1]
assert a[2][\"found_by\"] == \"cache\", a[2]
"
'

test_expect_success GCC '--json for a static program and with --tree' '
	upx ldd-resolve --json --tree "$D/static" >out.json &&
	python3 -c "import json; d = json.load(open(\"out.json\")); assert d[\"static\"] and d[\"libs\"] == []"
'

test_done
