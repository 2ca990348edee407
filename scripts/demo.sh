#!/usr/bin/env bash
# Installs dependencies, builds, compiles the bundled example model to an artifact
# and runs it on the CPU. Usage: scripts/demo.sh [build-dir]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh" "$build"
model="$root/examples/mnist_cnn.onnx"
artifact="$build/mnist_cnn.smelt"
"$build/bin/smelt" compile "$model" -o "$artifact"
"$build/bin/smelt" run "$artifact" --repeat=10
