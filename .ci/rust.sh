#!/usr/bin/env bash
# CI: the Rust crates (bindings/rust), built offline with Debian's rustc/cargo and
# librust-*-dev crates against the build tree `build/` (made by the README's test
# command; configured here if missing; TRM_BUILD_DIR names another): bindings
# current with the headers, the tests, the example, and the API docs without
# warnings.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
export DEBIAN_FRONTEND=noninteractive

apt-get install -y --no-install-recommends cargo rustc rustfmt bindgen librust-pkg-config-dev pkg-config

build="$repo/${TRM_BUILD_DIR:-build}"
if [ ! -f "$build/meson-uninstalled/trainmetrics-uninstalled.pc" ]; then
    meson setup "$build"
fi
meson compile -C "$build"

# Debian's toolchain only: no rustup shim from PATH, no user cargo config.
export PATH=/usr/bin:/bin
export RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc RUSTFMT=/usr/bin/rustfmt
export CARGO_HOME="$repo/build-rust-cargo-home"
export CARGO_TARGET_DIR="$repo/build-rust-target"
export PKG_CONFIG_PATH="$build/meson-uninstalled"
export LD_LIBRARY_PATH="$build/lib"
rustc --version
cargo --version

cd bindings/rust
trainmetrics-sys/regenerate.sh --check
cargo build --offline --locked --workspace --all-targets
cargo run --offline --locked --example epoch_report
RUSTDOCFLAGS="-D warnings" cargo doc --offline --locked --no-deps --workspace
cargo test --offline --locked --workspace 2>&1 | tee "$CARGO_TARGET_DIR/test.log"
# One closing line over every test binary (pipefail has already failed the run
# if any test failed).
awk '/^test result:/ { p += $4; f += $6 } END { printf "rust: %d passed, %d failed\n", p, f; exit (f > 0 || p == 0) }' \
    "$CARGO_TARGET_DIR/test.log"
