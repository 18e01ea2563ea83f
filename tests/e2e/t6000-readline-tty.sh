#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# upx readline, for real: interactive bash and python3 under a terminal
# (tmux), commands typed key by key.  A shell already waiting at its prompt
# before upx starts must not lose its first command; no line is shown twice;
# escapes are shown escaped; long lines whole up to 4096 bytes, then cut.
. "$(dirname "$0")/lib.sh"

test_lazy_prereq TMUX 'command -v tmux'
# Each test has its own tmux server, its socket in $TRASH; it is killed, and
# gone, when the test ends.
tm() { tmux -S "$TRASH/tmux.sock" -f /dev/null "$@"; }
tm_stop() {
	server=$(tm display-message -p "#{pid}" 2>/dev/null) || return 0
	tm kill-server 2>/dev/null
	wait_gone "$server" 5
}

# wait_prompt SESSION PROMPT: up to 10 s until the last line on screen is PROMPT
wait_prompt() {
	wait_until 10 prompt_is "$1" "$2" >/dev/null && return 0
	say "    no prompt '$2' in $1:"
	tm capture-pane -p -t "$1" | sed '/^$/d; s/^/    | /' | tail -5
	return 1
}

# prompt_is SESSION PROMPT: the last line on screen is PROMPT
prompt_is() {
	[ "$(tm capture-pane -p -t "$1" | sed '/^$/d' | tail -1)" = "$2" ]
}

# start_shell SESSION: an interactive bash waiting at the prompt "READY$",
# without a history file; it has the test's UPX_TEST_ID (the runner looks
# for what is left by it).  The first one starts the server.
start_shell() {
	if ! tm has-session 2>/dev/null; then
		test_when_finished tm_stop
	fi &&
	tm new-session -d -s "$1" -x 200 -y 50 \
		"env -i TERM=xterm PATH='$PATH' HOME='$TRASH' HISTFILE= UPX_TEST_ID='$UPX_TEST_ID' \
			PS1='READY\$ ' bash --norc --noprofile" &&
	wait_prompt "$1" 'READY$'
}

# pane_pid SESSION: the pid of the shell in SESSION
pane_pid() {
	tm display-message -p -t "$1" "#{pane_pid}"
}

# prompts SESSION: how many lines of SESSION, its history too, begin with the prompt
prompts() {
	tm capture-pane -p -S - -t "$1" | grep -c '^READY\$'
}

# prompts_past SESSION N: more than N prompts, the last line an empty one
prompts_past() {
	[ "$(prompts "$1")" -gt "$2" ] && prompt_is "$1" 'READY$'
}

# type_line SESSION TEXT: type TEXT and Enter, then wait for the next prompt (a new one:
# the prompt the text was typed after is the last line until the shell echoes it)
type_line() {
	n=$(prompts "$1") &&
	tm send-keys -t "$1" -l "$2" && tm send-keys -t "$1" Enter &&
	{ wait_until 10 prompts_past "$1" "$n" || wait_prompt "$1" 'READY$ (a new one)'; }
}

# commands OUT: the COMMAND column of the event lines (TIME PID COMM are fixed width)
commands() {
	sed 1d "$1" | cut -c42-
}

LONG300=": $(printf '%0298d' 0 | tr 0 a)"
LONG5000=": $(printf '%04998d' 0 | tr 0 b)"

test_expect_success BPF,TMUX 'a shell waiting before upx started: every line, once, escaped' '
	start_shell s1 &&
	shell_pid=$(pane_pid s1) &&
	# -d: a safety net, it is stopped long before
	{ upx readline -d 60 >out 2>err & } &&
	u=$! &&
	test_when_finished "test_kill $u" &&
	wait_for "^Tracing" err &&
	type_line s1 "echo first line" &&
	# ESC typed for real: Ctrl-V Esc inserts it into the line
	tm send-keys -t s1 -l "printf '"'"'" && tm send-keys -t s1 C-v Escape &&
	tm send-keys -t s1 -l "[31mred" && tm send-keys -t s1 C-v Escape &&
	tm send-keys -t s1 -l "[0m\\n'"'"'" && type_line s1 "" &&
	tm send-keys -t s1 -l "echo a" && tm send-keys -t s1 C-v Tab && type_line s1 "b" &&
	type_line s1 "$LONG300" &&
	type_line s1 "" &&
	type_line s1 "$LONG5000" &&
	tm send-keys -t s1 C-d &&
	# once the shell is gone all its lines were read; upx shows them on SIGINT
	wait_gone $shell_pid &&
	kill -INT $u &&
	wait_exit $u 10 &&
	{
		echo "echo first line" &&
		echo "printf '"'"'\\x1b[31mred\\x1b[0m\\\\n'"'"'" &&
		echo "echo a\\tb" &&
		echo "$LONG300" &&
		echo "" &&
		echo "$(echo "$LONG5000" | cut -c1-4096) [cut: longer than 4096 bytes]"
	} >expect &&
	commands out >actual &&
	test_cmp expect actual &&
	sed 1d out | awk "{ print \$2, \$3 }" | sort -u >who &&
	echo "$shell_pid bash" >expect-who && test_cmp expect-who who
'

test_expect_success BPF,TMUX 'python3 (libreadline) and a shell started after upx, as JSON' '
	{ upx readline -d 60 --json >out 2>err & } &&
	u=$! &&
	test_when_finished "test_kill $u" &&
	# --json prints no "Tracing" line: the probes are live once it holds its links
	wait_attached $u &&
	start_shell s2 &&
	type_line s2 "echo second shell" &&
	tm send-keys -t s2 -l "python3 -q" && tm send-keys -t s2 Enter &&
	wait_prompt s2 ">>>" &&
	tm send-keys -t s2 -l "1+41" && tm send-keys -t s2 Enter &&
	wait_prompt s2 ">>>" &&
	tm send-keys -t s2 -l "6*7" && tm send-keys -t s2 Enter &&
	wait_prompt s2 ">>>" &&
	tm send-keys -t s2 C-d && wait_prompt s2 "READY\$" &&
	kill -INT $u &&
	wait_exit $u 10 &&
	python3 -c "
import json
lines = [json.loads(l) for l in open(\"out\")]
got = [(l[\"comm\"], l[\"command\"], l[\"truncated\"]) for l in lines]
want = [(\"bash\", \"echo second shell\", False), (\"bash\", \"python3 -q\", False),
        (\"python3\", \"1+41\", False), (\"python3\", \"6*7\", False)]
assert got == want, got
"
'

test_expect_success BPF,TMUX '-p: only that shell; ends when it exits' '
	start_shell s3 && start_shell s4 &&
	p3=$(pane_pid s3) &&
	{ upx readline -d 60 -p $p3 >out 2>err & } &&
	u=$! &&
	test_when_finished "test_kill $u" &&
	wait_for "^Tracing" err &&
	type_line s4 "echo not this one" &&
	type_line s3 "echo this one" &&
	tm send-keys -t s3 -l "exit" && tm send-keys -t s3 Enter &&
	# it ends by itself once the shell is gone
	wait_exit $u 5 &&
	printf "echo this one\nexit\n" >expect &&
	commands out >actual && test_cmp expect actual &&
	test "$(sed 1d out | awk "{ print \$2 }" | sort -u)" = "$p3"
'

test_expect_success BPF 'a process without readline: one clear line' '
	{ sleep 10 & } &&
	s=$! &&
	test_when_finished "test_kill $s" &&
	wait_exec $s sleep &&
	test_expect_code 1 upx readline -p $s 2>err &&
	test_one_line_error err &&
	test_grep "process $s has neither bash nor libreadline.so.8 mapped" err
'

test_expect_success ROOT 'bad arguments are usage errors' '
	test_expect_code 2 upx readline stray 2>err && test_grep "unexpected argument" err &&
	test_expect_code 2 upx readline -c true 2>err
'

test_expect_success BPF 'nothing stays attached' '
	test_no_leftover_links
'

test_done
