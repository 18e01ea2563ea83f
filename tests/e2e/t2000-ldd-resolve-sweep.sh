#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ldd-resolve against ldd, the oracle: the same soname => path pairs for a
# sample of the dynamically linked programs in /usr/bin.
. "$(dirname "$0")/lib.sh"

# "soname path" lines, sorted, from ldd's or upx's output: addresses and the
# vDSO dropped, ld.so's own line ("/lib64/ld-linux-x86-64.so.2") as "path path".
pairs() {
	sed -e 's/ (0x[0-9a-f]*)$//' -e '/linux-vdso\.so/d' -e '/^[^	]/d' -e 's/^	//' \
	    -e 's/ => not found$/ NOTFOUND/' -e 's/ => / /' -e '/ /!s/.*/& &/' | sort -u
}

# The sample: 40 ELF programs spread over /usr/bin, python3, bash, and the
# three that load the most libraries.  Paths are canonical: ldd takes $ORIGIN
# from the name it is given, ld.so (and upx) from where the file really is.
test_expect_success 'pick the sample' '
	for f in /usr/bin/*; do
		[ -f "$f" ] || continue
		[ "$(head -c 4 "$f" | od -An -c | tr -d " ")" = "177ELF" ] && realpath "$f"
	done | sort -u >all &&
	test_line_count -gt 40 all &&
	n=$(wc -l <all) &&
	awk -v step=$((n / 40)) "NR % step == 0" all | head -40 >sample &&
	for p in /usr/bin/python3 /usr/bin/bash; do
		[ -e "$p" ] && realpath "$p" >>sample
	done &&
	xargs upx ldd-resolve <all 2>/dev/null |
		awk "/^\// { f = \$1 } /=>/ { c[f]++ } END { for (f in c) print c[f], f }" |
		sort -rn | head -3 | sed "s/^[0-9]* //; s/:\$//" >>sample &&
	sort -u sample -o sample &&
	test_line_count -ge 40 sample
'

test_expect_success 'same libraries as ldd for every program of the sample' '
	compared=0 bad=0 &&
	while read -r f; do
		ldd "$f" >ldd.out 2>/dev/null || continue
		grep -q "=>" ldd.out || continue
		upx ldd-resolve "$f" >upx.out || { say "upx failed on $f"; bad=$((bad + 1)); continue; }
		pairs <ldd.out >expect && pairs <upx.out >actual
		if ! test_cmp expect actual; then
			say "    ^ $f"
			bad=$((bad + 1))
		fi
		compared=$((compared + 1))
	done <"$TRASH/t1/sample" &&
	say "compared $compared programs, $bad differ" &&
	test "$compared" -ge 30 && test "$bad" = 0
'

test_expect_success 'same order as ldd too (python3, bash)' '
	for p in /usr/bin/python3 /usr/bin/bash; do
		[ -e "$p" ] || continue
		f=$(realpath "$p") &&
		ldd "$f" | sed -e "s/ (0x[0-9a-f]*)\$//" -e "/linux-vdso/d" >expect &&
		upx ldd-resolve "$f" >actual &&
		test_cmp expect actual || return 1
	done
'

test_expect_success 'several files in one call: one header per file, like ldd' '
	head -5 "$TRASH/t1/sample" >five &&
	xargs upx ldd-resolve <five >out &&
	grep -c "^/.*:\$" out >n && echo 5 >five.n && test_cmp five.n n
'

test_done
