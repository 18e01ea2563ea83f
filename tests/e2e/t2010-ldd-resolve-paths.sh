#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ldd-resolve on libraries built here: DT_RPATH (inherited) vs DT_RUNPATH
# (not inherited) vs LD_LIBRARY_PATH, $ORIGIN, $LIB, $PLATFORM, a DT_NEEDED
# with a slash, glibc-hwcaps subdirectories, wrong-class candidates,
# -z nodeflib, not found.  ldd on the same files is the oracle, order included.
. "$(dirname "$0")/lib.sh"



# same_as_ldd FILE [VAR=VALUE]: upx and ldd agree on FILE (with VAR set for both).
same_as_ldd() {
	env ${2:+"$2"} ldd "$1" | sed -e 's/ (0x[0-9a-f]*)$//' -e '/linux-vdso\.so/d' >expect &&
	env ${2:+"$2"} upx ldd-resolve "$1" >actual &&
	test_cmp expect actual
}

# how_found FILE SONAME [VAR=VALUE]: the --how word for SONAME.
how_found() {
	env ${3:+"$3"} upx ldd-resolve --how "$1" | awk -v n="$2" '$1 == n { print $NF }' | tr -d "()"
}

D=$TRASH/libs
test_expect_success GCC 'build libraries and programs' '
	mkdir -p "$D" && cd "$D" &&
	mkdir -p a b lib hw hw/glibc-hwcaps/x86-64-v2 wrong "lib/$(uname -m)-linux-gnu" "$(uname -m)" &&
	echo "int foo(void) { return 1; }" >foo.c &&
	echo "int foo(void); int bar(void) { return foo(); }" >bar.c &&
	echo "int bar(void); int main(void) { return bar(); }" >mbar.c &&
	echo "int foo(void); int main(void) { return foo(); }" >mfoo.c &&
	echo "int missing(void); int main(void) { return missing(); }" >mmiss.c &&
	echo "int missing(void) { return 0; }" >miss.c &&
	gcc -shared -fPIC -o a/libfoo.so foo.c &&
	gcc -shared -fPIC -o b/libfoo.so foo.c &&
	cp a/libfoo.so hw/libfoo.so && cp a/libfoo.so hw/glibc-hwcaps/x86-64-v2/libfoo.so &&
	cp a/libfoo.so "lib/$(uname -m)-linux-gnu/libfoo.so" && cp a/libfoo.so "$(uname -m)/libfoo.so" &&
	gcc -shared -fPIC -o lib/libbar.so bar.c -La -lfoo &&
	rp="-Wl,--disable-new-dtags -Wl,-rpath" rn="-Wl,--enable-new-dtags -Wl,-rpath" &&
	gcc -o rpath mbar.c -Llib -lbar -Wl,-rpath-link,a $rp,"\$ORIGIN/lib:\$ORIGIN/a" &&
	gcc -o runpath mbar.c -Llib -lbar -Wl,-rpath-link,a $rn,"\$ORIGIN/lib:\$ORIGIN/a" &&
	gcc -o libvar mfoo.c -La -lfoo $rn,"\$ORIGIN/\$LIB" &&
	gcc -o platvar mfoo.c -La -lfoo $rn,"\$ORIGIN/\${PLATFORM}" &&
	gcc -o hwcaps mfoo.c -La -lfoo $rn,"\$ORIGIN/hw" &&
	gcc -o slash mfoo.c "$D/a/libfoo.so" &&
	gcc -shared -fPIC -o wrong/libfoo.so foo.c &&
	printf "\001" | dd of=wrong/libfoo.so bs=1 seek=4 conv=notrunc 2>/dev/null &&
	gcc -o wrongclass mfoo.c -La -lfoo $rn,"\$ORIGIN/wrong:\$ORIGIN/b" &&
	gcc -shared -fPIC -o libmissing.so miss.c &&
	gcc -o notfound mmiss.c -L. -lmissing &&
	rm libmissing.so
'

test_expect_success GCC 'DT_RPATH of the program serves its libraries too' '
	same_as_ldd "$D/rpath" &&
	test_grep "libfoo.so => $D/a/libfoo.so" actual &&
	test "$(how_found "$D/rpath" libfoo.so)" = rpath &&
	test "$(how_found "$D/rpath" libbar.so)" = rpath
'

test_expect_success GCC 'DT_RUNPATH is not inherited: libbar cannot find libfoo' '
	same_as_ldd "$D/runpath" &&
	test_grep "	libfoo.so => not found" actual &&
	test "$(how_found "$D/runpath" libbar.so)" = runpath
'

test_expect_success GCC 'LD_LIBRARY_PATH: after DT_RPATH, before DT_RUNPATH' '
	same_as_ldd "$D/rpath" LD_LIBRARY_PATH="$D/b" &&
	test_grep "libfoo.so => $D/a/libfoo.so" actual &&
	same_as_ldd "$D/runpath" LD_LIBRARY_PATH="$D/b:$D/a" &&
	test_grep "libfoo.so => $D/b/libfoo.so" actual &&
	test "$(how_found "$D/runpath" libfoo.so LD_LIBRARY_PATH="$D/b")" = LD_LIBRARY_PATH &&
	same_as_ldd "$D/runpath" LD_LIBRARY_PATH="$D/lib" &&
	test "$(how_found "$D/runpath" libbar.so LD_LIBRARY_PATH="$D/lib")" = LD_LIBRARY_PATH
'

# ld.so's own word on the legacy hwcap subdirectories (glibc <= 2.36): "NAME (AT_PLATFORM; ...)"
# for the platform, which glibc sets from the CPU ("haswell" on an Intel CPU with AVX2 and
# friends) and is not always uname -m; then tls and the hwcap names it searches (avx512_1, ...).
rtld=$(readelf -lW /bin/true | sed -n "s/.*Requesting program interpreter: \(.*\)]/\1/p")
legacy_dirs() {
	"$rtld" --help 2>/dev/null | sed -n "/^Legacy HWCAP/,/^\$/s/^  \([^ ]*\) (.*searched)\$/\1/p"
}
platform=$("$rtld" --help 2>/dev/null | sed -n "s/^  \([^ ]*\) (AT_PLATFORM;.*/\1/p")

test_expect_success GCC '$LIB and ${PLATFORM} expand as ld.so expands them' '
	same_as_ldd "$D/libvar" &&
	test_grep "libfoo.so => $D/lib/.*-linux-gnu/libfoo.so" actual &&
	plat=${platform:-$(uname -m)} &&
	mkdir -p "$D/$plat" && cp "$D/a/libfoo.so" "$D/$plat/libfoo.so" &&
	same_as_ldd "$D/platvar" &&
	test_grep "libfoo.so => $D/$plat/libfoo.so" actual
'

test_expect_success GCC 'legacy hwcap subdirectories: the ones ld.so lists, in its order' '
	names=$(legacy_dirs) &&
	{ [ -n "$names" ] || { say "no legacy hwcap subdirectories in this ld.so"; exit 0; }; } &&
	echo "int foo(void); int main(void) { return foo(); }" >m.c &&
	gcc -o legacy m.c -L"$D/a" -lfoo -Wl,--enable-new-dtags -Wl,-rpath,"\$ORIGIN/leg" &&
	# A libfoo.so in every ordering of every subset of the names (the order is ld.so'"'"'s to pick):
	python3 -c "import itertools, sys
n = sys.argv[1:]
for k in range(len(n) + 1):
    for p in itertools.permutations(n, k):
        print(\"/\".join((\"leg\",) + p))" $names >dirs &&
	while read -r d; do mkdir -p "$d" && cp "$D/a/libfoo.so" "$d/" || exit 1; done <dirs &&
	# Take away the one ld.so loads, each time: upx must pick the same next one, down to leg/.
	for _ in $(cat dirs); do
		same_as_ldd "$PWD/legacy" || exit 1
		got=$(sed -n "s/^	libfoo.so => \(.*\)/\1/p" expect) &&
		checked=$((${checked:-0} + 1)) &&
		[ "$got" != "$PWD/leg/libfoo.so" ] || break
		rm "$got" || exit 1
	done &&
	test_grep "libfoo.so => $PWD/leg/libfoo.so" actual &&
	say "ld.so searched $((checked - 1)) subdirectories before leg/ itself"
'

test_expect_success GCC '$ORIGIN is where the program really is, symlinks resolved' '
	mkdir elsewhere && ln -s "$D/rpath" elsewhere/prog &&
	upx ldd-resolve elsewhere/prog >actual &&
	test_grep "libfoo.so => $D/a/libfoo.so" actual
'

test_expect_success GCC 'a DT_NEEDED with a slash is used as it is' '
	same_as_ldd "$D/slash" &&
	test "$(how_found "$D/slash" "$D/a/libfoo.so")" = path
'

test_expect_success GCC 'glibc-hwcaps subdirectories come first' '
	if ! /lib64/ld-linux-x86-64.so.2 --help 2>/dev/null | grep -q "x86-64-v2 (supported, searched)"
	then
		say "no x86-64-v2 here" && exit 0
	fi &&
	same_as_ldd "$D/hwcaps" &&
	test_grep "libfoo.so => $D/hw/glibc-hwcaps/x86-64-v2/libfoo.so" actual
'

test_expect_success GCC 'a 32-bit candidate is passed over' '
	same_as_ldd "$D/wrongclass" &&
	test_grep "libfoo.so => $D/b/libfoo.so" actual
'

test_expect_success GCC 'not found is listed, not an error' '
	same_as_ldd "$D/notfound" &&
	test_grep "^	libmissing.so => not found\$" actual
'

test_expect_success GCC 'a library built with -z nodeflib skips the cache and default dirs' '
	cd "$D" &&
	echo "int nd(void) { return 0; }" >nd.c &&
	echo "int nd(void); int main(void) { return nd(); }" >mnd.c &&
	gcc -shared -fPIC -o lib/libnd.so nd.c -Wl,-z,now -Wl,--no-as-needed -lz &&
	# GNU ld ignores -z nodeflib: set DF_1_NODEFLIB in the DT_FLAGS_1 that -z now made.
	python3 - lib/libnd.so <<-\PY &&
	import struct, sys
	f = open(sys.argv[1], "r+b"); d = f.read()
	phoff, = struct.unpack_from("<Q", d, 0x20); phnum, = struct.unpack_from("<H", d, 0x38)
	for i in range(phnum):
	    t, _, off, _, _, sz, _, _ = struct.unpack_from("<IIQQQQQQ", d, phoff + i * 56)
	    if t == 2:
	        for o in range(off, off + sz, 16):
	            tag, val = struct.unpack_from("<qQ", d, o)
	            if tag == 0x6ffffffb:
	                f.seek(o + 8); f.write(struct.pack("<Q", val | 0x800))
	PY
	gcc -o nodeflib mnd.c -Llib -lnd -Wl,-rpath,"\$ORIGIN/lib" &&
	same_as_ldd "$D/nodeflib" &&
	test_grep "^	libz.so.1 => not found\$" actual
'

test_done
