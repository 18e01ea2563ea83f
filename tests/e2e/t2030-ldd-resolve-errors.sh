#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ldd-resolve on bad input: one line `upx ldd-resolve: 'FILE': cause`, exit 1,
# never a crash; the other arguments are still done.
. "$(dirname "$0")/lib.sh"


# fails_with CAUSE ARG: exit 1, one line naming ARG and CAUSE.
fails_with() {
	test_expect_code 1 upx ldd-resolve "$2" >out 2>err &&
	test_one_line_error err &&
	test_grep "^upx ldd-resolve: '$(printf %s "$2" | sed "s/[.[*]/\\\\&/g")': $1\$" err &&
	test_line_count = 0 out
}

# A copy of /bin/true with bytes written at an offset.
patched_true() {
	cp /bin/true "$1" && printf "$3" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}

test_expect_success 'missing file' '
	fails_with "No such file or directory" /nonexistent/prog
'

test_expect_success 'a name that is no file, program or library' '
	fails_with "no such file, program in PATH or library" upx-no-such-thing
'

test_expect_success 'a directory' '
	mkdir d && fails_with "is a directory" ./d
'

test_expect_success 'an empty file' '
	: >empty && fails_with "empty file" ./empty
'

test_expect_success 'a text file' '
	echo hello >text && fails_with "not an ELF file" ./text
'

test_expect_success 'a script: its #! line is named' '
	printf "#!/bin/sh -e\necho hi\n" >script && chmod +x script &&
	fails_with "a script (#!/bin/sh -e), not an ELF file" ./script
'

test_expect_success 'a truncated ELF file' '
	head -c 40 /bin/true >t40 && fails_with "truncated ELF file" ./t40 &&
	head -c 1000 /bin/true >t1k && fails_with "truncated ELF file.*" ./t1k
'

test_expect_success 'a 32-bit ELF file' '
	patched_true elf32 4 "\001" &&
	fails_with "32-bit ELF file for x86-64, not 64-bit x86-64" ./elf32
'

test_expect_success 'an ELF file for another machine' '
	patched_true arm64 18 "\267\000" &&
	fails_with "64-bit ELF file for AArch64, not 64-bit x86-64" ./arm64
'

test_expect_success 'a relocatable object' '
	echo "int x;" >x.c && gcc -c x.c -o x.o &&
	fails_with "not an executable or shared library (relocatable object)" ./x.o
'

test_expect_success SETPRIV 'a file the user may not read' '
	chmod 755 "$TRASH" . &&
	cp /bin/true secret && chmod 600 secret &&
	test_expect_code 1 setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$UPX" ldd-resolve "$PWD/secret" >out 2>err &&
	test_one_line_error err &&
	test_grep "^upx ldd-resolve: .*/secret.: Permission denied\$" err
'

test_expect_success 'errors do not stop the other arguments' '
	test_expect_code 1 upx ldd-resolve /nonexistent /usr/bin/bash >out 2>err &&
	test_one_line_error err &&
	test_grep "^	libc.so.6 => " out
'

test_expect_success 'in JSON mode an error is {"error": ...} on stdout' '
	test_expect_code 1 upx ldd-resolve --json /nonexistent >out 2>err &&
	test_line_count = 0 err &&
	python3 -c "import json, sys; d = json.load(open(\"out\"))
assert d == {\"error\": \"\x27/nonexistent\x27: No such file or directory\"}, d"
'

test_expect_success 'no argument, or a bad option, is a usage error' '
	test_expect_code 2 upx ldd-resolve 2>err && test_grep "BINARY|SONAME" err &&
	test_expect_code 2 upx ldd-resolve --bogus /bin/true 2>err &&
	test_grep "unknown option" err
'

test_done
