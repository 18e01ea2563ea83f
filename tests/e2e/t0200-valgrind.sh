#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# list-syms and ldd-resolve on real files under valgrind's memcheck: no
# invalid access, no uninitialised value used, no leak (definite, indirect
# or possible).  upx runs as root on whatever file it is given.
. "$(dirname "$0")/lib.sh"

test_lazy_prereq VALGRIND '
	if [ -n "${UPX_SAN:-}" ]; then
		echo "this upx is built with ASan (make test SAN=1 checks the same)"; false
	fi &&
	{ command -v valgrind || { echo "valgrind is not installed: make deps installs it"; false; }; }
'

LIBC=$(ldd /bin/sh | awk '$1 == "libc.so.6" { print $3 }')

memcheck() {
	valgrind -q --leak-check=full --show-leak-kinds=definite,indirect,possible \
		--errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99 \
		"$UPX" "$@" >out 2>vg
	rc=$?
	[ $rc != 99 ] || { sed "s/^/    | /" vg | head -60; return 1; }
}

while IFS="	" read -r what args; do
	test_expect_success VALGRIND "memcheck: $what" '
		memcheck '"$args"' && test -s out
	'
done <<EOT
list-syms of libc (symbols, debug file, demangling)	list-syms $LIBC
list-syms -a --json of a C++ program	list-syms -a --json $FIXTURES/cxxshop
list-syms --imported of python3	list-syms --imported /usr/bin/python3 mall*
list-syms of a static program	list-syms $FIXTURES/staticprog
ldd-resolve --tree of bash	ldd-resolve --tree /usr/bin/bash
ldd-resolve --json of several files	ldd-resolve --json /usr/bin/bash /usr/bin/python3 libc.so.6
EOT

test_expect_success VALGRIND 'memcheck: an error path (a file that is not ELF)' '
	echo "not an elf" >junk &&
	{ memcheck list-syms ./junk; test $rc = 1; } &&
	{ memcheck ldd-resolve ./junk; test $rc = 1; }
'

test_done
