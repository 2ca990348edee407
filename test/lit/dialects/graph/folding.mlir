// RUN: smelt-opt %s --canonicalize --split-input-file | FileCheck %s

// A transpose of a constant folds when compiling (Gemm's transB weights);
// the identity permutation folds away.
// CHECK-LABEL: func.func @transpose_constant
// CHECK-NOT: graph.transpose
// CHECK: graph.constant dense<{{\[}}[1.000000e+00, 3.000000e+00, 5.000000e+00], [2.000000e+00, 4.000000e+00, 6.000000e+00]]> : tensor<2x3xf32>
func.func @transpose_constant() -> tensor<2x3xf32> {
  %c = graph.constant dense<[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]> : tensor<3x2xf32>
  %t = graph.transpose %c {perm = array<i64: 1, 0>} : (tensor<3x2xf32>) -> tensor<2x3xf32>
  return %t : tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func.func @transpose_identity
// CHECK-NEXT: return %arg0
func.func @transpose_identity(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %t = graph.transpose %x {perm = array<i64: 0, 1>} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %t : tensor<2x3xf32>
}

// -----

// A reduction whose result is reshaped back to the kept dims (StableHLO's
// reduce then broadcast_in_dim) becomes a keep-dims reduction, the reshape
// moving up through the elementwise ops in between; fusion then keeps the
// whole row computation in one kernel.
// CHECK-LABEL: func.func @keep_reduced_dims
// CHECK: %[[SUM:.+]] = graph.reduce_sum %arg0 {axes = array<i64: 1>, keep_dims = true} : (tensor<4x8xf32>) -> tensor<4x1xf32>
// CHECK: %[[MEAN:.+]] = graph.div %[[SUM]], %{{.+}} : (tensor<4x1xf32>, tensor<f32>) -> tensor<4x1xf32>
// CHECK-NOT: graph.reshape
// CHECK: graph.broadcast %[[MEAN]] : tensor<4x1xf32> to tensor<4x8xf32>
func.func @keep_reduced_dims(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %n = graph.constant dense<8.0> : tensor<f32>
  %s = graph.reduce_sum %x {axes = array<i64: 1>, keep_dims = false} : (tensor<4x8xf32>) -> tensor<4xf32>
  %m = graph.div %s, %n : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %r = graph.reshape %m : tensor<4xf32> to tensor<4x1xf32>
  %b = graph.broadcast %r : tensor<4x1xf32> to tensor<4x8xf32>
  return %b : tensor<4x8xf32>
}

// -----

// A reshape of a value used twice stays where it is.
// CHECK-LABEL: func.func @shared_value_keeps_its_reshape
// CHECK: graph.reduce_sum %arg0 {axes = array<i64: 1>, keep_dims = false}
// CHECK: graph.reshape
func.func @shared_value_keeps_its_reshape(%x: tensor<4x8xf32>) -> (tensor<4x1xf32>, tensor<4xf32>) {
  %s = graph.reduce_sum %x {axes = array<i64: 1>, keep_dims = false} : (tensor<4x8xf32>) -> tensor<4xf32>
  %r = graph.reshape %s : tensor<4xf32> to tensor<4x1xf32>
  return %r, %s : tensor<4x1xf32>, tensor<4xf32>
}
