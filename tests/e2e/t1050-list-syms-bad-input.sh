#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# list-syms on input that used to get through: a FIFO or a device (never
# opened, so never a hang), a cut or corrupt ELF header, a debug file whose
# CRC matches but whose .symtab is corrupt.  Every refusal is one line
# `upx list-syms: 'FILE': cause` and exit 1, within 5 seconds.
. "$(dirname "$0")/lib.sh"


# refused CAUSE FILE: exit 1 within 5 s, one line naming FILE and CAUSE, nothing on stdout.
refused() {
	timeout 5 upx list-syms "$2" >out 2>err
	code=$?
	[ "$code" = 1 ] || { echo "exit $code from upx list-syms $2"; cat err; return 1; }
	test_one_line_error err &&
	test_grep "^upx list-syms: '$(printf %s "$2" | sed "s/[.[*]/\\\\&/g")': $1\$" err &&
	test_line_count = 0 out
}

# patched NAME OFFSET BYTES: a copy of /bin/true with BYTES (printf escapes) at OFFSET.
patched() {
	cp /bin/true "$1" &&
	printf "$3" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

test_expect_success 'a FIFO is refused without opening it (no writer, no hang)' '
	mkfifo fifo &&
	refused "not a regular file (a FIFO)" ./fifo
'

test_expect_success 'a character device, a socket' '
	refused "not a regular file (a character device)" /dev/zero &&
	python3 -c "import socket; socket.socket(socket.AF_UNIX).bind(\"sock\")" &&
	refused "not a regular file (a socket)" ./sock
'

test_expect_success 'a FIFO named through a symlink' '
	mkfifo fifo && ln -s fifo link &&
	refused "not a regular file (a FIFO)" ./link
'

test_expect_success 'truncated to 100 bytes: the program headers run past the end' '
	head -c 100 /bin/true >t100 && refused "truncated ELF file" ./t100
'

test_expect_success 'e_phnum 0xffff' '
	patched phff 56 "\377\377" && refused "truncated ELF file" ./phff
'

test_expect_success 'e_phnum 0: no program headers, nothing a probe could hit' '
	patched ph0 56 "\000\000" &&
	refused "no program headers (not a loadable file)" ./ph0
'

test_expect_success 'invalid EI_CLASS, EI_DATA, EI_VERSION are named as such' '
	patched cls7 4 "\007" && refused "invalid ELF class 7" ./cls7 &&
	patched data3 5 "\003" && refused "invalid ELF data encoding 3" ./data3 &&
	patched data0 5 "\000" && refused "invalid ELF data encoding 0" ./data0 &&
	patched ver0 6 "\000" && refused "invalid ELF version 0" ./ver0
'

test_expect_success 'a 32-bit file for another machine names the machine' '
	case $(uname -m) in
	x86_64) want="32-bit ELF for ARM, this machine is 64-bit x86-64" ;;
	aarch64) want="32-bit ELF for ARM, this machine is 64-bit AArch64" ;;
	*) exit 0 ;;
	esac &&
	patched arm32 4 "\001" && printf "\050\000" | dd of=arm32 bs=1 seek=18 conv=notrunc status=none &&
	refused "$want" ./arm32
'

# A program whose only local function is in its debug file, found by .gnu_debuglink.
make_split() {
	cat >p.c <<-\EOC &&
	static int __attribute__((noinline)) hidden_helper(int x) { return x * 3; }
	int exported_fn(int x) { return hidden_helper(x) + 1; }
	int main(int argc, char **argv) { (void)argv; return exported_fn(argc) == 4; }
	EOC
	gcc -g -O1 -rdynamic -Wl,--build-id=none -o p.full p.c &&
	objcopy --only-keep-debug p.full p.debug &&
	objcopy --strip-all p.full p.stripped &&
	objcopy --add-gnu-debuglink=p.debug p.stripped p
}

# relink: the debug link of p again, so its CRC is that of p.debug as it is now.
relink() {
	objcopy --remove-section=.gnu_debuglink p.stripped p.tmp &&
	objcopy --add-gnu-debuglink=p.debug p.tmp p && rm p.tmp
}

# sh_field FILE SECTION FIELD VALUE: set a field of SECTION's header (ELF64 little-endian).
sh_field() {
	python3 - "$@" <<-\EOP
	import struct, sys
	path, name, field, value = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4], 0)
	b = bytearray(open(path, "rb").read())
	shoff, = struct.unpack_from("<Q", b, 0x28)
	shentsize, shnum, shstrndx = struct.unpack_from("<HHH", b, 0x3a)
	def sh(i): return shoff + i * shentsize
	stroff, = struct.unpack_from("<Q", b, sh(shstrndx) + 0x18)
	offsets = {"sh_link": (0x28, "<I"), "sh_offset": (0x18, "<Q"), "last_byte": None}
	for i in range(shnum):
	    n, = struct.unpack_from("<I", b, sh(i))
	    if b[stroff + n:b.index(0, stroff + n)].decode() != name:
	        continue
	    if field == "last_byte":
	        off, size = struct.unpack_from("<QQ", b, sh(i) + 0x18)
	        b[off + size - 1] = value
	    else:
	        o, f = offsets[field]
	        struct.pack_into(f, b, sh(i) + o, value)
	    open(path, "wb").write(b)
	    sys.exit(0)
	sys.exit("no section " + name)
	EOP
}

# debug_rejected CAUSE: one warning naming p (as resolved) and p.debug, .dynsym used, exit 0.
debug_rejected() {
	timeout 5 upx list-syms ./p >out 2>err &&
	test_line_count = 1 err &&
	test_grep "^upx list-syms: warning: '$PWD/p': debug file '$PWD/p\.debug' rejected: $1; using \.dynsym only\$" err &&
	test_grep " exported_fn$" out &&
	test_grep -v hidden_helper out
}

test_expect_success TOOLCHAIN 'the debug file is used when it is sound (the baseline)' '
	make_split &&
	upx list-syms ./p >out 2>err &&
	test_grep " hidden_helper$" out &&
	test_line_count = 0 err
'

test_expect_success TOOLCHAIN 'CRC matches, .strtab not NUL-terminated: rejected, one warning' '
	make_split &&
	sh_field p.debug .strtab last_byte 0x41 && relink &&
	debug_rejected "string table not NUL-terminated"
'

test_expect_success TOOLCHAIN 'CRC matches, .symtab linked to no string table: rejected' '
	make_split &&
	sh_field p.debug .symtab sh_link 0 && relink &&
	debug_rejected "no string table"
'

test_expect_success TOOLCHAIN 'CRC matches, .symtab past the end of the file: rejected' '
	make_split &&
	sh_field p.debug .symtab sh_offset 0x7fffffff && relink &&
	debug_rejected "truncated (section [0-9]* past the end)"
'

test_expect_success TOOLCHAIN 'CRC matches, not an ELF file at all: rejected' '
	make_split &&
	echo "not a debug file" >p.debug && relink &&
	debug_rejected "not an ELF file"
'

test_done
