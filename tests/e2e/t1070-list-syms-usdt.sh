#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# list-syms --usdt: every SDT note of a file, checked against readelf -n (the
# notes) and readelf -l (the file offsets), on the fixture, python3.11 and
# libstdc++; --json; -p PID; and every refusal as one line.
. "$(dirname "$0")/lib.sh"

S=$FIXTURES/sdtprobes
PY=/usr/bin/python3.11
STDCXX=$(ldconfig -p | awk '$1 == "libstdc++.so.6" && /x86-64|64bit/ { print $NF; exit }')

# oracle FILE: "provider name address semaphore-address file-offset args" per note, from
# readelf: the notes, and the PT_LOAD segments for the offset (no prelinking here: the
# note's base is .stapsdt.base's address, so the addresses stand as written).
oracle() {
	readelf -lW "$1" | awk '$1 == "LOAD" { print $2, $3, $5 }' >segs &&
	readelf -nW "$1" | awk '
		/Provider:/ { prov = $NF }
		/^ *Name:/ { name = $2 }
		/^ *Location:/ { loc = $2; sema = $6; sub(",", "", loc) }
		/^ *Arguments:/ { sub(/^ *Arguments: */, ""); print prov, name, loc, sema, $0 }' |
	while read -r prov name loc sema args; do
		off=
		while read -r o v sz; do
			if [ $((loc)) -ge $((v)) ] && [ $((loc)) -lt $((v + sz)) ]; then
				off=$((loc - v + o))
			fi
		done <segs
		test -n "$off" &&
		printf "%s %s %d %d %d %s\n" "$prov" "$name" $((loc)) $((sema)) "$off" "$args" ||
		return 1
	done
}

# shown FILE: the same fields from upx list-syms --usdt FILE's table (in table).
shown() {
	upx list-syms --usdt "$1" >table &&
	tail -n +2 table | while read -r prov name addr off sema args; do
		[ "$sema" = - ] && sema=0
		printf "%s %s %d %d %d %s\n" "$prov" "$name" $((0x$addr)) $((0x$sema)) $((0x$off)) \
			"$args"
	done
}

for f in "$S" "$PY" "$STDCXX"; do
	test_expect_success "the notes of $(basename "$f") are readelf's, offsets through PT_LOAD" '
		test -n "$f" &&
		oracle "$f" >expect &&
		test -s expect &&
		shown "$f" >actual &&
		test_cmp expect actual
	'
done

test_expect_success 'the fixture: five sites of four probes, one semaphore, memory operands' '
	upx list-syms --usdt $S >out &&
	test_line_count = 6 out &&
	test $(grep -c "^upx  *twice .* -4@\$[12]\$" out) = 2 &&
	awk "\$2 == \"sem\" && \$5 != \"-\"" out | grep -q . &&
	awk "\$2 == \"plain\" && \$5 == \"-\"" out | grep -q . &&
	test_grep "^upx  *mem .* -4@-[0-9]*(%rsp) 8@-[0-9]*(%rsp)\$" out
'

test_expect_success 'python3.11: every probe readelf lists, each with a semaphore' '
	readelf -n $PY | grep -c "Provider: python" >expect &&
	upx list-syms --usdt $PY >out &&
	awk "NR > 1 && \$1 == \"python\" && \$5 != \"-\"" out | wc -l >actual &&
	test_cmp expect actual &&
	test_grep "^python  *function__entry " out
'

test_expect_success 'libstdc++: throw, rethrow and catch, by soname' '
	upx list-syms --usdt libstdc++.so.6 >out &&
	awk "NR > 1 { print \$1, \$2 }" out | sort >actual &&
	printf "libstdcxx catch\nlibstdcxx rethrow\nlibstdcxx throw\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'a PATTERN picks probes by name or provider:name' '
	upx list-syms --usdt $PY "function__*" >out &&
	test_line_count = 3 out &&
	upx list-syms --usdt $PY python:gc >out &&
	test_line_count = 3 out
'

test_expect_success '--json: the same probes, typed arguments' '
	upx list-syms --usdt --json $S >out.json &&
	jq -r ".files[0].probes[] | \"\(.provider) \(.name) \(.address) \(.semaphore // 0) \(.offset) \(.args)\"" \
		out.json >actual &&
	oracle $S >expect &&
	test_cmp expect actual &&
	jq -c ".files[0].probes[] | select(.name == \"mem\") | .arguments[0] | [.size, .signed, .kind, .reg, .index, .scale]" \
		out.json >args &&
	echo "[4,true,\"mem\",\"rsp\",null,1]" >expect &&
	test_cmp expect args &&
	jq -c ".files[0].probes[] | select(.name == \"sem\") | [.arguments[].size, .semaphore_offset > 0]" \
		out.json >sem &&
	echo "[2,1,true]" >expect &&
	test_cmp expect sem
'

test_expect_success '-p PID: the probes of the files the process has mapped' '
	{ $S loop >pidfile & } &&
	lp=$! &&
	test_when_finished "test_kill $lp" &&
	wait_for "^pid " pidfile &&
	upx list-syms --usdt -p $lp >out &&
	# (a libc built with its own probes, as Fedora and Ubuntu have, is listed too)
	awk -v s=$S "\$1 == s { print \$1, \$2, \$3 }" out >actual &&
	printf "%s upx plain\n%s upx twice\n%s upx twice\n%s upx sem\n%s upx mem\n" \
		$S $S $S $S $S >expect &&
	test_cmp expect actual &&
	upx list-syms --usdt -p $lp --json >out.json &&
	jq -r ".pid, (.files[] | select(.file == \"$S\") | .probes | length)" out.json >actual &&
	printf "%s\n5\n" $lp >expect &&
	test_cmp expect actual
'

test_expect_success '-p PID with a BINARY: that file as the process maps it' '
	{ $PY -c "import sys; sys.stdin.read()" </dev/zero >/dev/null & } &&
	sleep_pid=$! &&
	test_when_finished "test_kill $sleep_pid" &&
	wait_exec $sleep_pid $PY &&
	upx list-syms --usdt -p $sleep_pid python3.11 >out &&
	shown $PY >/dev/null &&
	test_cmp table out
'

# refused CAUSE ARGS...: exit 1, one line "upx list-syms: CAUSE", nothing on stdout.
refused() {
	cause=$1
	shift
	test_expect_code 1 upx list-syms "$@" >out 2>err &&
	test_one_line_error err &&
	test_grep "^upx list-syms: $cause\$" err &&
	test_line_count = 0 out
}

test_expect_success 'a file without notes, one with .probes and no notes' '
	cp /bin/true true.copy &&
	refused "'\''./true.copy'\'': no USDT probes (no .note.stapsdt section)" --usdt ./true.copy &&
	refused "'\''$FIXTURES/sdtprobes-nonotes'\'': a .probes section but no .note.stapsdt notes (dtrace-style probes: upx reads SystemTap'\''s sys/sdt.h notes)" \
		--usdt $FIXTURES/sdtprobes-nonotes
'

test_expect_success 'no probe matches, bad -p' '
	refused "'\''$S'\'': no USDT probe matches '\''nosuch'\''" --usdt $S nosuch &&
	refused "no process 999999999" --usdt -p 999999999 &&
	test_expect_code 2 upx list-syms -p 1 /bin/true 2>err &&
	test_grep "^upx list-syms: -p goes with --usdt" err
'

test_done
