// RUN: not smelt-translate --import-stablehlo %s 2>&1 | FileCheck %s
// RUN: not smelt compile %s -o %t.smelt 2>&1 | FileCheck %s --check-prefix=COMPILE

// Unsupported ops are named at the program's file:line:col, also by the
// compiler.
// CHECK: error-location.mlir:[[# @LINE + 4]]:10: error: unsupported StableHLO op 'stablehlo.rng_bit_generator'
// COMPILE: error-location.mlir:[[# @LINE + 3]]:10: error: unsupported StableHLO op 'stablehlo.rng_bit_generator'
// COMPILE-NOT: Stack dump
func.func @main(%state: tensor<2xui64>) -> tensor<4xui32> {
  %0:2 = stablehlo.rng_bit_generator %state, algorithm = THREE_FRY : (tensor<2xui64>) -> (tensor<2xui64>, tensor<4xui32>)
  return %0#1 : tensor<4xui32>
}
