#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The metrics endpoint cannot be held down: while 100 clients hold
# connections open (idle, or sending a request a byte a second; from another
# address, from 100 addresses, or from the scraper's own), a normal scrape
# is answered, each within the scraping client's own 2 s timeout, one after
# another; and a connection that never completes its request is closed at
# its deadline.  (Before, 32 idle connections held scrapes off 10 s at a
# time, and a byte a second kept them off for good.)  The latency itself is
# make bench's figure 11.  The clients are tests/e2e/metrics.py's crowd,
# bound to loopback addresses of their own (127.0.0.2 and up).
. "$(dirname "$0")/lib.sh"

M="python3 $E2E_DIR/metrics.py"

# serve: upx trace --listen in the background; its pid in $up, its URL in $url
serve() {
	upx trace --count --listen 127.0.0.1:0 $FIXTURES/uprobeme:foo >out 2>err &
	up=$!
	wait_for "^Serving metrics on " err &&
	url=$(sed -n "s/^Serving metrics on //p" err)
}

for c in "idle 127.0.0.2:from another address" \
	 "drip 127.0.0.2:sending a byte a second, from another address" \
	 "idle 127.0.0.2-127.0.0.101:from 100 addresses" \
	 "drip 127.0.0.2-127.0.0.101:sending a byte a second, from 100 addresses" \
	 "idle 127.0.0.1:from the scraper's own address" \
	 "drip 127.0.0.1:sending a byte a second, from the scraper's own address"; do
	test_expect_success BPF "100 connections held ${c#*:}: 5 scrapes answered" '
		serve &&
		test_when_finished "test_kill $up" &&
		$M crowd "$url" 100 '"${c%%:*}"' 5 >ms 2>crowd.err &&
		test_line_count = 5 ms &&
		say "scrape ms: $(tr "\n" " " <ms)" &&
		# every turn of the crowd left upx serving and well
		$M fetch "$url" text final.txt &&
		test "$($M get final.txt upx_probe_calls_total function=foo)" = 0
	'
done

test_expect_success BPF 'a connection that never completes its request is closed at its deadline' '
	serve &&
	test_when_finished "test_kill $up" &&
	{ $M held "$url" idle 15 >idle.s & } &&
	idle=$! &&
	$M held "$url" drip 15 >drip.s &&
	wait_exit $idle 15 &&
	say "held for $(cat idle.s) s (idle) and $(cat drip.s) s (a byte a second)" &&
	# the deadline is 10 s from the accept; not much before
	test "$(cut -d. -f1 idle.s)" -ge 9 && test "$(cut -d. -f1 drip.s)" -ge 9
'

test_done
