#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# trace on USDT probes: exact counts and argument values from the sdtprobes
# fixture (registers, memory operands, signed and narrow values, a semaphore),
# the semaphore counted up for the session and back to 0 after every stop
# (SIGINT, SIGTERM, SIGKILL of upx, the command's exit), USDT and uprobe specs
# in one run, libstdc++'s throw and catch, and every refusal as one line.
. "$(dirname "$0")/lib.sh"

S=$FIXTURES/sdtprobes

# start_loop: "sdtprobes loop" in the background: $lp its pid, $sem its semaphore's address.
start_loop() {
	{ $S loop >loop.out & } &&
	lp=$! &&
	test_when_finished "test_kill $lp" &&
	wait_for "^pid $lp sem 0x" loop.out &&
	sem=$(awk "{ print \$4 }" loop.out)
}

# sem_value: the semaphore of $lp, read from its memory.
sem_value() {
	dd if=/proc/$lp/mem bs=2 count=1 iflag=skip_bytes skip=$((sem)) status=none | od -An -tu2 |
		tr -d " "
}
sem_is() { [ "$(sem_value)" = "$1" ]; }

# expect_args N: the events "sdtprobes N" makes with -a 3, as trace prints them after PROBE.
expect_args() {
	for i in $(seq 0 $(($1 - 1))); do
		echo "usdt:$S:upx:plain arg0=$i arg1=$((-i - 1)) arg2=PTR"
		echo "usdt:$S:upx:twice arg0=1 arg1=0 arg2=0"
		echo "usdt:$S:upx:twice arg0=2 arg1=0 arg2=0"
		echo "usdt:$S:upx:sem arg0=$((i * 3)) arg1=$((200 + i)) arg2=0"
		echo "usdt:$S:upx:mem arg0=$((-7 * i)) arg1=0x1122334455667788 arg2=0"
	done
}

# Both ways of attaching: one uprobe_multi link per file (upx's own), and libbpf's
# bpf_program__attach_usdt() (one link per probe), which UPX_NO_MULTI=1 selects.
for how in own libbpf; do
	if [ $how = own ]; then nomulti=0 links="1 multi link"; else nomulti=1 links="4 multi links"; fi

	test_expect_success BPF "$how links: exact counts of every probe, the semaphore's too" '
		UPX_NO_MULTI=$nomulti upx trace --count "usdt:$S:*" -c "$S 25" >out 2>err &&
		test_grep "^Tracing 4 probes in 1 file ($links)\.\$" err &&
		test_grep "^sem enabled\$" out &&
		{ printf "%s 25\n" usdt:$S:upx:plain usdt:$S:upx:sem usdt:$S:upx:mem &&
		  echo "usdt:$S:upx:twice 50"; } | sort >expect &&
		awk "/^usdt:/ { print \$1, \$2 }" out | sort >actual &&
		test_cmp expect actual &&
		test_no_leftover_links
	'

	test_expect_success BPF "$how links: exact argument values (registers, memory, signed, 1 and 2 bytes)" '
		UPX_NO_MULTI=$nomulti upx trace -a 3 "usdt:$S:upx:*" -c "$S 6" >out 2>err &&
		awk "/ usdt:/ { sub(/^.* usdt:/, \"usdt:\"); sub(/arg2=0x[0-9a-f]+/, \"arg2=PTR\"); print }" \
			out >actual &&
		expect_args 6 >expect &&
		test_cmp expect actual &&
		test_no_leftover_links
	'
done

test_expect_success BPF '--str on a USDT argument; --json: arguments, signed values' '
	upx trace --str arg2 "usdt:$S:plain" -c "$S 5" >out 2>err &&
	test $(grep -c "usdt:$S:upx:plain arg2=\"plain\"\$" out) = 5 &&
	upx trace --json --min 0 --on arg0 -a 2 "usdt:$S:upx:mem" -c "$S 3" >out 2>err &&
	grep "^{\"time\"" out >out.json &&
	jq -e ".params == [\"arg0\", \"arg1\"] and .value_name == \"arg0\"" out.json >/dev/null &&
	# jq reads numbers as doubles: the 64-bit ones are taken from the text.
	sed -E "s/.*\"probe\":(\"[^\"]*\"),\"function\":(\"[^\"]*\"),\"args\":(\[[^]]*\]),.*\"value\":(-?[0-9]+),\"value_of\":(\"[^\"]*\").*/[\1,\2,\3,\4,\5]/" \
		out.json >actual &&
	for v in 0 -7 -14; do
		printf "[\"usdt:%s:upx:mem\",\"upx:mem\",[%s,1234605616436508552],%s,\"arg0\"]\n" \
			$S $(printf %u $v) $v
	done >expect &&
	test_cmp expect actual
'

test_expect_success BPF '--min/--max and --hist on USDT arguments' '
	upx trace --count --min 2 --max 4 "usdt:$S:plain" -c "$S 10" >out 2>err &&
	test_grep "^usdt:$S:upx:plain  *3\$" out &&
	upx trace --hist arg0 "usdt:$S:sem" -c "$S 8" >out 2>err &&
	test_grep "^@arg0\[usdt:$S:upx:sem\]: 8 calls\$" out &&
	test_no_leftover_links
'

test_expect_success BPF 'a USDT spec and a uprobe spec in one run' '
	upx trace --count "usdt:$S:plain" "$S:fire_mem" "usdt:$S:upx:sem" -c "$S 12" >out 2>err &&
	test_grep "^Tracing 3 probes in 1 file (2 multi links)\.\$" err &&
	printf "%s 12\n" usdt:$S:upx:plain $S:fire_mem usdt:$S:upx:sem | sort >expect &&
	awk "/^(usdt:)?\// { print \$1, \$2 }" out | sort >actual &&
	test_cmp expect actual &&
	test_no_leftover_links
'

test_expect_success BPF 'libstdc++: throw and catch count the exceptions thrown and caught' '
	upx trace --count usdt:libstdc++.so.6:throw usdt:libstdc++.so.6:libstdcxx:catch \
		-c "$FIXTURES/throws 37" >out 2>err &&
	test_grep "^caught 37\$" out &&
	test_grep "^usdt:libstdc++.so.6:libstdcxx:throw  *37\$" out &&
	test_grep "^usdt:libstdc++.so.6:libstdcxx:catch  *37\$" out &&
	test_no_leftover_links
'

test_expect_success BPF 'libstdc++ throw --count --stack: who threw, one stack, every throw' '
	upx trace --count --stack usdt:libstdc++.so.6:throw -c "$FIXTURES/throws 5" >out 2>err &&
	test_grep "^usdt:libstdc++.so.6:libstdcxx:throw  *5\$" out &&
	test "$(grep -c "^usdt:" out)" = 1 &&
	sed -n "/^usdt:/,\$p" out | sed 1d | sed "s/^ *//; s/[+ ].*//" >frames &&
	printf "%s\n" __cxa_throw "thrower(int)" >expect &&
	head -2 frames >got &&
	test_cmp expect got &&
	test_grep "^_start\$" frames
'

test_expect_success BPF '-p PID: a library the process maps (libstdc++), listed and traced' '
	{ $FIXTURES/throws loop >pidfile & } &&
	tp=$! &&
	test_when_finished "test_kill $tp" &&
	wait_for "^pid $tp\$" pidfile &&
	lib=$(awk "/libstdc\+\+/ { print \$6; exit }" /proc/$tp/maps) &&
	upx list-syms --usdt -p $tp >out &&
	# (a libc built with its own probes, as Fedora and Ubuntu have, is listed too)
	awk -v lib=$lib "\$1 == lib { print \$1, \$2, \$3 }" out | sort >actual &&
	printf "%s libstdcxx %s\n" $lib catch $lib rethrow $lib throw >expect &&
	test_cmp expect actual &&
	upx trace --count -p $tp -d 0.3 usdt:libstdc++.so.6:throw >out 2>err &&
	test_grep "^usdt:libstdc++.so.6:libstdcxx:throw  *[1-9]" out &&
	test_no_leftover_links
'

test_expect_success BPF 'the semaphore: 0, 1 while traced (-p), 0 after SIGINT' '
	start_loop &&
	sem_is 0 &&
	{ upx trace --count -p $lp "usdt:$S:sem" >out 2>err & } &&
	up=$! &&
	test_when_finished "test_kill $up" &&
	wait_for "^Tracing" err &&
	sem_is 1 &&
	# the loop has gone round (every 10 ms) with the semaphore set: sem fired
	wait_wakeups $lp 3 &&
	kill -INT $up &&
	wait_exit $up 5 &&
	wait_until 2 sem_is 0 &&
	test_grep "^usdt:$S:upx:sem  *[1-9]" out &&
	test_no_leftover_links
'

# The kernel counts a semaphore once per uprobe (file and offset), whoever its consumers.
test_expect_success BPF 'two sessions: the semaphore stays 1 until the last one ends (SIGTERM, then SIGKILL)' '
	start_loop &&
	{ upx trace --count -p $lp "usdt:$S:sem" >out1 2>err1 & } &&
	up1=$! &&
	test_when_finished "test_kill $up1" &&
	{ UPX_NO_MULTI=1 upx trace --count -p $lp "usdt:$S:*" >out2 2>err2 & } &&
	up2=$! &&
	test_when_finished "test_kill $up2" &&
	wait_for "^Tracing" err1 &&
	wait_for "^Tracing" err2 &&
	sem_is 1 &&
	kill -TERM $up1 &&
	wait_exit $up1 5 &&
	sem_is 1 &&
	kill -KILL $up2 &&
	{ wait_exit $up2 5; test $? = 137; } &&
	wait_until 5 sem_is 0 &&
	test_no_leftover_links
'

test_expect_success BPF 'the semaphore is 0 after upx is killed (SIGKILL) in the middle of a run' '
	start_loop &&
	{ upx trace -p $lp "usdt:$S:sem" >out 2>err & } &&
	up=$! &&
	test_when_finished "test_kill $up" &&
	wait_for "^Tracing" err &&
	sem_is 1 &&
	wait_for "usdt:$S:upx:sem" out &&
	kill -KILL $up &&
	{ wait_exit $up 5; test $? = 137; } &&
	wait_until 5 sem_is 0 &&
	test_no_leftover_links
'

# refused CAUSE SPEC...: exit 1, one line "upx trace: CAUSE" (and a hint line when HINT is set).
refused() {
	cause=$1
	shift
	test_expect_code 1 upx trace "$@" -c true >out 2>err &&
	test_grep "^upx trace: $cause\$" err &&
	if [ -n "${HINT-}" ]; then
		test_line_count = 2 err && test_grep "^  did you mean: $HINT?\$" err
	else
		test_one_line_error err
	fi &&
	test_line_count = 0 out
}

test_expect_success BPF 'refused: no notes, .probes without notes, no such probe, a read-only semaphore' '
	cp /bin/true true.copy &&
	refused "'\''./true.copy'\'': no USDT probes (no .note.stapsdt section)" usdt:./true.copy:x &&
	refused "'\''$FIXTURES/sdtprobes-nonotes'\'': a .probes section but no .note.stapsdt notes (dtrace-style probes: upx reads SystemTap'\''s sys/sdt.h notes)" \
		usdt:$FIXTURES/sdtprobes-nonotes:plain &&
	HINT=upx:plain refused "'\''$S'\'': no USDT probe named '\''plian'\''" usdt:$S:plian &&
	HINT=upx:plain refused "'\''$S'\'': no USDT probe named '\''python:plain'\''" usdt:$S:python:plain &&
	refused "'\''$S'\'': no USDT probe matches '\''zz\*'\''" "usdt:$S:zz*" &&
	refused "'\''$FIXTURES/sdtprobes-rosem'\'': cannot probe USDT upx:sem at 0x[0-9a-f]*: its semaphore at 0x[0-9a-f]* is in a read-only segment: the kernel cannot write it in the process to enable the probe" \
		usdt:$FIXTURES/sdtprobes-rosem:sem &&
	refused "'\''usdt:$S:plain'\'': a USDT probe has no return: --latency takes functions" \
		--latency usdt:$S:plain &&
	test_no_leftover_links
'

test_expect_success 'refused: malformed usdt: specs are usage errors' '
	test_expect_code 2 upx trace usdt:$S -c true 2>err &&
	test_grep "expected usdt:TARGET:\[PROVIDER:\]NAME" err &&
	test_expect_code 2 upx trace usdt:$S: -c true 2>err &&
	test_grep "no probe name after" err
'

test_done
