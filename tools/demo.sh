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
make -s fixtures >/dev/null

echo "\$ upx list-syms libc.so.6 malloc"
./upx list-syms libc.so.6 'malloc' | head -4 || true
echo
echo "\$ upx trace --args 1 --min 1M libc.so.6:malloc -c \"python3 -c 'b = bytearray(8 << 20); c = [bytearray(2 << 20) for i in range(3)]'\""
./upx trace --args 1 --min 1M libc.so.6:malloc \
	-c "python3 -c 'b = bytearray(8 << 20); c = [bytearray(2 << 20) for i in range(3)]'"
echo
echo "\$ upx trace --count ./uprobeme:foo ./uprobeme:bar -c './uprobeme 3 5'"
cd build/fixtures
../../upx trace --count ./uprobeme:foo ./uprobeme:bar -c './uprobeme 3 5'
