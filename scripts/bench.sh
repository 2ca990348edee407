#!/usr/bin/env bash
# CPU benchmark against ONNX Runtime (from npm) and PyTorch, measured in the same run.
# Usage: scripts/bench.sh [build-dir] [benchmarks/run.py options]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
shift || true
"$root/scripts/install-deps.sh"
if ! command -v npm >/dev/null; then
  [ "$(id -u)" -eq 0 ] || { echo "bench: npm missing; install nodejs and npm" >&2; exit 1; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends nodejs npm
fi
# onnxruntime-node ships its CPU library in the npm package; its install script
# only fetches optional GPU providers, so it is skipped.
(cd "$root/test/bench/ort" && npm ci --ignore-scripts --no-audit --no-fund)
"$root/scripts/build.sh" "$build"
SMELT_BUILD_DIR="$build" /usr/bin/python3 "$root/test/bench/bench_cpu.py"
SMELT_BUILD_DIR="$build" /usr/bin/python3 "$root/benchmarks/run.py" "$@"
