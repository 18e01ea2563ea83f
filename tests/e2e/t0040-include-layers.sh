#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The direction of core/'s folders (base < output < symbols < target < plan <
# stack < run) and no include circles, as tools/check-includes.py reads the
# #include lines; on the tree itself, and on copies with a breach added.
. "$(dirname "$0")/lib.sh"

test_expect_success 'core/ includes only downwards, without circles' '
	python3 "$SRC_DIR/tools/check-includes.py" "$SRC_DIR" >out &&
	test_cmp /dev/null out
'

# breach FILE LINE: a copy of the tree's core/ in ./tree, LINE appended to FILE in it
breach() {
	rm -rf tree && mkdir tree && cp -r "$SRC_DIR/core" tree/ &&
	echo "$2" >>"tree/core/$1"
}

test_expect_success 'an include of a folder above is a breach' '
	breach output/hist.c "#include \"plan/plan.h\"" &&
	test_expect_code 1 python3 "$SRC_DIR/tools/check-includes.py" tree >out &&
	grep -x "core/output/hist.c includes plan/plan.h: output/ is below plan/" out
'

test_expect_success 'a circle within a folder is a breach' '
	breach run/child.c "#include \"run/events.h\"" &&
	test_expect_code 1 python3 "$SRC_DIR/tools/check-includes.py" tree >out &&
	echo "include circle: run/child -> run/events -> run/child" >expect &&
	test_cmp expect out
'

test_expect_success 'a file outside the folders is a breach' '
	breach base/util.h "" && : >tree/core/stray.c &&
	test_expect_code 1 python3 "$SRC_DIR/tools/check-includes.py" tree >out &&
	grep -x "core/stray.c: a file outside the folders of core/" out
'

# What core owns, the plugins leave alone: their messages go through
# core/base/usage.c (error(), warning(), note(), status_line()), and the lost
# counter, its report and its metric are core/run/'s.
test_expect_success 'no plugin writes a message to stderr itself' '
	{ grep -nE "[(,] *stderr\b" "$SRC_DIR"/plugins/*.c || :; } >out &&
	test_cmp /dev/null out
'

test_expect_success 'no plugin reads the lost counter, reports it or serves its metric' '
	{ grep -nE "STAT_LOST|report_lost|upx_events_lost" "$SRC_DIR"/plugins/*.c || :; } >out &&
	test_cmp /dev/null out
'

test_done
