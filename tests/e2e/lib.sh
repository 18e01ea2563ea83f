# SPDX-License-Identifier: GPL-2.0
# The end-to-end test library, git style: source it, then
#   test_expect_success 'title' 'commands'
#   test_expect_success BPF 'title' 'commands'     (needs the BPF prerequisite)
#   test_done
# Each test runs in a subshell in its own scratch directory ($TRASH/tN);
# `upx` is the binary under test.  A test fails when its commands' status is
# non-zero, when its && chain is broken (checked before it runs), when a
# test_when_finished cleanup fails, or when it leaves a process running.

set -u
TEST_NAME=$(basename "$0" .sh)
E2E_DIR=$(cd "$(dirname "$0")" && pwd)
SRC_DIR=$(cd "$E2E_DIR/../.." && pwd)
# `make test` says which build to test (SAN=1: build-san/upx); by hand: ./upx.
BUILD_DIR=${UPX_BUILD_DIR:-$SRC_DIR/build}
FIXTURES=$BUILD_DIR/fixtures
UPX=${UPX:-$SRC_DIR/upx}
PATH=$(dirname "$UPX"):$PATH
export SRC_DIR BUILD_DIR FIXTURES UPX PATH LC_ALL=C
# No shell of a test keeps a history file (bash writes one on SIGHUP).
unset HISTFILE
# Under run.sh the name has the run's id: what is left is found by name.
TRASH=$(mktemp -d "${TMPDIR:-/tmp}/upx-$TEST_NAME.${UPX_TEST_RUN:+$UPX_TEST_RUN.}XXXXXX")
cd "$TRASH" || exit 1
LF='
'

test_count=0
test_passed=0
test_failed=0
test_skipped=0

say() { printf '%s\n' "$*"; }

# Processes -----------------------------------------------------------------
# Every program a test starts inherits UPX_TEST_ID=$TEST_NAME-$$-tN in its
# environment, so what is still running after the test is found in /proc
# (children of children and reparented ones too), reported and killed.

# test_pids_ ID-REGEX: the processes whose environment has a UPX_TEST_ID matching it
test_pids_() {
	grep -lsz -e "^UPX_TEST_ID=$1" /proc/[0-9]*/environ 2>/dev/null |
		sed 's,^/proc/\([0-9]*\)/environ$,\1,'
}

# test_reap_ ID-REGEX: up to 2 s for those processes to exit, then kill -9
# and name them; fails when there were any left.
test_reap_() {
	for _ in $(seq 40); do
		left=$(test_pids_ "$1")
		[ -z "$left" ] && return 0
		sleep 0.05
	done
	reaped=
	for p in $left; do
		cmd=$(tr '\0' ' ' </proc/$p/cmdline 2>/dev/null)
		# an empty command line: it has just exited
		[ -n "$cmd" ] || continue
		say "    left running: $p $cmd"
		kill -9 "$p" 2>/dev/null
		reaped=1
	done
	for _ in $(seq 40); do
		[ -z "$(test_pids_ "$1")" ] && break
		sleep 0.05
	done
	[ -z "$reaped" ]
}

# The end of the file, however it comes: what tests left running is killed
# and gone before $TRASH is removed.
test_atexit_() {
	test_reap_ "$TEST_NAME-$$-t" >/dev/null 2>&1
	rm -rf "$TRASH"
}
trap test_atexit_ EXIT

# Prerequisites -----------------------------------------------------------
# As git's test_lazy_prereq: a prerequisite is declared once, with the shell
# code that decides it; that code runs the first time a test names the
# prerequisite (in a subshell, in a scratch directory of its own, stdin
# closed) and its answer is kept for the rest of the file.  A test whose
# prerequisite is missing is skipped, loudly; when the code printed a reason
# before failing, its last line is said once.  A prerequisite can also be
# set outright (test_set_prereq) and named negated (!NAME).
PREREQS=" " MISSING_PREREQS=" " LAZY_PREREQS=" "
test_set_prereq() { PREREQS="$PREREQS$1 "; }
test_lazy_prereq() {
	LAZY_PREREQS="$LAZY_PREREQS$1 "
	eval "test_prereq_code_$1=\$2"
}
test_have_prereq() {
	case "$1" in
	!*) ! test_have_prereq "${1#!}"; return ;;
	esac
	case "$PREREQS" in *" $1 "*) return 0 ;; esac
	case "$MISSING_PREREQS" in *" $1 "*) return 1 ;; esac
	case "$LAZY_PREREQS" in *" $1 "*) test_run_lazy_prereq_ "$1" ;; *) return 1 ;; esac
}
test_run_lazy_prereq_() {
	eval "prereq_code_=\$test_prereq_code_$1"
	prereq_out_=$TRASH/prereq-$1
	if mkdir -p "$prereq_out_.d" &&
		(cd "$prereq_out_.d" && eval "$prereq_code_") >"$prereq_out_.out" 2>&1 </dev/null; then
		rm -rf "$prereq_out_.d" "$prereq_out_.out"
		test_set_prereq "$1"
		return 0
	fi
	MISSING_PREREQS="$MISSING_PREREQS$1 "
	prereq_why_=$(sed '/^[[:space:]]*$/d' "$prereq_out_.out" 2>/dev/null | tail -1)
	[ -z "$prereq_why_" ] || say "# missing prerequisite $1: $prereq_why_"
	rm -rf "$prereq_out_.d" "$prereq_out_.out"
	return 1
}

# The prerequisites more than one file names.  Tracing tests need BPF: root
# and a kernel with BTF and uprobes (on the project's machines and in CI it
# holds; elsewhere those tests are skipped, loudly).
test_lazy_prereq ROOT 'test "$(id -u)" = 0'
test_lazy_prereq BPF '
	test_have_prereq ROOT && test -r /sys/kernel/btf/vmlinux &&
	test -e /sys/bus/event_source/devices/uprobe/type
'
test_lazy_prereq BPFTOOL 'command -v bpftool'
test_lazy_prereq GCC 'command -v gcc'
# gcc and the binutils it builds with (objcopy, nm, readelf, objdump)
test_lazy_prereq TOOLCHAIN '
	test_have_prereq GCC &&
	command -v objcopy && command -v nm && command -v readelf && command -v objdump
'
test_lazy_prereq PYTHON3 'command -v python3'
# Debian's python3.11, as installed (not a pyenv build)
test_lazy_prereq PYTHON311 'test -x /usr/bin/python3.11'
# setpriv drops capabilities: only root has them to drop
test_lazy_prereq SETPRIV 'test_have_prereq ROOT && command -v setpriv'
test_lazy_prereq PROMTOOL '
	command -v promtool || { echo "no promtool (prometheus): run tools/install-deps.sh"; false; }
'
# / is a mount point: not so when the suite runs in a chroot (a debootstrap
# tree), where a new mount namespace and /proc/PID/root differ from here
test_lazy_prereq REALROOT '
	mountpoint -q / || { echo "/ is not a mount point here (the suite runs in a chroot)"; false; }
'

# Assertions --------------------------------------------------------------
test_cmp() {
	diff -u "$1" "$2"
}

# test_grep [-v] PATTERN FILE: like grep -q, but shows the file on failure.
test_grep() {
	if [ "$1" = "-v" ]; then
		shift
		if grep -q -e "$1" "$2"; then
			say "    unexpected '$1' in $2:"; sed 's/^/    | /' "$2" | head -20
			return 1
		fi
		return 0
	fi
	if ! grep -q -e "$1" "$2"; then
		say "    no '$1' in $2:"; sed 's/^/    | /' "$2" | head -20
		return 1
	fi
}

# test_line_count = N FILE
test_line_count() {
	n=$(wc -l < "$3")
	if ! [ "$n" "-$(echo "$1" | sed 's/^=$/eq/;s/^<$/lt/;s/^>$/gt/;s/^-//')" "$2" ]; then
		say "    expected $1 $2 lines in $3, got $n"
		return 1
	fi
}

# The waits poll every 0.05 s; SECONDS may be a fraction.  A wait's SECONDS
# bound a hang, they promise nothing about speed (that is `make bench`'s): a
# SAN=1 build, slower, is given three times as long.
test_secs_() {
	awk -v s="$1" -v k="${UPX_SAN:+3}" 'BEGIN { print s * (k ? k : 1) }'
}
test_ticks_() {
	awk -v s="$(test_secs_ "$1")" 'BEGIN { print int(s * 20 + 0.5) }'
}

# TEST_STOP_S: how long a stop (a signal, -d, a closed pipe, the traced
# process gone) may take before it counts as a hang.  How fast stops are is
# measured by `make bench` (figure 11: within 100 ms of SIGINT under a storm).
TEST_STOP_S=10

# wait_for PATTERN FILE [SECONDS]: until PATTERN shows up in FILE, 10 s at most
wait_for() {
	n=$(test_ticks_ "${3:-10}")
	while [ "$n" -gt 0 ]; do
		grep -q -e "$1" "$2" 2>/dev/null && return 0
		sleep 0.05
		n=$((n - 1))
	done
	say "    timed out waiting for '$1' in $2:"
	sed 's/^/    | /' "$2" 2>/dev/null | tail -10
	return 1
}

# wait_until SECONDS COMMAND...: until COMMAND succeeds, SECONDS at most
wait_until() {
	n=$(test_ticks_ "$1")
	shift
	while [ "$n" -gt 0 ]; do
		"$@" && return 0
		sleep 0.05
		n=$((n - 1))
	done
	say "    timed out waiting for: $*"
	return 1
}

# wait_exit PID SECONDS: the exit status of the background job PID, which
# must end within SECONDS; if it does not, it is killed (-9) and this fails.
wait_exit() {
	n=$(test_ticks_ "$2")
	while kill -0 "$1" 2>/dev/null &&
		[ "$(awk '{ print $3 }' /proc/"$1"/stat 2>/dev/null)" != Z ]; do
		if [ "$n" -le 0 ]; then
			say "    process $1 still running after $2 s: killed"
			kill -9 "$1" 2>/dev/null
			wait "$1" 2>/dev/null
			return 124
		fi
		sleep 0.05
		n=$((n - 1))
	done
	wait "$1"
}

# test_kill PID...: for a test_when_finished: the background jobs PID are
# sent SIGTERM (if still there) and waited for, 5 s at most each.
test_kill() {
	for p in "$@"; do
		kill "$p" 2>/dev/null
		wait_exit "$p" 5 2>/dev/null
	done
	return 0
}

# wait_wakeups PID N [SECONDS]: until PID has been scheduled N more times
# (/proc/PID/schedstat): a process that sleeps in a loop has gone round it.
wait_wakeups() {
	w0=$(awk '{ print $3 }' /proc/"$1"/schedstat) &&
	wait_until "${3:-10}" test_woken_ "$1" $((w0 + $2))
}
test_woken_() {
	[ "$(awk '{ print $3 }' /proc/"$1"/schedstat 2>/dev/null || echo 0)" -ge "$2" ]
}

# test_timeout SECONDS CMD...: CMD, killed (status 124) if it has not ended
# within SECONDS, scaled as the waits are: a guard against a hang.
test_timeout() {
	t_=$(test_secs_ "$1") &&
	shift &&
	timeout "$t_" "$@"
}

# wait_lines FILE N [SECONDS]: until FILE has N lines or more
wait_lines() {
	wait_until "${3:-10}" test_lines_ "$1" "$2"
}
test_lines_() {
	[ "$(wc -l <"$1" 2>/dev/null || echo 0)" -ge "$2" ]
}

# wait_cpu PID TICKS [SECONDS]: until the threads of PID have run TICKS more
# clock ticks (/proc/PID/stat's utime + stime, 1/100 s): a program that calls
# a function in a loop has gone round it, however busy the machine is.
wait_cpu() {
	c0=$(test_cpu_ "$1") &&
	wait_until "${3:-10}" test_cpu_ge_ "$1" $((c0 + $2))
}
test_cpu_() {
	# the fields after "(comm)", which may hold spaces: utime and stime are 12th and 13th
	sed 's/.*) //' /proc/"$1"/stat 2>/dev/null | awk '{ print $12 + $13 }'
}
test_cpu_ge_() {
	[ "$(test_cpu_ "$1")" -ge "$2" ]
}

# wait_write_blocked PID [SECONDS]: until PID waits in write(2) to its stdout
# (/proc/PID/syscall): the pipe it writes to is full.
wait_write_blocked() {
	wait_for "^1 0x1 " /proc/"$1"/syscall "${2:-10}"
}

# wait_exec PID PROGRAM [SECONDS]: until the background job PID has exec'd
# PROGRAM (a path, or a name looked up in PATH): before that it is a copy of
# the shell, with the shell's libraries mapped.
wait_exec() {
	case "$2" in
	*/*) want=$(readlink -f "$2") ;;
	*) want=$(readlink -f "$(command -v "$2")") ;;
	esac
	wait_until "${3:-10}" test_is_exe_ "$1" "$want"
}
test_is_exe_() {
	[ "$(readlink "/proc/$1/exe" 2>/dev/null)" = "$2" ]
}

# wait_gone PID [SECONDS]: until PID (not necessarily a child) has exited
wait_gone() {
	wait_until "${2:-10}" test_gone_ "$1"
}
test_gone_() {
	! kill -0 "$1" 2>/dev/null ||
		[ "$(awk '{ print $3 }' /proc/"$1"/stat 2>/dev/null)" = Z ]
}

# wait_attached PID [SECONDS]: until upx (PID) holds a BPF link or a perf
# event: its probes are live.  For the modes that print no "Tracing" line.
wait_attached() {
	wait_until "${2:-10}" test_attached_ "$1"
}
test_attached_() {
	ls -l "/proc/$1/fd" 2>/dev/null | grep -q -e "anon_inode:bpf_link" -e "anon_inode:\[perf_event\]"
}

# test_expect_code CODE CMD...: run CMD, require exit status CODE.
test_expect_code() {
	want=$1
	shift
	"$@"
	got=$?
	if [ "$got" != "$want" ]; then
		say "    expected exit $want from '$*', got $got"
		return 1
	fi
}

# test_one_line FILE: exactly one line, naming the command (an error message).
test_one_line_error() {
	test_line_count = 1 "$1" && test_grep '^upx [a-z-]*: ' "$1"
}

# test_usage_errors CMD: each line of stdin is "ARGS|TEXT"; `upx CMD ARGS` (split by
# the shell, no quotes in them) exits 2 before anything is attached, prints nothing on
# stdout and two lines on stderr: "upx CMD: ..." holding TEXT (a fixed string), then
# the hint "See 'upx CMD -h'.".
test_usage_errors() {
	while IFS="|" read -r args text; do
		test_expect_code 2 upx "$1" $args >out 2>err &&
		head -n 1 err >first &&
		test_grep "^upx $1: " first &&
		{ grep -qF -- "$text" first || { say "    no '$text' in: $(cat first)"; false; }; } &&
		test_grep "^See .upx $1 -h.\.$" err &&
		test_line_count = 2 err &&
		test ! -s out || return 1
	done
}

# IDs of the loaded BPF programs named upx_*, one per line.
upx_prog_ids() {
	bpftool prog show 2>/dev/null | sed -n 's/^\([0-9]*\): .* name upx_.*/\1/p'
}
# What was loaded before this test file began (another session's run) is not ours.
test_have_prereq BPFTOOL && upx_prog_ids >"$TRASH/progs-before"

# No upx program (so no uprobe link) loaded since this file began is left.
# The kernel frees a program 20-100 ms after its last file descriptor closes,
# so a program still listed is looked for again for up to 2 s before failing.
test_no_leftover_links() {
	test_have_prereq BPFTOOL || return 0
	for _ in $(seq 40); do
		left=$(upx_prog_ids | grep -vxF -f "$TRASH/progs-before")
		[ -z "$left" ] && return 0
		sleep 0.05
	done
	say "    upx BPF programs still loaded 2 s after upx exited:"
	for id in $left; do
		bpftool prog show id "$id" | sed 's/^/    | /'
	done
	return 1
}

# Runner ------------------------------------------------------------------
# test_when_finished COMMANDS: run COMMANDS when the test ends, whatever way
# it ends (a failed command, exit, return); the last registered runs first.
# It runs in the test's shell, so `wait` works on the test's jobs.  A failed
# cleanup fails the test.
test_when_finished() {
	test_cleanup_="{ $*$LF} || test_cleanup_failed_=\$((test_cleanup_failed_ + 1))$LF$test_cleanup_"
}

# The EXIT trap of a test's subshell: the cleanups, then the test's status.
test_finish_() {
	ret=$1
	trap - EXIT
	test_cleanup_failed_=0
	eval "$test_cleanup_"
	if [ "$test_cleanup_failed_" != 0 ]; then
		say "    $test_cleanup_failed_ test_when_finished cleanup(s) failed"
		[ "$ret" != 0 ] || ret=1
	fi
	exit "$ret"
}

# Is the && chain of BODY whole?  As git does: with `(exit 117) &&` in front
# a whole chain runs nothing and ends with status 117; a command after a
# broken link (`;`, a newline without &&, `&`) runs and changes the status.
# The status is written to a file (not read through a pipe a background
# command could hold open).
test_chain_ok_() {
	rm -f "$TRASH/chain"
	(eval "(exit 117) && $1$LF${LF}echo \$? >\"\$TRASH/chain\"") </dev/null >/dev/null 2>&1
	[ "$(cat "$TRASH/chain" 2>/dev/null)" = 117 ]
}

test_expect_success() {
	prereq=
	if [ $# = 3 ]; then
		prereq=$1
		shift
	fi
	test_count=$((test_count + 1))
	# UPX_TEST_CHAIN_ONLY=1: every test's chain is checked, none is run
	[ -n "${UPX_TEST_CHAIN_ONLY:-}" ] && prereq=
	for p in $(echo "$prereq" | tr , ' '); do
		# a name nobody declared (a typo, a rename) would skip the test quietly
		case "$PREREQS$LAZY_PREREQS" in *" ${p#!} "*) continue ;; esac
		test_failed=$((test_failed + 1))
		say "not ok $test_count - $1 (unknown prerequisite ${p#!}: declare it with test_lazy_prereq)"
		return 0
	done
	for p in $(echo "$prereq" | tr , ' '); do
		if ! test_have_prereq "$p"; then
			test_skipped=$((test_skipped + 1))
			say "ok $test_count - $1 # SKIP (missing prerequisite $p)"
			return 0
		fi
	done
	mkdir -p "$TRASH/t$test_count" && cd "$TRASH/t$test_count" || exit 1
	out=$TRASH/t$test_count.log
	id=$TEST_NAME-$$-t$test_count
	if ! UPX_TEST_ID=$id.lint test_chain_ok_ "$2"; then
		test_reap_ "$id\.lint" >/dev/null
		test_failed=$((test_failed + 1))
		say "not ok $test_count - $1 (broken && chain)"
		say "$2" | sed 's/^/    /'
		cd "$TRASH" || exit 1
		return 0
	fi
	if [ -n "${UPX_TEST_CHAIN_ONLY:-}" ]; then
		test_passed=$((test_passed + 1))
		say "ok $test_count - $1 (chain only)"
		cd "$TRASH" || exit 1
		return 0
	fi
	(
		export UPX_TEST_ID=$id
		test_cleanup_=
		trap 'test_finish_ $?' EXIT
		eval "$2"
	) >"$out" 2>&1 </dev/null
	ret=$?
	test_reap_ "$id\$" >>"$out" 2>&1 || ret=1
	if [ "$ret" = 0 ]; then
		test_passed=$((test_passed + 1))
		say "ok $test_count - $1"
	else
		test_failed=$((test_failed + 1))
		say "not ok $test_count - $1"
		sed 's/^/    /' "$out" | tail -40
	fi
	cd "$TRASH" || exit 1
}

test_done() {
	say "1..$test_count"
	say "# $TEST_NAME: $test_passed passed, $test_failed failed, $test_skipped skipped"
	say "RESULT $test_passed $test_failed $test_skipped"
	[ "$test_failed" = 0 ]
}
