#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Run the fuzz harnesses built by tests/fuzz/fuzz.mk (called by `make fuzz` / `make fuzz-smoke`).
#   tests/fuzz/run.sh DIR SECONDS [smoke] NAME...
# For each NAME: first every input of tests/fuzz/corpus/NAME is replayed (the seeds and the
# crash-* regression inputs: one that crashes again fails the run), then SECONDS of fuzzing
# starting from that corpus; new inputs go to DIR/corpus/NAME (smoke: to an empty
# DIR/smoke/NAME each time, with a fixed seed, so a run does not depend on earlier ones), a
# crash to DIR/artifacts/.  Prints the executions per target; exits 1 if any target failed.
dir=$1 secs=$2
shift 2
seed= new=corpus
if [ "$1" = smoke ]; then
	seed=-seed=1 new=smoke
	rm -rf "${dir:?}/smoke"
	shift
fi
export UPX_LD_SO_CACHE="$PWD/tests/fuzz/corpus/ldcache/seed-ldconfig"
export UPX_FUZZ_TARGET="$PWD/build/fixtures/cxxshop"
# ASan/UBSan stop at the first error; a leak is an error too.
export ASAN_OPTIONS="abort_on_error=0:detect_leaks=1:allocator_may_return_null=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
mkdir -p "$dir/artifacts" "$dir/logs"
failed=0
for name in "$@"; do
	bin=$dir/fuzz-$name
	seeds=tests/fuzz/corpus/$name
	log=$dir/logs/$name.log
	mkdir -p "$dir/$new/$name"
	opts="-timeout=10 -rss_limit_mb=2048 -close_fd_mask=3 -print_final_stats=1 \
-artifact_prefix=$dir/artifacts/$name-"
	start=$(date +%s)
	# shellcheck disable=SC2086
	if ! nice -n 10 "$bin" $opts -runs=0 "$seeds"/* > "$log.replay" 2>&1; then
		echo "fuzz $name: FAILED replaying $seeds (see $log.replay)"
		grep -m3 'ERROR\|invariant\|SUMMARY' "$log.replay" | sed 's/^/  /'
		failed=1
		continue
	fi
	# shellcheck disable=SC2086
	if nice -n 10 "$bin" $opts $seed -max_total_time="$secs" "$dir/$new/$name" "$seeds" \
		> "$log" 2>&1; then
		status=ok
	else
		status=FAILED
		failed=1
	fi
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
	corp=$(ls "$dir/$new/$name" | wc -l)
	echo "fuzz $name: $status, ${execs:-?} executions in $(($(date +%s) - start)) s" \
		"(${cov:-cov: ?}, $(ls "$seeds" | wc -l) seeds, $corp new inputs in $dir/$new/$name)"
	if [ $status = FAILED ]; then
		grep -m3 'ERROR\|invariant\|SUMMARY\|Test unit written' "$log" | sed 's/^/  /'
		echo "  keep it: cp $dir/artifacts/$name-crash-... $seeds/crash-NAME (after the fix)"
	fi
done
exit $failed
