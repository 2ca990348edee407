// RUN: not smelt-translate --import-stablehlo --split-input-file %s 2>&1 | FileCheck %s

// CHECK: errors.mlir:{{[0-9]+}} offset :{{[0-9]+}}:8: error: unsupported StableHLO op 'stablehlo.all_gather'
func.func @main(%x: tensor<2xf32>) -> tensor<4xf32> {
  %0 = "stablehlo.all_gather"(%x) {all_gather_dim = 0 : i64} : (tensor<2xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// CHECK: errors.mlir:{{[0-9]+}} offset :{{[0-9]+}}:8: error: custom op 'stablehlo.frobnicate' is unknown
func.func @main(%x: tensor<2xf32>) -> tensor<2xf32> {
  %0 = stablehlo.frobnicate %x : tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

// CHECK: errors.mlir:{{[0-9]+}} offset :{{[0-9]+}}:1: error: unsupported element type 'complex<f16>': complex numbers of f32 or f64 only
func.func @main(%x: tensor<2xcomplex<f16>>) -> tensor<2xcomplex<f16>> {
  return %x : tensor<2xcomplex<f16>>
}

// -----

// CHECK: errors.mlir:{{[0-9]+}} offset :{{[0-9]+}}:8: error: unsupported custom_call target 'my_kernel'
func.func @main(%x: tensor<2xf32>) -> tensor<2xf32> {
  %0 = stablehlo.custom_call @my_kernel(%x) : (tensor<2xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

// CHECK: errors.mlir:{{[0-9]+}} offset :{{[0-9]+}}:{{[0-9]+}}: error: expected ':'
func.func @main(%x: tensor<2xf32>) -> tensor<2xf32> {
  %0 = stablehlo.add %x, %x tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

// CHECK: errors.mlir:{{[0-9]+}} offset :{{[0-9]+}}:8: error: operand 2 must be a constant (it gives a shape)
func.func @main(%x: tensor<2xf32>, %v: tensor<f32>, %low: tensor<1xi64>) -> tensor<4xf32> {
  %0 = stablehlo.dynamic_pad %x, %v, %low, %low, %low : (tensor<2xf32>, tensor<f32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// CHECK: error: the program has no function @main
func.func private @helper(%x: tensor<2xf32>) -> tensor<2xf32> {
  return %x : tensor<2xf32>
}

// -----

// Malformed programs are refused before any graph op is built.
// CHECK: errors.mlir:{{[0-9]+}} offset :{{[0-9]+}}:8: error: operand 1 of type 'tensor<3xf32>' does not have the result's shape 'tensor<2xf32>'
func.func @main(%a: tensor<2xf32>, %b: tensor<3xf32>) -> tensor<2xf32> {
  %0 = "stablehlo.add"(%a, %b) : (tensor<2xf32>, tensor<3xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

// CHECK: error: dot_general dimension numbers do not match the operands 'tensor<2x3xf32>' and 'tensor<4x5xf32>'
func.func @main(%a: tensor<2x3xf32>, %b: tensor<4x5xf32>) -> tensor<2x5xf32> {
  %0 = stablehlo.dot_general %a, %b, contracting_dims = [1] x [0] : (tensor<2x3xf32>, tensor<4x5xf32>) -> tensor<2x5xf32>
  return %0 : tensor<2x5xf32>
}

// -----

// CHECK: error: permutation must list every dimension once and match the result
func.func @main(%a: tensor<2x3xf32>) -> tensor<3x2xf32> {
  %0 = "stablehlo.transpose"(%a) {permutation = array<i64: 0, 0>} : (tensor<2x3xf32>) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

// CHECK: error: convolution operands 'tensor<1x8x8x3xf32>' and 'tensor<3x3x4x2xf32>' do not match its dimension numbers
func.func @main(%x: tensor<1x8x8x3xf32>, %w: tensor<3x3x4x2xf32>) -> tensor<1x6x6x2xf32> {
  %0 = stablehlo.convolution(%x, %w) dim_numbers = [b, 0, 1, f]x[0, 1, i, o]->[b, 0, 1, f], window = {} {batch_group_count = 1 : i64, feature_group_count = 1 : i64} : (tensor<1x8x8x3xf32>, tensor<3x3x4x2xf32>) -> tensor<1x6x6x2xf32>
  return %0 : tensor<1x6x6x2xf32>
}

// -----

// CHECK: error: unsupported: computing in 'f8E5M2' ('stablehlo.add'
func.func @main(%x: tensor<4xf8E5M2>) -> tensor<4xf8E5M2> {
  %0 = stablehlo.add %x, %x : tensor<4xf8E5M2>
  return %0 : tensor<4xf8E5M2>
}

// -----

// An attribute out of range is reported at the op that has it, by the graph
// op's own check, not as a module that fails to verify at the end.
// CHECK: errors.mlir:{{[0-9]+}} offset :{{[0-9]+}}:8: error: 'graph.sort' op dimension 4294967296 out of range
// CHECK: errors.mlir:{{[0-9]+}} offset :{{[0-9]+}}:8: error: 'stablehlo.sort' has operands or attributes that are not valid (the error above)
// CHECK-NOT: importer bug
func.func @main(%x: tensor<5x7xf32>) -> tensor<5x7xf32> {
  %0 = "stablehlo.sort"(%x) <{dimension = 4294967296 : i64}> ({
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %1 = stablehlo.compare LT, %a, %b : (tensor<f32>, tensor<f32>) -> tensor<i1>
    stablehlo.return %1 : tensor<i1>
  }) : (tensor<5x7xf32>) -> tensor<5x7xf32>
  return %0 : tensor<5x7xf32>
}

// -----

// Updates whose scatter dims are not the indices' batch dims (index_vector_dim
// 2 makes [3, 1] the batch of a rank-2 index array).
// CHECK: errors.mlir:{{[0-9]+}} offset :{{[0-9]+}}:8: error: 'graph.scatter_slices' op the updates' scatter dims must be the indices' batch dims (2 of them)
func.func @main(%x: tensor<3xi32>, %i: tensor<3x1xi64>, %u: tensor<3xi32>) -> tensor<3xi32> {
  %0 = "stablehlo.scatter"(%x, %i, %u) <{scatter_dimension_numbers = #stablehlo.scatter<inserted_window_dims = [0], scatter_dims_to_operand_dims = [0], index_vector_dim = 2>}> ({
  ^bb0(%a: tensor<i32>, %b: tensor<i32>):
    %1 = stablehlo.multiply %a, %b : tensor<i32>
    stablehlo.return %1 : tensor<i32>
  }) : (tensor<3xi32>, tensor<3x1xi64>, tensor<3xi32>) -> tensor<3xi32>
  return %0 : tensor<3xi32>
}

// -----

// An output layout that is not a permutation of the result's dims.
// CHECK: errors.mlir:{{[0-9]+}} offset :{{[0-9]+}}:8: error: convolution operands 'tensor<2x9x10x3xf32>' and 'tensor<4x5x3x3xf32>' do not match its dimension numbers
func.func @main(%x: tensor<2x9x10x3xf32>, %w: tensor<4x5x3x3xf32>) -> tensor<2x6x6x3xf32> {
  %0 = stablehlo.convolution(%x, %w) dim_numbers = [b, 0, 1, f]x[0, 1, i, o]->[b, 1, 1, f], window = {} {batch_group_count = 1 : i64, feature_group_count = 1 : i64} : (tensor<2x9x10x3xf32>, tensor<4x5x3x3xf32>) -> tensor<2x6x6x3xf32>
  return %0 : tensor<2x6x6x3xf32>
}

// -----

// A zero stride (the graph's convolution could not infer its shape).
// CHECK: errors.mlir:{{[0-9]+}} offset :{{[0-9]+}}:8: error: convolution strides and dilations must be positive (and below 2^31)
func.func @main(%x: tensor<1x3x2x2xf32>, %w: tensor<4x3x1x1xf32>) -> tensor<1x4x2x1xf32> {
  %0 = stablehlo.convolution(%x, %w) dim_numbers = [b, f, 0, 1]x[o, i, 0, 1]->[b, f, 0, 1], window = {stride = [0, 2]} {batch_group_count = 1 : i64, feature_group_count = 1 : i64} : (tensor<1x3x2x2xf32>, tensor<4x3x1x1xf32>) -> tensor<1x4x2x1xf32>
  return %0 : tensor<1x4x2x1xf32>
}
