#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The direction of core/'s folders, and no include circles.

Each folder of core/ is a step of the pipeline, lower ones first:

    base < output < symbols < target < plan < stack < run

A file may include headers of its own folder and of the folders below it,
never of one above (output/ knows nothing of plan/, stack/ or run/; base/
nothing but itself).  And no module (a .c with its .h) reaches itself again
through the headers its files include.  Prints each breach on one line and
exits 1; silent and 0 when the house is in order.  Run by make test
(tests/e2e/t0040-include-layers.sh).
"""
import os
import re
import sys

LAYERS = ["base", "output", "symbols", "target", "plan", "stack", "run"]
RANK = {name: i for i, name in enumerate(LAYERS)}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def main(root):
    core = os.path.join(root, "core")
    modules = {}      # "plan/plan" -> set of modules it includes
    breaches = []
    for folder in sorted(os.listdir(core)):
        path = os.path.join(core, folder)
        if not os.path.isdir(path):
            breaches.append(f"core/{folder}: a file outside the folders of core/")
            continue
        if folder not in RANK:
            breaches.append(f"core/{folder}/: a folder check-includes.py does not know")
            continue
        for name in sorted(os.listdir(path)):
            if not name.endswith((".c", ".h")):
                continue
            mod = f"{folder}/{name.rsplit('.', 1)[0]}"
            deps = modules.setdefault(mod, set())
            with open(os.path.join(path, name), encoding="utf-8") as f:
                text = f.read()
            for inc in INCLUDE.findall(text):
                if "/" not in inc:
                    continue    # probes/ and generated headers: shared with BPF, no layer
                to_folder = inc.split("/", 1)[0]
                if to_folder not in RANK:
                    continue
                if RANK[to_folder] > RANK[folder]:
                    breaches.append(f"core/{folder}/{name} includes {inc}: "
                                    f"{folder}/ is below {to_folder}/")
                to_mod = inc.rsplit(".", 1)[0]
                if to_mod != mod:
                    deps.add(to_mod)
    # circles: a depth-first walk, each circle reported once by its smallest member
    seen_cycles = set()
    state = {}

    def walk(mod, stack):
        state[mod] = 1
        stack.append(mod)
        for dep in sorted(modules.get(mod, ())):
            if state.get(dep) == 1:
                cyc = stack[stack.index(dep):]
                k = min(range(len(cyc)), key=lambda i: cyc[i])
                cyc = tuple(cyc[k:] + cyc[:k])
                if cyc not in seen_cycles:
                    seen_cycles.add(cyc)
                    breaches.append("include circle: " + " -> ".join(cyc + (cyc[0],)))
            elif dep in modules and not state.get(dep):
                walk(dep, stack)
        stack.pop()
        state[mod] = 2

    for mod in sorted(modules):
        if not state.get(mod):
            walk(mod, [])
    for b in breaches:
        print(b)
    return 1 if breaches else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "."))
