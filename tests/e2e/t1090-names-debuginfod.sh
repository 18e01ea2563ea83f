#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Debug files fetched by build-id from a debuginfod server: a local one (the
# debuginfod package) on 127.0.0.1 serving python3.11-dbg's files, extracted
# from the .deb tools/install-deps.sh downloaded, with the python3.11 binary
# of the same version beside them.  With DEBUGINFOD_URLS (or --debuginfod)
# that stripped binary's static functions are named in list-syms, in trace's
# arguments and in a stack; without, they are not.  A server that never
# answers delays no stop, is reported, and is given up after the bound.
. "$(dirname "$0")/lib.sh"

DEBS=${UPX_TEST_DEB_DIR:-/var/cache/upx-tests}
ARCH=$(dpkg --print-architecture 2>/dev/null)
DBG_DEB=$(ls "$DEBS"/python3.11-dbg_*_"$ARCH".deb 2>/dev/null | tail -1)
VER=${DBG_DEB##*/python3.11-dbg_}
VER=${VER%_*}
MIN_DEB=$DEBS/python3.11-minimal_${VER}_$ARCH.deb
test_lazy_prereq DEBUGINFOD '
	test -f "$DBG_DEB" && test -f "$MIN_DEB" && command -v debuginfod ||
		{ echo "no debuginfod, or no python3.11 .debs in $DEBS: run tools/install-deps.sh"; false; }
'

SRV=$TRASH/srv
PY=$SRV/python3.11
CACHE=$TRASH/cache
export DEBUGINFOD_CACHE_PATH=$CACHE
unset DEBUGINFOD_URLS DEBUGINFOD_MAXTIME DEBUGINFOD_PROGRESS DEBUGINFOD_VERBOSE
srv_pid=

# free_port: a port nothing listens on now (the kernel's pick)
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# http_ok URL: a 200 to a GET (the first bytes read)
http_ok() {
	python3 - "$1" <<-'EOF' 2>/dev/null
	import sys, urllib.request
	r = urllib.request.urlopen(sys.argv[1], timeout=2)
	r.read(16)
	sys.exit(r.status != 200)
	EOF
}

# start_server: debuginfod over $SRV on a free port ($URL), the python3.11 debug file indexed
start_server() {
	for _ in 1 2 3; do
		port=$(free_port)
		debuginfod -F -p "$port" -d "$TRASH/db.sqlite" -t 0 -g 0 "$SRV" \
			>"$TRASH/debuginfod.log" 2>&1 &
		srv_pid=$!
		URL=http://127.0.0.1:$port
		wait_until 30 http_ok "$URL/buildid/$BID/debuginfo" && return 0
		kill "$srv_pid" 2>/dev/null
		wait "$srv_pid" 2>/dev/null
		srv_pid=
	done
	say "# debuginfod did not start:"
	tail -5 "$TRASH/debuginfod.log"
	return 1
}

if test_have_prereq DEBUGINFOD; then
	mkdir -p "$SRV/dbg" "$SRV/min" &&
	dpkg -x "$DBG_DEB" "$SRV/dbg" &&
	dpkg -x "$MIN_DEB" "$SRV/min" &&
	cp "$SRV/min/usr/bin/python3.11" "$PY" &&
	BID=$(readelf -n "$PY" | awk '/Build ID:/ { print $3 }') &&
	DEBUG_FILE=$SRV/dbg/usr/lib/debug/.build-id/${BID:0:2}/${BID:2}.debug &&
	test -f "$DEBUG_FILE" &&
	start_server
fi

test_expect_success DEBUGINFOD 'the local debuginfod serves the debug file of python3.11' '
	test -n "$srv_pid" &&
	http_ok "$URL/buildid/$BID/debuginfo"
'

# silent_server: a socket on 127.0.0.1 that accepts and never says a word ($SILENT, $sil)
silent_server() {
	python3 -c '
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(8)
open("port", "w").write("%d\n" % s.getsockname()[1])
conns = []
while True:
	c, _ = s.accept()
	conns.append(c)
	open("accepted", "a").write("1\n")
' &
	sil=$! &&
	test_when_finished "test_kill $sil" &&
	wait_until 5 test -s port &&
	SILENT=http://127.0.0.1:$(cat port)
}

# ms_since NS: milliseconds since NS (date +%s%N)
ms_since() {
	echo $((($(date +%s%N) - $1) / 1000000))
}

test_expect_success DEBUGINFOD 'without DEBUGINFOD_URLS: stripped, .dynsym only, nothing fetched' '
	test_expect_code 1 upx list-syms "$PY" bytearray___init__ >out 2>err &&
	test_grep "stripped, no debug file found: .dynsym only" err &&
	test_grep "no function symbol matches" err &&
	test_grep -v "debuginfod: " err &&
	test ! -e "$CACHE"
'

test_expect_success DEBUGINFOD 'DEBUGINFOD_URLS: the debug file fetched (one note), static functions listed as nm lists them' '
	DEBUGINFOD_URLS=$URL upx list-syms "$PY" bytearray___init__ >out 2>err &&
	test_grep "^upx list-syms: debuginfod: .*python3.11.: debug file (build-id $BID) fetched from $URL: [0-9.]* MB in [0-9.]* s\$" err &&
	test_line_count = 1 err &&
	test -s "$CACHE/$BID/debuginfo" &&
	cmp "$CACHE/$BID/debuginfo" "$DEBUG_FILE" &&
	nm "$DEBUG_FILE" | awk "\$3 ~ /^bytearray___init__/ { print \$1, \$3 }" | sort >expect &&
	test_line_count -gt 0 expect &&
	awk "NR > 1 { print \$2, \$NF }" out | sed "s/^0*//" | sort >got &&
	sed "s/^0*//" expect >expect2 &&
	test_cmp expect2 got &&
	grep " LOCAL " out
'

test_expect_success DEBUGINFOD 'the next run reads the cache: no note, -v names it' '
	DEBUGINFOD_URLS=$URL upx list-syms "$PY" bytearray___init__ >out 2>err &&
	test_line_count = 0 err &&
	DEBUGINFOD_URLS=$URL upx list-syms -v "$PY" bytearray___init__ >out 2>err &&
	test_grep "debug file from the cache: $CACHE/$BID/debuginfo" err &&
	upx list-syms --json --debuginfod "$URL" "$PY" bytearray___init__ >json 2>/dev/null &&
	jq -e ".debug_file == \"$CACHE/$BID/debuginfo\" and .stripped == false" json
'

test_expect_success DEBUGINFOD '--debuginfod URL instead of the variable, into an empty cache' '
	DEBUGINFOD_CACHE_PATH=$PWD/c2 upx list-syms --debuginfod "$URL" "$PY" bytearray___init__ >out 2>err &&
	test_grep "fetched from $URL" err &&
	test_grep bytearray___init__ out &&
	test_expect_code 2 upx list-syms --debuginfod "" "$PY" 2>err &&
	test_grep "needs a URL" err
'

test_expect_success DEBUGINFOD,BPF 'trace --args: parameter names from the fetched DWARF, none without' '
	c="$PY -c \"x = bytearray(8 << 20)\"" &&
	upx trace --debuginfod "$URL" --args 2 "$PY:PyByteArray_Resize" -c "$c" >out 2>err &&
	test_grep "PyByteArray_Resize self=0x[0-9a-f]* requested_size=8388608\$" out &&
	upx trace --args 2 "$PY:PyByteArray_Resize" -c "$c" >out 2>err &&
	test_grep "PyByteArray_Resize arg0=0x[0-9a-f]* arg1=8388608\$" out
'

test_expect_success DEBUGINFOD,BPF 'trace --stack: static functions of the stripped binary named, not without' '
	c="$PY -c \"x = bytearray(8 << 20)\"" &&
	DEBUGINFOD_URLS=$URL upx trace --stack --args 1 libc.so.6:malloc --min 4M -c "$c" >out 2>err &&
	test_grep "^    bytearray___init__[.a-z_0-9]*+0x[0-9a-f]* (.*/python3.11) bytearrayobject.c.h:[0-9]*\$" out &&
	test_grep "^    _PyEval_Vector (inlined) (.*/python3.11) ceval.c:[0-9]*\$" out &&
	test_grep "^    py: <module> (<string>:1)\$" out &&
	upx trace --stack --args 1 libc.so.6:malloc --min 4M -c "$c" >out 2>err &&
	test_grep -v bytearray___init__ out &&
	test_grep "^    0x[0-9a-f]* (.*/python3.11+0x[0-9a-f]*)\$" out
'

test_expect_success DEBUGINFOD,BPF 'the -c command does not see the URL of --debuginfod' '
	DEBUGINFOD_CACHE_PATH=$PWD/c4 upx trace --debuginfod "$URL" --count "$PY:PyByteArray_Resize" \
		-c env >out 2>err &&
	test_grep "fetched from $URL" err &&
	test_grep "^PATH=" out &&
	test_grep -v DEBUGINFOD_URLS out
'

# (How fast a stop during a fetch is: make bench, figure 11.debuginfod.)
test_expect_success DEBUGINFOD 'a server that never answers: SIGTERM during the fetch ends list-syms, said so' '
	silent_server &&
	for i in 1 2 3; do
		{ DEBUGINFOD_CACHE_PATH=$PWD/c3 DEBUGINFOD_URLS=$SILENT upx list-syms "$PY" >out 2>err & } &&
		up=$! &&
		wait_until 5 test -s accepted &&
		start=$(date +%s%N) &&
		kill -TERM $up &&
		{ wait_exit $up $TEST_STOP_S; st=$?; } &&
		ms=$(ms_since $start) &&
		say "stopped in $ms ms" &&
		test "$st" = 143 &&
		test_grep "debuginfod: .*: fetching its debug file (build-id $BID) stopped: upx is stopping" err &&
		test -z "$(find c3 -type f -path "*/$BID/*")" &&
		rm -f accepted || return 1
	done
'

test_expect_success DEBUGINFOD 'a server that never answers: given up after DEBUGINFOD_MAXTIME, said so, the listing goes on' '
	silent_server &&
	start=$(date +%s%N) &&
	DEBUGINFOD_CACHE_PATH=$PWD/c DEBUGINFOD_MAXTIME=2 DEBUGINFOD_URLS=$SILENT \
		test_timeout $((2 + TEST_STOP_S)) upx list-syms "$PY" PyByteArray_Resize >out 2>err &&
	ms=$(ms_since $start) &&
	test "$ms" -ge 2000 &&
	test_grep "debuginfod: .*: no debug file (build-id $BID) within 2 s of asking $SILENT: given up" err &&
	test_grep "stripped, no debug file found: .dynsym only" err &&
	test_grep " PyByteArray_Resize\$" out
'

test_expect_success DEBUGINFOD,BPF 'a server that never answers: Ctrl-C while a stack waits for it ends trace' '
	silent_server &&
	{ DEBUGINFOD_CACHE_PATH=$PWD/c DEBUGINFOD_URLS=$SILENT upx trace --stack --args 1 libc.so.6:malloc --min 4M \
		-c "$PY -c \"x = bytearray(8 << 20); import time; time.sleep(30)\"" >out 2>err & } &&
	up=$! &&
	test_when_finished "test_kill $up" &&
	wait_until 10 test -s accepted &&
	start=$(date +%s%N) &&
	kill -INT $up &&
	wait_exit $up $TEST_STOP_S &&
	ms=$(ms_since $start) &&
	say "stopped in $ms ms" &&
	test_grep "debuginfod: .*python3.11.: fetching its debug file (build-id $BID) stopped: upx is stopping" err &&
	test_grep "libc.so.6:malloc bytes=8388609" out &&
	test_grep "^    malloc+0x0 " out
'

# slow_server FILE: a debuginfod that sends FILE in 20 parts over 2 s ($SLOW, $slow)
slow_server() {
	python3 - "$1" <<-\EOF &
	import http.server, sys, time
	data = open(sys.argv[1], "rb").read()
	class H(http.server.BaseHTTPRequestHandler):
	    def do_GET(self):
	        self.send_response(200)
	        self.send_header("Content-Length", str(len(data)))
	        self.end_headers()
	        step = len(data) // 20 + 1
	        for i in range(0, len(data), step):
	            self.wfile.write(data[i:i + step])
	            self.wfile.flush()
	            time.sleep(0.1)
	    def log_message(self, *args):
	        pass
	s = http.server.HTTPServer(("127.0.0.1", 0), H)
	open("port", "w").write("%d\n" % s.server_address[1])
	s.serve_forever()
	EOF
	slow=$! &&
	test_when_finished "test_kill $slow" &&
	wait_until 5 test -s port &&
	SLOW=http://127.0.0.1:$(cat port)
}

test_expect_success DEBUGINFOD 'the progress line names a hostile path escaped, as every message does' '
	slow_server "$DEBUG_FILE" &&
	d="$PWD/p$(printf "\033]0;t\007")" &&
	mkdir "$d" && cp "$PY" "$d/python3.11" &&
	DEBUGINFOD_CACHE_PATH=$PWD/c DEBUGINFOD_URLS=$SLOW upx list-syms "$d/python3.11" PyByteArray_Resize >out 2>err &&
	test_grep "debuginfod: .*/p\\\\x1b]0;t\\\\x07/python3.11.: [0-9.]* MB of [0-9.]* MB from " err &&
	test_grep "debuginfod: .*/p\\\\x1b]0;t\\\\x07/python3.11.: debug file (build-id $BID) fetched" err &&
	! grep -q "$(printf "\033")" err
'

if [ -n "$srv_pid" ]; then
	kill "$srv_pid" 2>/dev/null
	wait "$srv_pid" 2>/dev/null
fi
test_done
