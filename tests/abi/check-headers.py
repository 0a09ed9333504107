#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Compile every public header on its own, with strict flags.

usage: check-headers.py --compiler=ARG [--compiler=ARG ...] [--lang c|c++]
                        [--flag=ARG ...] [-I DIR ...] HEADER [HEADER ...]

For each HEADER a one-line translation unit is generated in a temporary
directory:

    #include <trainmetrics/HEADER>
    #include <trainmetrics/HEADER>      (twice: the include guard must work)
    typedef int trm_header_check_unit;  (ISO C forbids an empty unit)

and compiled with `COMPILER -fsyntax-only FLAGS -I DIR... unit`. The compiler
command is repeated (--compiler=ccache --compiler=cc) so that a wrapper or a
multi-word compiler from Meson's cmd_array() survives. Every failure is printed
with the exact command line and the compiler output. Exit status: 0 when all
headers pass, 1 when any fails, 77 (skip) when no compiler is given.
Standard library only.
"""

import argparse
import os
import subprocess
import sys
import tempfile


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--compiler", action="append", default=[],
                    help="one word of the compiler command (repeat)")
    ap.add_argument("--lang", choices=("c", "c++"), default="c")
    ap.add_argument("--flag", action="append", default=[],
                    help="one compiler flag (repeat; write --flag=-std=c99)")
    ap.add_argument("-I", dest="include", action="append", default=[])
    ap.add_argument("headers", nargs="+")
    args = ap.parse_args()

    if not args.compiler:
        print("no %s compiler configured: skipped" % args.lang)
        return 77

    suffix = ".c" if args.lang == "c" else ".cpp"
    failures = []
    with tempfile.TemporaryDirectory(prefix="trm-header-check-") as tmp:
        for header in args.headers:
            name = os.path.basename(header)
            unit = os.path.join(tmp, "unit-" + name.replace(".", "_") + suffix)
            with open(unit, "w", encoding="utf-8") as f:
                f.write("#include <trainmetrics/%s>\n" % name)
                f.write("#include <trainmetrics/%s>\n" % name)
                f.write("typedef int trm_header_check_unit;\n")
            # -x pins the language even when the driver is "cc" used for C++.
            cmd = list(args.compiler) + ["-x", args.lang, "-fsyntax-only"] + args.flag
            for d in args.include:
                cmd += ["-I", d]
            cmd.append(unit)
            proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  universal_newlines=True)
            # -Werror turns warnings into a non-zero status; anything printed
            # without -Werror is still a warning we refuse.
            if proc.returncode != 0 or proc.stdout.strip():
                failures.append(name)
                print("FAIL %s\n  $ %s\n%s" % (name, " ".join(cmd), proc.stdout.rstrip()))
            else:
                print("ok   %s" % name)

    flags = " ".join(args.flag)
    if failures:
        print("\n%d of %d headers failed as %s with %s: %s"
              % (len(failures), len(args.headers), args.lang, flags, ", ".join(failures)))
        return 1
    print("\nall %d headers compile cleanly as %s with %s" % (len(args.headers), args.lang, flags))
    return 0


if __name__ == "__main__":
    sys.exit(main())
