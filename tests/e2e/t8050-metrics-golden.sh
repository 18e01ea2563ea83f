#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The series the table engine writes for each kind of table, as the unit
# tests hold them byte for byte (tests/unit/golden/table/), are what
# Prometheus reads: promtool and the strict parser over the text format,
# the strict parser over OpenMetrics.
. "$(dirname "$0")/lib.sh"

M="python3 $E2E_DIR/metrics.py"
G=$SRC_DIR/tests/unit/golden/table

test_expect_success 'every table has its golden files' '
	for t in counts by-counts latency by-hists summary lifetimes empty stacks by-key; do
		for e in txt json prom om; do
			test -f "$G/$t.$e" || { echo "missing $G/$t.$e"; return 1; }
		done
	done
'

test_expect_success PROMTOOL 'promtool checks the Prometheus text of every table' '
	for f in "$G"/*.prom; do
		promtool check metrics <"$f" || { echo "promtool: $f"; return 1; }
	done
'

test_expect_success 'the strict parser reads the text and the OpenMetrics of every table' '
	for f in "$G"/*.prom; do
		test -s "$f" || continue	# a table without series (stacks)
		$M check "$f" text || return 1
	done &&
	for f in "$G"/*.om; do
		$M check "$f" om || return 1
	done
'

test_done
