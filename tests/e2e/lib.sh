# SPDX-License-Identifier: GPL-2.0
# The end-to-end test library, git style: source it, then
#   test_expect_success 'title' 'commands'
#   test_expect_success BPF 'title' 'commands'     (needs the BPF prerequisite)
#   test_done
# Each test runs in its own scratch directory ($TRASH); `upx` is the binary
# under test.  A test fails when its commands' last status is non-zero.

set -u
TEST_NAME=$(basename "$0" .sh)
E2E_DIR=$(cd "$(dirname "$0")" && pwd)
SRC_DIR=$(cd "$E2E_DIR/../.." && pwd)
BUILD_DIR=$SRC_DIR/build
FIXTURES=$BUILD_DIR/fixtures
UPX=$SRC_DIR/upx
PATH=$SRC_DIR:$PATH
export SRC_DIR BUILD_DIR FIXTURES UPX PATH LC_ALL=C
TRASH=$(mktemp -d "${TMPDIR:-/tmp}/upx-$TEST_NAME.XXXXXX")
trap 'rm -rf "$TRASH"' EXIT
cd "$TRASH" || exit 1

test_count=0
test_passed=0
test_failed=0
test_skipped=0
PREREQS=" "

say() { printf '%s\n' "$*"; }

# Prerequisites -----------------------------------------------------------
test_set_prereq() { PREREQS="$PREREQS$1 "; }
test_have_prereq() { case "$PREREQS" in *" $1 "*) return 0 ;; esac; return 1; }

[ "$(id -u)" = 0 ] && test_set_prereq ROOT
# BPF: root and a kernel with BTF and uprobes.  Without it the tracing tests
# are skipped, loudly: on the project's machines and in CI this prereq holds.
if test_have_prereq ROOT && [ -r /sys/kernel/btf/vmlinux ] &&
	[ -e /sys/bus/event_source/devices/uprobe/type ]; then
	test_set_prereq BPF
fi
command -v bpftool >/dev/null 2>&1 && test_set_prereq BPFTOOL

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

# wait_for PATTERN FILE: up to 10 s for PATTERN to show up in FILE
wait_for() {
	for _ in $(seq 100); do
		grep -q -e "$1" "$2" 2>/dev/null && return 0
		sleep 0.1
	done
	say "    timed out waiting for '$1' in $2"
	return 1
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
test_expect_success() {
	prereq=
	if [ $# = 3 ]; then
		prereq=$1
		shift
	fi
	test_count=$((test_count + 1))
	for p in $(echo "$prereq" | tr , ' '); do
		if ! test_have_prereq "$p"; then
			test_skipped=$((test_skipped + 1))
			say "SKIP $test_count - $1 (missing prerequisite $p)"
			return 0
		fi
	done
	mkdir -p "$TRASH/t$test_count" && cd "$TRASH/t$test_count" || exit 1
	out=$TRASH/t$test_count.log
	if (eval "$2") >"$out" 2>&1; then
		test_passed=$((test_passed + 1))
		say "ok $test_count - $1"
	else
		test_failed=$((test_failed + 1))
		say "FAIL $test_count - $1"
		sed 's/^/    /' "$out" | tail -40
	fi
	cd "$TRASH" || exit 1
}

test_done() {
	say "# $TEST_NAME: $test_passed passed, $test_failed failed, $test_skipped skipped"
	say "RESULT $test_passed $test_failed $test_skipped"
	[ "$test_failed" = 0 ]
}
