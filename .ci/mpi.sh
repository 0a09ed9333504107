#!/usr/bin/env bash
# CI: examples/mpi_confusion.c under mpirun -np 2 (Debian's OpenMPI), in a
# build of its own with -Dmpi=enabled, and the C++ RAII example built with
# pkg-config against the uninstalled .pc file.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
apt-get install -y --no-install-recommends libopenmpi-dev openmpi-bin pkgconf g++
rm -rf build-mpi
meson setup build-mpi -Dmpi=enabled -Dbenchmarks=false -Ddocs=disabled
meson test -C build-mpi --print-errorlogs --suite examples
# Both must have run, not just been skipped.
python3 - build-mpi/meson-logs/testlog.json <<'PY'
import json, sys
results = {json.loads(l)["name"].split(" / ")[-1]: json.loads(l)["result"] for l in open(sys.argv[1])}
for name in ("mpi-confusion-np2", "cxx-raii-pkg-config"):
    print(name, results.get(name))
    if results.get(name) != "OK":
        sys.exit(f"mpi.sh: {name} did not pass")
PY
