#!/usr/bin/env bash
# Regenerate src/bindings.rs from the public headers with Debian's bindgen and
# rustfmt (apt-get install bindgen rustfmt; the committed file names the bindgen
# version that wrote it). Both are the Debian ones, never a rustup toolchain's,
# so that the output, formatting included, is the same on every machine.
#
#   regenerate.sh           rewrite src/bindings.rs
#   regenerate.sh --check   regenerate into a temporary file and diff it against
#                           src/bindings.rs; exit 1 on any difference
#
# The headers are found through pkg-config (`pkg-config --cflags trainmetrics`).
# Without PKG_CONFIG_PATH the build tree <repository>/build is used through its
# uninstalled .pc file; set PKG_CONFIG_PATH=<builddir>/meson-uninstalled for
# another build directory.
#
# One step follows bindgen: C gives an enum whose values are all non-negative
# the type unsigned int, so bindgen types such constants c_uint, while every
# function takes its enum-like parameters as int (API.md). The aliases of the
# anonymous enums are retyped to c_int, so TRM_PRECISION, TRM_CAM_GRADCAM, ...
# are c_int like the parameters they are passed as; flags (TRM_CRIT_*,
# TRM_CONFUSION_WEIGHTED) stay u32 like their uint32_t parameters.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
mode=write
case "${1:-}" in
    --check) mode=check ;;
    "") ;;
    *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac
export PKG_CONFIG_PATH="${PKG_CONFIG_PATH:-$repo/build/meson-uninstalled}"
cflags=$(pkg-config --cflags trainmetrics)
export RUSTFMT=/usr/bin/rustfmt   # bindgen formats with $RUSTFMT, else the first rustfmt on PATH
for tool in /usr/bin/bindgen "$RUSTFMT"; do
    [ -x "$tool" ] || { echo "$0: $tool missing: apt-get install bindgen rustfmt" >&2; exit 1; }
done

out=$(mktemp)
trap 'rm -f "$out"' EXIT
# shellcheck disable=SC2086  # cflags is a list of flags
/usr/bin/bindgen "$here/wrapper.h" \
    --size_t-is-usize \
    --default-enum-style consts \
    --allowlist-function 'trm_.*' \
    --allowlist-type 'trm_.*' \
    --allowlist-var 'TRM_.*' \
    -- -DTRM_API= $cflags \
  | sed -E 's/^(pub type _bindgen_ty_[0-9]+ = ::std::os::raw::)c_uint;$/\1c_int;/' >"$out"
grep -q 'pub fn trm_version_number' "$out" || { echo "bindgen produced no declarations" >&2; exit 1; }

if [ "$mode" = check ]; then
    if diff -u "$here/src/bindings.rs" "$out"; then
        echo "src/bindings.rs matches the headers ($cflags)"
    else
        echo "src/bindings.rs is out of date: run $0 and commit the result" >&2
        exit 1
    fi
else
    cp "$out" "$here/src/bindings.rs"
    echo "wrote $here/src/bindings.rs"
fi
