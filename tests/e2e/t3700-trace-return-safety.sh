#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Return probes must not break the traced program: functions that return
# twice (setjmp, vfork, getcontext) or never return (longjmp, exit) get none,
# from r: and --latency globs (with a warning naming them), and named alone
# they are refused unless --force.  Entry probes on them keep working.
. "$(dirname "$0")/lib.sh"

LINE='[ 1 -eq 1 ] && echo OK'

# before_table FILE: what the traced command printed, before upx's count table
before_table() {
	sed '/^PROBE  *COUNT$/,$d' "$1"
}

# fired FILE: how many probes of the count table counted calls
fired() {
	sed '1,/^PROBE  *COUNT$/d' "$1" | awk '$2 > 0' | wc -l
}

test_expect_success BPF 'r: on __sigsetjmp alone is refused with one line; nothing runs' '
	test_expect_code 1 upx trace --count "r:libc.so.6:__sigsetjmp" -- bash -c "$LINE" \
		>out 2>err &&
	test_one_line_error err &&
	test_grep ".__sigsetjmp. returns twice: a return probe would break the program.*--force" err &&
	! test -s out
'

test_expect_success BPF 'r:libc.so.6:longjmp alone is refused with one line unless --force' '
	test_expect_code 1 upx trace --count r:libc.so.6:longjmp -c true >out 2>err &&
	test_one_line_error err &&
	test_grep ".longjmp. never returns: .*--force" err &&
	test_expect_code 1 upx trace --latency libc.so.6:longjmp -c true 2>err &&
	test_one_line_error err && test_grep "never returns" err &&
	upx trace --force --count r:libc.so.6:longjmp -c true >out 2>err &&
	test_grep "^r:libc.so.6:longjmp  *0$" out
'

test_expect_success BPF 'the bash line under r:libc.so.6:* prints OK and exits as untraced' '
	bash -c "trap \"echo exit \\\$?\" EXIT; $LINE" >expect 2>&1 &&
	test_grep "^OK$" expect && test_grep "^exit 0$" expect &&
	timeout 30 upx trace --count "r:libc.so.6:*" -- bash -c "trap \"echo exit \\\$?\" EXIT; $LINE" \
		>out 2>err &&
	before_table out >actual &&
	test_cmp expect actual &&
	test "$(fired out)" -gt 50 &&
	test_grep "warning: left out [0-9]* functions that return twice or never return" err &&
	for f in __sigsetjmp _setjmp setjmp _longjmp/longjmp/siglongjmp __longjmp_chk exit \
		_Exit/_exit abort __vfork/vfork getcontext swapcontext setcontext pthread_exit; do
		grep -q "never return.*[:,] $f[,( ]" err || { echo "not named: $f"; cat err; exit 1; }
	done
'

test_expect_success BPF '-v lists each left out, and plans no return probe on them' '
	upx trace -v --count "r:libc.so.6:*" -c true >out 2>err &&
	test_grep "^upx: left out: __sigsetjmp (returns twice: no return probe)$" err &&
	test_grep "^upx: left out: _longjmp/longjmp/siglongjmp (never returns: no return probe)$" err &&
	test_grep "^upx: left out: exit (never returns: no return probe)$" err &&
	test_grep -v "^upx: probe [0-9]*: r:libc.so.6:\(__GI_\)*_*\(sig\)*setjmp " err &&
	test_grep -v "^upx: probe [0-9]*: r:libc.so.6:_*\(sig\)*longjmp " err
'

cat >script.sh <<'EOF'
exec 2>&1
square() { local n=$1; echo "square $n $((n * n))"; }
fail() { return "$1"; }
trap 'echo "got USR1"' USR1
trap 'echo "bye $?"' EXIT
for i in 1 2 3 4 5 6; do square "$i"; done
i=0
while [ "$i" -lt 200 ]; do i=$((i + 1)); done
echo "while $i"
x=$(for j in a b c; do printf '%s-' "$j"; done)
echo "command substitution $x"
( echo "in a subshell"; exit 3 )
echo "subshell status $?"
fail 4 || echo "fail status $?"
kill -USR1 $$
echo "after the trap"
case $x in a-b-*) echo "case matched" ;; esac
echo "$(seq 5 | tr '\n' ' ')"
names=(one two three)
echo "array ${#names[@]} ${names[2]}"
read -r first rest <<<"here string words"
echo "read $first / $rest"
[ -e /nonexistent ] || echo "test false"
sh -c 'exit 7'
echo "child status $?"
exit 5
EOF

test_expect_success BPF 'a bash script (loops, functions, subshells, a trap): same output under r:libc.so.6:*' '
	test_expect_code 5 bash "$TRASH/script.sh" >expect &&
	test_grep "^got USR1$" expect && test_grep "^bye 5$" expect &&
	timeout 30 upx trace --count "r:libc.so.6:*" -c "bash $TRASH/script.sh" >out 2>err &&
	before_table out >actual &&
	test_cmp expect actual &&
	test "$(fired out)" -gt 50 &&
	timeout 30 upx trace --follow --count "r:libc.so.6:*" -c "bash $TRASH/script.sh" >out 2>err &&
	before_table out >actual &&
	test_cmp expect actual
'

test_expect_success BPF 'gzip | sha256sum: same output under r:libc.so.6:*' '
	seq 1 200000 >data && cat /bin/bash >>data &&
	gzip -n -9 -c <data | sha256sum >expect &&
	timeout 30 upx trace --follow --count "r:libc.so.6:*" -c "sh -c \"gzip -n -9 -c <data | sha256sum\"" \
		>out 2>err &&
	before_table out >actual &&
	test_cmp expect actual &&
	test "$(fired out)" -gt 20 &&
	timeout 30 upx trace --count "r:libc.so.6:*" -- gzip -n -9 -k data >out 2>err &&
	sha256sum <data.gz >actual &&
	test_cmp expect actual
'

test_expect_success BPF '--latency globs leave them out too, entry and return probe' '
	test_expect_code 1 upx trace --latency "libc.so.6:*setjmp*" -c true 2>err &&
	test_one_line_error err &&
	test_grep "every function that matched .\*setjmp\*. returns twice or never returns" err &&
	test_grep ": __sigsetjmp, _setjmp, setjmp (--force to do it anyway)$" err &&
	timeout 30 upx trace -v --latency "libc.so.6:*jmp*" -- bash -c "$LINE" >out 2>err &&
	test_grep "^OK$" out &&
	test_grep "^upx: left out: __sigsetjmp (returns twice" err &&
	test_grep "^upx: probe [0-9]*: libc.so.6:__sigjmp_save " err &&
	test_grep "^upx: probe [0-9]*: r:libc.so.6:__sigjmp_save " err &&
	test_grep -v "^upx: probe [0-9]*: \(r:\)*libc.so.6:\(__GI_\)*_*\(sig\)*setjmp " err &&
	test_grep "warning: left out .*never return.*[:,] __sigsetjmp[,( ]" err &&
	test_grep "warning: left out .*never return.*[:,] _longjmp/longjmp/siglongjmp[,( ]" err
'

cat >jmp.c <<'EOF'
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>

/* n calls of sigsetjmp, each returning twice: once at the call, once from siglongjmp. */
int main(int argc, char **argv)
{
	static sigjmp_buf jb;
	volatile int returns = 0;
	int n = argc > 1 ? atoi(argv[1]) : 0;

	for (int i = 0; i < n; i++) {
		returns++;
		if (!sigsetjmp(jb, 1))
			siglongjmp(jb, 1);
	}
	printf("%d\n", returns);
	return 0;
}
EOF

# count_of LABEL FILE: the COUNT column of LABEL's row
count_of() {
	awk -v l="$1" '$1 == l { print $2 }' "$2"
}

test_expect_success BPF 'entry probes on them keep working: exact counts' '
	gcc -O0 -U_FORTIFY_SOURCE -o jmp "$TRASH/jmp.c" &&
	upx trace --count libc.so.6:__sigsetjmp libc.so.6:siglongjmp -c "./jmp 0" >base 2>err &&
	test_grep "^0$" base &&
	upx trace --count libc.so.6:__sigsetjmp libc.so.6:siglongjmp -c "./jmp 6" >out 2>err &&
	test_grep "^6$" out &&
	test "$(count_of libc.so.6:siglongjmp base)" = 0 &&
	test "$(count_of libc.so.6:siglongjmp out)" = 6 &&
	b=$(count_of libc.so.6:__sigsetjmp base) &&
	test "$(count_of libc.so.6:__sigsetjmp out)" = $((b + 6)) &&
	test_grep -v "left out" err
'

test_expect_success BPF 'nothing stays attached' '
	test_no_leftover_links
'

test_done
