#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The test library and runner themselves (lib.sh, run.sh), on scripts made
# here: a lazy prerequisite is decided once, when a test first names it; a
# test without it is skipped loudly, one naming an undeclared one fails; a
# failing test is TAP's "not ok"; a script that runs past UPX_TEST_TIMEOUT is
# killed, named and counted as failed, what it left running killed and its
# scratch directories removed, and the run goes on with the next script.
. "$(dirname "$0")/lib.sh"

# scripts DIR: lib.sh and run.sh in DIR with three scripts of tests: t9001
# (prerequisites, a failure, a broken chain, a misspelt prerequisite), t9002 (runs away, leaving a
# process in a session of its own, its pid in $PWD/away.pid), t9003 (passes).
scripts() {
	mkdir -p "$1" &&
	cp "$E2E_DIR/lib.sh" "$E2E_DIR/run.sh" "$1"/ &&
	cat >"$1/t9001-lib.sh" <<-\EOF &&
	. "$(dirname "$0")/lib.sh"
	test_lazy_prereq HAVE 'echo HAVE >>"$COUNTS"'
	test_lazy_prereq LACK 'echo LACK >>"$COUNTS"; echo "none here"; false'
	test_lazy_prereq UNUSED 'echo UNUSED >>"$COUNTS"'
	test_expect_success HAVE 'with HAVE' 'true'
	test_expect_success HAVE,LACK 'with HAVE and LACK' 'true'
	test_expect_success LACK 'with LACK' 'true'
	test_expect_success !LACK 'without LACK' 'test_have_prereq HAVE'
	test_expect_success 'fails' 'false'
	test_expect_success 'a broken chain' 'true
	true'
	test_expect_success HAVE,HAEV 'a typo' 'true'
	test_done
	EOF
	cat >"$1/t9002-away.sh" <<-\EOF &&
	. "$(dirname "$0")/lib.sh"
	setsid sleep 1000 </dev/null >/dev/null 2>&1 &
	echo $! >"$AWAY"
	test_expect_success 'runs away' 'sleep 1000'
	test_done
	EOF
	cat >"$1/t9003-after.sh" <<-\EOF
	. "$(dirname "$0")/lib.sh"
	test_expect_success 'after it' 'true'
	test_done
	EOF
}

test_expect_success 'lazy prerequisites: decided once, when named; skips and failures in TAP' '
	scripts e2e &&
	{ COUNTS=$PWD/counts bash e2e/t9001-lib.sh >out 2>&1; test $? = 1; } &&
	grep "^ok\|^not ok\|^#\|^1\.\." out >tap &&
	cat >expect <<-\EOF &&
	ok 1 - with HAVE
	# missing prerequisite LACK: none here
	ok 2 - with HAVE and LACK # SKIP (missing prerequisite LACK)
	ok 3 - with LACK # SKIP (missing prerequisite LACK)
	ok 4 - without LACK
	not ok 5 - fails
	not ok 6 - a broken chain (broken && chain)
	not ok 7 - a typo (unknown prerequisite HAEV: declare it with test_lazy_prereq)
	1..7
	# t9001-lib: 2 passed, 3 failed, 2 skipped
	EOF
	test_cmp expect tap &&
	test_grep "^RESULT 2 3 2$" out &&
	printf "HAVE\nLACK\n" >expect &&
	test_cmp expect counts
'

test_expect_success 'run.sh: a script past UPX_TEST_TIMEOUT is killed, named, cleaned up; the run goes on' '
	scripts e2e && mkdir tmp &&
	{ UPX_TEST_TIMEOUT=2 UPX_TEST_LOCK=$PWD/lock TMPDIR=$PWD/tmp COUNTS=$PWD/counts \
		AWAY=$PWD/away.pid sh e2e/run.sh >out 2>&1; code=$?; } &&
	test $code = 1 &&
	away=$(cat away.pid) &&
	test_grep "^\*\*\* t9002-away.sh: killed after 2 s (UPX_TEST_TIMEOUT)$" out &&
	test_grep "^    killed: $away sleep 1000 $" out &&
	test_gone_ $away &&
	test_grep "^ok 1 - after it$" out &&
	test_grep "^failed in: t9001-lib.sh t9002-away.sh$" out &&
	test_grep "^3 passed, 4 failed, 2 skipped$" out &&
	test_grep -v "left behind" out &&
	test -z "$(ls tmp)"
'

test_done
