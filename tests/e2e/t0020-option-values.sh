#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Option values, for every command, through the one option parser: a
# malformed value is a usage error (exit 2, as an unknown option is) whose
# message names the option and the value, before anything is attached; a
# mistyped long option gets the nearest ones suggested.
. "$(dirname "$0")/lib.sh"

# A table: the command and its arguments, then the text the message must hold
# (a grep pattern), separated by " | ".  Each line's other arguments are
# good, so that the value is the only fault.
cat >"$TRASH/malformed" <<'EOF'
trace --count --listen 127.0.0.1:99999 libc.so.6:getpid | option '--listen' expects ADDR:PORT, not '127.0.0.1:99999': '99999' is not a port number
trace --count --listen 9100 libc.so.6:getpid | option '--listen' expects ADDR:PORT, not '9100'
trace --count --listen [::1x]:80 libc.so.6:getpid | option '--listen' expects ADDR:PORT, not '\[::1x\]:80': '::1x' is not an IPv6 address
trace --count --listen ::1:80 libc.so.6:getpid | option '--listen' expects ADDR:PORT, not '::1:80': an IPv6 address goes in brackets
trace --pid 0 libc.so.6:getpid | option '--pid' expects a process id (a positive number), not '0'
trace -p -5 libc.so.6:getpid | option '--pid' expects a process id (a positive number), not '-5'
trace -p 12x libc.so.6:getpid | option '--pid' expects a process id (a positive number), not '12x'
trace --uid -5 libc.so.6:getpid | option '--uid' expects a user id (0 to 4294967294), not '-5'
trace --uid 4294967295 libc.so.6:getpid | option '--uid' expects a user id (0 to 4294967294), not '4294967295'
trace --count --top 0 libc.so.6:getpid | option '--top' expects a positive number, not '0'
trace --count --top -1 libc.so.6:getpid | option '--top' expects a positive number, not '-1'
trace --comm= libc.so.6:getpid | option '--comm' expects a value, not ''
trace --min lots libc.so.6:getpid | option '--min' expects a number (1M = 1048576) or a duration (20ms), not 'lots'
trace -a 7 libc.so.6:getpid | --args takes 0 to 6
trace --stack=gdb libc.so.6:getpid | --stack takes fp or dwarf, not 'gdb'
trace -m 1000 libc.so.6:getpid | --buffer-size must be a power of 2 from 4K to 1G
trace -d 0 libc.so.6:getpid | option '--duration' expects a number of seconds, not '0'
trace --count -i soon libc.so.6:getpid | option '--interval' expects a number of seconds, not 'soon'
trace --count --by 9x libc.so.6:getpid | --by '9x': expected comm, pid, tid, uid, probe
trace --hist arg9 libc.so.6:getpid | 'arg9': expected arg0..arg5, retval or a parameter name
exitcodes --listen 127.0.0.1:99999 | option '--listen' expects ADDR:PORT, not '127.0.0.1:99999'
exitcodes -p 0 | option '--pid' expects a process id (a positive number), not '0'
exitcodes --comm= | option '--comm' expects a value, not ''
exitcodes --metrics-file m.prom -i -1 | option '--interval' expects a number of seconds, not '-1'
lifetimes --listen localhost | option '--listen' expects ADDR:PORT, not 'localhost'
lifetimes -d forever | option '--duration' expects a number of seconds, not 'forever'
readline -p -1 | option '--pid' expects a process id (a positive number), not '-1'
readline -d 0 | option '--duration' expects a number of seconds, not '0'
list-syms --usdt -p 0 | option '--pid' expects a process id (a positive number), not '0'
list-syms --usdt --pid=-3 | option '--pid' expects a process id (a positive number), not '-3'
list-syms --debuginfod notaurl /bin/true | option '--debuginfod' expects URLs (http://HOST...), not 'notaurl'
trace --debuginfod http:/x libc.so.6:getpid | option '--debuginfod' expects URLs (http://HOST...), not 'http:/x'
EOF

test_expect_success ROOT 'a malformed option value: exit 2 in every command, the option and value named' '
	while IFS="|" read -r args msg; do
		# the words of args are split as a shell would (quotes in none of them)
		test_expect_code 2 upx $args >out 2>err || return 1
		cmd=${args%% *} &&
		test_grep "^upx $cmd: ${msg# }" err &&
		test_grep "^See .upx $cmd -h.\.$" err &&
		test_line_count = 2 err &&
		test ! -s out || return 1
	done <"$TRASH/malformed"
'

test_expect_success BPF 'nothing was attached by any of them' '
	test_no_leftover_links
'

test_expect_success 'every command of the table is a command with such options' '
	cut -d" " -f1 "$TRASH/malformed" | sort -u >cmds &&
	upx --list-cmds | sort >all &&
	comm -23 cmds all >unknown &&
	test ! -s unknown
'

# The suggestions: the arguments, then the hint line expected.
cat >"$TRASH/typos" <<'EOF'
trace --stak | did you mean: --stack?
trace --flame x.svg | did you mean: --flamegraph?
trace --metrics m.prom | did you mean: --metrics-file?
trace --no-folow | did you mean: --no-follow?
trace --mx 3 | did you mean: --max?
trace --hlep | did you mean: --hex, --help?
exitcodes --durration 1 | did you mean: --duration?
lifetimes --comn x | did you mean: --comm?
list-syms --imprted | did you mean: --imported?
ldd-resolve --tre | did you mean: --tree?
flamegraph --outptu x.svg | did you mean: --output?
EOF

test_expect_success ROOT 'a mistyped long option: the nearest ones suggested, exit 2' '
	while IFS="|" read -r args msg; do
		test_expect_code 2 upx $args >out 2>err || return 1
		cmd=${args%% *} && opt=${args#* } && opt=${opt%% *} &&
		printf "%s\n" "upx $cmd: unknown option '"'"'$opt'"'"'" "  ${msg# }" \
			"See '"'"'upx $cmd -h'"'"'." >expect &&
		test_cmp expect err &&
		test ! -s out || return 1
	done <"$TRASH/typos"
'

test_expect_success 'nothing near: no suggestion' '
	test_expect_code 2 upx list-syms --zzzzzzzz 2>err &&
	printf "%s\n" "upx list-syms: unknown option '"'"'--zzzzzzzz'"'"'" \
		"See '"'"'upx list-syms -h'"'"'." >expect &&
	test_cmp expect err
'

test_done
