// RUN: smelt-translate --import-stablehlo --split-input-file %s | FileCheck %s

// dot_general: operands transposed to [batch, free, contracting] and
// [batch, contracting, free], flattened, one batched matmul; f16 accumulates
// in f32.
// CHECK-LABEL: func.func @main
// CHECK: %[[L:.+]] = graph.cast %arg0 : tensor<2x3x4xf16> to tensor<2x3x4xf32>
// CHECK: %[[R:.+]] = graph.cast %arg1 : tensor<2x4x5xf16> to tensor<2x4x5xf32>
// CHECK: %[[M:.+]] = graph.matmul %[[L]], %[[R]] : (tensor<2x3x4xf32>, tensor<2x4x5xf32>) -> tensor<2x3x5xf32>
// CHECK: graph.cast %[[M]] : tensor<2x3x5xf32> to tensor<2x3x5xf16>
func.func @main(%a: tensor<2x3x4xf16>, %b: tensor<2x4x5xf16>) -> tensor<2x3x5xf16> {
  %0 = stablehlo.dot_general %a, %b, batching_dims = [0] x [0], contracting_dims = [2] x [1], precision = [DEFAULT, DEFAULT] : (tensor<2x3x4xf16>, tensor<2x4x5xf16>) -> tensor<2x3x5xf16>
  return %0 : tensor<2x3x5xf16>
}

// -----

// CHECK-LABEL: func.func @main
// CHECK: graph.transpose %arg1 {perm = array<i64: 1, 0>}
// CHECK: graph.matmul {{.*}} : (tensor<1x3x4xf32>, tensor<1x4x6xf32>) -> tensor<1x3x6xf32>
func.func @main(%a: tensor<3x4xf32>, %b: tensor<6x4xf32>) -> tensor<3x6xf32> {
  %0 = stablehlo.dot_general %a, %b, contracting_dims = [1] x [1] : (tensor<3x4xf32>, tensor<6x4xf32>) -> tensor<3x6xf32>
  return %0 : tensor<3x6xf32>
}

// -----

// convolution: NHWC/HWIO to the graph's NCHW/OIHW, input dilation as
// interior padding, the result back to NHWC.
// CHECK-LABEL: func.func @main
// CHECK: graph.transpose %arg0 {perm = array<i64: 0, 3, 1, 2>}
// CHECK: graph.transpose %arg1 {perm = array<i64: 3, 2, 0, 1>}
// CHECK: graph.pad {{.*}} {high = array<i64: 0, 0, 1, 2>, interior = array<i64: 0, 0, 1, 1>, low = array<i64: 0, 0, 1, 2>}
// CHECK: graph.conv {{.*}} {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>}
// CHECK: graph.transpose {{.*}} {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x2x32x33xf32>) -> tensor<1x32x33x2xf32>
func.func @main(%x: tensor<1x16x16x2xf32>, %w: tensor<2x3x2x2xf32>) -> tensor<1x32x33x2xf32> {
  %0 = stablehlo.convolution(%x, %w) dim_numbers = [b, 0, 1, f]x[0, 1, i, o]->[b, 0, 1, f], window = {pad = [[1, 1], [2, 2]], lhs_dilate = [2, 2]} {batch_group_count = 1 : i64, feature_group_count = 1 : i64} : (tensor<1x16x16x2xf32>, tensor<2x3x2x2xf32>) -> tensor<1x32x33x2xf32>
  return %0 : tensor<1x32x33x2xf32>
}

// -----

// CHECK-LABEL: func.func @main
// CHECK: graph.triangular_solve %arg0, %arg1 {left_side = true, lower = true, transpose_a = true, unit_diagonal = false}
func.func @main(%a: tensor<3x3xf32>, %b: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %0 = "stablehlo.triangular_solve"(%a, %b) {left_side = true, lower = true, unit_diagonal = false, transpose_a = #stablehlo<transpose TRANSPOSE>} : (tensor<3x3xf32>, tensor<3x2xf32>) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}
