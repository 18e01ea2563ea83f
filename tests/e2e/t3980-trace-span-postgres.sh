#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# upx trace --span on a real server, as BCC's dbslower and dbstat: Debian's
# PostgreSQL 15 (its query__start and query__done USDT probes), started by
# the test as nobody on a Unix socket in its scratch directory and stopped
# after each test; psql sends N fast queries and M slow ones (pg_sleep).
. "$(dirname "$0")/lib.sh"

PGBIN=/usr/lib/postgresql/15/bin
PG=$PGBIN/postgres
START=usdt:$PG:query__start END=usdt:$PG:query__done
# a USDT probe is shown with its provider
LABEL=usdt:$PG:postgresql:query__start
N=12 M=3

test_lazy_prereq POSTGRES '
	test -x $PG && test -x $PGBIN/initdb && command -v psql ||
	{ echo "no PostgreSQL 15 (apt install postgresql)"; false; }
'

# One cluster for the file, owned by nobody (the server will not run as
# root), in a directory nobody can reach: the scratch directory is root's.
PGDIR=$TRASH/pg
chmod 711 "$TRASH"

test_expect_success POSTGRES 'initdb as nobody' '
	mkdir "$PGDIR" && chown nobody "$PGDIR" &&
	runuser -u nobody -- $PGBIN/initdb -D "$PGDIR/data" -A trust -U upx -E UTF8 \
		--locale=C --no-sync >"$PGDIR/initdb.log" 2>&1
'

# pg_start: the server on $PGDIR/.s.PGSQL.5432 only (no TCP), stopped by the test's end.
pg_start() {
	runuser -u nobody -- $PGBIN/pg_ctl -D "$PGDIR/data" -l "$PGDIR/log" -w \
		-o "-k $PGDIR -c listen_addresses= -c fsync=off" start >/dev/null
}
pg_stop() {
	runuser -u nobody -- $PGBIN/pg_ctl -D "$PGDIR/data" -m immediate -w stop >/dev/null
}

# queries: N fast ones (select 1 .. select N), then M of pg_sleep(0.05), one at a time.
queries() {
	for i in $(seq $N); do echo "select $i;"; done >q.sql &&
	for i in $(seq $M); do echo "select pg_sleep(0.05);"; done >>q.sql &&
	psql -X -q -h "$PGDIR" -U upx -d postgres -v ON_ERROR_STOP=1 -f q.sql >/dev/null
}

test_expect_success BPF,POSTGRES '--span query__start query__done --str arg0 --min 20ms: the slow queries exactly, with their text' '
	pg_start &&
	test_when_finished "pg_stop" &&
	{ upx trace --span $START $END --str arg0 --min 20ms >out 2>err & up=$!; } &&
	test_when_finished "test_kill $up" &&
	wait_for "^Tracing" err &&
	queries &&
	kill -INT $up && wait_exit $up 5 &&
	sed 1d out >spans &&
	test_line_count = $M spans &&
	test "$(grep -c " postgres  *$LABEL arg0=\"select pg_sleep(0\.05);\" dur=[0-9.]*ms$" spans)" = $M &&
	sed "s/.* dur=\([0-9]*\)\..*/\1/" spans >ms &&
	awk "\$1 < 50 || \$1 >= 1000 { bad = 1 } END { exit bad }" ms
'

test_expect_success BPF,POSTGRES '--span --latency: the histogram counts every query, N + M' '
	pg_start &&
	test_when_finished "pg_stop" &&
	{ upx trace --json --span --latency $START $END >out 2>err & up=$!; } &&
	test_when_finished "test_kill $up" &&
	wait_for "^Tracing" err &&
	queries &&
	kill -INT $up && wait_exit $up 5 &&
	python3 -c "
import json
d = json.loads(open(\"out\").readline())
assert d[\"probe\"] == \"$LABEL\" and d[\"count\"] == $N + $M, d
slow = sum(b[\"count\"] for b in d[\"buckets\"] if b[\"low\"] >= 32 << 20)
assert slow == $M, d
assert d[\"sum\"] >= $M * 50000000, d
"
'

test_expect_success BPF,POSTGRES '--span --count --by str:arg0: each query text its count (dbstat)' '
	pg_start &&
	test_when_finished "pg_stop" &&
	{ upx trace --span --count --by str:arg0 $START $END >out 2>err & up=$!; } &&
	test_when_finished "test_kill $up" &&
	wait_for "^Tracing" err &&
	queries &&
	kill -INT $up && wait_exit $up 5 &&
	test_grep "^select pg_sleep(0\.05);  *$M$" out &&
	test "$(grep -c "^select [0-9]*;  *1$" out)" = $N &&
	test_line_count = $((N + 2)) out
'

test_done
