#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ldd-resolve on input that used to get through: a cut file or a corrupt
# e_phnum looked statically linked (exit 0); a FIFO, as the argument or as a
# candidate in a search directory, must never be opened; invalid e_ident
# fields are named.  One line `upx ldd-resolve: 'FILE': cause`, exit 1, <5 s.
. "$(dirname "$0")/lib.sh"


# refused CAUSE FILE: exit 1 within 5 s, one line naming FILE and CAUSE, nothing on stdout.
refused() {
	timeout 5 upx ldd-resolve "$2" >out 2>err
	code=$?
	[ "$code" = 1 ] || { echo "exit $code from upx ldd-resolve $2"; cat out err; return 1; }
	test_one_line_error err &&
	test_grep "^upx ldd-resolve: '$(printf %s "$2" | sed "s/[.[*]/\\\\&/g")': $1\$" err &&
	test_line_count = 0 out
}

# patched NAME OFFSET BYTES: a copy of /bin/true with BYTES (printf escapes) at OFFSET.
patched() {
	cp /bin/true "$1" &&
	printf "$3" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

size=$(stat -c %s /bin/true)
phnum=$(readelf -hW /bin/true | awk "/Number of program headers/ { print \$5 }")

test_expect_success 'the first 100 bytes: truncated, not "statically linked"' '
	head -c 100 /bin/true >t100 &&
	refused "truncated ELF file ($phnum program headers end at byte $((64 + phnum * 56)), the file has 100)" ./t100
'

test_expect_success 'e_phnum 0xffff: the table would run far past the end' '
	patched phff 56 "\377\377" &&
	refused "truncated ELF file (65535 program headers end at byte $((64 + 65535 * 56)), the file has $size)" ./phff
'

test_expect_success 'e_phnum 0, e_phentsize 0' '
	patched ph0 56 "\000\000" &&
	refused "no program headers (not a loadable file)" ./ph0 &&
	patched phe0 54 "\000\000" &&
	refused "corrupt ELF header (e_phentsize 0, not 56)" ./phe0
'

test_expect_success 'cut inside a PT_LOAD segment (after the dynamic section)' '
	# The PT_LOAD that ends the furthest, cut short by one byte (readelf -l: hex offsets).
	end=0 && dyn_end=0 &&
	while read -r type off vaddr paddr filesz rest; do
		case $type in
		LOAD) [ $((off + filesz)) -gt $end ] && end=$((off + filesz)) ;;
		DYNAMIC) dyn_end=$((off + filesz)) ;;
		esac
	done <<-EOR &&
	$(readelf -lW /bin/true)
	EOR
	test "$dyn_end" -gt 0 && test "$dyn_end" -lt "$end" &&
	head -c $((end - 1)) /bin/true >cut &&
	refused "truncated ELF file (segment [0-9]* ends at byte $end, the file has $((end - 1)))" ./cut
'

test_expect_success 'ldd agrees that these are not loadable' '
	head -c 100 /bin/true >t100 && patched phff 56 "\377\377" &&
	for f in t100 phff; do
		! timeout 5 ldd ./$f >ldd.out 2>&1 || { cat ldd.out; return 1; }
		test_grep -v "statically linked" ldd.out || return 1
	done
'

test_expect_success 'invalid EI_CLASS, EI_DATA, EI_VERSION are named as such' '
	patched cls7 4 "\007" && refused "invalid ELF class 7" ./cls7 &&
	patched data3 5 "\003" && refused "invalid ELF data encoding 3" ./data3 &&
	patched ver0 6 "\000" && refused "invalid ELF version 0" ./ver0
'

test_expect_success 'the machine is named, in the file'"'"'s byte order and class' '
	{ [ "$(uname -m)" = x86_64 ] || exit 0; } &&
	patched arm32 4 "\001" && printf "\050\000" | dd of=arm32 bs=1 seek=18 conv=notrunc status=none &&
	refused "32-bit ELF file for ARM, not 64-bit x86-64" ./arm32 &&
	patched m999 18 "\347\003" &&
	refused "64-bit ELF file for machine 999, not 64-bit x86-64" ./m999 &&
	patched ppc 5 "\002" && printf "\000\025" | dd of=ppc bs=1 seek=18 conv=notrunc status=none &&
	refused "64-bit big-endian ELF file for PowerPC64, not 64-bit x86-64" ./ppc
'

test_expect_success 'a FIFO, a device, a socket as the argument: refused, never opened' '
	mkfifo fifo && refused "not a regular file (a FIFO)" ./fifo &&
	refused "not a regular file (a character device)" /dev/zero &&
	python3 -c "import socket; socket.socket(socket.AF_UNIX).bind(\"sock\")" &&
	refused "not a regular file (a socket)" ./sock
'

test_expect_success GCC 'a FIFO where a library is searched is passed over, not opened' '
	echo "int foo(void) { return 1; }" >foo.c &&
	echo "int foo(void); int main(void) { return foo(); }" >m.c &&
	mkdir first second &&
	gcc -shared -fPIC -o second/libfoo.so foo.c &&
	gcc -o prog m.c -Lsecond -lfoo &&
	mkfifo first/libfoo.so &&
	LD_LIBRARY_PATH=$PWD/first:$PWD/second timeout 5 upx ldd-resolve --how ./prog >out 2>err &&
	test_line_count = 0 err &&
	test_grep "^	libfoo.so => $PWD/second/libfoo.so (LD_LIBRARY_PATH)\$" out
'

test_done
