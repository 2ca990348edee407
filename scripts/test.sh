#!/usr/bin/env bash
# Installs dependencies, builds everything, and runs every test suite through
# CTest (lit, GoogleTest, pytest end-to-end and ONNX node tests).
# Usage: scripts/test.sh [build-dir]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh" "$build"
cd "$build"
ctest --output-on-failure -j "${SMELT_JOBS:-2}"
