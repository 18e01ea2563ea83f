#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The whole table of bad files, for every command that opens one: list-syms
# FILE, ldd-resolve FILE, trace FILE:main.  Each row says, per command, the
# cause the one error line must end with (exit 1, within 1 s of CPU, nothing on
# stdout), or "ok": the file is still usable for that command (ldd-resolve
# reads the program headers only, as ld.so does, so a broken section table
# does not stop it) and stdout is what the sound file gives.
# t1040/t1050/t2030/t2040/t3010 hold the single cases with their details.
. "$(dirname "$0")/lib.sh"

# The lead's fuzz helper adds UPX_LD_SO_CACHE (which ld.so.cache ldd-resolve reads);
# without it the only cache there is is the system's, which a test must not corrupt.
test_lazy_prereq UPX_LD_SO_CACHE 'grep -q UPX_LD_SO_CACHE "$UPX"'

BAD=$TRASH/bad
SRC=/bin/true

# make_bad: every bad file of the table in $BAD, made from $SRC (a stripped
# 64-bit little-endian PIE).
make_bad() {
	mkdir -p "$BAD" && cd "$BAD" &&
	python3 - "$SRC" <<-\EOP &&
	import random, struct, sys
	src = open(sys.argv[1], "rb").read()
	def w(name, b): open(name, "wb").write(bytes(b))
	def patch(name, off, fmt, *v):
	    b = bytearray(src); struct.pack_into(fmt, b, off, *v); w(name, b)
	phoff, shoff = struct.unpack_from("<QQ", src, 0x20)
	phnum, shentsize, shnum, shstrndx = struct.unpack_from("<HHHH", src, 0x38)
	w("empty", b"")
	w("random", random.Random(8).randbytes(65536))
	w("random-after-ident", src[:24] + random.Random(9).randbytes(65536))
	# cut at every header boundary (and a byte before), and at several sizes
	cuts = {"4": 4, "16": 16, "63": 63, "64": 64, "phdrs-1": phoff + phnum * 56 - 1,
	        "phdrs": phoff + phnum * 56, "1000": 1000, "half": len(src) // 2,
	        "shdrs-1": shoff + shnum * shentsize - 1, "last-byte": len(src) - 1}
	for k, n in cuts.items(): w("cut-" + k, src[:n])
	patch("phoff-past-end", 0x20, "<Q", len(src) + 4096)
	patch("phoff-huge", 0x20, "<Q", 0xfffffffffffffff0)
	patch("shoff-past-end", 0x28, "<Q", len(src) + 4096)
	patch("shoff-huge", 0x28, "<Q", 0xfffffffffffffff0)
	patch("phnum-ffff", 0x38, "<H", 0xffff)
	patch("shnum-ffff", 0x3c, "<H", 0xffff)
	patch("shstrndx-past", 0x3e, "<H", shnum + 5)
	patch("shstrndx-fffe", 0x3e, "<H", 0xfffe)
	patch("elf32", 4, "B", 1)
	patch("big-endian", 5, "B", 2)
	patch("aarch64", 18, "<H", 183)
	patch("et-core", 16, "<H", 4)
	# a string table without a NUL: every byte of .dynstr (or .shstrtab) is 'A'
	def sh(i): return shoff + i * shentsize
	stroff, = struct.unpack_from("<Q", src, sh(shstrndx) + 0x18)
	for want, name in ((".dynstr", "dynstr-no-nul"), (".shstrtab", "shstrtab-no-nul")):
	    b = bytearray(src)
	    for i in range(shnum):
	        n, = struct.unpack_from("<I", src, sh(i))
	        if src[stroff + n:src.index(0, stroff + n)].decode() == want:
	            off, size = struct.unpack_from("<QQ", src, sh(i) + 0x18)
	            b[off:off + size] = b"A" * size
	    w(name, b)
	EOP
	echo "int f(void) { return 1; }" >r.c && gcc -c -o et-rel r.c && rm r.c &&
	mkdir dir && mkfifo fifo && ln -s loop2 loop1 && ln -s loop1 loop2
}

test_expect_success TOOLCHAIN 'the bad files are made' '
	make_bad &&
	upx list-syms $SRC >"$BAD.list-syms" &&
	upx ldd-resolve $SRC >"$BAD.ldd-resolve"
'

# quick CMD...: CMD on at most 1 s of CPU time (a file is never read whole:
# some here are 64 GiB) and not hung (a FIFO, a loop of links).  CPU time,
# not the clock: a busy machine or a SAN=1 build does not make it fail.
quick() {
	test_timeout 10 prlimit --cpu=1 "$@"
}

# expect CMD ARG CAUSE: `upx CMD ARG`, quickly: CAUSE is "ok" (exit 0,
# stdout as for the sound file) or the end of its one error line (exit 1).
expect() {
	case $1 in
	trace) quick upx trace "$2:main" -c true >out 2>err ;;
	*) quick upx "$1" "$2" >out 2>err ;;
	esac
	code=$?
	if [ "$3" = ok ]; then
		[ "$code" = 0 ] || { echo "exit $code from upx $1 $2"; cat err; return 1; }
		test_cmp "$BAD.$1" out
		return
	fi
	[ "$code" = 1 ] || { echo "exit $code from upx $1 $2 (want 1: $3)"; cat err; return 1; }
	# trace names the file it resolved: /proc/self is /proc/PID
	name=$(printf %s "$2" | sed "s/[.[*]/\\\\&/g; s,^/proc/self/,/proc/[0-9a-z]*/,") &&
	test_one_line_error err &&
	test_grep "^upx $1: '$name': $3\$" err &&
	test_line_count = 0 out
}

T="truncated ELF file"
LDT="truncated ELF file ([^)]*)"
# FILE | list-syms | ldd-resolve | trace FILE:main
while IFS='|' read -r file ls ldd tr; do
	[ -n "$file" ] || continue
	case $file in /*) path=$file ;; *) path=$BAD/$file ;; esac
	prereq=TOOLCHAIN
	case $file in /*) prereq= ;; esac
	for cmd in list-syms ldd-resolve trace; do
		case $cmd in
		list-syms) cause=$ls arg=$path ;;
		ldd-resolve) cause=$ldd arg=$path ;;
		trace) cause=$tr arg=$path prereq=${prereq:+$prereq,}ROOT ;;
		esac
		test_expect_success "$prereq" "$cmd $file: $cause" '
			expect "$cmd" "$arg" "$cause"
		'
	done
done <<EOF
empty|empty file|empty file|empty file
random|not an ELF file|not an ELF file|not an ELF file
random-after-ident|$T|corrupt ELF header (e_phentsize [0-9]*, not 56)|$T
cut-4|$T|$T|$T
cut-16|$T|$T|$T
cut-63|$T|$T|$T
cut-64|$T|$LDT|$T
cut-phdrs-1|$T|$LDT|$T
cut-phdrs|$T|$LDT|$T
cut-1000|$T|$LDT|$T
cut-half|$T|$LDT|$T
cut-shdrs-1|$T|ok|$T
cut-last-byte|$T|ok|$T
phoff-past-end|$T|$LDT|$T
phoff-huge|$T|$LDT|$T
shoff-past-end|$T|ok|$T
shoff-huge|$T|ok|$T
phnum-ffff|$T|$LDT|$T
shnum-ffff|$T|ok|$T
shstrndx-past|ok|ok|no function named 'main' (stripped: only .dynsym was read)
shstrndx-fffe|ok|ok|no function named 'main' (stripped: only .dynsym was read)
dynstr-no-nul|no symbols (.dynsym: string table not NUL-terminated)|corrupt ELF file (bad DT_NEEDED string)|no function named 'main' (.dynsym: string table not NUL-terminated)
shstrtab-no-nul|ok|ok|no function named 'main' (stripped: only .dynsym was read)
elf32|32-bit ELF, upx handles 64-bit only|32-bit ELF file for x86-64, not 64-bit x86-64|32-bit ELF, upx handles 64-bit only
big-endian|big-endian ELF, this machine is little-endian|64-bit big-endian ELF file for machine [0-9]*, not 64-bit x86-64|big-endian ELF, this machine is little-endian
aarch64|ELF for AArch64, this machine is x86-64|64-bit ELF file for AArch64, not 64-bit x86-64|ELF for AArch64, this machine is x86-64
et-rel|a relocatable object (.o), not an executable or shared library|not an executable or shared library (relocatable object)|a relocatable object (.o), not an executable or shared library
et-core|a core dump, not an executable or shared library|not an executable or shared library (core dump)|a core dump, not an executable or shared library
dir|is a directory|is a directory|is a directory
fifo|not a regular file (a FIFO)|not a regular file (a FIFO)|not a regular file (a FIFO)
loop1|Too many levels of symbolic links|Too many levels of symbolic links|Too many levels of symbolic links
/dev/zero|not a regular file (a character device)|not a regular file (a character device)|not a regular file (a character device)
/proc/self/mem|empty file|empty file|empty file
EOF

# A sparse 64 GiB file: all zeros is no ELF file; a program padded to 64 GiB
# is still that program, read without reading the 64 GiB (1 s of CPU, < 64 MiB).
test_expect_success ROOT 'a sparse 64 GiB file of zeros: refused by every command' '
	test_when_finished "rm -f $TRASH/zeros" &&
	truncate -s 64G "$TRASH/zeros" &&
	for cmd in list-syms ldd-resolve trace; do
		expect $cmd "$TRASH/zeros" "not an ELF file" || return 1
	done
'

test_expect_success BPF 'a program padded to 64 GiB (sparse): read quickly, traced exactly' '
	test_when_finished "rm -f $TRASH/big" &&
	cp $FIXTURES/uprobeme "$TRASH/big" && truncate -s 64G "$TRASH/big" &&
	quick /usr/bin/time -f %M -o rss upx list-syms "$TRASH/big" foo >out 2>err &&
	test_grep " foo$" out &&
	test "$(cat rss)" -lt 65536 &&
	quick upx trace --count "$TRASH/big:foo" -c "$TRASH/big 7 0" >out 2>err &&
	test_grep "big:foo  *7$" out &&
	test_no_leftover_links
'

# A debug file found by .gnu_debuglink whose CRC matches but which is not
# an ELF file: one warning naming both files and the cause, .dynsym used.
make_split() {
	cat >p.c <<-\EOC &&
	static int __attribute__((noinline)) hidden_helper(int x) { return x * 3; }
	int exported_fn(int x) { return hidden_helper(x) + 1; }
	int main(int argc, char **argv) { (void)argv; return exported_fn(argc) == 4; }
	EOC
	gcc -g -O1 -rdynamic -Wl,--build-id=none -o p.full p.c &&
	objcopy --strip-all p.full p.stripped &&
	echo "not a debug file" >p.debug &&
	objcopy --add-gnu-debuglink=p.debug p.stripped p
}
# dbg_warned CMD: the warning in err
dbg_warned() {
	test_grep "^upx $1: warning: .$PWD/p.: debug file .$PWD/p\.debug. rejected: not an ELF file; using \.dynsym only\$" err
}

test_expect_success TOOLCHAIN 'a corrupt debug file: list-syms warns once and lists .dynsym' '
	make_split &&
	quick upx list-syms ./p >out 2>err &&
	test_line_count = 1 err && dbg_warned list-syms &&
	test_grep " exported_fn$" out && test_grep -v hidden_helper out
'

test_expect_success TOOLCHAIN,ROOT 'a corrupt debug file: trace of a function only it had says so' '
	make_split &&
	test_expect_code 1 quick upx trace ./p:hidden_helper -c true >out 2>err &&
	test_line_count = 2 err && dbg_warned trace &&
	test_grep "^upx trace: .\./p.: no function named .hidden_helper. (its debug file was rejected: only \.dynsym was read)$" err
'

test_expect_success TOOLCHAIN,BPF 'a corrupt debug file: trace of a .dynsym function works' '
	make_split &&
	quick upx trace --count ./p:exported_fn -c ./p >out 2>err &&
	test_grep "^\./p:exported_fn  *1$" out &&
	test_line_count = 2 err && dbg_warned trace &&
	test_no_leftover_links
'

test_expect_success UPX_LD_SO_CACHE 'a corrupt ld.so.cache: one line naming it, no crash, within 1 s of CPU' '
	for cache in empty garbage cut; do
		case $cache in
		empty) : >cache ;;
		garbage) printf "glibc-ld.so.cache1.1\377\377\377\377" >cache &&
			head -c 4096 /dev/urandom >>cache ;;
		cut) head -c 100 /etc/ld.so.cache >cache ;;
		esac &&
		{ UPX_LD_SO_CACHE=$PWD/cache quick upx ldd-resolve /bin/true >out 2>err; code=$?; } &&
		{ [ $code = 0 ] || [ $code = 1 ] || { echo "exit $code with a $cache cache"; return 1; }; } &&
		test_line_count = 1 err && test_grep "$PWD/cache" err || return 1
	done
'

test_done
