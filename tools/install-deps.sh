#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Install what upx needs to build and test on Debian 12 (run as root).
# libbpf 1.4 and bpftool 7.5 come from bookworm-backports (plain bookworm's
# libbpf 1.1 lacks uprobe_multi); the suite is added as an apt source if missing.
#   tools/install-deps.sh          install
#   tools/install-deps.sh --check  exit 0 when everything is already there
set -e

# Packages of the plain suite.
MAIN_PKGS="make gcc g++ libc6-dev clang libclang-rt-14-dev llvm libcunit1-dev binutils bsdutils util-linux procps python3 bash libc6-dbg tmux valgrind"
# Packages taken from bookworm-backports (libelf/libdw must match the newer libbpf).
BPO_PKGS="libbpf-dev bpftool libelf-dev libdw-dev"

installed() {
	for p in "$@"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' || return 1
	done
}

libbpf_ok() {
	h=/usr/include/bpf/libbpf_version.h
	[ -r "$h" ] || return 1
	maj=$(awk '/LIBBPF_MAJOR_VERSION/ {print $3}' "$h")
	min=$(awk '/LIBBPF_MINOR_VERSION/ {print $3}' "$h")
	[ "$maj" -gt 1 ] || { [ "$maj" -eq 1 ] && [ "$min" -ge 4 ]; }
}

bpftool_ok() {
	v=$(bpftool version 2>/dev/null | sed -n 's/^bpftool v\([0-9]*\)\.\([0-9]*\).*/\1 \2/p')
	[ -n "$v" ] || return 1
	set -- $v
	[ "$1" -gt 7 ] || { [ "$1" -eq 7 ] && [ "$2" -ge 5 ]; }
}

check() {
	installed $MAIN_PKGS $BPO_PKGS && libbpf_ok && bpftool_ok
}

if [ "$1" = "--check" ]; then
	check
	exit
fi
if check; then
	echo "upx deps: everything is installed"
	exit 0
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
apt-get install -y -qq $MAIN_PKGS
check || { echo "upx deps: packages installed but libbpf >= 1.4 / bpftool >= 7.5 not found" >&2; exit 1; }
echo "upx deps: done"
