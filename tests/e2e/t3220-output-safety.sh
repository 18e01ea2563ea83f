#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Output safety: hostile strings (control characters, CSI and OSC sequences,
# C1 controls, '"', '\', invalid UTF-8, 5000 bytes without a NUL) passed by a
# fixture through --str arguments, --str retval and comm.  Text output has no
# raw control byte and a string cannot end its field early; every --json
# line parses and str/str_hex, comm/comm_hex give back the exact bytes.
. "$(dirname "$0")/lib.sh"

H=$FIXTURES/hostile
N=8

# text_safe FILE FIELD: no byte 0x00-0x1f or 0x7f but the newlines, no raw C1
# control (0x80-0x9f not part of a UTF-8 sequence: the escaper shows all
# 0x80+ bytes of invalid UTF-8 as \xNN), N events each ending with one whole
# FIELD="..." field with only escaped quotes in it (then ... when cut)
text_safe() {
	! grep -naP "[\x00-\x1f\x7f]" "$1" &&
	! LC_ALL=C grep -naP "[\x80-\x9f]" "$1" &&
	test "$(grep -c "hostile_echo $2=" "$1")" = $N &&
	test "$(grep -c "hostile_echo $2=\"\([^\"\\\\]\|\\\\.\)*\"\(\.\.\.\)\?\$" "$1")" = $N
}

# json_exact FILE: each line parses; str (or str_hex) and comm (or comm_hex)
# are the bytes the fixture wrote to hex (str cut to 256 bytes, comm to 15)
json_exact() {
	python3 - "$1" hex <<-\EOP
	import json, sys
	want = [bytes.fromhex(l) for l in open(sys.argv[2]).read().split()]
	ev = []
	for line in open(sys.argv[1], "rb"):
	    o = json.loads(line)
	    if "function" in o:
	        ev.append(o)
	assert len(ev) == len(want), (len(ev), len(want))
	def raw(o, k):
	    return bytes.fromhex(o[k + "_hex"]) if k + "_hex" in o else o[k].encode()
	for o, w in zip(ev, want):
	    assert raw(o, "str") == w[:256], (raw(o, "str"), w)
	    assert o["str_truncated"] == (len(w) > 256), o
	    assert raw(o, "comm") == w[:15], (raw(o, "comm"), w)
	    if "str_hex" in o:
	        assert o["str"] == w[:256].decode("utf-8", "replace"), o
	EOP
}

for row in "entry s --str s" "return ret --str retval"; do
	set -- $row
	kind=$1 field=$2 opt="$3 $4"
	probe=$H:hostile_echo
	[ $kind = entry ] || probe=r:$probe
	test_expect_success BPF "text, $kind ($opt): no raw control byte, no forged field" '
		upx trace $opt $probe -c "$H strings hex" >out 2>err &&
		test "$(wc -l <hex)" = $N &&
		text_safe out $field
	'
	test_expect_success BPF "--json, $kind ($opt): every line parses, the bytes round-trip" '
		upx trace --json $opt $probe -c "$H strings hex" >out 2>err &&
		json_exact out
	'
done

test_done
