#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Run Doxygen's man generator and keep the pages that belong in man3.

usage: man-pages.py DOXYGEN DOXYFILE-MAN DOXYGEN_OUTPUT_DIR OUTPUT_DIR

Doxygen names a header's page after its file (confusion.h.3) and writes link
pages for struct members (free.3, alloc.3) and anonymous enums (@0.3): such
names would clash with other packages' pages in /usr/share/man/man3. Kept:
the header pages, renamed trainmetrics-<header>.3, and the pages and links of
trm_* and TRM_* names, their links pointing at the renamed pages.
"""
import os
import re
import shutil
import subprocess
import sys


def main():
    doxygen, doxyfile, doxygen_out, out = sys.argv[1:5]
    subprocess.run([doxygen, doxyfile], check=True)
    src = os.path.join(doxygen_out, "man3")
    pages = sorted(os.listdir(src))
    headers = {p for p in pages if p.endswith(".h.3")}
    renamed = {p: "trainmetrics-" + p for p in headers}
    if os.path.isdir(out):
        shutil.rmtree(out)
    os.makedirs(out)
    kept = 0
    for page in pages:
        if page in headers:
            target = renamed[page]
        elif re.match(r"(trm|TRM)_\w+\.3$", page):
            target = page
        else:
            continue
        with open(os.path.join(src, page), encoding="utf-8") as f:
            text = f.read()
        link = re.fullmatch(r"\.so man3/(\S+)\s*", text)
        if link:
            dest = renamed.get(link.group(1), link.group(1))
            if dest not in renamed.values() and not re.match(r"(trm|TRM)_\w+\.3$", dest):
                continue  # a link to a page that is not kept
            text = ".so man3/%s\n" % dest
        with open(os.path.join(out, target), "w", encoding="utf-8") as f:
            f.write(text)
        kept += 1
    if not kept:
        sys.exit("man-pages.py: Doxygen wrote no page")


if __name__ == "__main__":
    main()
