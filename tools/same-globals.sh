#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# same-globals.sh A.skel.h NAME_A B.skel.h NAME_B: the globals of two BPF
# skeletons (their rodata, data, bss and kconfig structs) are laid out alike,
# so that user space may write one object's through the other's type
# (plugins/trace.c: trace.bpf.c and trace-stack.bpf.c).  Exit 1, saying
# which differ, when they are not.
set -e
globals() {
	for sec in rodata data bss kconfig; do
		sed -n "/^	struct $2__$sec {/,/^	} \*$sec;/p" "$1" | sed "s/$2/SKEL/g"
	done
}
a=$(globals "$1" "$2")
b=$(globals "$3" "$4")
if [ "$a" != "$b" ]; then
	echo "same-globals: the globals of $1 and $3 are not laid out alike:" >&2
	printf '%s\n' "$a" >"${TMPDIR:-/tmp}/same-globals.$$.a"
	printf '%s\n' "$b" | diff "${TMPDIR:-/tmp}/same-globals.$$.a" - >&2 || true
	rm -f "${TMPDIR:-/tmp}/same-globals.$$.a"
	exit 1
fi
