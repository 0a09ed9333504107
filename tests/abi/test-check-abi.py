#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Exercise check-abi.py on small libraries built here, so its verdicts are known.

usage: test-check-abi.py [--cc CC] [--abidw ABIDW] [--abidiff ABIDIFF]

A baseline library exports two functions in node DEMO_1; each variant below is
built, compared with the baseline's abidw corpus, and must get the verdict in
the table (0 passes, 1 fails).
"""

import argparse
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))

BASE_H = "struct demo_pair { int a; double b; };\nint demo_add(int, int);\nint demo_fill(struct demo_pair *);\n"
BASE_C = "int demo_add(int x, int y) { return x + y; }\nint demo_fill(struct demo_pair *p) { p->a = 1; p->b = 2; return 0; }\n"
BASE_MAP = "DEMO_1 { global: demo_add; demo_fill; local: *; };\n"

NEW_FN_H = "int demo_sub(int, int);\n"
NEW_FN_C = "int demo_sub(int x, int y) { return x - y; }\n"

# name: (header, source, version script, expected status)
VARIANTS = {
    "identical": (BASE_H, BASE_C, BASE_MAP, 0),
    "added-in-new-node": (BASE_H + NEW_FN_H, BASE_C + NEW_FN_C,
                          BASE_MAP + "DEMO_2 { global: demo_sub; } DEMO_1;\n", 0),
    "added-in-released-node": (BASE_H + NEW_FN_H, BASE_C + NEW_FN_C,
                               "DEMO_1 { global: demo_add; demo_fill; demo_sub; local: *; };\n", 1),
    "removed": ("int demo_add(int, int);\n", "int demo_add(int x, int y) { return x + y; }\n",
                "DEMO_1 { global: demo_add; local: *; };\n", 1),
    "parameter-type-changed": (BASE_H.replace("int demo_add(int, int)", "int demo_add(long, int)"),
                               BASE_C.replace("int demo_add(int x", "int demo_add(long x"), BASE_MAP, 1),
    "public-struct-changed": (BASE_H.replace("double b;", "float b;"), BASE_C, BASE_MAP, 1),
    "moved-to-new-node": (BASE_H, BASE_C,
                          "DEMO_1 { global: demo_fill; local: *; };\nDEMO_2 { global: demo_add; } DEMO_1;\n", 1),
}


def build(cc, workdir, name, header, source, version_map):
    d = os.path.join(workdir, name)
    inc = os.path.join(d, "include")
    os.makedirs(inc)
    with open(os.path.join(inc, "demo.h"), "w") as f:
        f.write(header)
    with open(os.path.join(d, "demo.c"), "w") as f:
        f.write('#include "demo.h"\n' + source)
    with open(os.path.join(d, "demo.map"), "w") as f:
        f.write(version_map)
    lib = os.path.join(d, "libdemo.so.1")
    subprocess.run(cc + ["-g", "-O1", "-shared", "-fPIC", "-I", inc, "-Wl,-soname,libdemo.so.1",
                         "-Wl,--version-script=" + os.path.join(d, "demo.map"),
                         "-o", lib, os.path.join(d, "demo.c")], check=True)
    return lib, inc


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cc", action="append", default=None, help="compiler command, one word per option")
    ap.add_argument("--abidw", default="abidw")
    ap.add_argument("--abidiff", default="abidiff")
    args = ap.parse_args()
    cc = args.cc or ["cc"]
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        base_lib, base_inc = build(cc, tmp, "baseline", BASE_H, BASE_C, BASE_MAP)
        baseline = os.path.join(tmp, "baseline.abi")
        with open(baseline, "w") as f:
            subprocess.run([args.abidw, "--no-corpus-path", "--headers-dir", base_inc, "--drop-private-types",
                            base_lib], check=True, stdout=f)
        for name, (header, source, version_map, want) in VARIANTS.items():
            lib, inc = build(cc, tmp, name, header, source, version_map)
            run = subprocess.run([sys.executable, os.path.join(HERE, "check-abi.py"), "--abidiff", args.abidiff,
                                  baseline, lib, inc], capture_output=True, text=True)
            ok = run.returncode == want
            failures += not ok
            print("%s %s: check-abi exited %d, expected %d" % ("ok  " if ok else "FAIL", name, run.returncode, want))
            if not ok:
                print("    " + run.stdout.replace("\n", "\n    "))
    print("%d passed, %d failed" % (len(VARIANTS) - failures, failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
