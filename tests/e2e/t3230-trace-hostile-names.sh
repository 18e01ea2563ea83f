#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Hostile symbol names: a program whose functions objcopy renamed to names
# holding an OSC sequence (it would set the terminal's title), CR, TAB, a
# newline, invalid UTF-8, CSI with DEL and a C1 control, and a name ending in
# " 99" (folded stacks).  Traced in every output kind: text (events, --count,
# --by probe, --hist, --count --stack, -v, warnings, hints and errors) carries
# no raw control byte, no invalid UTF-8 and no line a name split; --json and
# the metrics file parse and give the exact bytes back through *_hex;
# --folded reads back with upx flamegraph.  list-syms --json keeps the bytes
# in name_hex.
. "$(dirname "$0")/lib.sh"

M="python3 $E2E_DIR/metrics.py"

# The fixture, in $TRASH (each test runs in $TRASH/tN: its probes are ../hn:NAME).
# x_k is called k times; x_lock starts with a lock prefix (the kernel refuses
# a uprobe there); x_gone never returns (its DWARF says so).
build_hostile() {
	cat >hn.c <<-\EOF &&
	int counter;
	#define F(n) __attribute__((noinline)) int n(int x) \
		{ counter += x; __asm__ volatile("" ::: "memory"); return counter; }
	F(x_1) F(x_2) F(x_3) F(x_4) F(x_5) F(x_6) F(x_7)
	__asm__(".text\n.globl x_lock\n.type x_lock,@function\nx_lock:\n"
		"\tlock incl (%rdi)\n\tret\n.size x_lock,.-x_lock\n");
	int main(void)
	{
		int (*f[])(int) = { x_1, x_2, x_3, x_4, x_5, x_6, x_7 };

		for (int k = 0; k < 7; k++)
			for (int i = 0; i <= k; i++)
				f[k](i);
		return 0;
	}
	EOF
	cat >gone.c <<-\EOF &&
	#include <unistd.h>
	__attribute__((noreturn, noinline)) void x_gone(int code) { _exit(code); }
	EOF
	gcc -O2 -fno-omit-frame-pointer -c hn.c -o hn.o &&
	gcc -O2 -g -c gone.c -o gone.o &&
	gcc -o hn.orig hn.o gone.o &&
	objcopy --redefine-sym x_1="$(printf 'x\033]0;pwned\007')" \
		--redefine-sym x_2="$(printf 'xcr\rret')" \
		--redefine-sym x_3="$(printf 'xtab\there')" \
		--redefine-sym x_4="xnew${LF}line" \
		--redefine-sym x_5="$(printf 'xbad\377utf8')" \
		--redefine-sym x_6="xse;mi;colon 99" \
		--redefine-sym x_7="$(printf 'xcsi\033[2J\302\233 del\177')" \
		--redefine-sym x_lock="$(printf 'xlock\033]2;t\007')" \
		--redefine-sym x_gone="$(printf 'xgone\033[31m')" hn.orig hn
}

# The names as bytes, for the JSON and metrics checks (x_k's name, calls).
cat >"$TRASH/names.py" <<-\EOF
NAMES = {b"x\x1b]0;pwned\x07": 1, b"xcr\rret": 2, b"xtab\there": 3, b"xnew\nline": 4,
         b"xbad\xffutf8": 5, b"xse;mi;colon 99": 6, b"xcsi\x1b[2J\xc2\x9b del\x7f": 7}
def raw(o, k):
    return bytes.fromhex(o[k + "_hex"]) if k + "_hex" in o else o[k].encode()
EOF

# text_safe FILE...: valid UTF-8 with no control character (C0 but the line
# feed, DEL, C1) in it: nothing a terminal could act on, no field or line
# that a name could forge
text_safe() {
	python3 - "$@" <<-\EOP
	import sys
	for fn in sys.argv[1:]:
	    text = open(fn, "rb").read().decode("utf-8")	# raises on invalid UTF-8
	    for i, c in enumerate(text):
	        o = ord(c)
	        assert not ((o < 0x20 and c != "\n") or o == 0x7f or 0x80 <= o <= 0x9f), \
	            (fn, hex(o), text[max(0, i - 40):i + 10])
	EOP
}

test_expect_success TOOLCHAIN 'a program whose function names are hostile (objcopy --redefine-sym)' '
	(cd "$TRASH" && build_hostile) &&
	nm "$TRASH/hn" >nm.out &&
	test_grep "$(printf "T x\033]0;pwned\007\$")" nm.out &&
	test_grep "T xse;mi;colon 99\$" nm.out &&
	"$TRASH/hn"
'

test_expect_success BPF,TOOLCHAIN 'events: every name escaped, one line per call' '
	upx trace "../hn:x*" -c ../hn >out 2>err &&
	text_safe out err &&
	test "$(grep -c "^[0-9:.]* *[0-9]* *[0-9]* *hn *\.\./hn:x" out)" = 28 &&
	test "$(grep -c "hn:x\\\\x1b]0;pwned\\\\x07\$" out)" = 1 &&
	test "$(grep -c "hn:xnew\\\\nline\$" out)" = 4 &&
	test "$(grep -c "hn:xcsi\\\\x1b\[2J\\\\xc2\\\\x9b del\\\\x7f\$" out)" = 7 &&
	test_line_count = 29 out
'

# The count table: names escaped, the column as wide as the widest escaped name.
{
	printf '%-33s %12s\n' PROBE COUNT
	printf '%-33s %12s\n' '../hn:xcsi\x1b[2J\xc2\x9b del\x7f' 7 '../hn:xse;mi;colon 99' 6 \
		'../hn:xbad\xffutf8' 5 '../hn:xnew\nline' 4 '../hn:xtab\there' 3 '../hn:xcr\rret' 2 \
		'../hn:x\x1b]0;pwned\x07' 1
} >"$TRASH/counts.expect"

test_expect_success BPF,TOOLCHAIN '--count: exact counts under the escaped names, in columns' '
	upx trace --count "../hn:x*" -c ../hn >out 2>err &&
	text_safe out err &&
	test_cmp "$TRASH/counts.expect" out
'

test_expect_success BPF,TOOLCHAIN '--count --by probe, --hist, --latency' '
	upx trace --count --by probe "../hn:x*" -c ../hn >out 2>err &&
	text_safe out err &&
	test_cmp "$TRASH/counts.expect" out &&
	upx trace --hist arg0 "../hn:x*" -c ../hn >out 2>err &&
	text_safe out err &&
	test_grep "^@arg0\[\.\./hn:xnew\\\\nline]: 4 calls\$" out &&
	test_grep "^@arg0\[\.\./hn:x\\\\x1b]0;pwned\\\\x07]: 1 call\$" out &&
	upx trace --latency --by probe "../hn:x*" -c ../hn >out 2>err &&
	text_safe out err &&
	test_grep "^@latency_ns\[probe=\.\./hn:xtab\\\\there]: 3 calls\$" out
'

test_expect_success BPF,TOOLCHAIN '--count --stack: the headers and the frames' '
	upx trace --count --stack "../hn:x*" -c ../hn >out 2>err &&
	text_safe out err &&
	test_grep "^\.\./hn:xse;mi;colon 99  *6\$" out &&
	test_grep "^    xcr\\\\rret+0x0 (.*/hn)\$" out &&
	test_grep "^    xbad\\\\xffutf8+0x0 (.*/hn)\$" out
'

test_expect_success BPF,TOOLCHAIN '--folded: escaped for the format; upx flamegraph reads it back' '
	upx trace --folded "../hn:x*" -c ../hn >folded 2>err &&
	text_safe folded err &&
	test_line_count = 7 folded &&
	test_grep ";main;xse:mi:colon_99 6\$" folded &&
	test_grep ";main;x\\\\x1b]0:pwned\\\\x07 1\$" folded &&
	test_grep ";main;xnew\\\\nline 4\$" folded &&
	upx flamegraph --title "upx trace --stack" --count-name calls folded >a.svg 2>err &&
	test_line_count = 0 err &&
	xmllint --noout a.svg &&
	# the SVG --flamegraph writes is the one drawn from --folded
	upx trace --flamegraph b.svg "../hn:x*" -c ../hn >out 2>err &&
	test_cmp a.svg b.svg &&
	test_grep "xse:mi:colon_99 (6 calls" a.svg
'

test_expect_success BPF,TOOLCHAIN '--json events and tables: each line parses, *_hex gives the bytes back' '
	upx trace --json "../hn:x*" -c ../hn >events 2>err &&
	upx trace --json --count "../hn:x*" -c ../hn >counts 2>err &&
	upx trace --json --count --by probe "../hn:x*" -c ../hn >by 2>err &&
	upx trace --json --count --stack "../hn:x*" -c ../hn >stacks 2>err &&
	text_safe events counts by stacks err &&
	python3 - <<-\EOP
	import collections, json, sys
	sys.path.insert(0, "..")
	from names import NAMES, raw
	seen = collections.Counter()
	for line in open("events"):
	    o = json.loads(line)
	    if "summary" in o:
	        continue    # the zero report, at the end
	    assert raw(o, "probe") == b"../hn:" + raw(o, "function"), o
	    seen[raw(o, "function")] += 1
	assert seen == NAMES, seen
	for fn in "counts", "by":
	    rows = json.loads(open(fn).readline())["counts"]
	    got = {raw(r, "function"): r["count"] for r in rows}
	    assert got == NAMES, (fn, got)
	    assert all(raw(r, "probe") == b"../hn:" + raw(r, "function") for r in rows)
	stacks = json.loads(open("stacks").readline())["stacks"]
	got = {raw(s, "function"): s["count"] for s in stacks}
	assert got == NAMES, got
	for s in stacks:
	    assert raw(s["stack"][0], "function") == raw(s, "function"), s
	EOP
'

test_expect_success BPF,TOOLCHAIN '-v, warnings, hints and errors quote names escaped' '
	upx trace -v --count "../hn:x*" -c ../hn >out 2>err &&
	text_safe out err &&
	test_grep "^upx: probe [0-9]: \.\./hn:xnew\\\\nline at .*/hn+0x[0-9a-f]*\$" err &&
	test_grep "^upx: left out: xlock\\\\x1b]2;t\\\\x07 (lock prefix)\$" err &&
	upx trace --count "r:../hn:x*" -c ../hn >out 2>err &&
	text_safe out err &&
	test_grep "that returns twice or never returns, a return probe would break the program: xgone\\\\x1b\[31m (--force" err &&
	test_expect_code 1 upx trace "../hn:xtabhere" >out 2>err &&
	text_safe out err &&
	test_grep "^  did you mean: xtab\\\\there?\$" err &&
	test_expect_code 1 upx trace --min 1 --on nonesuch "../hn:x*" >out 2>err &&
	text_safe out err &&
	test_one_line_error err &&
	test_grep "no DWARF for \.\./hn:x\\\\x1b]0;pwned\\\\x07 (install" err &&
	test_expect_code 1 upx trace --json --min 1 --on nonesuch "../hn:x*" >out 2>err &&
	text_safe out err &&
	python3 -c "import json; e = json.loads(open(\"out\").read())[\"error\"]; assert \"x\x1b]0;pwned\x07\" in e, e"
'

test_expect_success BPF,TOOLCHAIN,PROMTOOL '--metrics-file: labels escaped for the format, bytes in *_hex' '
	upx trace --count --metrics-file "$PWD/m.prom" "../hn:x*" -c ../hn >out 2>err &&
	text_safe out err m.prom &&
	promtool check metrics <m.prom &&
	$M check m.prom text &&
	python3 - <<-\EOP
	import re, sys
	sys.path.insert(0, "..")
	from names import NAMES
	got = {}
	for line in open("m.prom", encoding="utf-8"):
	    if not line.startswith("upx_probe_calls_total{"):
	        continue
	    labels = dict(re.findall(r"(\w+)=\"((?:[^\"\\]|\\.)*)\"", line))
	    fn = labels.get("function_hex")
	    fn = bytes.fromhex(fn) if fn else labels["function"].replace("\\n", "\n").encode()
	    got[fn] = int(line.rsplit(" ", 1)[1])
	assert got == NAMES, got
	EOP
'

test_expect_success TOOLCHAIN 'list-syms: text escaped, --json names exact through name_hex' '
	upx list-syms "$TRASH/hn" "x*" >out 2>err &&
	text_safe out err &&
	test_grep " xnew\\\\nline\$" out &&
	upx list-syms --json "$TRASH/hn" "x*" >json 2>err &&
	python3 - <<-\EOP
	import json, sys
	sys.path.insert(0, "..")
	from names import NAMES, raw
	syms = json.loads(open("json").read())["symbols"]
	got = {raw(s, "name") for s in syms}
	want = set(NAMES) | {b"xlock\x1b]2;t\x07", b"xgone\x1b[31m"}
	assert got == want, got
	bad = [s for s in syms if raw(s, "name") == b"xbad\xffutf8"][0]
	assert bad["name"] == "xbad\ufffdutf8" and bad["name_hex"] == "78626164ff75746638", bad
	assert all("name_hex" not in s for s in syms if s is not bad), syms
	EOP
'

test_done
