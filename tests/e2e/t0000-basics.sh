#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The dispatcher: usage, version, unknown commands, help pages, and the
# registry, the man pages and the -h output held against each other.
. "$(dirname "$0")/lib.sh"

test_expect_success 'no argument prints usage and the command list' '
	upx >out &&
	test_grep "^usage: upx" out &&
	for c in $(upx --list-cmds); do
		test_grep "^   $c  *[a-zA-Z]" out || return 1
	done
'

test_expect_success '--help is the same as no argument' '
	upx >expect && upx --help >actual && test_cmp expect actual
'

test_expect_success '--version' '
	upx --version >out && test_grep "^upx version ." out
'

test_expect_success 'unknown command: message, exit 1' '
	test_expect_code 1 upx frobnicate 2>err &&
	test_grep "^upx: .frobnicate. is not a upx command. See .upx --help.\.$" err
'

test_expect_success 'the dispatcher escapes what it quotes, as every message does' '
	test_expect_code 1 upx "$(printf "x\033]0;t\007")" 2>err &&
	printf "%s\n" "upx: '"'"'x\\x1b]0;t\\x07'"'"' is not a upx command. See '"'"'upx --help'"'"'." >expect &&
	test_cmp expect err &&
	test_expect_code 2 upx "$(printf -- "--\033[2J")" 2>err &&
	printf "%s\n" "upx: unknown option '"'"'--\\x1b[2J'"'"'. See '"'"'upx --help'"'"'." >expect &&
	test_cmp expect err
'

test_expect_success 'close misspelling gets a suggestion' '
	first=$(upx --list-cmds | head -1) &&
	if [ -z "$first" ]; then exit 0; fi &&
	typo=$(echo "$first" | sed "s/.$//") &&
	test_expect_code 1 upx "$typo" 2>err &&
	test_grep "most similar command" err &&
	test_grep "	$first$" err
'

test_expect_success 'unknown top-level option is a usage error' '
	test_expect_code 2 upx --bogus 2>err && test_grep "unknown option" err
'

test_expect_success 'upx help upx prints the main page' '
	upx help upx >out && test_grep "^NAME" out && test_grep "upx - probe" out
'

test_expect_success 'every command: summary = NAME line, help = page, -h = usage' '
	for c in $(upx --list-cmds); do
		summary=$(upx | sed -n "s/^   $c  *//p") &&
		upx help $c >page &&
		test_cmp page "$SRC_DIR/Documentation/upx-$c.txt" &&
		test_grep "^upx-$c - $summary\$" page &&
		upx $c --help >page2 && test_cmp page page2 &&
		upx $c -h >usage &&
		test_grep "^usage: upx $c" usage &&
		for sec in NAME SYNOPSIS DESCRIPTION OPTIONS EXAMPLES "SEE ALSO"; do
			test_grep "^$sec\$" page || return 1
		done &&
		# every long option in -h is documented in the page
		for o in $(grep -o -- "--[a-z][a-z-]*" usage | sort -u); do
			[ "$o" = "--help" ] || test_grep "$o" page || return 1
		done || return 1
	done
'

test_expect_success 'upx help of an unknown command fails' '
	test_expect_code 1 upx help nosuchcmd 2>err && test_grep "not a upx command" err
'

test_expect_success 'make install honours DESTDIR and PREFIX; installed help works' '
	make -s -C "$SRC_DIR" install DESTDIR="$PWD/root" PREFIX=/opt/upx >/dev/null &&
	test -x root/opt/upx/bin/upx &&
	test -f root/opt/upx/share/man/man1/upx.1 &&
	for c in $(upx --list-cmds); do
		test -f root/opt/upx/share/man/man1/upx-$c.1 &&
		root/opt/upx/bin/upx help $c >out && test_grep "^NAME" out || return 1
	done &&
	{
		man -l root/opt/upx/share/man/man1/upx.1 2>/dev/null | grep -q "probe user-space" ||
		grep -q "probe user-space" root/opt/upx/share/man/man1/upx.1
	}
'

# What only some runs use is loaded by them (dlopen): libmicrohttpd (--listen, with gnutls
# and twenty more) and libstdc++ (the first C++ name demangled); upx --version loads neither.
test_expect_success 'upx starts without libmicrohttpd and libstdc++; they load when used' '
	readelf -d "$UPX" >dyn &&
	test_grep "(NEEDED).*libc\.so" dyn &&
	! grep -i "microhttpd\|gnutls\|stdc++" dyn &&
	LD_DEBUG=files upx --version 2>ld >/dev/null &&
	test_grep "file=libc\.so\.6 " ld &&
	! grep "microhttpd" ld &&
	LD_DEBUG=files upx list-syms "$FIXTURES/cxxshop" "shop::*" 2>ld2 >out &&
	test_grep " shop::cart::Basket::add(int)$" out &&
	# (under SAN=1 libubsan needs libstdc++: loaded at the start)
	if grep -q "(NEEDED).*libubsan" dyn
	then
		say "libstdc++ is the sanitizer runtime'"'"'s here: its loading not checked"
	else
		! grep "stdc++" ld &&
		test_grep "file=libstdc++\.so\.6 .*dynamically loaded by" ld2
	fi
'

test_done
