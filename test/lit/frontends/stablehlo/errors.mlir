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

// CHECK: errors.mlir:{{[0-9]+}} offset :{{[0-9]+}}:1: error: unsupported element type 'complex<f32>': complex numbers
func.func @main(%x: tensor<2xcomplex<f32>>) -> tensor<2xcomplex<f32>> {
  return %x : tensor<2xcomplex<f32>>
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
