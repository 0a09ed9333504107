#!/usr/bin/env bash
# CI: the ABI of build/lib/libtrainmetrics.so.0 (the README's build) against
# tests/abi/libtrainmetrics.so.0.abi, the released 0.1 ABI: only symbols added
# in a new version node pass. Then the checker's own test.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
apt-get install -y --no-install-recommends abigail-tools binutils
python3 tests/abi/check-abi.py tests/abi/libtrainmetrics.so.0.abi build/lib/libtrainmetrics.so.0 \
    include/trainmetrics build/include/trainmetrics
python3 tests/abi/test-check-abi.py
