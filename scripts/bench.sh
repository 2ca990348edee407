#!/usr/bin/env bash
# CPU benchmark against PyTorch, measured in the same run. Usage: scripts/bench.sh [build-dir]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh" "$build"
SMELT_BUILD_DIR="$build" /usr/bin/python3 "$root/test/bench/bench_cpu.py"
