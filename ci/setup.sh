#!/usr/bin/env bash
# Installs every system package and Python tool that building and testing pytracingx needs.
# Idempotent: a fresh Debian bookworm machine runs it first; a second run only checks.
set -euo pipefail

APT_PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config git openssl
  protobuf-compiler libprotobuf-dev protobuf-compiler-grpc libgrpc++-dev libgrpc-dev
  libcurl4-openssl-dev libssl-dev zlib1g-dev liblz4-dev libzstd-dev
  libcpp-httplib-dev nlohmann-json3-dev pybind11-dev libspdlog-dev libfmt-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  clang libclang-rt-14-dev
)
PIP_PACKAGES=(
  "scikit-build-core>=0.8" "pytest>=7" "pytest-timeout" "build"
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
if ! "$PY" -c 'import scikit_build_core, pytest, pytest_timeout, build' 2>/dev/null ||
   ! "$PY" -c 'import grpc, lz4.block, zstandard' 2>/dev/null; then
  "$PY" -m pip install -q --disable-pip-version-check "${PIP_PACKAGES[@]}"
fi
echo "ci/setup.sh: system packages and Python tools present"
