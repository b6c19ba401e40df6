#!/usr/bin/env bash
# Installs every system package and Python tool that building and testing pytracingx needs.
# Idempotent: a fresh Debian bookworm machine runs it first; a second run only checks.
set -euo pipefail

APT_PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config git openssl
  protobuf-compiler libprotobuf-dev protobuf-compiler-grpc libgrpc++-dev libgrpc-dev libabsl-dev
  libcurl4-openssl-dev libssl-dev zlib1g-dev liblz4-dev libzstd-dev
  libcpp-httplib-dev nlohmann-json3-dev pybind11-dev libspdlog-dev libfmt-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  chromium clang libclang-rt-14-dev
)
PIP_PACKAGES=(
  "scikit-build-core>=0.8" "pytest>=7" "pytest-timeout" "build"
  # Official clients the emulator is tested with (integration/test_official_clients.py);
  # zstd is the module aliyun-log-python-sdk decompresses zstd replies with.
  "opentelemetry-sdk>=1.30" "opentelemetry-exporter-otlp-proto-grpc>=1.30"
  "opentelemetry-exporter-otlp-proto-http>=1.30" "aliyun-log-python-sdk" "zstd"
  # Raw clients for integration/test_emulator_malformed.py.
  "grpcio" "lz4" "zstandard"
)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get -o DPkg::Lock::Timeout=900 update -qq
  $SUDO apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends "${missing[@]}"
fi

PY=${PYTHON:-python3}
if ! "$PY" -c 'import scikit_build_core, pytest, pytest_timeout, build
import opentelemetry.sdk, opentelemetry.exporter.otlp.proto.grpc, opentelemetry.exporter.otlp.proto.http
import aliyun.log, zstd, grpc, lz4.block, zstandard' 2>/dev/null; then
  "$PY" -m pip install -q --disable-pip-version-check "${PIP_PACKAGES[@]}"
fi
# Benchmark-only packages for bench/run.py --smoke (integration/test_bench_smoke.py): the
# opentelemetry-sdk side of bench/python/compare.py and the results chart. Never pytracingx deps.
if ! "$PY" -c 'import opentelemetry.sdk, matplotlib' 2>/dev/null; then
  "$PY" -m pip install -q --disable-pip-version-check opentelemetry-sdk matplotlib
fi
echo "ci/setup.sh: system packages and Python tools present"
