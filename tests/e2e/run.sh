#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs every tests/e2e/tNNNN-*.sh (or those named) and ends with the totals:
#   N passed, N failed, N skipped
# Afterwards nothing the tests started may be left: no scratch directory
# (${TMPDIR:-/tmp}/upx-*), no process (each inherits UPX_TEST_RUN), no tmux
# server; what is left is named and counted as one failed test.
# A script that runs longer than UPX_TEST_TIMEOUT seconds (300; 900 for a
# SAN=1 build) is killed, named and counted as one failed test; what it
# started is killed and its scratch directories removed.
cd "$(dirname "$0")" || exit 1
passed=0 failed=0 skipped=0 broken=""
[ $# -gt 0 ] || set -- t[0-9]*.sh
tmp=${TMPDIR:-/tmp}
run_id=run$(basename "$(mktemp -u "$tmp/XXXXXXXX")")
export UPX_TEST_RUN="$run_id"

# the tmux servers there are now (another session's); the scratch
# directories of this run have its id in their name (lib.sh)
dirs_now() { find "$tmp" -maxdepth 1 -type d -name "upx-*.$run_id.*" | sort; }
tmux_now() { pgrep -x tmux | sort; }
tmux_before=$(tmux_now)
bound=${UPX_TEST_TIMEOUT:-$([ -n "${UPX_SAN:-}" ] && echo 900 || echo 300)}

# procs_left: the processes this run's tests started and left running.
# (What looks for them must not have the variable itself.)
procs_left() {
	(
		unset UPX_TEST_RUN
		grep -lsz -e "^UPX_TEST_RUN=$run_id\$" /proc/[0-9]*/environ 2>/dev/null |
			sed 's,^/proc/\([0-9]*\)/environ$,\1,'
	)
}
# overrun T: T ran past the bound and timeout killed its process group;
# what it started elsewhere (one script runs at a time) is killed, its
# scratch directories removed
overrun() {
	echo "*** $1: killed after $bound s (UPX_TEST_TIMEOUT)"
	for p in $(procs_left); do
		echo "    killed: $p $(tr '\0' ' ' </proc/$p/cmdline 2>/dev/null)"
		kill -9 "$p" 2>/dev/null
	done
	find "$tmp" -maxdepth 1 -type d -name "upx-${1%.sh}.$run_id.*" -exec rm -rf {} +
}

for t in "$@"; do
	t=$(basename "$t")
	echo "*** $t"
	# One test file at a time on the machine: another checkout's run (a
	# second worktree, a helper) would see this one's BPF programs as its
	# own leftovers and share its CPU time with the timing checks.
	# (timeout: SIGTERM to the script's process group, SIGKILL 10 s later)
	out=$(flock "${UPX_TEST_LOCK:-/tmp/upx-e2e.lock}" sh -c \
		'date +%s >"$1"; exec timeout -k 10 "$2" bash "./$3"' sh "$tmp/$run_id.start" "$bound" "$t" 2>&1)
	code=$?
	took=$(($(date +%s) - $(cat "$tmp/$run_id.start")))
	rm -f "$tmp/$run_id.start"
	echo "$out" | grep -v '^RESULT '
	if { [ "$code" = 124 ] || [ "$code" = 137 ]; } && [ "$took" -ge "$bound" ]; then
		overrun "$t"
		failed=$((failed + 1))
		broken="$broken $t"
		continue
	fi
	res=$(echo "$out" | sed -n 's/^RESULT //p' | tail -1)
	if [ -z "$res" ]; then
		echo "*** $t: died before test_done"
		failed=$((failed + 1))
		broken="$broken $t"
		continue
	fi
	read -r p f s <<EOT
$res
EOT
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	[ "$f" = 0 ] || broken="$broken $t"
done

# Leftovers: processes are given 2 s to finish exiting.
for _ in $(seq 40); do
	[ -z "$(procs_left)" ] && break
	sleep 0.05
done
# new_since BEFORE: the lines of stdin that are not lines of BEFORE
new_since() { grep -vxF -e "$1"; }
left=$(
	for p in $(procs_left); do
		echo "process $p: $(tr '\0' ' ' </proc/$p/cmdline 2>/dev/null)"
		kill -9 "$p" 2>/dev/null
	done
	for p in $(tmux_now | new_since "$tmux_before"); do
		echo "tmux server $p: $(tr '\0' ' ' </proc/$p/cmdline 2>/dev/null)"
	done
	dirs_now | sed 's/^/directory /'
)
if [ -n "$left" ]; then
	echo "*** left behind by the tests:"
	echo "$left" | sed 's/^/    /'
	failed=$((failed + 1))
	broken="$broken (leftovers)"
fi

[ -z "$broken" ] || echo "failed in:$broken"
[ "$skipped" = 0 ] || echo "WARNING: $skipped tests skipped (missing prerequisites, see SKIP lines above)"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
