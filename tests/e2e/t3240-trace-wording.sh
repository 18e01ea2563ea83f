#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Counts in words: one call, one key, one process, one stack (singular where
# the count is 1, plural elsewhere), in tables, headers and warnings.
. "$(dirname "$0")/lib.sh"

T=$FIXTURES/tracee

test_expect_success BPF 'one probe, one file, one multi link; one call in a histogram header' '
	upx trace --hist arg0 $T:greet -c "$T greet 1" >out 2>err &&
	test_grep "^Tracing 1 probe in 1 file (1 multi link)\.$" err &&
	test_grep "^@arg0\[$T:greet\]: 1 call$" out &&
	upx trace --hist arg0 $T:greet -c "$T greet 2" >out 2>err &&
	test_grep "^@arg0\[$T:greet\]: 2 calls$" out
'

test_expect_success BPF '--by: one more key past --top, one call under a key' '
	upx trace --count --by arg0 --top 2 $T:greet -c "$T greet 3" >out 2>err &&
	test_grep "^\.\.\. 1 more key (--top 2)$" out &&
	upx trace --hist arg0 --by arg0 --top 2 $T:greet -c "$T greet 3" >out 2>err &&
	test_grep "^@arg0\[arg0=[0-2]\]: 1 call$" out &&
	test_grep "^\.\.\. 1 more key (--top 2)$" out
'

test_expect_success BPF '--top: probes past it said as keys are, in counts and histograms' '
	upx trace --count --top 1 $T:greet $T:nap -c "$T greet 2" >out 2>err &&
	test_grep "^$T:greet  *2$" out &&
	test_grep "^\.\.\. 1 more probe (--top 1)$" out &&
	! grep ":nap" out &&
	upx trace --hist arg0 --top 1 $T:greet $T:nap -c "$T greet 2" >out 2>err &&
	test_grep "^@arg0\[$T:greet\]: 2 calls$" out &&
	test_grep "^\.\.\. 1 more probe (--top 1)$" out &&
	! grep ":nap" out
'

test_expect_success BPF 'a full --by map of one key: one call not counted' '
	upx trace --count --by arg0 --by-size 1 $T:greet -c "$T greet 2" >out 2>err &&
	test_grep "the --by map is full (1 key): 1 call under other keys not counted" err
'

test_expect_success BPF 'lifetimes: one process' '
	upx lifetimes --comm tracee -c "$T greet 1" >out 2>err &&
	test_grep "^@lifetime_ns\[tracee\]: 1 process$" out
'

test_done
