#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Make Doxygen's HTML use Debian's jQuery and jQuery UI.

usage: unbundle-jquery.py HTML_DIR

Doxygen's jquery.js is one bundle: jQuery 3, a jQuery UI build (widget,
mouse, resizable), then the scrollTo, PowerTip, Touch Punch and SmartMenus
plugins. The jQuery and jQuery UI parts are dropped (debian/rules links
jquery.js to libjs-jquery and jquery-ui.min.js to libjs-jquery-ui); the
plugins stay as doxygen-plugins.js, and every page loads the three in order.
Fails if the bundle does not have the expected shape, rather than guess.
"""
import os
import re
import sys

UI_START = "/*! jQuery UI - v"
PLUGINS_START = re.compile(r"/\*\*\s*\n \* Copyright \(c\) 2007 Ariel Flesler")  # jquery.scrollTo's header
TAG = '<script type="text/javascript" src="jquery.js"></script>'


def main():
    html = sys.argv[1]
    bundle_path = os.path.join(html, "jquery.js")
    bundle = open(bundle_path, encoding="utf-8").read()
    if not bundle.startswith("/*! jQuery v3.") or UI_START not in bundle:
        sys.exit("unbundle-jquery: %s is not Doxygen's jQuery 3 + jQuery UI bundle" % bundle_path)
    m = PLUGINS_START.search(bundle, bundle.index(UI_START))
    if not m or "SmartMenus" not in bundle[m.start():]:
        sys.exit("unbundle-jquery: cannot find where the plugins start in %s" % bundle_path)
    with open(os.path.join(html, "doxygen-plugins.js"), "w", encoding="utf-8") as f:
        f.write("/* The jQuery plugins of Doxygen's jquery.js bundle (scrollTo, PowerTip, Touch Punch,\n"
                " * SmartMenus, all MIT); jQuery and jQuery UI come from Debian. */\n")
        f.write(bundle[m.start():])
    os.remove(bundle_path)
    patched = 0
    for dirpath, _, names in os.walk(html):
        for name in names:
            if not name.endswith(".html"):
                continue
            path = os.path.join(dirpath, name)
            text = open(path, encoding="utf-8").read()
            if TAG not in text:
                continue
            prefix = os.path.relpath(html, dirpath)
            prefix = "" if prefix == "." else prefix + "/"
            tags = "\n".join('<script type="text/javascript" src="%s%s"></script>' % (prefix, js)
                             for js in ("jquery.js", "jquery-ui.min.js", "doxygen-plugins.js"))
            with open(path, "w", encoding="utf-8") as f:
                f.write(text.replace(TAG, tags))
            patched += 1
    if not patched:
        sys.exit("unbundle-jquery: no page loads jquery.js")
    print("unbundle-jquery: %d pages load Debian's jQuery and jQuery UI" % patched)


if __name__ == "__main__":
    main()
