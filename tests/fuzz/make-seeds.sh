#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Regenerate the seed corpora of tests/fuzz/corpus/ (committed; each file < 16 KB):
# tiny ELF files built with gcc -nostdlib, a small ld.so.cache written by ldconfig
# over a scratch root, probe specs, patterns and names, instruction bytes, USDT notes
# (a file with them, single descriptors) and argument specs, folded stacks.
#   tests/fuzz/make-seeds.sh [CORPUS_DIR]     (default: tests/fuzz/corpus; needs root for
#                                              ldconfig -r; without it the cache seed is kept)
# Crash inputs kept as regression seeds (crash-*) are left alone.
set -e
out=${1:-tests/fuzz/corpus}
CC=${CC:-gcc}
CXX=${CXX:-g++}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for d in elf libdeps dwarf ldcache probe-spec match insn usdt folded cfitab; do
	mkdir -p "$out/$d"
	find "$out/$d" -name 'seed-*' -delete
done

# Small files: one PT_LOAD per permission, no page padding, a build-id note.
LDSMALL="-Wl,-z,noseparate-code -Wl,-z,max-page-size=0x1000 -Wl,--build-id -Wl,--hash-style=gnu"

cat > "$tmp/fz.c" <<'C'
struct pt { int x, y; };
enum color { RED, GREEN };
int counter;
__attribute__((noinline)) int add(int a, unsigned long b) { return a + (int)b; }
__attribute__((noinline)) long measure(const char *s, struct pt p, enum color c)
{ long n = 0; while (*s) { s++; __asm__("" : "+r"(n)); n++; } return n + p.x + c; }
__attribute__((noinline)) char *pick(char *a, double d) { return d > 0 ? a : 0; }
__attribute__((noinline, noreturn)) void stop(int code)
{ for (;;) __asm__ volatile("syscall" :: "a"(60), "D"(code)); }
__attribute__((noinline)) void locked(void) { __atomic_fetch_add(&counter, 1, __ATOMIC_SEQ_CST); }
void _start(void) { counter = add(1, 2) + (int)measure("ab", (struct pt){ 1, 2 }, GREEN);
	if (pick(0, 1.0)) locked(); stop(0); }
C
cat > "$tmp/fz.map" <<'M'
FZ_1 { global: add; measure; local: *; };
FZ_2 { global: pick; stop; locked; } FZ_1;
M
cat > "$tmp/fz.cc" <<'C'
namespace shop { namespace cart {
struct Basket { long total_ = 0;
	__attribute__((noinline)) void add(int c) { total_ += c; }
	__attribute__((noinline)) void add(double e) { add((int)(e * 100)); }
	__attribute__((noinline)) long total() const { return total_; } };
} template <typename T> __attribute__((noinline)) T discount(T v, int pct) { return v - v * pct / 100; }
template long discount<long>(long, int);
template double discount<double>(double, int); }
long shop_use(int n) { shop::cart::Basket b; b.add(n); b.add(1.5); return shop::discount<long>(b.total(), 10); }
C

# elf / libdeps: an executable with PT_INTERP, a shared library with versions,
# DT_NEEDED, DT_RPATH, DT_RUNPATH, a static executable, a C++ library.
$CC -Os -g0 -nostdlib -fcf-protection=full -fpie -pie $LDSMALL \
	-Wl,-dynamic-linker,/lib64/ld-linux-x86-64.so.2 -Wl,--no-as-needed \
	-Wl,-rpath,'$ORIGIN/../$LIB:/nonexistent/$PLATFORM' -Wl,--disable-new-dtags \
	-o "$tmp/exe-rpath" "$tmp/fz.c" /lib/x86_64-linux-gnu/libc.so.6
$CC -Os -g0 -nostdlib -shared -fpic $LDSMALL -Wl,-soname,libfz.so.1 -Wl,--version-script="$tmp/fz.map" \
	-Wl,--no-as-needed -Wl,-rpath,'${ORIGIN}/lib' -Wl,--enable-new-dtags \
	-o "$tmp/lib-runpath" "$tmp/fz.c" /lib/x86_64-linux-gnu/libc.so.6
$CC -Os -g0 -nostdlib -static $LDSMALL -o "$tmp/static" "$tmp/fz.c"
$CXX -Os -g0 -nostdlib -shared -fpic -fno-exceptions $LDSMALL -Wl,-soname,libshop.so \
	-o "$tmp/cxx" "$tmp/fz.cc"
# An executable that imports from libc: .gnu.version_r, PLT, an undefined symbol.
printf '#include <unistd.h>\nvoid _start(void) { write(1, "x", 1); _exit(0); }\n' > "$tmp/imp.c"
$CC -Os -g0 -nostartfiles -fpie -pie $LDSMALL -o "$tmp/exe-libc" "$tmp/imp.c"
for f in exe-rpath lib-runpath static cxx exe-libc; do
	cp "$tmp/$f" "$out/elf/seed-$f"
done
for f in exe-rpath lib-runpath exe-libc; do
	cp "$tmp/$f" "$out/libdeps/seed-$f"
done
# dwarf: the same with -g (DWARF 5 as gcc 12 writes it, and DWARF 4).
$CC -Os -g -nostdlib -static $LDSMALL -o "$out/dwarf/seed-c-dwarf5" "$tmp/fz.c"
$CC -Os -gdwarf-4 -nostdlib -shared -fpic $LDSMALL -o "$out/dwarf/seed-c-dwarf4" "$tmp/fz.c"
$CXX -Os -g -nostdlib -shared -fpic -fno-exceptions $LDSMALL -o "$out/dwarf/seed-cxx" "$tmp/fz.cc"

# cfitab: .eh_frame in an executable and a shared library (pc-relative FDEs), and
# .debug_frame only (absolute FDEs; -O0: CFA by %rbp), also compressed (SHF_COMPRESSED), which
# tests/unit/test-cfitab.c reads too.
for f in exe-libc lib-runpath cxx; do
	cp "$tmp/$f" "$out/cfitab/seed-$f"
done
$CC -O0 -g -nostdlib -static -fno-asynchronous-unwind-tables $LDSMALL \
	-o "$out/cfitab/seed-debug-frame" "$tmp/fz.c"
objcopy --compress-debug-sections=zlib "$out/cfitab/seed-debug-frame" \
	"$out/cfitab/seed-debug-frame-zlib"

# ldcache: ldconfig over a scratch root holding libc and two small libraries
# (a cache entry for a file that exists here, and ones that do not).
if [ "$(id -u)" = 0 ]; then
	r=$tmp/root
	mkdir -p "$r/etc" "$r/lib/x86_64-linux-gnu" "$r/usr/local/lib"
	cp /lib/x86_64-linux-gnu/libc.so.6 "$r/lib/x86_64-linux-gnu/"
	cp "$tmp/lib-runpath" "$r/usr/local/lib/libfz.so.1"
	cp "$tmp/cxx" "$r/usr/local/lib/libshop.so"
	echo /usr/local/lib > "$r/etc/ld.so.conf"
	ldconfig -r "$r" -C /etc/ld.so.cache -f /etc/ld.so.conf
	cp "$r/etc/ld.so.cache" "$out/ldcache/seed-ldconfig"
fi
# The old format ("ld.so-1.7.0", 12-byte entries, strings after the table), by hand.
python3 - "$out/ldcache/seed-old-format" <<'P'
import struct, sys
names = [(b"libfz.so.1", b"/usr/local/lib/libfz.so.1"), (b"libc.so.6", b"/lib/x86_64-linux-gnu/libc.so.6")]
strs, ents = b"", []
for k, v in names:
    ko = len(strs); strs += k + b"\0"
    vo = len(strs); strs += v + b"\0"
    ents.append(struct.pack("<iII", 0x0303, ko, vo))  # FLAG_ELF_LIBC6 | FLAG_X8664_LIB64
hdr = b"ld.so-1.7.0" + b"\0" + struct.pack("<I", len(ents))
open(sys.argv[1], "wb").write(hdr + b"".join(ents) + strs)
P

# probe-spec: one spec a file.
i=0
while IFS= read -r line; do
	i=$((i + 1))
	printf '%s' "$line" > "$out/probe-spec/seed-$i"
done <<'S'
libc.so.6:malloc
r:libc.so.6:malloc
uretprobe:/usr/bin/ls:main
p:./prog:foo+0x10
u:prog:foo+16
ur:libstdc++.so.6:std::vector<int, std::allocator<int> >::push_back(int const&)
uprobe:./cxxshop:shop::cart::Basket::operator+(int)+4
./cxxshop:shop::discount<long>
r:prog:foo+4
::x
prog:
S

# match: PATTERN NUL NAME [NUL FLAGS]; the pattern is also planned against the fuzz target.
i=0
while IFS='|' read -r pat name; do
	i=$((i + 1))
	printf '%s\0%s' "$pat" "$name" > "$out/match/seed-$i"
done <<'S'
shop::cart::Basket::add|_ZN4shop4cart6Basket3addEi
shop::cart::Basket::add(double)|_ZN4shop4cart6Basket3addEd
shop::discount<long>|_ZN4shop8discountIlEET_S1_i
*discount*|_ZN4shop8discountIdEET_S1_i
shop::*::total|_ZNK4shop4cart6Basket5totalEv
main|main
[a-z]*|checkout
mallo|malloc
_ZN|_ZNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEEC2EPKcRKS3_
S

# insn: single instructions and the first bytes of the fixtures' functions.
hex() { printf '%b' "$(echo "$2" | sed 's/\([0-9a-f][0-9a-f]\)/\\x\1/g')" > "$out/insn/seed-$1"; }
hex endbr64 f30f1efa55
hex push-rbp 554889e5
hex lock-add f0830701
hex int3 cc
hex jmp-rel32 e900000000
hex rip-rel 488b0500000000
hex vex c5f877
hex evex 62f1fd4828c1
hex xop 8fe97890c1
hex sse4 660f3a0fc108
hex prefixes 2e3e26646566670f1f840000000000
hex rex2-like d5f0
objcopy -O binary -j .text "$tmp/static" "$tmp/text"
head -c 64 "$tmp/text" > "$out/insn/seed-text-static"
objcopy -O binary -j .text "$tmp/cxx" "$tmp/text"
head -c 64 "$tmp/text" > "$out/insn/seed-text-cxx"

# usdt: an ELF file with SDT notes (semaphores, arguments in registers, memory and
# constants: sys/sdt.h), one descriptor after "N" (64-bit) or "n" (32-bit), argument specs.
cat > "$tmp/sdt.c" <<'C'
#define _SDT_HAS_SEMAPHORES 1
#include <sys/sdt.h>
unsigned short fz_plain_semaphore __attribute__((section(".probes"), used));
unsigned short fz_mem_semaphore __attribute__((section(".probes"), used));
long counter;
__attribute__((noinline)) void fire(int a, long b)
{ STAP_PROBE3(fz, plain, a, b, 5); if (fz_mem_semaphore) STAP_PROBE2(fz, mem, counter, -a); }
void _start(void) { fire(1, 2); for (;;) __asm__ volatile("syscall" :: "a"(60), "D"(0)); }
C
$CC -Os -g0 -nostdlib -static $LDSMALL -o "$out/usdt/seed-notes" "$tmp/sdt.c"
printf 'N\020\020\0\0\0\0\0\0\0\040\0\0\0\0\0\0\0\0\0\0\0\0\0\0fz\0plain\0-4@%%edi 8@-8(%%rbp) 4@$5\0' \
	> "$out/usdt/seed-note-64"
printf 'n\020\020\0\0\0\040\0\0\0\0\0\0fz\0mem\0\0' > "$out/usdt/seed-note-32"
printf '%s' '-4@%edi -8@%rax 8@%rdx' > "$out/usdt/seed-args-regs"
printf '%s' '8@-8(%rbp) 4@$-5 2@%ax 1@%dil' > "$out/usdt/seed-args-mixed"
printf '%s' '8@(%rax,%rdx,8) 4@counter(%rip) -8@16(%rsp)' > "$out/usdt/seed-args-mem"
printf '%s' '%eax $5 -8(%rbp)' > "$out/usdt/seed-args-old"

# folded: stacks as upx trace --stack --flamegraph and stackcollapse-perf.pl write them
# (frames with offsets, [unknown], C++ names), merged duplicates, blank lines and CRLF,
# a frame ending in a number, counts at 2^64 - 1, invalid UTF-8 and controls, bad lines.
printf '%s\n' 'main;run;libc.so.6`malloc+0x1a 37' 'main;run;libc.so.6`free 12' \
	'main;[unknown];[unknown] 3' '_start;__libc_start_main;main;std::vector<int>::push_back(int const&) 5' \
	'main;run;libc.so.6`malloc+0x1a 5' > "$out/folded/seed-stacks"
printf 'a;b 1\r\n\r\n  \r\na;b;c 2\r\n\ta;b 3\t\r\n' > "$out/folded/seed-crlf-blank"
printf 'main;colon 99 4\nmain;colon_99 5\nmain;x 1.5 2\n' > "$out/folded/seed-number-tail"
printf 'a 18446744073709551615\nb;c 18446744073709551615\n' > "$out/folded/seed-max-counts"
printf 'main;caf\303\251;\377\376bad\033[31m;back\\slash 7\nmain;<svg>&amp; 1\n' > "$out/folded/seed-bytes"
printf 'a;b 1\na;;b 2\n' > "$out/folded/seed-bad-empty-frame"
printf 'a;b 1\na;b\n' > "$out/folded/seed-bad-no-count"
printf 'a;b 1\na;b 2.5\na 1\n' > "$out/folded/seed-bad-fraction"
printf 'a;b 18446744073709551615\na;b 1\n' > "$out/folded/seed-bad-sum"
