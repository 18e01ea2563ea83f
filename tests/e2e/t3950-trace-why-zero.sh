#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# upx trace's zero report: a probe that saw no call gets its likely causes,
# one line each on standard error, every number counted: calls a filter
# dropped (with the values seen), a function inlined, an import's PLT stub,
# a static program with its own copy, a file no process maps.  -v and
# --json carry the facts of a probe that did see calls too.
. "$(dirname "$0")/lib.sh"

U=$FIXTURES/uprobeme
T=$FIXTURES/tracee

# zero_lines PROBE FILE: the report's lines about PROBE (its prefix cut), in order
zero_lines() {
	sed -n "s|^upx trace: $1: ||p" "$2"
}

test_expect_success BPF '--comm python3 against a process named python3.11: the calls dropped, by name' '
	cp $U python3.11 &&
	upx trace --count --comm python3 ./python3.11:foo -c "./python3.11 7 0" >out 2>err &&
	test_grep "^\./python3.11:foo  *0$" out &&
	zero_lines ./python3.11:foo err >lines &&
	head -1 lines >first &&
	echo "0 shown; 7 calls dropped by --comm python3; comms seen: python3.11 7" >expect &&
	test_cmp expect first
'

test_expect_success BPF,PYTHON311 'the same with Debian'"'"'s python3.11 (25 calls of getppid)' '
	upx trace --count --comm python3 libc.so.6:getppid \
		-c "/usr/bin/python3.11 -c \"import os; [os.getppid() for i in range(25)]\"" \
		>out 2>err &&
	test_grep "^libc.so.6:getppid  *0$" out &&
	test_grep "^upx trace: libc.so.6:getppid: 0 shown; 25 calls dropped by --comm python3; comms seen: python3.11 25$" err &&
	test_grep "^upx trace: libc.so.6:getppid: 0 shown; the command.s program python3.11 loads it" err
'

test_expect_success BPF '--uid, --min and --max: each filter counts its own drops' '
	upx trace --count --uid 4242 $U:foo -c "$U 5 0" >out 2>err &&
	test_grep "^upx trace: $U:foo: 0 shown; 5 calls dropped by --uid 4242; uids seen: 0 5$" err &&
	upx trace --count --min 100 $U:foo -c "$U 7 0" >out 2>err &&
	test_grep "^upx trace: $U:foo: 0 shown; 7 calls dropped by --min 100 (the largest value dropped: 6)$" err &&
	upx trace --count --max 2 --on arg0 $U:foo -c "$U 9 0" >out 2>err &&
	test_grep "^$U:foo  *3$" out &&
	test_grep -v "dropped" err &&
	upx trace -v --count --max 2 $U:foo -c "$U 9 0" >out 2>err &&
	test_grep "^upx trace: $U:foo: 3 shown; 6 calls dropped by --max 2 (the smallest value dropped: 3)$" err
'

test_expect_success BPF 'a call dropped by two filters counts under the first (--uid before --comm)' '
	upx trace --count --uid 4242 --comm nosuch $U:foo -c "$U 4 0" >out 2>err &&
	test_grep "0 shown; 4 calls dropped by --uid 4242" err &&
	test_grep -v "dropped by --comm" err
'

test_expect_success BPF 'a function inlined at every call site: DWARF'"'"'s count of them' '
	W=$FIXTURES/whyzero &&
	# the oracle: inlined instances of squeeze in readelf, its abstract DIE by name
	die=$(readelf --debug-dump=info $W | awk "/DW_TAG_subprogram/ { d = \$1 } /DW_AT_name.*: squeeze\$/ { print d; exit }" | sed "s/^<[0-9]*><\([0-9a-f]*\)>:$/\1/") &&
	test -n "$die" &&
	sites=$(readelf --debug-dump=info $W | grep -A1 "DW_TAG_inlined_subroutine" | grep -c "DW_AT_abstract_origin: <0x$die>") &&
	test "$sites" -ge 3 &&
	upx trace --count $W:squeeze -c "$W 5" >out 2>err &&
	test_grep "^$W:squeeze  *0$" out &&
	test_grep "^upx trace: $W:squeeze: 0 shown; DWARF says squeeze was inlined at $sites call sites: calls there never reach this probe, which is on its out-of-line copy$" err
'

test_expect_success BPF 'an import that PROGRAM never calls itself (strdup does, inside libc): zero, and why' '
	upx trace --count $T:malloc -c "$T strlen 5" >out 2>err &&
	test_grep "^$T:malloc  *0$" out &&
	zero_lines $T:malloc err >lines &&
	test_line_count = 2 lines &&
	test_grep "^0 shown; malloc is only imported by $T (defined in libc.so.6): the probe is on its PLT stub, which sees only the calls $T makes through it; libc.so.6:malloc sees every call$" lines &&
	test_grep "^0 shown; the command.s program tracee is that file itself$" lines
'

test_expect_success BPF 'the -c command is a static program with its own malloc' '
	upx trace --count libc.so.6:malloc -c "$FIXTURES/staticprog 3" >out 2>err &&
	test_grep "^libc.so.6:malloc  *0$" out &&
	zero_lines libc.so.6:malloc err >lines &&
	cat >expect <<-\EOF &&
	0 shown; the command'"'"'s program staticprog defines malloc in its own executable (statically linked): its calls never reach libc.so.6
	0 shown; the command'"'"'s program staticprog does not load libc.so.6: it is not that file, and it is statically linked (a library it opens with dlopen() is not seen here)
	EOF
	test_cmp expect lines
'

test_expect_success BPF 'system-wide: a library no process maps, and a running static program with its own copy' '
	{ $FIXTURES/staticprog 3 wait >sp.out & } &&
	sp=$! &&
	test_when_finished "test_kill $sp" &&
	wait_for "^9$" sp.out &&
	L=$FIXTURES/libwork.so &&
	upx trace --count $L:static_work -d 0.3 >out 2>err &&
	test_grep "^$L:static_work  *0$" out &&
	zero_lines $L:static_work err >lines &&
	test_line_count = 2 lines &&
	test_grep "^0 shown; [1-9][0-9]* running process.* not map $L define.* static_work in .* own executable (statically linked): .* calls never reach this probe; processes: .*staticprog (pid $sp)" lines &&
	test_grep "^0 shown; no process mapped $L: none at the start, none at the end$" lines
'

test_expect_success BPF 'a probe that saw calls says nothing, but -v gives its facts' '
	ln -s $U other &&
	upx trace --count --follow --comm uprobeme $U:foo -c "sh -c \"$U 3 0; ./other 2 0\"" >out 2>err &&
	test_grep "^$U:foo  *3$" out &&
	test_grep -v "shown;" err &&
	upx trace -v --count --follow --comm uprobeme $U:foo -c "sh -c \"$U 3 0; ./other 2 0\"" >out 2>err &&
	test_grep "^upx trace: $U:foo: 3 shown; 2 calls dropped by --comm uprobeme; comms seen: other 2$" err
'

test_expect_success BPF '--json: the summary object carries every probe'"'"'s facts, zero or not' '
	ln -s $U other &&
	upx trace --json --count --follow --comm uprobeme $U:foo $U:bar \
		-c "sh -c \"$U 3 0; ./other 2 4\"" >out 2>err &&
	grep "^{\"summary\"" out >summary &&
	test_line_count = 1 summary &&
	python3 -c "
import json
d = json.load(open(\"summary\"))[\"summary\"][\"probes\"]
p = {x[\"function\"]: x for x in d}
assert p[\"foo\"][\"calls\"] == 3, p
f = p[\"foo\"][\"facts\"][0]
assert (f[\"kind\"], f[\"count\"], f[\"filter\"]) == (\"filter\", 2, \"--comm uprobeme\"), f
assert f[\"comms_seen\"] == [{\"name\": \"other\", \"calls\": 2}] and f[\"others\"] == 0, f
assert p[\"bar\"][\"calls\"] == 0, p
f = p[\"bar\"][\"facts\"][0]
assert (f[\"kind\"], f[\"count\"], f[\"rank\"]) == (\"filter\", 4, 10), f
assert f[\"text\"] == \"4 calls dropped by --comm uprobeme\", f
"
'

test_expect_success BPF 'events mode and --hist: the zero report too' '
	upx trace --comm nosuch $U:foo -c "$U 2 0" >out 2>err &&
	test_grep "^upx trace: $U:foo: 0 shown; 2 calls dropped by --comm nosuch; comms seen: uprobeme 2$" err &&
	upx trace --hist arg0 --comm nosuch $U:foo -c "$U 6 0" >out 2>err &&
	test_grep "^upx trace: $U:foo: 0 shown; 6 calls dropped by --comm nosuch; comms seen: uprobeme 6$" err
'

test_expect_success BPF '-p: the process mapped the file; it is said whether it still does' '
	{ $T loop >pid & } &&
	loop=$! &&
	test_when_finished "test_kill $loop" &&
	wait_for "^$loop\$" pid &&
	upx trace --count -p $loop --comm nosuch $T:tick -d 0.3 >out 2>err &&
	test_grep "^upx trace: $T:tick: 0 shown; [1-9][0-9]* calls dropped by --comm nosuch; comms seen: tracee [1-9]" err &&
	test_grep "^upx trace: $T:tick: 0 shown; process $loop mapped $T at the start (the probe is in its copy), and still did at the end$" err
'

test_expect_success BPF 'nothing stays attached' '
	test_no_leftover_links
'

test_done
