#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Install what upx needs to build and test on Debian 12 (run as root).
# libbpf 1.4 and bpftool 7.5 come from bookworm-backports (plain bookworm's
# libbpf 1.1 lacks uprobe_multi); the suite is added as an apt source if missing.
# Elsewhere it installs nothing: it says what to install by hand.
#   tools/install-deps.sh          install
#   tools/install-deps.sh --check  exit 0 when everything is already there (any distribution)
set -e

# Packages of the plain suite: what `make` needs, and what `make test` needs besides.
BUILD_PKGS="make gcc g++ libc6-dev clang llvm binutils libmicrohttpd-dev liblzma-dev libprotobuf-c-dev protobuf-c-compiler libsodium-dev"
TEST_PKGS="libcunit1-dev libclang-rt-14-dev bsdutils util-linux mount procps python3 bash bash-completion libc6-dbg tmux valgrind time jq libxml2-utils systemtap-sdt-dev prometheus chromium fonts-dejavu-core xz-utils golang-go gdb libjemalloc2 libtcmalloc-minimal4 libmimalloc2.0 postgresql openssl iproute2"
# Packages taken from bookworm-backports (libelf/libdw must match the newer libbpf): build
# (libdebuginfod's header: upx loads the library when asked to fetch), and the debuginfod
# server the tests run.
BPO_PKGS="libbpf-dev bpftool libelf-dev libdw-dev libdebuginfod-dev debuginfod"
# .debs the tests serve from a local debuginfod (never installed): python3.11's binary and its
# debug files, of one version, fetched here so the tests need no network.
TEST_DEBS="python3.11-minimal python3.11-dbg"
TEST_DEB_DIR=/var/cache/upx-tests

# Without dpkg, what the packages give: commands, and headers the compiler finds.
BUILD_CMDS="make gcc g++ clang bpftool"
BUILD_HEADERS="bpf/libbpf.h libelf.h elfutils/libdw.h elfutils/debuginfod.h zlib.h lzma.h microhttpd.h protobuf-c/protobuf-c.h sodium.h"
BUILD_CMDS="$BUILD_CMDS protoc-c"
TEST_CMDS="python3 bash tmux valgrind script setpriv unshare flock ps pgrep nm readelf objdump jq xmllint prometheus promtool chromium xz go debuginfod gdb psql openssl"
TEST_HEADERS="CUnit/Basic.h sys/sdt.h"

by_hand() {
	cat >&2 <<EOF
upx deps: $1: nothing installed.  Install by hand, then run 'make test':
  to build: make, gcc and g++ (C11, libstdc++), clang and llvm (the BPF target),
            libbpf >= 1.4 with its headers (uprobe_multi links), bpftool >= 7.5,
            libelf, libdw and libdebuginfod (elfutils) with their headers, zlib and
            liblzma with their headers, libmicrohttpd with its headers (--listen),
            protobuf-c (library, headers and protoc-c: --pprof), libsodium with its
            headers (--buf's base64 in JSON)
  to test:  CUnit (headers), python3, bash, tmux, valgrind, jq, xmllint, util-linux (script,
            setpriv, unshare, flock), mount (an overlayfs "container"), procps (ps, pgrep),
            binutils (nm, readelf, objdump), clang's libFuzzer (compiler-rt), the C library's
            debugging symbols, <sys/sdt.h> (systemtap), Prometheus with promtool,
            Chromium (renders the flame graph SVG), xz, Go (go tool pprof, a Go
            fixture), the debuginfod server, gdb (Python's structure offsets read
            from DWARF), PostgreSQL 15 (--span), openssl (--buf), and python3.11's and
            python3.11-dbg's .debs in
            $TEST_DEB_DIR (served by a local debuginfod, and the DWARF of 3.11)
  On Debian 12 they are: $BUILD_PKGS $TEST_PKGS,
  and from bookworm-backports: $BPO_PKGS.
EOF
	exit 1
}

installed() {
	for p in "$@"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' || return 1
	done
}

have_cmds() {
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || return 1
	done
}

have_headers() {
	for h in "$@"; do
		printf '#include <%s>\n' "$h" | gcc -E -x c - >/dev/null 2>&1 || return 1
	done
}

# libbpf's version as its headers say, wherever the compiler finds them.
libbpf_ok() {
	v=$(printf '#include <bpf/libbpf_version.h>\nLIBBPF_MAJOR_VERSION LIBBPF_MINOR_VERSION\n' |
		gcc -E -P -x c - 2>/dev/null | tail -n 1)
	[ -n "$v" ] || return 1
	set -- $v
	[ "$1" -gt 1 ] 2>/dev/null || { [ "$1" -eq 1 ] && [ "$2" -ge 4 ]; } 2>/dev/null
}

bpftool_ok() {
	v=$(bpftool version 2>/dev/null | sed -n 's/^bpftool v\([0-9]*\)\.\([0-9]*\).*/\1 \2/p')
	[ -n "$v" ] || return 1
	set -- $v
	[ "$1" -gt 7 ] || { [ "$1" -eq 7 ] && [ "$2" -ge 5 ]; }
}

# The .debs of TEST_DEBS, one version, in TEST_DEB_DIR (no such files elsewhere than Debian).
have_test_debs() {
	for p in $TEST_DEBS; do
		ls "$TEST_DEB_DIR/${p}_"*.deb >/dev/null 2>&1 || return 1
	done
}

# apt-get download of TEST_DEBS at the version python3.11-dbg has (python3.11-minimal
# of the same source), replacing older ones.
fetch_test_debs() {
	v=$(apt-cache policy python3.11-dbg | sed -n 's/^ *Candidate: //p')
	[ -n "$v" ] && [ "$v" != "(none)" ] || { echo "upx deps: no python3.11-dbg to download" >&2; return 1; }
	mkdir -p "$TEST_DEB_DIR" && rm -f "$TEST_DEB_DIR"/*.deb &&
	(cd "$TEST_DEB_DIR" && for p in $TEST_DEBS; do apt-get download -q "$p=$v" || exit 1; done)
}

check() {
	if command -v dpkg-query >/dev/null 2>&1; then
		installed $BUILD_PKGS $TEST_PKGS $BPO_PKGS || return 1
		have_test_debs || return 1
	else
		have_cmds $BUILD_CMDS $TEST_CMDS && have_headers $BUILD_HEADERS $TEST_HEADERS ||
			return 1
	fi
	libbpf_ok && bpftool_ok
}

# Debian 12 (bookworm), as /etc/os-release says: the one system whose suites this knows.
is_bookworm() {
	[ -r /etc/os-release ] || return 1
	(. /etc/os-release && [ "$ID" = debian ] && [ "$VERSION_ID" = 12 ])
}

if [ "$1" = "--check" ]; then
	check
	exit
fi
if check; then
	echo "upx deps: everything is installed"
	exit 0
fi
if ! is_bookworm; then
	by_hand "this is not Debian 12 ($(. /etc/os-release 2>/dev/null && echo "${PRETTY_NAME:-$ID}" || echo "no /etc/os-release"))"
fi
if [ "$(id -u)" != 0 ]; then
	echo "upx deps: must run as root to install packages (try 'sudo make deps')" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
if ! grep -rqs '^[^#]*bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
	echo "upx deps: adding the bookworm-backports suite"
	echo 'deb http://deb.debian.org/debian bookworm-backports main' \
		> /etc/apt/sources.list.d/upx-bookworm-backports.list
fi
apt-get update -qq
apt-get install -y -qq -t bookworm-backports $BPO_PKGS
apt-get install -y -qq $BUILD_PKGS $TEST_PKGS
have_test_debs || fetch_test_debs
check || { echo "upx deps: packages installed but libbpf >= 1.4 / bpftool >= 7.5 not found" >&2; exit 1; }
echo "upx deps: done"
