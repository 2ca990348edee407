#!/usr/bin/python3
"""Writes the bundled StableHLO example: a 2-layer MLP classifier (64 -> 128 ->
10, ReLU, softmax) for a batch of 4, in the textual form JAX exports
(`jax.jit(f).lower(x).as_text()`): pretty-printed ops, weights as hex dense
constants, the activation in a private function that `main` calls.

    /usr/bin/python3 examples/make_mlp_stablehlo.py examples/mlp.stablehlo.mlir

The weights are seeded, so the test suite regenerates them (`weights()`) to
compute a NumPy reference.
"""
import sys

import numpy as np

BATCH, INPUT, HIDDEN, CLASSES = 4, 64, 128, 10


def weights():
    rng = np.random.default_rng(2024)
    return {
        "w1": (rng.standard_normal((INPUT, HIDDEN)) / np.sqrt(INPUT)).astype(np.float32),
        "b1": (0.1 * rng.standard_normal(HIDDEN)).astype(np.float32),
        "w2": (rng.standard_normal((HIDDEN, CLASSES)) / np.sqrt(HIDDEN)).astype(np.float32),
        "b2": (0.1 * rng.standard_normal(CLASSES)).astype(np.float32),
    }


def reference(x, w):
    h = np.maximum(x.astype(np.float64) @ w["w1"] + w["b1"], 0)
    logits = h @ w["w2"] + w["b2"]
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def hex_constant(array):
    shape = "x".join(str(d) for d in array.shape)
    return f'dense<"0x{array.astype("<f4").tobytes().hex().upper()}"> : tensor<{shape}xf32>'


def program():
    w = weights()
    b, i, h, c = BATCH, INPUT, HIDDEN, CLASSES
    return f"""// A 2-layer MLP classifier as JAX exports it (examples/make_mlp_stablehlo.py).
module @jit_mlp attributes {{mhlo.num_partitions = 1 : i32, mhlo.num_replicas = 1 : i32}} {{
  func.func public @main(%arg0: tensor<{b}x{i}xf32> {{mhlo.layout_mode = "default"}}) -> (tensor<{b}x{c}xf32> {{jax.result_info = "", mhlo.layout_mode = "default"}}) {{
    %cst = stablehlo.constant {hex_constant(w["w1"])}
    %0 = stablehlo.dot_general %arg0, %cst, contracting_dims = [1] x [0], precision = [DEFAULT, DEFAULT] : (tensor<{b}x{i}xf32>, tensor<{i}x{h}xf32>) -> tensor<{b}x{h}xf32>
    %cst_0 = stablehlo.constant {hex_constant(w["b1"])}
    %1 = stablehlo.broadcast_in_dim %cst_0, dims = [1] : (tensor<{h}xf32>) -> tensor<{b}x{h}xf32>
    %2 = stablehlo.add %0, %1 : tensor<{b}x{h}xf32>
    %3 = call @relu(%2) : (tensor<{b}x{h}xf32>) -> tensor<{b}x{h}xf32>
    %cst_1 = stablehlo.constant {hex_constant(w["w2"])}
    %4 = stablehlo.dot_general %3, %cst_1, contracting_dims = [1] x [0], precision = [DEFAULT, DEFAULT] : (tensor<{b}x{h}xf32>, tensor<{h}x{c}xf32>) -> tensor<{b}x{c}xf32>
    %cst_2 = stablehlo.constant {hex_constant(w["b2"])}
    %5 = stablehlo.broadcast_in_dim %cst_2, dims = [1] : (tensor<{c}xf32>) -> tensor<{b}x{c}xf32>
    %6 = stablehlo.add %4, %5 : tensor<{b}x{c}xf32>
    %cst_3 = stablehlo.constant dense<0xFF800000> : tensor<f32>
    %7 = stablehlo.reduce(%6 init: %cst_3) applies stablehlo.maximum across dimensions = [1] : (tensor<{b}x{c}xf32>, tensor<f32>) -> tensor<{b}xf32>
    %8 = stablehlo.broadcast_in_dim %7, dims = [0] : (tensor<{b}xf32>) -> tensor<{b}x{c}xf32>
    %9 = stablehlo.subtract %6, %8 : tensor<{b}x{c}xf32>
    %10 = stablehlo.exponential %9 : tensor<{b}x{c}xf32>
    %cst_4 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %11 = stablehlo.reduce(%10 init: %cst_4) applies stablehlo.add across dimensions = [1] : (tensor<{b}x{c}xf32>, tensor<f32>) -> tensor<{b}xf32>
    %12 = stablehlo.broadcast_in_dim %11, dims = [0] : (tensor<{b}xf32>) -> tensor<{b}x{c}xf32>
    %13 = stablehlo.divide %10, %12 : tensor<{b}x{c}xf32>
    return %13 : tensor<{b}x{c}xf32>
  }}
  func.func private @relu(%arg0: tensor<{b}x{h}xf32>) -> tensor<{b}x{h}xf32> {{
    %cst = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %0 = stablehlo.broadcast_in_dim %cst, dims = [] : (tensor<f32>) -> tensor<{b}x{h}xf32>
    %1 = stablehlo.maximum %arg0, %0 : tensor<{b}x{h}xf32>
    return %1 : tensor<{b}x{h}xf32>
  }}
}}
"""


if __name__ == "__main__":
    with open(sys.argv[1] if len(sys.argv) > 1 else "mlp.stablehlo.mlir", "w") as f:
        f.write(program())
