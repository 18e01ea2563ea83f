#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# upx trace by C++ demangled name and by glob, and many functions at once
# through one uprobe_multi link.
. "$(dirname "$0")/lib.sh"

S=$FIXTURES/cxxshop

count_of() {
	awk -v l="$1" 'index($0, l) == 1 && substr($0, length(l) + 1, 1) == " " { print $NF }' "$2"
}

test_expect_success BPF 'a demangled name with its parameters' '
	upx trace --count "$S:shop::cart::Basket::add(int)" -c "$S 4" >out &&
	test "$(count_of "$S:shop::cart::Basket::add(int)" out)" = 12
'

test_expect_success BPF 'a demangled name without parameters takes every overload' '
	upx trace --count "$S:shop::cart::Basket::add" -c "$S 2" >out &&
	test "$(count_of "$S:shop::cart::Basket::add(int)" out)" = 6 &&
	test "$(count_of "$S:shop::cart::Basket::add(double)" out)" = 2 &&
	test "$(grep -c "Basket::add" out)" = 3
'

# main calls checkout (and so discount<long>) once more after its N rounds.
test_expect_success BPF 'a glob over demangled names, return types aside' '
	upx trace --count "$S:shop::cart::discount*" -c "$S 3" >out &&
	test "$(count_of "$S:long shop::cart::discount<long>(long, int)" out)" = 4 &&
	test "$(count_of "$S:double shop::cart::discount<double>(double, int)" out)" = 3
'

test_expect_success BPF 'the raw mangled name works too' '
	upx trace --count "$S:_ZN4shop8checkoutERNS_4cart6BasketE" -c "$S 5" >out &&
	test "$(count_of "$S:shop::checkout(shop::cart::Basket&)" out)" = 6
'

test_expect_success BPF 'a glob over hundreds of libc functions: one multi link, exact counts' '
	upx trace --count "libc.so.6:str*" "libc.so.6:malloc" -c "$FIXTURES/tracee strlen 300" >out 2>err &&
	test_grep "(1 multi link)" err &&
	n=$(sed -n "s/^Tracing \([0-9]*\) probes.*/\1/p" err) && test "$n" -gt 50 &&
	test "$(count_of "libc.so.6:malloc" out)" -ge 1
'

test_expect_success BPF 'all of libc: sites the kernel refuses are left out, the rest attach' '
	upx trace -v --count "libc.so.6:*" -c "true" >out 2>err &&
	test_grep "left out: pthread_spin_lock (lock prefix)" err &&
	test_grep "warning: left out [0-9]* functions the kernel cannot probe" err &&
	n=$(sed -n "s/^Tracing \([0-9]*\) probes in 1 file (1 multi link).*/\1/p" err) &&
	test "$n" -gt 2000
'

test_expect_success BPF 'nothing stays attached' '
	test_no_leftover_links
'

test_done
