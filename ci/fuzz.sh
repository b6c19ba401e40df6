#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ with clang, AddressSanitizer and UndefinedBehaviorSanitizer
# (the whole tree instrumented) into build-fuzz/, then runs each target for SECONDS seconds from its
# seed corpus. Any crash, leak, timeout or sanitizer report fails the run; the input is left in
# build-fuzz/crashes/<target>/ (replay: build-fuzz/fuzz/fuzz_<target> FILE).
#
#   bash ci/fuzz.sh                      # CI smoke run: 8 s per target
#   bash ci/fuzz.sh 600                  # ten minutes per target
#   bash ci/fuzz.sh 300 sls_query        # only the named targets
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_TARGET=${1:-8}
shift || true
BUILD_DIR=${PTX_FUZZ_BUILD_DIR:-build-fuzz}
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/ccache}
export CCACHE_BASEDIR=$PWD

SANITIZE="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fsanitize=fuzzer-no-link"
if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  CC=clang CXX=clang++ cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g" -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" \
    -DCMAKE_C_FLAGS="$SANITIZE -fno-omit-frame-pointer" \
    -DCMAKE_CXX_FLAGS="$SANITIZE -fno-omit-frame-pointer" \
    -DPTX_BUILD_FUZZ=ON -DPTX_BUILD_TESTS=OFF -DPTX_BUILD_PYEXT=OFF -DPTX_BUILD_BENCH=OFF
fi
cmake --build "$BUILD_DIR" --target fuzzers -j "$(nproc)"

TARGETS=("$@")
if ((${#TARGETS[@]} == 0)); then
  TARGETS=(otlp_traces_proto otlp_traces_json otlp_metrics_proto otlp_metrics_json
           otlp_logs_proto otlp_logs_json sls_log_group sls_put_logs decompress sls_auth
           sls_query query_params emulator_http)
fi

rm -rf "$BUILD_DIR/seeds"
"$BUILD_DIR/fuzz/ptx_fuzz_seeds" "$BUILD_DIR/seeds"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
failed=()
for target in "${TARGETS[@]}"; do
  corpus="$BUILD_DIR/corpus/$target"
  crashes="$BUILD_DIR/crashes/$target"
  mkdir -p "$corpus" "$crashes"
  # New inputs go to the first (scratch) directory; checked-in and generated seeds are read only.
  dirs=("$corpus")
  [ -d "fuzz/corpus/$target" ] && dirs+=("fuzz/corpus/$target")
  [ -d "$BUILD_DIR/seeds/$target" ] && dirs+=("$BUILD_DIR/seeds/$target")
  echo "== fuzz_$target: ${SECONDS_PER_TARGET}s"
  if ! "$BUILD_DIR/fuzz/fuzz_$target" -max_total_time="$SECONDS_PER_TARGET" -timeout=10 \
      -rss_limit_mb=2560 -max_len=65536 -print_final_stats=1 \
      -artifact_prefix="$crashes/" "${dirs[@]}" >"$BUILD_DIR/fuzz_$target.log" 2>&1; then
    tail -n 60 "$BUILD_DIR/fuzz_$target.log"
    failed+=("$target")
  else
    grep -E "^stat::(number_of_executed_units|new_units_added)|Done [0-9]+ runs" \
      "$BUILD_DIR/fuzz_$target.log" | tr '\n' ' '
    echo
  fi
done
if ((${#failed[@]})); then
  echo "ci/fuzz.sh: failures in: ${failed[*]} (inputs in $BUILD_DIR/crashes/)" >&2
  exit 1
fi
echo "ci/fuzz.sh: ${#TARGETS[@]} targets ran ${SECONDS_PER_TARGET}s each without a finding"
