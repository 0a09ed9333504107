#!/bin/sh
# SPDX-License-Identifier: MIT
# Regenerate the bundled run directories examples/data/{mayonnaise,digits,unmixing}.
#
# usage: examples/data/make-runs/make-runs.sh [OUTROOT]
#
# OUTROOT defaults to examples/data (this script's parent directory); give
# another directory to regenerate elsewhere and compare (see check-runs.py).
# Needs Debian's r-base-core, r-cran-pls, python3-torch, python3-numpy and
# python3-sklearn; takes about a minute on one core.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/..}
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

Rscript "$here/export-mayonnaise.R" "$tmp/mayonnaise.csv"
/usr/bin/python3 "$here/train-mayonnaise.py" "$tmp/mayonnaise.csv" "$out/mayonnaise"
/usr/bin/python3 "$here/train-digits.py" "$out/digits"
/usr/bin/python3 "$here/train-unmixing.py" "$tmp/mayonnaise.csv" "$out/unmixing"
echo "wrote $out/mayonnaise $out/digits $out/unmixing"
