#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Options, for every command, through the one option parser: a mistyped
# long option gets the nearest ones suggested.
. "$(dirname "$0")/lib.sh"

# The suggestions: the arguments, then the hint line expected.
cat >"$TRASH/typos" <<'EOF'
trace --stak | did you mean: --stack?
trace --flame x.svg | did you mean: --flamegraph?
trace --metrics m.prom | did you mean: --metrics-file?
trace --no-folow | did you mean: --no-follow?
trace --mx 3 | did you mean: --max?
trace --hlep | did you mean: --help?
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
