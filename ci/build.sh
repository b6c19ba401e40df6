#!/usr/bin/env bash
# Configures and builds everything (libraries, tests, Python extension, emulator) into build/.
# Incremental: Ninja rebuilds only what changed, ccache serves what was compiled before.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-$(python3 -c 'import sys; print(sys.executable)')}
BUILD_DIR=${PTX_BUILD_DIR:-build}
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/ccache}
export CCACHE_BASEDIR=$PWD
if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPTX_BUILD_BENCH=ON \
    -DPython_EXECUTABLE="$PY" "$@"
fi
cmake --build "$BUILD_DIR" -j "$(nproc)"
