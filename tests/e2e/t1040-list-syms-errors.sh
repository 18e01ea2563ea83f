#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# list-syms on every kind of bad input: one line naming the file and the
# cause, exit 1, never a crash.
. "$(dirname "$0")/lib.sh"

# refused EXPECTED-CAUSE ARGS...: exit 1, one line 'upx list-syms: ...: cause'.
refused() {
	cause=$1
	shift
	upx list-syms "$@" >out 2>err
	code=$?
	[ "$code" = 1 ] || { echo "exit $code from upx list-syms $*"; cat err; return 1; }
	test_one_line_error err &&
	test_grep "^upx list-syms: '.*': $cause\$" err &&
	test_line_count = 0 out
}

# A copy of /bin/true with one byte at OFFSET set to VALUE (octal escape).
patched() {
	cp /bin/true "$1" &&
	printf "$3" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

test_expect_success 'missing file' '
	refused "No such file or directory" ./nonexistent
'

test_expect_success 'no such program or library' '
	refused "no such file, program in PATH or library" no-such-program-xyz
'

test_expect_success 'directory' '
	mkdir dir && refused "is a directory" ./dir
'

test_expect_success 'empty file' '
	: >empty && refused "empty file" ./empty
'

test_expect_success 'text file' '
	echo "hello, world" >text && refused "not an ELF file" ./text
'

test_expect_success 'script, by path and by name in PATH, through a symlink' '
	printf "#!/usr/bin/env bash\necho hi\n" >shim && chmod +x shim &&
	refused "a script (#!/usr/bin/env bash), not an ELF file" ./shim &&
	mkdir bin && ln -s ../shim bin/myshim &&
	PATH=$PWD/bin:$PATH refused "a script (#!/usr/bin/env bash), not an ELF file" myshim
'

test_expect_success 'truncated: the first 100 bytes of /bin/true' '
	head -c 100 /bin/true >trunc && refused "truncated ELF file" ./trunc
'

test_expect_success 'truncated: cut inside the section headers' '
	shoff=$(readelf -hW /bin/true | awk "/Start of section headers/ { print \$5 }") &&
	head -c $((shoff + 200)) /bin/true >trunc &&
	refused "truncated ELF file" ./trunc
'

test_expect_success 'truncated: cut inside the program headers and inside the data' '
	head -c 300 /bin/true >trunc && refused "truncated ELF file" ./trunc &&
	head -c 20000 /bin/true >trunc && refused "truncated ELF file" ./trunc
'

test_expect_success '32-bit ELF' '
	patched elf32 4 "\001" &&
	refused "32-bit ELF, upx handles 64-bit only" ./elf32
'

test_expect_success 'ELF for another machine names both' '
	case $(uname -m) in
	x86_64) patched other 18 "\267\000" && want="ELF for AArch64, this machine is x86-64" ;;
	aarch64) patched other 18 "\076\000" && want="ELF for x86-64, this machine is AArch64" ;;
	*) exit 0 ;;
	esac &&
	refused "$want" ./other
'

test_expect_success 'relocatable object' '
	echo "int f(void) { return 1; }" >f.c && cc -c f.c -o f.o &&
	refused "a relocatable object (.o), not an executable or shared library" ./f.o
'

test_expect_success 'symbol-less ELF' '
	cp "$FIXTURES/staticprog" bare && strip --strip-all bare &&
	refused "no symbols (stripped, and no debug file found)" ./bare
'

test_expect_success ROOT 'unreadable file (as nobody)' '
	chmod 755 "$TRASH" . &&
	cp /bin/true secret && chmod 600 secret &&
	test_expect_code 1 setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$UPX" list-syms "$PWD/secret" >out 2>err &&
	test_one_line_error err &&
	test_grep "secret.: Permission denied\$" err
'

test_expect_success 'usage errors exit 2' '
	test_expect_code 2 upx list-syms 2>err &&
	test_expect_code 2 upx list-syms /bin/true a b 2>err &&
	test_expect_code 2 upx list-syms --bogus /bin/true 2>err
'

test_expect_success 'cut and corrupted copies of real files: exit 0 or 1, never a crash' '
	for f in /bin/true "$FIXTURES/cxxshop"; do
		size=$(stat -c %s "$f") &&
		for i in $(seq 1 60); do
			cp "$f" fuzz &&
			case $((i % 3)) in
			0) head -c $((RANDOM * 7 % size)) "$f" >fuzz ;;
			1) for k in 1 2 3 4; do
				printf "\\$(printf %o $((RANDOM % 256)))" |
				dd of=fuzz bs=1 seek=$((RANDOM % 64)) conv=notrunc status=none
			   done ;;
			2) for k in 1 2 3 4 5 6 7 8; do
				printf "\\$(printf %o $((RANDOM % 256)))" |
				dd of=fuzz bs=1 seek=$(((RANDOM * 32768 + RANDOM) % size)) conv=notrunc status=none
			   done ;;
			esac
			upx list-syms -a ./fuzz >/dev/null 2>err
			code=$?
			if [ $code -gt 1 ]; then
				echo "exit $code on case $i of $f"; cp fuzz "$TRASH/crash-$i"; return 1
			fi
		done || return 1
	done
'

test_done
