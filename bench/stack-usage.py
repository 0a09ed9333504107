#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Worst-case stack use of every public function, from GCC's call-graph files.

usage: stack-usage.py BUILD_DIR [--all]

BUILD_DIR is a build configured with CFLAGS=-fcallgraph-info=su (GCC >= 10),
for example:

    CFLAGS=-fcallgraph-info=su meson setup /tmp/su -Dtests=disabled
    ninja -C /tmp/su lib/libtrainmetrics.so.0.3.0
    bench/stack-usage.py /tmp/su

GCC writes one .ci file per object with each function's own frame ("static"
or "dynamic,bounded") and its direct calls. A public function's figure is
its frame plus the deepest chain of calls below it inside the library; a
call through a target_clones resolver counts the largest clone. Calls that
leave the library (libc, libm, the caller's allocator hooks) and indirect
calls are not followed: they are listed, and add to the figures. Prints
"name bytes" sorted by bytes, one line per public function (--all: every
function). Standard library only.

A function that calls itself is followed only when BOUNDED gives its
deepest recursion (its frame then counts that many times); any other cycle
stops the script.
"""

import glob
import os
import re
import sys

NODE = re.compile(r'node: \{ title: "([^"]+)" label: "([^"\\]+)\\n([^"\\]*)(?:\\n(\d+) bytes \(([^)]*)\))?"')
EDGE = re.compile(r'edge: \{ sourcename: "([^"]+)" targetname: "([^"]+)"')

# Self-recursive functions and their deepest nesting: numpy's pairwise sum
# halves n per level and stops at 128 values, and n values fit in size_t
# bytes: at most 61 - 7 = 54 levels of doubles (ranking-exact.c's pairwise),
# 62 - 7 = 55 of floats (cam-forward.c's pairwise_sum_f32).
BOUNDED = {"pairwise": 54, "pairwise_sum_f32": 55}


def load(build):
    frames, names, edges = {}, {}, {}
    files = glob.glob(os.path.join(build, "lib", "**", "*.ci"), recursive=True)
    if not files:
        raise SystemExit("stack-usage: no .ci files under %s/lib (configure with CFLAGS=-fcallgraph-info=su)" % build)
    for path in files:
        with open(path, encoding="utf-8") as f:
            for line in f:
                m = NODE.match(line)
                if m:
                    title, name, size = m.group(1), m.group(2), m.group(4)
                    if size is not None:
                        frames[title] = (name, int(size), m.group(5))
                        names.setdefault(name.split(".")[0], []).append(title)
                    continue
                m = EDGE.match(line)
                if m:
                    edges.setdefault(m.group(1), set()).add(m.group(2))
    return frames, names, edges


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    frames, names, edges = load(sys.argv[1])
    memo, outside, active = {}, set(), set()

    def targets(t):
        if t in frames:
            return [t]
        found = names.get(t.split(":")[-1].split(".")[0], [])
        if not found:
            outside.add(t.split(":")[-1])
        return found

    def depth(title):
        if title in memo:
            return memo[title]
        if title in active:
            raise SystemExit("stack-usage: recursion through %s" % title)
        active.add(title)
        below, levels = 0, 1
        for t in edges.get(title, ()):
            for d in targets(t):
                if d == title and frames[title][0].split(".")[0] in BOUNDED:
                    levels = BOUNDED[frames[title][0].split(".")[0]]
                    continue
                below = max(below, depth(d))
        active.discard(title)
        memo[title] = frames[title][1] * levels + below
        return memo[title]

    rows = {}
    for title, (name, _, _) in frames.items():
        base = name.split(".")[0]
        if "--all" in sys.argv or (base.startswith("trm_") and not base.startswith("trm__")):
            rows[base] = max(rows.get(base, 0), depth(title))
    for name, size in sorted(rows.items(), key=lambda r: (-r[1], r[0])):
        print("%-44s %7d" % (name, size))
    print("# not followed (outside the library or indirect): %s" % ", ".join(sorted(outside)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
