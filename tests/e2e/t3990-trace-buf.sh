#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# upx trace --buf ARG,LEN: the bytes of a buffer, as sslsniff shows TLS
# plaintext: Debian's openssl s_server and s_client on 127.0.0.1, each way a
# payload with a 0 byte and bytes >= 0x80, seen through SSL_write (at entry:
# arg1, arg2) and r:SSL_read (at return: the buffer the call was given, the
# length it returned); escaped text, a hex dump, JSON's base64.
. "$(dirname "$0")/lib.sh"

test_lazy_prereq OPENSSL 'command -v openssl || { echo "no openssl (apt install openssl)"; false; }'

T=$FIXTURES/tracee
# The payloads, and what the text line shows of them.
printf 'from client \000\201\377 "end"\n' >"$TRASH/c.in"
printf 'from server \000\200\376 end\\\n' >"$TRASH/s.in"
C_TEXT='buf[22]="from client \x00\x81\xff \x22end\x22\x0a"'
S_TEXT='buf[21]="from server \x00\x80\xfe end\x5c\x0a"'

# tls_talk: a server and a client (as openssl, on a free port), the client's payload to the
# server, then the server's to the client, each seen arrive; both ended after.
tls_talk() {
	openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem -days 1 \
		-subj /CN=localhost 2>/dev/null &&
	mkfifo s.fifo c.fifo &&
	{ openssl s_server -accept 127.0.0.1:0 -cert cert.pem -key key.pem -naccept 1 \
		<s.fifo >s.out 2>s.err & srv=$!; } &&
	exec 7>s.fifo &&
	wait_for "^ACCEPT" s.out &&
	port=$(ss -Hltnp | sed -n "s/.*127\.0\.0\.1:\([0-9]*\) .*pid=$srv,.*/\1/p") &&
	test -n "$port" &&
	{ openssl s_client -connect 127.0.0.1:$port -quiet <c.fifo >c.out 2>c.err & cli=$!; } &&
	exec 8>c.fifo &&
	cat "$TRASH/c.in" >&8 &&
	wait_for "from client" s.out &&
	cat "$TRASH/s.in" >&7 &&
	wait_for "from server" c.out &&
	exec 7>&- 8>&- &&
	kill $cli $srv && { wait $cli $srv; true; }
}

test_expect_success BPF,OPENSSL 'SSL_write --buf arg1,arg2 and r:SSL_read --buf arg1,retval: the plaintext both ways, exactly' '
	{ upx trace --comm openssl --buf arg1,arg2 libssl.so.3:SSL_write >w.out 2>w.err & w=$!; } &&
	test_when_finished "test_kill $w" &&
	{ upx trace --comm openssl --buf arg1,retval r:libssl.so.3:SSL_read >r.out 2>r.err & r=$!; } &&
	test_when_finished "test_kill $r" &&
	wait_for "^Tracing" w.err && wait_for "^Tracing" r.err &&
	tls_talk &&
	kill -INT $w $r && wait_exit $w 5 && wait_exit $r 5 &&
	printf "%s\n" "$C_TEXT" "$S_TEXT" | sort >expect &&
	# openssl writes 0 bytes once more as it ends
	grep -F " libssl.so.3:SSL_write " w.out | grep -v " buf\[0\]=\"\"$" |
		sed "s/.* buf\[/buf[/" | sort >got &&
	test_cmp expect got &&
	# a read that got nothing (-1: would block; 0: the peer closed) has no bytes to show
	grep -F " r:libssl.so.3:SSL_read " r.out | grep -v "negative length\| buf\[0\]=" |
		sed "s/.* buf\[/buf[/" | sort >got &&
	test_cmp expect got
'

test_expect_success BPF,OPENSSL '--json: base64 of the exact bytes and their length, both ways' '
	{ upx trace --json --comm openssl --buf arg1,retval r:libssl.so.3:SSL_read >r.out 2>r.err & r=$!; } &&
	test_when_finished "test_kill $r" &&
	wait_for "^Tracing" r.err &&
	tls_talk &&
	kill -INT $r && wait_exit $r 5 &&
	python3 - "$TRASH" <<-\EOP
	import base64, json, sys
	want = sorted(open(sys.argv[1] + "/" + n, "rb").read() for n in ("c.in", "s.in"))
	got = []
	for line in open("r.out"):
	    e = json.loads(line)
	    if "buf_len" not in e or e["buf_len"] < 0:
	        continue
	    assert e["buf_copied"] == e["buf_len"] and not e["buf_truncated"], e
	    got.append(base64.b64decode(e["buf"]))
	assert sorted(got) == want, (got, want)
	EOP
'

test_expect_success BPF '--hex: a dump of the bytes; --buf-size cuts, and says so' '
	upx trace --buf retval,7 --hex r:$T:greet -c "$T greet 1" >out 2>err &&
	test_grep " r:$T:greet ret=0x[0-9a-f]* buf\[7\]:$" out &&
	test_grep "^    0000  68 65 6c 6c 6f 20 30  *|hello 0|$" out &&
	upx trace --buf retval,7 --buf-size 3 r:$T:greet -c "$T greet 1" >out 2>err &&
	test_grep " r:$T:greet ret=0x[0-9a-f]* buf\[7\]=\"hel\"\.\.\. (cut at 3 bytes)$" out
'

test_expect_success BPF 'an unreadable pointer: its error, never bytes' '
	upx trace --json --buf arg0,16 libc.so.6:write -c "$T badwrite" >out 2>err &&
	python3 -c "
import json
e = [json.loads(l) for l in open(\"out\") if \"buf_len\" in l]
assert len(e) == 1 and e[0][\"buf\"] is None and e[0][\"buf_error\"] == \"EFAULT\", e
"
'

test_expect_success 'bad --buf input: one line each, exit 2' '
	test_usage_errors trace <<-EOF
	--buf arg1 libssl.so.3:SSL_write|--buf takes ARG,LEN
	--buf arg1,-5 libssl.so.3:SSL_write|--buf: a length of -5 bytes: LEN is 0 or more
	--buf arg1,99999999999 libssl.so.3:SSL_write|is absurd
	--buf arg1,retval libssl.so.3:SSL_write|--buf retval needs return probes
	--buf arg9,4 libssl.so.3:SSL_write|expected arg0..arg5, retval or a parameter name
	--buf arg1,4 --buf-size 20000 libssl.so.3:SSL_write|expects 1 to 16K bytes, not
	--buf arg1,4 --count libssl.so.3:SSL_write|--buf shows events, one read each: not with --count, --hist or --latency
	--hex libssl.so.3:SSL_write|--hex and --buf-size go with --buf
	EOF
'

test_done
