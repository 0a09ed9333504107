#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Compare a freshly built libtrainmetrics.so.0 with the committed ABI baseline.

usage: check-abi.py [--abidiff ABIDIFF] [--readelf READELF] BASELINE.abi LIBRARY.so \
                    HEADER_DIR [HEADER_DIR ...]

Passes only when the library's ABI equals the baseline's, or differs from it by
added symbols that all live in version nodes the baseline does not have (a new
node such as TRAINMETRICS_0.2). It fails on
  * any change abidiff reports other than added functions or variables (a
    removed symbol, a changed parameter, return or public struct type, ...);
  * a symbol missing from the library, or exported there in another node than
    in the baseline;
  * an added symbol in a node the baseline already has (a released node never
    changes), or without a version at all.
abidiff alone does not check the nodes of added symbols, hence readelf.
The HEADER_DIRs restrict the type comparison to the public headers, as the
baseline was written with the same filter (see tests/abi/README.md).
"""

import argparse
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

# abidiff's exit status is a bit mask (libabigail's abidiff manual).
ABIDIFF_ERROR, ABIDIFF_USAGE, ABIDIFF_CHANGE, ABIDIFF_INCOMPATIBLE = 1, 2, 4, 8


def baseline_symbols(path):
    """{name: version node} of the functions and variables in an abidw corpus."""
    symbols = {}
    root = ET.parse(path).getroot()
    corpora = [root] if root.tag == "abi-corpus" else root.iter("abi-corpus")
    for corpus in corpora:
        for section in ("elf-function-symbols", "elf-variable-symbols"):
            for table in corpus.iter(section):
                for sym in table.iter("elf-symbol"):
                    symbols[(sym.get("name"), sym.get("version") or "")] = sym.get("is-default-version") == "yes"
    return symbols


def library_symbols(readelf, lib):
    """{(name, version node): is default} of the library's defined dynamic symbols."""
    out = subprocess.run([readelf, "--dyn-syms", "-W", lib], check=True, capture_output=True, text=True).stdout
    symbols = {}
    for line in out.splitlines():
        fields = line.split()
        # Num: Value Size Type Bind Vis Ndx Name
        if len(fields) < 8 or not fields[0].endswith(":") or fields[6] in ("UND", "ABS"):
            continue  # imports, and the ABS entries ld writes for each version node
        if fields[3] not in ("FUNC", "OBJECT", "IFUNC", "TLS") or fields[4] not in ("GLOBAL", "WEAK"):
            continue
        m = re.fullmatch(r"([^@]+)(@@?)?(.*)", fields[7])
        symbols[(m.group(1), m.group(3))] = m.group(2) == "@@"
    return symbols


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--abidiff", default="abidiff")
    ap.add_argument("--readelf", default="readelf")
    ap.add_argument("baseline")
    ap.add_argument("library")
    ap.add_argument("headers", nargs="+")
    args = ap.parse_args()

    problems = []

    # 1. abidiff, with additions left out of its verdict: anything it still
    #    reports is a change of what the baseline already had.
    command = [args.abidiff, "--no-added-syms", "--drop-private-types"]
    for d in args.headers:
        command += ["--headers-dir2", d]
    command += [args.baseline, args.library]
    run = subprocess.run(command, capture_output=True, text=True)
    if run.returncode & (ABIDIFF_ERROR | ABIDIFF_USAGE):
        sys.stderr.write(run.stdout + run.stderr)
        print("check-abi: abidiff could not compare (status %d): %s" % (run.returncode, " ".join(command)))
        return 2
    if run.returncode:
        problems.append("abidiff reports changes to the released ABI (status %d):\n%s"
                        % (run.returncode, run.stdout.rstrip()))

    # 2. The version node of every symbol, old and new.
    old = baseline_symbols(args.baseline)
    new = library_symbols(args.readelf, args.library)
    old_nodes = {node for _, node in old}
    for key in sorted(old):
        if key not in new:
            problems.append("%s@%s: in the baseline, not in the library" % key)
        elif old[key] != new[key]:
            problems.append("%s@%s: default-version flag changed" % key)
    added = sorted(set(new) - set(old))
    for name, node in added:
        if not node:
            problems.append("%s: added without a version node" % name)
        elif node in old_nodes:
            problems.append("%s@%s: added to a released node (add a new node to lib/trainmetrics.map)"
                            % (name, node))
        else:
            print("check-abi: added %s@%s (new node)" % (name, node))

    # Full abidiff report for the log, additions included.
    if added:
        full = subprocess.run([c for c in command if c != "--no-added-syms"], capture_output=True, text=True)
        print(full.stdout.rstrip())

    if problems:
        print("check-abi: FAILED against %s" % args.baseline)
        for p in problems:
            print("  " + p.replace("\n", "\n    "))
        return 1
    print("check-abi: %d baseline symbols unchanged, %d added in new nodes" % (len(old), len(added)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
