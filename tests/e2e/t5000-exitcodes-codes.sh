#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# upx exitcodes: the code of each process, once, whether it left through
# exit() (bash, python3) or straight through _exit() (dash's exit builtin).
. "$(dirname "$0")/lib.sh"

# rows COMM CODE VIA FILE: how many event lines show that exit
rows() {
	awk -v c="$1" -v k="$2" -v v="$3" '$4 == c && $5 == k && $6 == v' "$4" | wc -l
}

# summary_count COMM CODE FILE: the COUNT of that row of the summary
summary_count() {
	sed -n '/^COMM  *CODE  *COUNT$/,$p' "$3" | awk -v c="$1" -v k="$2" '$1 == c && $2 == k { print $3 }'
}

cat >"$TRASH/three.sh" <<'EOF'
echo $$ >ppid
sh -c 'exit 7'
bash -c 'exit 9'
python3 -c 'import sys; sys.exit(42)'
exit 0
EOF

test_expect_success BPF 'sh, bash and python3 each show their code exactly once' '
	upx exitcodes -c "sh $TRASH/three.sh" >out 2>err &&
	cp out ppid "$TRASH/" &&
	test_grep "^TIME  *PID  *PPID  *COMM  *CODE VIA$" out &&
	test "$(rows sh 7 _exit out)" = 1 &&
	test "$(rows bash 9 exit out)" = 1 &&
	test "$(rows python3 42 exit out)" = 1 &&
	test "$(awk "\$4 == \"sh\" && \$5 == 7" out | wc -l)" = 1 &&
	test "$(awk "\$4 == \"bash\" && \$5 == 9" out | wc -l)" = 1 &&
	test "$(awk "\$4 == \"python3\" && \$5 == 42" out | wc -l)" = 1 &&
	test "$(summary_count sh 7 out)" = 1 &&
	test "$(summary_count bash 9 out)" = 1 &&
	test "$(summary_count python3 42 out)" = 1
'

test_expect_success BPF 'PPID is the parent, PID the process' '
	cp "$TRASH/out" "$TRASH/ppid" . &&
	ppid=$(cat ppid) &&
	awk -v p="$ppid" "\$4 == \"sh\" && \$5 == 7 && \$3 == p" out >line &&
	test_line_count = 1 line &&
	pid=$(awk "{ print \$2 }" line) && test "$pid" != "$ppid" &&
	# the script itself: its parent is upx
	awk -v p="$ppid" "\$2 == p && \$4 == \"sh\" && \$5 == 0 && \$6 == \"_exit\"" out >self &&
	test_line_count = 1 self
'

test_expect_success BPF 'one line per process, never two' '
	cp "$TRASH/out" . &&
	sed -n "2,/^\$/p" out | sed "/^\$/d" | awk "{ print \$2 }" | sort | uniq -d >dups &&
	test_line_count = 0 dups
'

test_expect_success BPF 'a C program returning from main goes through exit()' '
	f=$FIXTURES/uprobeme &&
	upx exitcodes -- $f 1 1 >out 2>err &&
	test "$(rows uprobeme 0 exit out)" = 1
'

test_expect_success BPF '--nonzero shows only the failures' '
	upx exitcodes --nonzero -c "sh $TRASH/three.sh" >out 2>err &&
	sed -n "2,/^\$/p" out | sed "/^\$/d" >events &&
	awk "\$5 == 0" events >zero && test_line_count = 0 zero &&
	test "$(rows sh 7 _exit events)" = 1 &&
	test "$(rows bash 9 exit events)" = 1 &&
	test "$(rows python3 42 exit events)" = 1
'

test_expect_success BPF '--comm keeps one name' '
	upx exitcodes --comm python3 -c "sh $TRASH/three.sh" >out 2>err &&
	sed -n "2,/^\$/p" out | sed "/^\$/d" >events &&
	test_line_count = 1 events &&
	test "$(rows python3 42 exit events)" = 1
'

test_expect_success BPF '--json: one object per exit, one for the summary' '
	upx exitcodes --json -c "sh $TRASH/three.sh" >out 2>err &&
	python3 -c "
import json
lines = [json.loads(l) for l in open(\"out\")]
exits, summary = lines[:-1], lines[-1]
codes = [(e[\"comm\"], e[\"code\"], e[\"via\"]) for e in exits]
for want in [(\"sh\", 7, \"_exit\"), (\"bash\", 9, \"exit\"), (\"python3\", 42, \"exit\")]:
    assert codes.count(want) == 1, (want, codes)
assert all(e[\"ppid\"] > 0 and e[\"pid\"] > 0 for e in exits)
rows = {(r[\"comm\"], r[\"code\"]): r[\"count\"] for r in summary[\"summary\"]}
assert rows[(\"python3\", 42)] == 1 and rows[(\"sh\", 7)] == 1, rows
assert summary[\"lost\"] == 0
"
'

test_expect_success BPF 'the code is the low 8 bits of the status' '
	upx exitcodes --json -- python3 -c "import os; os._exit(300)" >out 2>err &&
	python3 -c "
import json
e = [x for x in map(json.loads, open(\"out\")) if x.get(\"comm\") == \"python3\"][0]
assert (e[\"code\"], e[\"status\"], e[\"via\"]) == (44, 300, \"_exit\"), e
"
'

test_expect_success BPF '-c: a thread that ends leaves its process followed, its fork seen' '
	cat >thread-fork.py <<-\PY &&
	import os, threading
	t = threading.Thread(target=lambda: None)
	t.start()
	t.join()
	pid = os.fork()
	if pid == 0:
	    os._exit(5)
	os.waitpid(pid, 0)
	PY
	upx exitcodes -c "python3 thread-fork.py" >out 2>err &&
	test "$(rows python3 5 _exit out)" = 1 &&
	test "$(rows python3 0 exit out)" = 1
'

test_expect_success BPF 'nothing stays attached' '
	test_no_leftover_links
'

test_done
