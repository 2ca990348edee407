#!/usr/bin/env bash
# Installs dependencies, builds, compiles the bundled example models (ONNX and
# StableHLO) to artifacts and runs them on the CPU. Usage: scripts/demo.sh [build-dir]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh" "$build"
model="$root/examples/mnist_cnn.onnx"
artifact="$build/mnist_cnn.smelt"
"$build/bin/smelt" compile "$model" -o "$artifact"
"$build/bin/smelt" run "$artifact" --repeat=10
# The same for the StableHLO example (a JAX-style MLP).
"$build/bin/smelt" compile "$root/examples/mlp.stablehlo.mlir" -o "$build/mlp.smelt"
"$build/bin/smelt" run "$build/mlp.smelt" --repeat=10
