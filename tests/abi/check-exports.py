#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Check that the shared library exports exactly the public API.

usage: check-exports.py [--nm NM] LIBRARY.so VERSION.map HEADER_DIR [HEADER_DIR ...]

Three sets must agree:
  * the dynamic symbols the library defines (nm -D --defined-only, "@@NODE" and
    "@NODE" suffixes stripped, the version node names of the map ignored);
  * the names listed in the global: sections of the version script;
  * the trm_ functions declared with TRM_API in the public headers (*.h).
Every exported name must also start with "trm_". On failure the differences are
printed, one name per line, and the exit status is 1 (2 for a usage problem).
Standard library only.
"""

import argparse
import os
import re
import subprocess
import sys

PREFIX = "trm_"


def strip_c_comments(text):
    """Remove /* */ and // comments, keeping string literals intact enough for
    declarations (the headers contain no string literals with comment markers)."""
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    return re.sub(r"//[^\n]*", " ", text)


def read_map(path):
    """Return (global names, version node names) of a GNU ld version script."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    text = strip_c_comments(text)
    text = re.sub(r"#[^\n]*", " ", text)
    names, nodes, problems = set(), set(), []
    # NODE { ... } [PARENT] ;   (an anonymous node "{ ... };" has no name)
    for m in re.finditer(r"([A-Za-z_][\w.]*)?\s*\{(.*?)\}\s*([A-Za-z_][\w.]*)?\s*;", text, flags=re.S):
        node, body = m.group(1), m.group(2)
        if node:
            nodes.add(node)
        # Symbols before any "global:"/"local:" label are global.
        parts = re.split(r"\b(global|local)\s*:", body)
        sections = [("global", parts[0])] + list(zip(parts[1::2], parts[2::2]))
        for section, chunk in sections:
            if section != "global":
                continue
            for token in chunk.split(";"):
                token = token.strip()
                if not token:
                    continue
                if token.startswith("extern"):
                    problems.append("%s: 'extern' blocks are not supported by this check" % path)
                    continue
                if any(ch in token for ch in "*?[] \t\n\"{}"):
                    problems.append("%s: %r in a global: section is not a plain symbol name"
                                    % (path, token))
                    continue
                names.add(token)
    if not nodes and not names:
        problems.append("%s: no version node found" % path)
    return names, nodes, problems


def read_headers(dirs):
    """Return {name: header} for every function declared with TRM_API, and
    {name: header} for every trm_ function declared without it."""
    exported, plain = {}, {}
    headers = []
    for d in dirs:
        for entry in sorted(os.listdir(d)):
            if entry.endswith(".h"):
                headers.append(os.path.join(d, entry))
    if not headers:
        raise SystemExit("check-exports: no *.h files in %s" % ", ".join(dirs))
    for path in headers:
        with open(path, encoding="utf-8") as f:
            text = strip_c_comments(f.read())
        # Drop preprocessor lines (with continuations) so "#define TRM_API ..."
        # is not mistaken for a declaration.
        text = re.sub(r"^[ \t]*#(?:[^\n]*\\\n)*[^\n]*", " ", text, flags=re.M)
        # Split into top-level declarations at ';', '{' and '}'.
        for decl in re.split(r"[;{}]", text):
            decl = " ".join(decl.split())
            m = re.search(r"\b(" + PREFIX + r"\w*)\s*\(", decl)
            if not m:
                continue
            # A function pointer type or a typedef is not a function declaration.
            if decl.startswith("typedef") or re.search(r"\(\s*\*\s*" + m.group(1), decl):
                continue
            name = m.group(1)
            target = exported if re.search(r"\bTRM_API\b", decl[: m.start()]) else plain
            target.setdefault(name, os.path.basename(path))
    return exported, plain


def read_library(nm, lib):
    try:
        out = subprocess.run([nm, "-D", "--defined-only", lib], check=True,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             universal_newlines=True).stdout
    except FileNotFoundError:
        raise SystemExit("check-exports: cannot run %r" % nm)
    except subprocess.CalledProcessError as e:
        raise SystemExit("check-exports: %s failed:\n%s" % (nm, e.stderr))
    symbols = {}
    for line in out.splitlines():
        fields = line.split()
        if len(fields) < 2:
            continue
        kind, name = fields[-2], fields[-1]
        name = name.split("@", 1)[0]
        symbols.setdefault(name, kind)
    return symbols


def report(title, names, detail=None):
    print("  %s (%d):" % (title, len(names)))
    for n in sorted(names):
        print("    %s%s" % (n, "" if detail is None else "  [%s]" % detail.get(n, "")))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--nm", default=os.environ.get("NM", "nm"))
    ap.add_argument("library")
    ap.add_argument("map")
    ap.add_argument("header_dirs", nargs="+")
    args = ap.parse_args()

    mapped, nodes, problems = read_map(args.map)
    exported_decls, plain_decls = read_headers(args.header_dirs)
    symbols = read_library(args.nm, args.library)
    # The version nodes appear as absolute ("A") symbols; they are not API.
    exported = {n for n, kind in symbols.items() if not (n in nodes and kind == "A")}
    declared = set(exported_decls)

    failed = bool(problems)
    for p in problems:
        print("ERROR: " + p)

    print("library: %s (%d exported symbols)" % (args.library, len(exported)))
    print("map:     %s (%d names, nodes: %s)" % (args.map, len(mapped), ", ".join(sorted(nodes)) or "-"))
    print("headers: %s (%d TRM_API functions)" % (", ".join(args.header_dirs), len(declared)))

    bad_prefix = {n for n in exported | mapped if not n.startswith(PREFIX)}
    if bad_prefix:
        failed = True
        print("\nFAIL: exported or mapped names without the %r prefix" % PREFIX)
        report("names", bad_prefix)

    if exported != mapped:
        failed = True
        print("\nFAIL: exported symbols != global names of the version script")
        report("- exported by the library but not in the map", exported - mapped, symbols)
        report("+ in the map but not exported (not defined, or not TRM_API/visible)", mapped - exported)

    if mapped != declared:
        failed = True
        print("\nFAIL: global names of the version script != TRM_API functions of the headers")
        only_map = mapped - declared
        undeclared = {n for n in only_map if n not in plain_decls}
        no_api = only_map - undeclared
        report("- in the map but not declared in any public header", undeclared)
        report("- in the map, declared without TRM_API", no_api, plain_decls)
        report("+ declared with TRM_API but missing from the map", declared - mapped, exported_decls)

    if failed:
        return 1
    print("OK: %d symbols agree between library, map and headers" % len(exported))
    return 0


if __name__ == "__main__":
    sys.exit(main())
