#!/bin/sh
# Build examples/cxx/raii.cpp the way a C++ project outside this tree would:
# flags from pkg-config only, here from Meson's uninstalled trainmetrics.pc.
# usage: build-with-pkg-config.sh PKG_CONFIG_PATH OUTPUT_DIR CXX [CXX args...]
set -eu
pc_path=$1 out=$2
shift 2
src=$(dirname "$0")/raii.cpp
PKG_CONFIG_PATH=$pc_path
export PKG_CONFIG_PATH
flags=$(pkg-config --cflags --libs --static trainmetrics-uninstalled)
"$@" -std=c++11 -Wall -Wextra -pedantic -Werror -o "$out/raii" "$src" $flags
# The uninstalled library lives in the build tree.
LD_LIBRARY_PATH=$(pkg-config --variable=prefix trainmetrics-uninstalled)/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} \
    "$out/raii"
