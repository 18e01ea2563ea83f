#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# upx trace: bad probes and bad options get one clear line, a non-zero exit,
# and leave nothing attached.
. "$(dirname "$0")/lib.sh"

test_expect_success 'no probe is a usage error' '
	test_expect_code 2 upx trace 2>err && test_grep "no probe given" err
'

test_expect_success 'a spec without FUNCTION is a usage error' '
	test_expect_code 2 upx trace malloc 2>err &&
	test_grep "^upx trace: .malloc.: expected \[r:\]TARGET:FUNCTION" err
'

test_expect_success 'contradicting options are usage errors' '
	test_expect_code 2 upx trace --count --latency x:y 2>err &&
	test_grep "exclude each other" err &&
	test_expect_code 2 upx trace --str retval x:y 2>err &&
	test_grep "needs return probes" err &&
	test_expect_code 2 upx trace --hist arg9 x:y 2>err &&
	test_grep "arg0..arg5, retval or a parameter name" err &&
	test_expect_code 2 upx trace --args 2 r:x:y 2>err &&
	test_grep "arguments are gone" err &&
	test_expect_code 2 upx trace -p 1 x:y -- ls 2>err &&
	test_grep "exclude each other" err &&
	test_expect_code 2 upx trace x:y -- 2>err &&
	test_grep "no command after --" err &&
	test_expect_code 2 upx trace --latency r:x:y 2>err &&
	test_grep "without .r:." err
'

test_expect_success ROOT 'missing file' '
	test_expect_code 1 upx trace ./nonexistent:foo 2>err &&
	test_one_line_error err && test_grep "nonexistent" err
'

test_expect_success ROOT 'not an ELF file' '
	echo "hello" >text &&
	test_expect_code 1 upx trace ./text:foo 2>err &&
	test_one_line_error err && test_grep "not an ELF" err
'

test_expect_success ROOT 'a script names its interpreter' '
	printf "#!/usr/bin/env bash\necho hi\n" >shim && chmod +x shim &&
	test_expect_code 1 upx trace ./shim:main 2>err &&
	test_one_line_error err && test_grep "#!/usr/bin/env bash" err
'

test_expect_success ROOT 'missing function suggests the closest names' '
	test_expect_code 1 upx trace "$FIXTURES/uprobeme:fooo" 2>err &&
	test_grep "^upx trace: .*: no function named .fooo." err &&
	test_grep "did you mean: foo" err
'

test_expect_success ROOT 'a glob that matches nothing' '
	test_expect_code 1 upx trace "$FIXTURES/uprobeme:zz*" 2>err &&
	test_one_line_error err && test_grep "no function matches .zz\*." err
'

test_expect_success ROOT 'an import with no PLT stub (its address taken) names the library that defines it' '
	test_expect_code 1 upx trace "$FIXTURES/tracee:strlen" 2>err &&
	test_one_line_error err &&
	test_grep "only imported here, with no PLT stub to probe; it is defined in libc.so.6 (try .libc.so.6:strlen.)" err
'

test_expect_success ROOT 'an offset off an instruction boundary is refused' '
	test_expect_code 1 upx trace "$FIXTURES/uprobeme:foo+1" 2>err &&
	test_grep "instruction boundary" err
'

test_expect_success ROOT 'unreadable target' '
	cp "$FIXTURES/uprobeme" secret && chmod 000 secret &&
	test_expect_code 1 setpriv --reuid=65534 --regid=65534 --clear-groups \
		--inh-caps=-all upx trace "$PWD/secret:foo" 2>err &&
	test_one_line_error err
'

test_expect_success ROOT 'not root: one line saying what is needed' '
	test_expect_code 1 setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		upx trace libc.so.6:malloc 2>err &&
	test_one_line_error err && test_grep "needs root, or CAP_BPF and CAP_PERFMON" err
'

test_expect_success ROOT 'no such process' '
	test_expect_code 1 upx trace -p 999999999 libc.so.6:malloc 2>err &&
	test_one_line_error err && test_grep "no process" err
'

test_expect_success BPF 'a return probe on a Go program is refused unless --force' '
	objcopy --add-section .gopclntab=/dev/null "$FIXTURES/uprobeme" gofake &&
	test_expect_code 1 upx trace --count r:./gofake:foo -c "./gofake 1 0" 2>err &&
	test_one_line_error err && test_grep "Go program.*--force" err &&
	upx trace --count ./gofake:foo -c "./gofake 2 0" >out &&
	test_grep "^./gofake:foo  *2$" out &&
	upx trace --force --count r:./gofake:foo -c "./gofake 3 0" >out &&
	test_grep "^r:./gofake:foo  *3$" out
'

test_expect_success 'a bad --buffer-size is a usage error' '
	test_expect_code 2 upx trace -m 5000 x:y 2>err && test_grep "power of 2" err
'

test_expect_success BPF 'nothing stays attached after the errors' '
	test_no_leftover_links
'

test_done
