#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# upx trace shows exactly what the program passed: the value --min tests,
# strings at any --args, strings on pages never touched, bytes that are not UTF-8.
. "$(dirname "$0")/lib.sh"

E=$FIXTURES/exact
T=$FIXTURES/tracee

# after PROBE FILE: what follows the probe label on each event line
after() {
	sed -n "s#^.* $1\( \|$\)##p" "$2"
}

test_expect_success BPF '--min alone: the size it tested is shown, named by DWARF (libc6-dbg)' '
	upx trace --min 1048576 libc.so.6:malloc -c "$T malloc 100 3145729 1048575 2000000" >out &&
	after libc.so.6:malloc out >got &&
	printf "bytes=3145729\nbytes=2000000\n" >expect && test_cmp expect got
'

test_expect_success BPF '--min with --args shows the value once' '
	upx trace --args 1 --min 1M libc.so.6:malloc -c "$T malloc 4194305" >out &&
	after libc.so.6:malloc out >got &&
	echo "bytes=4194305" >expect && test_cmp expect got
'

test_expect_success BPF '--on a later argument: shown after --args, in argument order' '
	upx trace --args 1 --on c --min 12648432 $E:takes_args -c "$E args 4" >out &&
	after $E:takes_args out >got &&
	printf "a=2 c=12648432\na=3 c=12648433\n" >expect && test_cmp expect got
'

test_expect_success BPF 'without DWARF the value is arg0= (stripped fixture)' '
	upx trace --min 1 $FIXTURES/uprobeme-stripped:foo -c "$FIXTURES/uprobeme-stripped 3 0" >out &&
	after $FIXTURES/uprobeme-stripped:foo out >got &&
	printf "arg0=1\narg0=2\n" >expect && test_cmp expect got
'

test_expect_success BPF '--json: value, value_of and value_name' '
	upx trace --json --min 1M libc.so.6:malloc -c "$T malloc 3145729 5" >out &&
	grep "^{\"time\"" out >events &&
	python3 -c "
import json
ev = [json.loads(l) for l in open(\"events\")]
got = [(e[\"value\"], e[\"value_of\"], e[\"value_name\"], e[\"args\"]) for e in ev]
assert got == [(3145729, \"arg0\", \"bytes\", [])], got
"
'

test_expect_success BPF '--str arg2 without --args shows the strings' '
	upx trace --str arg2 $E:takes_args -c "$E args 3" >out &&
	after $E:takes_args out >got &&
	printf "s=\"arg string %d\"\n" 0 1 2 >expect && test_cmp expect got
'

test_expect_success BPF '--str with --args: each argument once, typed' '
	upx trace --args 4 --str s $E:takes_args -c "$E args 2" >out &&
	after $E:takes_args out >got &&
	printf "a=0 b=-7 s=\"arg string 0\" c=12648430\na=1 b=-1007 s=\"arg string 1\" c=12648431\n" >expect &&
	test_cmp expect got
'

test_expect_success BPF 'a quote or a backslash in a string cannot forge a field' '
	upx trace --str s $E:takes_args -c "$E quote" >out &&
	after $E:takes_args out >got &&
	printf "%s\n" "s=\"x\\\" c=1 \\\\\\\"\"" >expect && test_cmp expect got
'

test_expect_success BPF 'NULL only for a null pointer; a bad one shows the pointer and the error' '
	upx trace --str s $E:takes_args -c "$E null" >out &&
	after $E:takes_args out >got &&
	printf "s=NULL\ns=(unreadable 0x10: EFAULT)\n" >expect && test_cmp expect got &&
	upx trace --json --str s $E:takes_args -c "$E null" >out &&
	grep "^{\"time\"" out >events &&
	python3 -c "
import json
ev = [json.loads(l) for l in open(\"events\")]
assert ev[0][\"str\"] is None and ev[0][\"str_ptr\"] == 0 and \"str_error\" not in ev[0], ev[0]
assert ev[1][\"str\"] is None and ev[1][\"str_ptr\"] == 16 and ev[1][\"str_error\"] == \"EFAULT\", ev[1]
assert len(ev) == 2
"
'

test_expect_success BPF 'a string of 256 bytes is whole; 257 is cut, and says so' '
	upx trace --str s $E:takes_args -c "$E len 255 256 257" >out &&
	after $E:takes_args out >got &&
	x=$(printf "%0256d" 0 | tr 0 x) &&
	printf "s=\"%s\"\ns=\"%s\"\ns=\"%s\"...\n" "${x%x}" "$x" "$x" >expect && test_cmp expect got &&
	upx trace --json --str s $E:takes_args -c "$E len 256 257" >out &&
	grep "^{\"time\"" out >events &&
	python3 -c "
import json
ev = [json.loads(l) for l in open(\"events\")]
assert [(len(e[\"str\"]), e[\"str_truncated\"]) for e in ev] == [(256, False), (256, True)], ev
"
'

# Three pages; a string at 4096+100 (page 1) and one from 8192-6 into page 2.
# The fixture maps the file and passes pointers into pages it never reads.
make_pages() {
	python3 -c "
import sys
b = bytearray(3 * 4096)
b[4196:4196 + 22] = b\"untouched page string\0\"
b[8186:8186 + 19] = b\"across two pages!!\0\"
open(sys.argv[1], \"wb\").write(b)
" "$1"
}

test_expect_success BPF 'a plain read fails on pages not touched yet (UPX_NO_SLEEPABLE=1 keeps it)' '
	make_pages pages &&
	UPX_NO_SLEEPABLE=1 upx trace -v --str s $E:takes_args -c "$E mmap pages 4196 private 8186" >out 2>err &&
	test_grep "no sleepable uprobes" err &&
	after $E:takes_args out | sed "s/0x[0-9a-f]*/PTR/" >got &&
	printf "s=(unreadable PTR: EFAULT)\ns=(unreadable PTR: EFAULT)\n" >expect && test_cmp expect got
'

test_expect_success BPF 'sleepable uprobes read them exactly (MAP_PRIVATE and MAP_SHARED, classic links)' '
	make_pages pages &&
	for how in private shared; do
		UPX_NO_MULTI=1 upx trace -v --str s $E:takes_args -c "$E mmap pages 4196 $how 8186" >out 2>err &&
		test_grep "(0 multi links)" err &&
		test_grep "read by sleepable uprobes" err &&
		after $E:takes_args out >got &&
		printf "s=\"untouched page string\"\ns=\"across two pages!!\"\n" >expect &&
		test_cmp expect got || return 1
	done
'

test_expect_success BPF 'sleepable uprobe_multi and uretprobe: the same strings' '
	make_pages pages &&
	upx trace --str arg2 $E:takes_args $E:main -c "$E mmap pages 4196 private" >out 2>err &&
	test_grep "(1 multi link)" err &&
	after $E:takes_args out >got &&
	echo "s=\"untouched page string\"" >expect && test_cmp expect got &&
	upx trace --str retval r:$T:greet -c "$T greet 2" >out &&
	after r:$T:greet out >got &&
	printf "ret=\"hello 0\"\nret=\"hello 1\"\n" >expect && test_cmp expect got &&
	UPX_NO_MULTI=1 upx trace --str retval r:$T:greet -c "$T greet 2" >out &&
	after r:$T:greet out >got && test_cmp expect got
'

test_expect_success BPF '--json: bytes that are not UTF-8 become U+FFFD, with the raw bytes in hex' '
	upx trace --json --str s $E:takes_args -c "$E utf8" >out &&
	grep "^{\"time\"" out >events &&
	python3 -c "
import json
ev = [json.loads(l) for l in open(\"events\")]
assert len(ev) == 2, ev
comm = b\"bad\xff\xfe\"
bad = b\"caf\xe9 \xff ok\"
good = b\"h\xc3\xa9llo \xe2\x82\xac\"
for e in ev:
    assert e[\"comm\"] == comm.decode(\"utf-8\", \"replace\") == \"bad\ufffd\ufffd\", e
    assert bytes.fromhex(e[\"comm_hex\"]) == comm, e
assert ev[0][\"str\"] == bad.decode(\"utf-8\", \"replace\") == \"caf\ufffd \ufffd ok\", ev[0]
assert bytes.fromhex(ev[0][\"str_hex\"]) == bad, ev[0]
assert ev[1][\"str\"] == good.decode() == \"h\u00e9llo \u20ac\" and \"str_hex\" not in ev[1], ev[1]
"
'

test_expect_success BPF '--str argN on return probes only is refused' '
	test_expect_code 2 upx trace --str arg0 r:$E:takes_args -c "$E args 1" 2>err &&
	test_grep "^upx trace: --str arg0: arguments are gone when a function returns" err
'

test_expect_success BPF 'nothing stays attached' '
	test_no_leftover_links
'

test_done
