#!/usr/bin/env bash
# Runs every test: installs what is missing, builds, runs the C++ unit tests (CTest) and then
# the integration tests (pytest) against the freshly built extension and ptx-emulator.
set -euo pipefail
cd "$(dirname "$0")/.."
bash ci/setup.sh
bash ci/build.sh
BUILD_DIR=${PTX_BUILD_DIR:-build}
ctest --test-dir "$BUILD_DIR" --output-on-failure -j "$(nproc)"
export PYTHONPATH="$PWD/$BUILD_DIR/python${PYTHONPATH:+:$PYTHONPATH}"
export PTX_EMULATOR_BIN="$PWD/$BUILD_DIR/emulator/ptx-emulator"
python3 -m pytest integration -q -p no:cacheprovider "$@"
