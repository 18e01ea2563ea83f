#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Privileges, as a table: uid 65534 with no capabilities, root without
# CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN, root without only CAP_SYS_ADMIN.
# Each tracing command either works (its probes go live, exit 0) or says in
# one line which capabilities it lacks and exits 1; list-syms and
# ldd-resolve work on readable files whatever the privileges.
. "$(dirname "$0")/lib.sh"

H=$FIXTURES/hostile
NEED="needs root, or CAP_BPF and CAP_PERFMON (e.g. 'sudo upx CMD ...')"

# WHO | setpriv arguments | what a tracing command does: "works" or "refused"
while IFS='|' read -r who args want; do
	for cmd in trace lifetimes exitcodes readline; do
		case $cmd in
		trace) a="trace --count $H:storm_fn -c true" ;;
		*) a="$cmd -d 0.2" ;;
		esac
		prereq=SETPRIV
		[ $want = refused ] || prereq=SETPRIV,BPF
		code=1
		[ $want = refused ] || code=0
		test_expect_success $prereq "$who: $cmd $want" '
			test_expect_code $code timeout 5 setpriv $args "$UPX" $a >out 2>err &&
			case $want in
			works) test_grep "^Tracing" err && test_line_count = 1 err ;;
			refused) test_one_line_error err && test_line_count = 0 out &&
				test_grep "^upx $cmd: $(echo "$NEED" | sed "s/CMD/$cmd/; s/[.()]/\\\\&/g")\$" err ;;
			esac &&
			test_no_leftover_links
		'
	done
	test_expect_success SETPRIV "$who: list-syms and ldd-resolve work on a readable file" '
		setpriv $args "$UPX" list-syms /bin/true >out &&
		upx list-syms /bin/true >want && test_cmp want out &&
		setpriv $args "$UPX" ldd-resolve /bin/true >out &&
		upx ldd-resolve /bin/true >want && test_cmp want out
	'
done <<EOF2
uid 65534, no capabilities|--reuid=65534 --regid=65534 --clear-groups --inh-caps=-all|refused
root without CAP_BPF, CAP_PERFMON, CAP_SYS_ADMIN|--inh-caps=-all --ambient-caps=-all --bounding-set=-bpf,-perfmon,-sys_admin|refused
root without CAP_SYS_ADMIN|--inh-caps=-all --ambient-caps=-all --bounding-set=-sys_admin|works
EOF2

test_done
