#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# make demo: upx's main job on a real target.  Large allocations (1 MiB or
# more) made by a python3 one-liner, seen at libc's malloc, with the probe
# live before python3 starts; then how often foo() and bar() run in the
# classic uprobe lab.
set -e
cd "$(dirname "$0")/.."
if [ "$(id -u)" != 0 ]; then
	echo "make demo: tracing needs root (sudo make demo)" >&2
	exit 1
fi
# The tests run it too, on the build they test (UPX, UPX_BUILD_DIR: fixtures built).
UPX=$(realpath "${UPX:-./upx}")
if [ -z "${UPX_BUILD_DIR:-}" ]; then
	make -s fixtures >/dev/null
fi
FIXTURES=${UPX_BUILD_DIR:-build}/fixtures

# malloc itself first: the glob's matches are sorted by name, and '@' sorts before '_'
echo "\$ upx list-syms libc.so.6 'malloc*'"
"$UPX" list-syms libc.so.6 'malloc*'
echo
echo "\$ upx trace --args 1 --min 1M libc.so.6:malloc -c \"python3 -c 'b = bytearray(8 << 20); c = [bytearray(2 << 20) for i in range(3)]'\""
"$UPX" trace --args 1 --min 1M libc.so.6:malloc \
	-c "python3 -c 'b = bytearray(8 << 20); c = [bytearray(2 << 20) for i in range(3)]'"
echo
echo "\$ upx trace --count ./uprobeme:foo ./uprobeme:bar -c './uprobeme 3 5'"
cd "$FIXTURES"
"$UPX" trace --count ./uprobeme:foo ./uprobeme:bar -c './uprobeme 3 5'
