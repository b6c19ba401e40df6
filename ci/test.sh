#!/usr/bin/env bash
# Runs every test: installs what is missing, builds, runs the C++ unit tests (CTest) and then
# the integration tests (pytest) against the freshly built extension and ptx-emulator, then each
# libFuzzer target briefly (ci/fuzz.sh; PTX_SKIP_FUZZ=1 skips it, PTX_FUZZ_SECONDS sets the time).
set -euo pipefail
cd "$(dirname "$0")/.."
bash ci/setup.sh
bash ci/build.sh
BUILD_DIR=${PTX_BUILD_DIR:-build}
ctest --test-dir "$BUILD_DIR" --output-on-failure -j "$(nproc)"
export PYTHONPATH="$PWD/$BUILD_DIR/python${PYTHONPATH:+:$PYTHONPATH}"
export PTX_EMULATOR_BIN="$PWD/$BUILD_DIR/emulator/ptx-emulator"
python3 -m pytest integration -q -p no:cacheprovider "$@"
[ "${PTX_SKIP_FUZZ:-0}" = 1 ] || bash ci/fuzz.sh "${PTX_FUZZ_SECONDS:-8}"
