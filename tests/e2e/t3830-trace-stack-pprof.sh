#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# upx trace --pprof: the stacks counted, as a gzipped profile.proto read
# back by go tool pprof (-raw, -top): the same stacks and counts as
# --folded of the same run, inlined calls as lines of one location, the
# files' build-ids in the mappings; written whole or not at all.
. "$(dirname "$0")/lib.sh"

F=$FIXTURES/stackfix
N=300
M=200
test_lazy_prereq PPROF '
	command -v go && go tool pprof -h ||
		{ echo "no go tool pprof (golang-go): run tools/install-deps.sh"; false; }
'

# raw_folded FILE: go tool pprof -raw's samples as folded lines (outermost
# first, inlined calls before the function they are in), sorted
raw_folded() {
	go tool pprof -raw "$1" 2>/dev/null | python3 -c '
import re, sys
locs, samples, part, cur = {}, [], None, None
for line in sys.stdin.read().splitlines():
	if line in ("Samples:", "Locations", "Mappings"):
		part = line
		continue
	if part == "Samples:":
		m = re.match(r"^\s+(\d+): ([\d ]+)$", line)
		if m:
			samples.append((int(m.group(1)), [int(x) for x in m.group(2).split()]))
	elif part == "Locations":
		m = re.match(r"^\s+(\d+): 0x[0-9a-f]+ (?:M=\d+ )?(.*)$", line)
		rest = m.group(2) if m else line.strip()
		if m:
			cur = int(m.group(1))
			locs[cur] = []
		# a Python frame: no address, no mapping: "py: NAME (FILE:LINE)" as
		# --folded names it (pprof shows a name like <module> in parentheses)
		py = re.match(r"^\s+\d+: 0x0 (.*) (\S+:\d+) s=\d+(?:\((.*)\))?$", line)
		if py:
			locs[cur].append("py: %s (%s)" % (py.group(3) or py.group(1), py.group(2)))
			continue
		name = re.sub(r" \S*:\d+ s=\d+$", "", rest)
		locs[cur].append(name)
out = {}
for count, ids in samples:
	frames = []
	for i in reversed(ids):
		frames += list(reversed(locs[i]))
	key = ";".join(frames)
	out[key] = out.get(key, 0) + count
for k in sorted(out):
	print(k, out[k])
'
}

test_expect_success PPROF,BPF '--pprof beside --folded: the same stacks and counts, the build-id in the mapping' '
	upx trace --folded --pprof prof.pb.gz $F:leaf -c "$F $N $M 100" >folded 2>err &&
	printf "%s\n" "_start;main;a;b;leaf $N" "_start;main;c;leaf $M" >expect &&
	test_cmp expect folded &&
	gzip -t prof.pb.gz &&
	raw_folded prof.pb.gz >got &&
	sort folded >expect &&
	test_cmp expect got &&
	bid=$(readelf -n $F | awk "/Build ID:/ { print \$3 }") &&
	go tool pprof -raw prof.pb.gz 2>/dev/null | sed -n "/^Mappings/,\$p" >maps &&
	test_grep "^1: 0x[0-9a-f]*/0x[0-9a-f]*/0x0 $F $bid \[FN\]\[FL\]\[LN\]\$" maps &&
	go tool pprof -raw prof.pb.gz 2>/dev/null | grep -c "probe:\[$F:leaf\]" >labels &&
	echo 2 >expect && test_cmp expect labels
'

test_expect_success PPROF,BPF 'go tool pprof -top: every call counted, leaf flat, _start cumulative' '
	upx trace --pprof prof.pb.gz $F:leaf -c "$F $N $M 100" >out 2>err &&
	test_grep "^PROBE  *COUNT\$" out &&
	go tool pprof -top prof.pb.gz >top 2>/dev/null &&
	test_grep "^Type: calls\$" top &&
	test_grep "Showing nodes accounting for $((N + M)), 100% of $((N + M)) total" top &&
	test_grep "^ *$((N + M))  *100%  *100%  *$((N + M))  *100%  leaf\$" top &&
	test_grep "^ *0  *0%  *100%  *$((N + M))  *100%  _start\$" top
'

test_expect_success PPROF,BPF 'inlined calls and several files: python3 malloc stacks as --folded has them' '
	UPX_NO_PYTHON=1 upx trace --folded --pprof prof.pb.gz --args 1 libc.so.6:malloc --min 4M \
		-c "python3 -c \"x = bytearray(8 << 20)\"" >folded 2>err &&
	test_line_count = 1 folded &&
	raw_folded prof.pb.gz >got &&
	test_cmp folded got &&
	go tool pprof -raw prof.pb.gz 2>/dev/null | sed -n "/^Mappings/,\$p" | grep -c "^[0-9]*: " >nmaps &&
	test "$(cat nmaps)" -ge 2 &&
	libc=$(readlink -f /lib/x86_64-linux-gnu/libc.so.6) &&
	bid=$(readelf -n $libc | awk "/Build ID:/ { print \$3 }") &&
	go tool pprof -raw prof.pb.gz 2>/dev/null | grep -q " $bid "
'

# Each Python frame a location of its own, with no address: its function, file and line.
test_expect_success PPROF,BPF "python3.11's Python frames: the same stacks as --folded, in place of the interpreter's" '
	export PYTHONDONTWRITEBYTECODE=1 &&
	cp "$SRC_DIR"/tests/fixtures/pyframes.py "$SRC_DIR"/tests/fixtures/pyframes_mod.py . &&
	upx trace --folded --pprof prof.pb.gz libc.so.6:malloc --min 4M \
		-c "/usr/bin/python3.11 $PWD/pyframes.py chains" >folded 2>err &&
	grep -q "py: Shop.buy ($PWD/pyframes.py:[0-9]*);" folded &&
	grep -q "py: <module> ($PWD/pyframes.py:[0-9]*);" folded &&
	raw_folded prof.pb.gz >got &&
	sort folded >expect &&
	test_cmp expect got &&
	go tool pprof -raw prof.pb.gz 2>/dev/null | grep "^ *[0-9]*: 0x0 " >pylocs &&
	test "$(grep -c "^ *[0-9]*: 0x0 Shop.buy $PWD/pyframes.py:[0-9]* s=0\$" pylocs)" = 1 &&
	go tool pprof -top prof.pb.gz >top 2>/dev/null &&
	test_grep "^ *0  *0%  *[0-9.]*%  *4  *[0-9.]*%  Shop.buy\$" top
'

test_expect_success BPF '--pprof refuses a FIFO or a symbolic link, replaces a regular file whole' '
	mkfifo fifo &&
	test_expect_code 2 upx trace --pprof fifo $F:leaf -c "$F 1 1" >out 2>err &&
	test_grep "^upx trace: --pprof: .fifo.: not a regular file (a FIFO)" err &&
	echo keep >target && ln -s target link &&
	test_expect_code 2 upx trace --pprof link $F:leaf -c "$F 1 1" >out 2>err &&
	test_grep "not a regular file (a symbolic link)" err &&
	echo keep >expect && test_cmp expect target &&
	echo old >prof.pb.gz &&
	upx trace --pprof prof.pb.gz $F:leaf -c "$F 3 2" >out 2>err &&
	gzip -t prof.pb.gz &&
	ls -a >files &&
	test_grep -v "^\.prof\.pb\.gz\." files
'

test_expect_success BPF '--pprof with --hist is refused' '
	test_expect_code 2 upx trace --pprof p.gz --hist arg0 $F:leaf 2>err &&
	test_grep "not with --hist or --latency" err
'

test_done
