#!/usr/bin/env bash
# The main job: builds, starts ptx-emulator, runs the example app into it, shows what arrived.
set -euo pipefail
cd "$(dirname "$0")/.."
bash ci/setup.sh
bash ci/build.sh
BUILD_DIR=${PTX_BUILD_DIR:-build}
export PYTHONPATH="$PWD/$BUILD_DIR/python${PYTHONPATH:+:$PYTHONPATH}"
exec python3 examples/demo.py --emulator "$PWD/$BUILD_DIR/emulator/ptx-emulator"
