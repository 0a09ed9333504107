#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds every harness of tests/fuzz with clang's libFuzzer, AddressSanitizer
# and UndefinedBehaviorSanitizer (compiling lib/*.c directly) and fuzzes each
# for SECONDS seconds over a copy of its committed corpus.
#
#   bash tests/fuzz/run-libfuzzer.sh SECONDS [BUILD_DIR]
#
# BUILD_DIR is an existing meson build directory (relative to the current
# directory or to the repository root); its include/trainmetrics/version.h is
# used. Without it, version.h is generated from version.h.in and the project
# version in meson.build. Environment: CLANG (default clang), FUZZ_JOBS
# (harnesses fuzzed at once, default 1), FUZZ_ONLY (space-separated harness
# names), FUZZ_KEEP=1 (keep the work directory with the grown corpora).
#
# Prints one line per harness,
#   fuzz <name>: <execs> executions in <s> s, <n> crashes
# and exits non-zero when any harness crashed (the reproducers are kept in the
# work directory, whose path is printed) or failed to build.
set -euo pipefail

if [ $# -lt 1 ] || ! [[ $1 =~ ^[0-9]+$ ]]; then
    echo "usage: $0 SECONDS [BUILD_DIR]" >&2
    exit 2
fi
seconds=$1
builddir=${2:-}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
clang=${CLANG:-clang}
jobs=${FUZZ_JOBS:-1}

command -v "$clang" >/dev/null || { echo "run-libfuzzer: $clang not found (apt-get install clang libfuzzer-14-dev)" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/trm-fuzz.XXXXXX")
cleanup() { if [ "${FUZZ_KEEP:-0}" != 1 ] && [ "${keep_work:-0}" != 1 ]; then rm -rf "$work"; fi; }
trap cleanup EXIT

# ---- version.h ---------------------------------------------------------------
mkdir -p "$work/include/trainmetrics"
if [ -n "$builddir" ]; then
    if [ -d "$builddir" ]; then bd=$(cd "$builddir" && pwd)
    elif [ -d "$root/$builddir" ]; then bd=$(cd "$root/$builddir" && pwd)
    else echo "run-libfuzzer: no build directory $builddir" >&2; exit 2; fi
    [ -f "$bd/include/trainmetrics/version.h" ] || { echo "run-libfuzzer: $bd has no include/trainmetrics/version.h (run meson setup first)" >&2; exit 2; }
    cp "$bd/include/trainmetrics/version.h" "$work/include/trainmetrics/version.h"
else
    version=$(sed -n "s/^ *version: *'\([0-9]*\.[0-9]*\.[0-9]*\)'.*/\1/p" "$root/meson.build" | head -n1)
    [ -n "$version" ] || { echo "run-libfuzzer: cannot read the project version from meson.build" >&2; exit 2; }
    IFS=. read -r major minor patch <<<"$version"
    sed -e "s/@TRM_VERSION_MAJOR@/$major/" -e "s/@TRM_VERSION_MINOR@/$minor/" \
        -e "s/@TRM_VERSION_PATCH@/$patch/" -e "s/@TRM_VERSION_STRING@/$version/" \
        "$root/include/trainmetrics/version.h.in" >"$work/include/trainmetrics/version.h"
fi

# ---- the library, instrumented -------------------------------------------------
# The source list of lib/meson.build, so that a new file is picked up.
mapfile -t sources < <(sed -n '/trainmetrics_sources = files(/,/)/p' "$root/lib/meson.build" | grep -o "'[^']*\.c'" | tr -d "'")
[ ${#sources[@]} -gt 0 ] || { echo "run-libfuzzer: no sources found in lib/meson.build" >&2; exit 2; }

# As meson builds it: -ffp-contract=off; the x86-64 kernels when clang builds
# them (lib/cpu-private.h leaves target_clones off under clang).
simd=0
if printf '#include <immintrin.h>\n__attribute__((target("avx512f,avx512bw,avx512vbmi2"))) int g(void) { return _mm512_reduce_add_epi32(_mm512_setzero_si512()); }\nint main(void) { return g(); }\n' \
    | "$clang" -x c -std=c11 -o /dev/null - 2>/dev/null && [ "$(uname -m)" = x86_64 ]; then
    simd=1
fi
# Every folder of lib/ may hold private headers.
lib_includes=()
while IFS= read -r dir; do lib_includes+=(-I"$dir"); done < <(find "$root/lib" -type d | sort)
common=(-std=c11 -g -O1 -fno-omit-frame-pointer -ffp-contract=off -fno-math-errno -DTRM_SIMD=$simd
        -D_POSIX_C_SOURCE=200809L -I"$work/include" -I"$root/include" "${lib_includes[@]}")
sanitize=(-fsanitize=address,undefined -fno-sanitize-recover=undefined)

mkdir -p "$work/obj" "$work/bin"
objs=()
for src in "${sources[@]}"; do
    obj="$work/obj/${src%.c}.o"
    mkdir -p "$(dirname "$obj")"
    "$clang" "${common[@]}" "${sanitize[@]}" -fsanitize=fuzzer-no-link -c "$root/lib/$src" -o "$obj"
    objs+=("$obj")
done

harnesses=()
for f in "$here"/fuzz-*.c; do
    name=$(basename "$f" .c)
    if [ -n "${FUZZ_ONLY:-}" ] && ! [[ " $FUZZ_ONLY " == *" $name "* ]]; then continue; fi
    "$clang" "${common[@]}" "${sanitize[@]}" -fsanitize=fuzzer "$f" "${objs[@]}" -lm -o "$work/bin/$name"
    harnesses+=("$name")
done

# ---- fuzzing -------------------------------------------------------------------
run_one() {
    local name=$1 corpus="$work/corpus/$1" log="$work/$1.log"
    mkdir -p "$corpus" "$work/artifacts/$name"
    if [ -d "$here/corpus/$name" ]; then cp "$here/corpus/$name"/* "$corpus"/ 2>/dev/null || true; fi
    local start end status=0
    start=$(date +%s.%N)
    "$work/bin/$name" -max_total_time="$seconds" -print_final_stats=1 -timeout=30 -rss_limit_mb=2048 \
        -artifact_prefix="$work/artifacts/$name/" "$corpus" >"$log" 2>&1 || status=$?
    end=$(date +%s.%N)
    local execs secs crashes
    execs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$log" | tail -n1)
    secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -n1)
    [ -n "$secs" ] || secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%d", b - a }')
    if [ -z "$execs" ]; then
        execs=$(grep -o '#[0-9]*' "$log" | tail -n1 | tr -d '#')
    fi
    # A unit past 10 s leaves a slow-unit file but no failure: on a shared VM
    # that is a stall of the machine (one 56-byte top-k blob took 16 s in one
    # CI run and 65 ms replayed); a real hang hits -timeout=30 and fails.
    local slow note=""
    crashes=$(find "$work/artifacts/$name" -type f ! -name 'slow-unit-*' | wc -l)
    slow=$(find "$work/artifacts/$name" -type f -name 'slow-unit-*' | wc -l)
    [ "$slow" -eq 0 ] || note=", $slow slow units kept"
    if [ "$status" -ne 0 ] && [ "$crashes" -eq 0 ]; then crashes=1; fi
    echo "fuzz $name: ${execs:-0} executions in $secs s, $crashes crashes$note" >"$work/$name.result"
    [ "$crashes" -eq 0 ]
}

failed=0
pids=()
names=()
for name in "${harnesses[@]}"; do
    run_one "$name" &
    pids+=($!)
    names+=("$name")
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
done
for i in "${!pids[@]}"; do
    if ! wait "${pids[$i]}"; then failed=1; fi
done
for name in "${names[@]}"; do
    cat "$work/$name.result"
done
if [ "$failed" -ne 0 ]; then
    keep_work=1
    echo "run-libfuzzer: crashes found; logs and reproducers are in $work" >&2
    for name in "${names[@]}"; do
        if [ -n "$(ls -A "$work/artifacts/$name")" ]; then
            echo "--- $name ($work/$name.log):" >&2
            grep -E 'ERROR|SUMMARY|assertion|runtime error|Test unit written' "$work/$name.log" | head -n 20 >&2 || true
        fi
    done
    exit 1
fi
if [ "${FUZZ_KEEP:-0}" = 1 ]; then echo "run-libfuzzer: work directory kept: $work" >&2; fi
