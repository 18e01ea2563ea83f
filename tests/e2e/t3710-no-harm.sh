#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# No harm: a python3 computation, `gzip | sha256sum` and a bash script
# print exactly what they print untraced (and exit the same way) under
# entry probes on every libc function, return probes on every libc function,
# --latency on every libc function, and with --follow into their children.
# (t3700 has the single return-probe cases: setjmp, vfork, longjmp, exit.)
. "$(dirname "$0")/lib.sh"

test_lazy_prereq PROGS 'command -v python3 && command -v gzip'

# each program writes what it computes to ./result (its stdout and stderr)
prog() {
	case $1 in
	python) echo 'python3 -c "import hashlib, json; print(sum(i * i for i in range(200000)), hashlib.sha256(b\"x\" * 100000).hexdigest(), json.dumps({\"a\": [1, 2.5]}))"' ;;
	gzip) echo 'gzip -c -6 "$UPX" | sha256sum; gzip -c "$UPX" | gzip -d | cmp - "$UPX" && echo same' ;;
	bash) echo 'for i in 1 2 3 4 5; do echo $((i * i)) $(echo x$i | tr x y); done; printf "%s\n" a b | sort -r; read -r l <"$UPX"; echo ${#l}' ;;
	esac
}

# untraced PROG: the reference output, in ../PROG.ref
for prg in python gzip bash; do
	test_expect_success PROGS "$prg untraced: the reference" '
		bash -c "{ $(prog $prg); } >result 2>&1; echo \$? >>result" &&
		test -s result && mv result ../$prg.ref
	'
done

for prg in python gzip bash; do
	for mode in "--follow libc.so.6:*" "--follow r:libc.so.6:*" "--follow --latency libc.so.6:*"; do
		test_expect_success BPF,PROGS "$prg under trace $mode: the same output" '
			case "$mode" in
			*--latency*) agg= ;;
			*) agg=--count ;;
			esac &&
			upx trace $agg $mode -- bash -c "{ $(prog $prg); } >result 2>&1; echo \$? >>result" \
				>out 2>err &&
			test_cmp ../$prg.ref result &&
			{ test_grep "^PROBE  *COUNT" out || test_grep "^@latency_ns\[" out; } &&
			test_no_leftover_links
		'
	done
done

test_done
