#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Python frames in stacks: each _PyEval_EvalFrameDefault frame replaced by
# the Python frames it ran, read in the kernel at the probe.  The fixture
# (tests/fixtures/pyframes.py) allocates a bytearray of 5 MiB a known number
# of times in known chains (a -> b -> leaf, c -> leaf, a method, recursion
# 40 deep, a generator, a function of another file); the lines expected
# are found in the fixture itself by its "@name" comments.  Debian's
# python3.11 (stripped, no frame pointers), and the pyenv builds where
# present (3.10: frame objects, names without their class: co_name); the
# structure offsets against the interpreters' own DWARF.
. "$(dirname "$0")/lib.sh"

export PYTHONDONTWRITEBYTECODE=1
PY=$TRASH/py
mkdir -p "$PY" && cp "$SRC_DIR"/tests/fixtures/pyframes.py "$SRC_DIR"/tests/fixtures/pyframes_mod.py "$PY"/
FIX=$PY/pyframes.py
MOD=$PY/pyframes_mod.py
PYENV=${PYENV_ROOT:-/root/.pyenv}/versions
DEBS=${UPX_TEST_DEB_DIR:-/var/cache/upx-tests}

# at MARK [FILE]: "FILE:LINE" of the line marked "# @MARK"
at() {
	f=${2:-$FIX}
	echo "$f:$(grep -n "# @$1\$" "$f" | cut -d: -f1)"
}

# py NAME MARK [FILE]: a Python frame as stacks show it
py() {
	echo "py: $1 ($(at "$2" "${3:-}"))"
}

# pystacks: the Python frames of each folded line on stdin, outermost first, with the
# line's count; the counts of equal Python stacks added up, sorted
pystacks() {
	awk '{
		n = $NF; sub(/ [0-9]+$/, "")
		k = split($0, f, ";"); s = ""
		for (i = 1; i <= k; i++) if (f[i] ~ /^py: /) s = s (s == "" ? "" : ";") f[i]
		sum[s] += n
	} END { for (s in sum) print sum[s] " " s }' | sort
}

# table_pystacks: the same from a --count --stack table (innermost first there)
table_pystacks() {
	awk '/^PROBE / { next }
	     /^[^ ]/ && NF == 2 { if (c != "") print c " " s; c = $2; s = ""; next }
	     /^    py: / { sub(/^    /, ""); s = s == "" ? $0 : $0 ";" s }
	     END { if (c != "") print c " " s }' "$1" |
	awk '{ n = $1; sub(/^[0-9]+ /, ""); sum[$0] += n } END { for (s in sum) print sum[s] " " s }' |
	sort
}

# threads_check PYTHON: two threads at once, 25 calls each, each with its own frames only
threads_check() {
	upx trace --folded libc.so.6:malloc --min 4M -c "$1 $FIX threads 25" >out 2>err &&
	grep -v "^Tracing" out | pystacks >got &&
	test "$(wc -l <got)" = 2 &&
	grep -F "$(py t_one t-one)" got >one && grep -F "$(py t_two t-two)" got >two &&
	test "$(cut -d" " -f1 one)" = 25 && test "$(cut -d" " -f1 two)" = 25 &&
	! grep -q t_two one && ! grep -q t_one two
}

# exit_json_check PYTHON: JSON events of a process that exits right after its call, named
exit_json_check() {
	upx trace --json --stack libc.so.6:malloc --min 4M -c "$1 $FIX exit" >out 2>err &&
	jq -c "select(.stack) | .stack[] | select(.kind == \"python\") | [.function, .src_file, .line]" out >got &&
	printf "[\"%s\",\"%s\",%s]\n" exit_now "$FIX" "$(at exit | cut -d: -f2)" \
		"<module>" "$FIX" "$(at main-exit | cut -d: -f2)" >expect &&
	test_cmp expect got
}

rec39=
for _ in $(seq 39); do rec39="$rec39;$(py recurse recurse)"; done
main="$(py "<module>" main-chains)"
{
	echo "3 $main;$(py chains main-a);$(py a a);$(py b b);$(py leaf leaf)"
	echo "2 $main;$(py chains main-c);$(py c c);$(py leaf leaf)"
	echo "4 $main;$(py chains main-buy);$(py Shop.buy buy)"
	echo "1 $main;$(py chains main-recurse)$rec39;$(py recurse recurse-leaf)"
	echo "5 $main;$(py chains main-gen);$(py gen gen)"
	echo "6 $main;$(py chains main-mod);$(py work mod-work "$MOD")"
} | sort >expect-chains
# 3.10 has no co_qualname: a method is named by its function's name
sed "s/py: Shop\.buy /py: buy /" expect-chains >expect-chains-3.10

test_lazy_prereq PY311_DEBIAN 'test -x /usr/bin/python3.11 &&
	/usr/bin/python3.11 -c "import sys; assert sys.version_info[:2] == (3, 11)"'

test_expect_success BPF,PY311_DEBIAN "Debian's python3.11, --folded: one line per Python stack, exact counts, names, files, lines" '
	upx trace --folded libc.so.6:malloc --min 4M -c "/usr/bin/python3.11 $FIX chains" >out 2>err &&
	grep -v "^Tracing" out | pystacks >got &&
	test_cmp "$TRASH/expect-chains" got &&
	! grep -q "_PyEval_EvalFrameDefault" out &&
	! grep -q -e warning -e lost err
'

test_expect_success BPF,PY311_DEBIAN "python3.11, --count --stack (dwarf): the table's Python frames in place of the interpreter's" '
	upx trace --count --stack libc.so.6:malloc --min 4M -c "/usr/bin/python3.11 $FIX chains" >out 2>err &&
	table_pystacks out >got &&
	test_cmp "$TRASH/expect-chains" got &&
	! grep -q "_PyEval_EvalFrameDefault" out &&
	grep -B1 "^    py: Shop.buy (" out | grep -q "^    _PyObject_MakeTpCall+0x"
'

test_expect_success BPF,PY311_DEBIAN "python3.11, --count --stack=fp: counted in the kernel with the Python frames in the key" '
	upx trace --count --stack=fp libc.so.6:malloc --min 4M -c "/usr/bin/python3.11 $FIX chains" >out 2>err &&
	table_pystacks out >got &&
	test_cmp "$TRASH/expect-chains" got
'

test_expect_success BPF,PY311_DEBIAN "python3.11, --flamegraph: the Python frames drawn, with their calls" '
	upx trace --flamegraph fg.svg libc.so.6:malloc --min 4M -c "/usr/bin/python3.11 $FIX chains" >out 2>err &&
	xmllint --noout fg.svg &&
	grep -F "$(py Shop.buy buy) (4 calls" fg.svg &&
	grep -F "$(py work mod-work "$MOD") (6 calls" fg.svg
'

test_expect_success BPF,PY311_DEBIAN "events, text and JSON: a process that exits right after its call is named" '
	upx trace --stack libc.so.6:malloc --min 4M -c "/usr/bin/python3.11 $FIX exit" >out 2>err &&
	grep "^    py: " out >got &&
	printf "    %s\n" "$(py exit_now exit)" "$(py "<module>" main-exit)" >expect &&
	test_cmp expect got &&
	exit_json_check /usr/bin/python3.11
'

test_expect_success BPF,PY311_DEBIAN "two threads at once: each call's Python frames are its own thread's" '
	threads_check /usr/bin/python3.11
'

# second_sh: second.sh, the second of two python3.11 processes of a shell:
# it starts once upx has said (-v) it found the first's interpreter, a wait
# on that, not on the time user space takes on a loaded machine
found="Python frames of .*python3.11.* found in process"
second_sh() {
	cat >second.sh <<-EOF
	n=0
	until grep -q "$found" "$PWD/err" || test \$n = 3000; do n=\$((n + 1)); sleep 0.01; done
	exec /usr/bin/python3.11 $FIX deep 5 4
	EOF
}

test_expect_success BPF,PY311_DEBIAN "python3.11 started by a shell (not known before the run): found at its first call, the next process named from its first" '
	second_sh &&
	upx trace -v --follow --folded libc.so.6:malloc --min 4M \
		-c "sh -c \"/usr/bin/python3.11 $FIX deep 5 1 && sh $PWD/second.sh\"" >out 2>err &&
	test "$(grep -c "$found" err)" = 1 &&
	grep -v "^Tracing" out | pystacks >got &&
	grep -F "$(py deep deep-leaf)" got >named &&
	test "$(cut -d" " -f1 named)" -ge 4 &&
	test "$(awk "{ n += \$1 } END { print n }" got)" = 5
'

test_expect_success BPF,PY311_DEBIAN "python3.11 gone before upx read its first event: found by its file, the next process named from its first" '
	# upx is stopped while the first python makes its call and exits: its
	# mappings can then be read only from the files the snapshot names
	second_sh &&
	cat >chain.sh <<-EOF &&
	until test -e "$PWD/go"; do sleep 0.01; done
	/usr/bin/python3.11 $FIX deep 5 1 && : >"$PWD/first-done" && sh "$PWD/second.sh"
	EOF
	rm -f go first-done &&
	{ upx trace -v --follow --folded libc.so.6:malloc --min 4M -c "sh $PWD/chain.sh" >out 2>err & } &&
	pid=$! &&
	test_when_finished "kill -CONT $pid 2>/dev/null; test_kill $pid" &&
	wait_for "^Tracing" err &&
	kill -STOP $pid &&
	: >go &&
	wait_until 30 test -e first-done &&
	kill -CONT $pid &&
	wait_exit $pid 60 &&
	test "$(grep -c "$found" err)" = 1 &&
	grep -v "^Tracing" out | pystacks >got &&
	grep -F "$(py deep deep-leaf)" got >named &&
	test "$(cut -d" " -f1 named)" = 4 &&
	test "$(awk "{ n += \$1 } END { print n }" got)" = 5
'

# The versions pyenv built here (shared libpython, DWARF in it), where present.
for v in 3.10.13 3.11.7 3.12.1 3.13.0; do
	test_lazy_prereq "PYENV_${v//./_}" "test -x $PYENV/$v/bin/python${v%.*} ||
		{ echo \"# no pyenv $v in $PYENV: skipped\"; false; }"
	want=expect-chains
	test "${v%.*}" = 3.10 && want=expect-chains-3.10
	test_expect_success "BPF,PYENV_${v//./_}" "pyenv $v (libpython${v%.*}): --folded, the same Python stacks" '
		upx trace --folded libc.so.6:malloc --min 4M -c "'"$PYENV/$v/bin/python${v%.*}"' $FIX chains" >out 2>err &&
		grep -v "^Tracing" out | pystacks >got &&
		test_cmp "$TRASH/'$want'" got &&
		! grep -q -e warning -e lost err
	'
done

# 3.10: a thread's frames are PyFrameObjects, its state found by pthread_self() (thread_id)
PY310=$PYENV/3.10.13/bin/python3.10
test_expect_success BPF,PYENV_3_10_13 "pyenv 3.10, --count --stack=dwarf and =fp: each Python frame in place of its own _PyEval_EvalFrameDefault" '
	upx trace --count --stack libc.so.6:malloc --min 4M -c "$PY310 $FIX chains" >out 2>err &&
	table_pystacks out >got &&
	test_cmp "$TRASH/expect-chains-3.10" got &&
	! grep -q "_PyEval_EvalFrameDefault" out &&
	grep -A1 "^    py: buy (" out | tail -1 | grep -q "^    [^p].*(.*libpython3.10.so" &&
	upx trace --count --stack=fp libc.so.6:malloc --min 4M -c "$PY310 $FIX chains" >out 2>err &&
	table_pystacks out >got &&
	test_cmp "$TRASH/expect-chains-3.10" got
'

test_expect_success BPF,PYENV_3_10_13 "pyenv 3.10, two threads at once: each call's frames are its own thread's" '
	threads_check "$PY310"
'

test_expect_success BPF,PYENV_3_10_13 "pyenv 3.10, JSON: a process that exits right after its call is named, with its lines" '
	exit_json_check "$PY310"
'

test_expect_success BPF,PYENV_3_12_1 "3.12 -X perf: its trampoline named from /tmp/perf-PID.map beside the Python frames" '
	upx trace --stack libc.so.6:malloc --min 4M \
		-c "$PYENV/3.12.1/bin/python3.12 -X perf $FIX exit" >out 2>err &&
	map=$(sed -n "s|.*(\(/tmp/perf-[0-9]*\.map\))\$|\1|p" out | head -1) &&
	test_when_finished "rm -f $map" &&
	test -n "$map" &&
	grep "^    py" out | sed "s|+0x[0-9a-f]* (/tmp/perf-[0-9]*\.map)\$| [perf map]|" >got &&
	printf "    %s\n" "$(py exit_now exit)" "$(py "<module>" main-exit)" \
		"py::exit_now:$FIX [perf map]" >expect &&
	test_cmp expect got
'

test_lazy_prereq PYENV_3_9 "test -x $PYENV/3.9.18/bin/python3.9 ||
	{ echo \"# no pyenv 3.9.18 in $PYENV: skipped\"; false; }"
test_expect_success BPF,PYENV_3_9 'an interpreter of a version upx does not know: native frames and one warning' '
	upx trace --count --stack libc.so.6:malloc --min 4M -c "$PYENV/3.9.18/bin/python3.9 $FIX chains" >out 2>err &&
	test "$(grep -c "CPython" err)" = 1 &&
	test_grep "^upx trace: warning: .*libpython3.9.so.1.0.: CPython older than 3.10 (no Py_Version, no PyAIter_Check): upx has no structure offsets for it: its stacks show native frames only\$" err &&
	! grep -q "^    py: " out &&
	grep -q "_PyEval_EvalFrameDefault+0x" out
'

# The table in core/stack/python-offsets.c against the interpreter's DWARF (gdb's offsetof).
test_lazy_prereq GDB 'command -v gdb'

# offsets_check VERSION FILE: each ".field = N," of VERSION's table equals the DWARF's
# (3.10: PyFrameObject for the frame, tstate_head, thread_id, co_name for the name)
offsets_check() {
	fr="struct _PyInterpreterFrame" &&
	if test "$1" = 3.10; then fr="struct _frame"; fi &&
	awk -v v="$1" '/\.version = / { on = index($0, "/* " v " */") > 0; next }
		on && /^\t\t\.[a-z_]+ = / { gsub(/[\t.,]/, ""); print $1, $3 }' \
		"$SRC_DIR"/core/stack/python-offsets.c >table &&
	test "$(wc -l <table)" = 27 &&
	while read -r field want; do
		case $field in
		rt_interp_head) e="&((_PyRuntimeState*)0)->interpreters.head" ;;
		interp_threads) test "$1" = 3.10 && e="&((PyInterpreterState*)0)->tstate_head" ||
			e="&((PyInterpreterState*)0)->threads.head" ;;
		ts_next) e="&((PyThreadState*)0)->next" ;;
		ts_native_tid) test "$1" = 3.10 && e="&((PyThreadState*)0)->thread_id" ||
			e="&((PyThreadState*)0)->native_thread_id" ;;
		# 3.10 has a cframe, but its frame is in the thread state itself
		ts_cframe) test "$1" = 3.10 && { test "$want" = STACK_PY_NONE || return 1; continue; }
			e="&((PyThreadState*)0)->cframe" ;;
		ts_frame) case $1 in
			3.10) e="&((PyThreadState*)0)->frame" ;;
			3.13) e="&((PyThreadState*)0)->current_frame" ;;
			*) e="&((_PyCFrame*)0)->current_frame" ;;
			esac ;;
		fr_code) test "$1" = 3.13 && e="&(($fr*)0)->f_executable" || e="&(($fr*)0)->f_code" ;;
		ts_stack_chunk) e="&((PyThreadState*)0)->datastack_chunk" ;;
		ts_stack_top) e="&((PyThreadState*)0)->datastack_top" ;;
		fr_func) test "$1" = 3.11 && e="&(($fr*)0)->f_func" || e="&(($fr*)0)->f_funcobj" ;;
		fr_globals) e="&(($fr*)0)->f_globals" ;;
		fr_previous) test "$1" = 3.10 && e="&(($fr*)0)->f_back" || e="&(($fr*)0)->previous" ;;
		fr_instr) test "$1" = 3.13 && e="&(($fr*)0)->instr_ptr" || e="&(($fr*)0)->prev_instr" ;;
		fr_is_entry) e="&(($fr*)0)->is_entry" ;;
		fr_owner) e="&(($fr*)0)->owner" ;;
		fr_lasti) e="&(($fr*)0)->f_lasti" ;;
		co_code) e="&((PyCodeObject*)0)->co_code_adaptive" ;;
		co_qualname) test "$1" = 3.10 && e="&((PyCodeObject*)0)->co_name" ||
			e="&((PyCodeObject*)0)->co_qualname" ;;
		co_*) e="&((PyCodeObject*)0)->$field" ;;
		str_ascii_data) e="sizeof(PyASCIIObject)" ;;
		str_compact_data) e="sizeof(PyCompactUnicodeObject)" ;;
		str_length) e="&((PyASCIIObject*)0)->length" ;;
		str_state) e="&((PyASCIIObject*)0)->state" ;;
		bytes_size) e="&((PyVarObject*)0)->ob_size" ;;
		bytes_data) e="&((PyBytesObject*)0)->ob_sval" ;;
		*) echo "# no DWARF expression for $field"; return 1 ;;
		esac
		got=$(gdb -batch -ex "print/d (long)$e" "$2" 2>&1 | sed -n "s/^\\\$1 = //p")
		test "$want" = STACK_PY_NONE && { test -z "$got" || { echo "# $field: $got in DWARF"; return 1; }; continue; }
		test "$got" = "$want" || { echo "# $1 $field: table $want, DWARF ${got:-none}"; return 1; }
	done <table
}

# python3.11-dbg's .deb and the python3.11 of the same version (tools/install-deps.sh's TEST_DEBS)
DBG_DEB=$(ls "$DEBS"/python3.11-dbg_*_amd64.deb 2>/dev/null | tail -1)
MIN_DEB=$(echo "$DBG_DEB" | sed "s/python3.11-dbg_/python3.11-minimal_/")
test_lazy_prereq PY311_DBG 'test -f "$DBG_DEB" && test -f "$MIN_DEB" ||
	{ echo "# no python3.11 .debs in $DEBS (tools/install-deps.sh fetches them)"; false; }'

test_expect_success GDB,PY311_DBG "3.11's offsets are those of Debian's python3.11-dbg DWARF" '
	dpkg -x "$DBG_DEB" dbg && dpkg -x "$MIN_DEB" min &&
	bid=$(readelf -n min/usr/bin/python3.11 | awk "/Build ID:/ { print \$3 }") &&
	dbg=dbg/usr/lib/debug/.build-id/$(echo $bid | cut -c1-2)/$(echo $bid | cut -c3-).debug &&
	test -f "$dbg" &&
	offsets_check 3.11 "$dbg"
'

for v in 3.10.13 3.12.1 3.13.0; do
	test_expect_success "GDB,PYENV_${v//./_}" "${v%.*}'s offsets are those of pyenv $v's libpython DWARF" '
		offsets_check '"${v%.*} $PYENV/$v/lib/libpython${v%.*}.so.1.0"'
	'
done

test_done
