#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The upx leaks tests' reader of --json reports (t4300).

  leaks.py chains FILE [N] [SCALE]   the report N of FILE (default: the last):
                                      one line per chain of tests/fixtures/leaky
                                      ("chain_calloc BLOCKS BYTES GROWTH"), sorted,
                                      then "other K": rows whose stack passes
                                      through no chain.  SCALE (default 1) is
                                      leaky's -s: a line "expected" follows when
                                      every chain has exactly its blocks and bytes.
  leaks.py sampled FILE SCALE       the last report of a sampled run: each chain's
                                      estimate within four standard deviations
                                      of the truth, the error it states of the
                                      right size, and the chains the first rows
"""
import json
import math
import sys

# leaky's chains: blocks per unit of -s, bytes each
CHAINS = {
    "chain_realloc": (7, 40000),
    "chain_calloc": (11, 3000),
    "chain_memalign": (5, 12345),
    "chain_new": (13, 777),
}


def reports(path):
    docs = []
    for line in open(path):
        line = line.strip()
        if line:
            d = json.loads(line)
            if "stacks" in d:
                docs.append(d)
    if not docs:
        sys.exit("no report in " + path)
    return docs


def chain_of(row):
    names = {f.get("function") or "" for f in row["stack"]}
    found = [c for c in CHAINS if any(n.startswith(c + "(") for n in names)]
    return found[0] if len(found) == 1 else None


def chains(path, n=-1, scale=1):
    doc = reports(path)[n]
    got, other = {}, 0
    for row in doc["stacks"]:
        c = chain_of(row)
        if c is None:
            other += 1
            continue
        if c in got:
            sys.exit("two rows for " + c)
        got[c] = (row["blocks"], row["bytes"], row["growth"])
    for c in sorted(got):
        print(c, *got[c])
    print("other", other)
    if all(c in got and got[c][0] == k * scale and got[c][1] == k * scale * size
           for c, (k, size) in CHAINS.items()):
        print("expected")


def sampled(path, scale):
    doc = reports(path)[-1]
    rows = doc["stacks"]
    assert doc["sample_bytes"] > 0, doc["sample_bytes"]
    first = [chain_of(r) for r in rows[:len(CHAINS)]]
    for row in rows:
        c = chain_of(row)
        if c is None:
            continue
        k, size = CHAINS[c]
        true = k * scale * size
        err = row["error_bytes"]
        # The estimator's true standard deviation, from the blocks the fixture
        # leaks: each of size s sampled with p = 1 - exp(-s / interval) and
        # weighted s / p, a variance of s^2 (1 - p) / p per block.  The error
        # upx states is estimated from the blocks it sampled, so it is small
        # exactly when too few were (the estimate too): a test against it
        # fails some 5 % of runs.  Against the truth, 4 sigma: 1 in 10,000.
        p = 1 - math.exp(-size / doc["sample_bytes"])
        sd = math.sqrt(k * scale * size * size * (1 - p) / p)
        print(c, "true", true, "estimate", row["bytes"], "error", err,
              "sampled", row["sampled_blocks"], "sd", round(sd))
        if abs(row["bytes"] - true) > 4 * sd:
            sys.exit(c + ": the estimate is not within four standard deviations")
        # the stated error is the deviation's estimate: of its size (a tenth of
        # the blocks expected sampled gives 0.32 sd: below 1 in 10,000 runs)
        if not 0.3 * sd <= err <= 3 * sd:
            sys.exit(c + ": the error stated, %d, is not the deviation's size, %d" % (err, sd))
    if sorted(c for c in first if c) != sorted(CHAINS):
        sys.exit("the chains are not the first rows: %s" % first)
    print("within")


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "chains":
        chains(sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else -1,
               int(sys.argv[4]) if len(sys.argv) > 4 else 1)
    elif cmd == "sampled":
        sampled(sys.argv[2], int(sys.argv[3]))
    else:
        sys.exit("usage: leaks.py chains|sampled FILE ...")
