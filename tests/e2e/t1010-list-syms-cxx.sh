#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# list-syms and C++: demangled names held against c++filt (the cxxshop
# fixture and a sample of libLLVM), matching by demangled name, --no-demangle.
. "$(dirname "$0")/lib.sh"

SHOP=$FIXTURES/cxxshop
LLVM=$(ls /usr/lib/*/libLLVM-1[0-9].so.1 2>/dev/null | head -1)
test_lazy_prereq LLVM 'test -n "$LLVM"'

# __cxa_demangle abbreviates std::ostream & co. where c++filt spells them out.
abbrev() {
	sed -e "s/std::basic_ostream<char, std::char_traits<char> >/std::ostream/g" \
	    -e "s/std::basic_istream<char, std::char_traits<char> >/std::istream/g" \
	    -e "s/std::basic_iostream<char, std::char_traits<char> >/std::iostream/g" \
	    -e "s/std::basic_string<char, std::char_traits<char>, std::allocator<char> >/std::string/g"
}

# "mangled<TAB>demangled" for every _Z name list-syms prints (JSON).
pairs() {
	upx list-syms --json "$@" 2>/dev/null | python3 -c '
import json, sys
for s in json.load(sys.stdin)["symbols"]:
    if s["name"].startswith("_Z"):
        print(s["name"] + "\t" + s["demangled"])
'
}

test_expect_success 'cxxshop: every demangled name = c++filt' '
	pairs -a "$SHOP" >pairs &&
	test_line_count -gt 7 pairs &&
	cut -f1 pairs | c++filt >expect &&
	cut -f2 pairs >actual &&
	test_cmp expect actual
'

test_expect_success 'cxxshop: the class, overloads and template instances' '
	upx list-syms "$SHOP" shop:: >out &&
	for f in "shop::cart::Basket::add(int)" "shop::cart::Basket::add(double)" \
		 "long shop::cart::discount<long>(long, int)" \
		 "double shop::cart::discount<double>(double, int)" \
		 "shop::cart::Basket::total() const" "shop::checkout(shop::cart::Basket&)"; do
		grep -qF "  $f" out || { echo "missing $f"; cat out; return 1; }
	done &&
	test_grep "_ZN4shop4cart6Basket3addEi  *shop::cart::Basket::add(int)\$" out
'

test_expect_success 'a glob on demangled names; substring on raw ones too' '
	upx list-syms "$SHOP" "shop::cart::Basket::add(*)" >out &&
	test_line_count = 4 out &&
	upx list-syms "$SHOP" "*::add(int)" >out &&
	test_line_count = 2 out &&
	upx list-syms "$SHOP" 6Basket3add >out &&
	test_line_count = 4 out
'

test_expect_success '--no-demangle: raw names, matched raw' '
	upx list-syms --no-demangle "$SHOP" Basket >out &&
	test_grep -v "shop::" out &&
	test_grep -v DEMANGLED out &&
	test_grep " _ZN4shop4cart6Basket3addEi\$" out &&
	test_expect_code 1 upx list-syms --no-demangle "$SHOP" "shop::cart" 2>err
'

# The demanglers of libstdc++ (gcc 12) and binutils differ on the parentheses
# of a few decltype() expressions: 6 of 38189 names in LLVM 14.
test_expect_success LLVM 'libLLVM: all demangled names = c++filt (a handful may differ)' '
	pairs "$LLVM" >pairs &&
	test_line_count -gt 10000 pairs &&
	cut -f1 pairs | c++filt | abbrev >expect &&
	cut -f2 pairs | abbrev >actual &&
	n=$(diff expect actual | grep -c "^<") &&
	echo "$n of $(wc -l <pairs) names differ" &&
	test "$n" -le 20
'

test_expect_success LLVM 'libLLVM: as many functions as readelf --dyn-syms' '
	readelf -W --dyn-syms "$LLVM" | awk "\$4 == \"FUNC\" || \$4 == \"IFUNC\"" | wc -l >expect &&
	upx list-syms "$LLVM" 2>/dev/null | tail -n +2 | wc -l >actual &&
	test_cmp expect actual
'

test_done
