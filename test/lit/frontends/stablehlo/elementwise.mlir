// RUN: smelt-translate --import-stablehlo --split-input-file %s | FileCheck %s

// Pretty forms of elementwise ops become graph ops on the same tensors.
// CHECK-LABEL: func.func @main
// CHECK-SAME: (%[[A:.+]]: tensor<4xf32> {smelt.name = "arg0"}, %[[B:.+]]: tensor<4xf32> {smelt.name = "arg1"})
// CHECK: %[[ADD:.+]] = graph.add %[[A]], %[[B]]
// CHECK: %[[ABS:.+]] = graph.abs %[[ADD]] : tensor<4xf32>
// CHECK: %[[EXP:.+]] = graph.expm1 %[[ABS]]
// CHECK: %[[REM:.+]] = graph.mod %[[EXP]], %[[B]] {fmod = true}
// CHECK: %[[MAX:.+]] = graph.max %[[REM]], %[[A]]
// CHECK: %[[CLAMP_LO:.+]] = graph.max %[[MAX]], %[[A]]
// CHECK: %[[CLAMP:.+]] = graph.min %[[CLAMP_LO]], %[[B]]
// CHECK: return %[[CLAMP]]
func.func @main(%a: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<4xf32> {
  %0 = stablehlo.add %a, %b : tensor<4xf32>
  %1 = stablehlo.abs %0 : tensor<4xf32>
  %2 = stablehlo.exponential_minus_one %1 : tensor<4xf32>
  %3 = stablehlo.remainder %2, %b : tensor<4xf32>
  %4 = stablehlo.maximum %3, %a : tensor<4xf32>
  %5 = stablehlo.clamp %a, %4, %b : tensor<4xf32>
  return %5 : tensor<4xf32>
}

// -----

// Comparisons: NE is not(equal); TOTALORDER compares integer keys of the
// float bits; the compare type after the operands is optional.
// CHECK-LABEL: func.func @main
// CHECK: %[[EQ:.+]] = graph.equal %arg0, %arg1
// CHECK: %[[EQ2:.+]] = graph.equal %arg0, %arg1
// CHECK: %[[NE:.+]] = graph.not %[[EQ2]]
// CHECK: graph.bitcast %arg0 : tensor<3xf32> to tensor<3xi32>
// CHECK: graph.shift_right_arithmetic
// CHECK: graph.shift_right_logical
// CHECK: graph.xor
// CHECK: %[[LT:.+]] = graph.less {{.*}} : (tensor<3xi32>, tensor<3xi32>) -> tensor<3xi1>
// CHECK: graph.select %[[NE]], %[[LT]], %[[EQ]]
func.func @main(%a: tensor<3xf32>, %b: tensor<3xf32>) -> tensor<3xi1> {
  %0 = stablehlo.compare EQ, %a, %b, FLOAT : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xi1>
  %1 = stablehlo.compare NE, %a, %b : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xi1>
  %2 = stablehlo.compare LT, %a, %b, TOTALORDER : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xi1>
  %3 = stablehlo.select %1, %2, %0 : tensor<3xi1>, tensor<3xi1>
  return %3 : tensor<3xi1>
}

// -----

// On booleans add is `or` and multiply `and`; convert is a cast.
// CHECK-LABEL: func.func @main
// CHECK: %[[OR:.+]] = graph.or %arg0, %arg1
// CHECK: %[[AND:.+]] = graph.and %[[OR]], %arg1
// CHECK: graph.cast %[[AND]] : tensor<2xi1> to tensor<2xui8>
func.func @main(%a: tensor<2xi1>, %b: tensor<2xi1>) -> tensor<2xui8> {
  %0 = stablehlo.add %a, %b : tensor<2xi1>
  %1 = stablehlo.multiply %0, %b : tensor<2xi1>
  %2 = stablehlo.convert %1 : (tensor<2xi1>) -> tensor<2xui8>
  return %2 : tensor<2xui8>
}

// -----

// chlo.mulhi: the high half of the double-width product.
// CHECK-LABEL: func.func @main
// CHECK: graph.cast %arg0 : tensor<3xi16> to tensor<3xi32>
// CHECK: graph.mul
// CHECK: graph.shift_right_arithmetic
// CHECK: graph.cast {{.*}} : tensor<3xi32> to tensor<3xi16>
func.func @main(%a: tensor<3xi16>, %b: tensor<3xi16>) -> tensor<3xi16> {
  %0 = "chlo.mulhi"(%a, %b) : (tensor<3xi16>, tensor<3xi16>) -> tensor<3xi16>
  return %0 : tensor<3xi16>
}

// -----

// The generic form parses too, and sub-byte integers cross the signature as
// bytes of their signedness.
// CHECK-LABEL: func.func @main
// CHECK-SAME: (%[[X:.+]]: tensor<4xi8> {smelt.name = "arg0"}) -> (tensor<4xi8> {smelt.name = "output0"})
// CHECK: %[[NARROW:.+]] = graph.cast %[[X]] : tensor<4xi8> to tensor<4xi4>
// CHECK: %[[NEG:.+]] = graph.neg %[[NARROW]] : tensor<4xi4>
// CHECK: %[[WIDE:.+]] = graph.cast %[[NEG]] : tensor<4xi4> to tensor<4xi8>
// CHECK: return %[[WIDE]]
func.func @main(%x: tensor<4xi4>) -> tensor<4xi4> {
  %0 = "stablehlo.negate"(%x) : (tensor<4xi4>) -> tensor<4xi4>
  return %0 : tensor<4xi4>
}

// -----

// 8-bit floats cross the signature as their bits and are widened, never
// computed in.
// CHECK-LABEL: func.func @main
// CHECK-SAME: (%[[X:.+]]: tensor<4xui8> {smelt.name = "arg0"}) -> (tensor<4xf32> {smelt.name = "output0"})
// CHECK: %[[F8:.+]] = graph.bitcast %[[X]] : tensor<4xui8> to tensor<4xf8E4M3FN>
// CHECK: graph.cast %[[F8]] : tensor<4xf8E4M3FN> to tensor<4xf32>
func.func @main(%x: tensor<4xf8E4M3FN>) -> tensor<4xf32> {
  %0 = stablehlo.convert %x : (tensor<4xf8E4M3FN>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// chlo.lgamma: the Lanczos sum (eight terms), f16 computed in f32.
// CHECK-LABEL: func.func @main
// CHECK: graph.cast %arg0 : tensor<3xf16> to tensor<3xf32>
// CHECK-COUNT-8: graph.div
// CHECK: graph.log1p
// CHECK: graph.sin
// CHECK: graph.cast {{.*}} : tensor<3xf32> to tensor<3xf16>
func.func @main(%x: tensor<3xf16>) -> tensor<3xf16> {
  %0 = chlo.lgamma %x : tensor<3xf16> -> tensor<3xf16>
  return %0 : tensor<3xf16>
}

// -----

// Complex numbers: the signature carries them as their parts in a minor dim
// of 2; abs is the magnitude; maximum is lexicographic.
// CHECK-LABEL: func.func @main
// CHECK-SAME: (%[[Z:.+]]: tensor<3x2xf32> {smelt.name = "arg0"}) -> (tensor<3xf32> {smelt.name = "output0"}, tensor<3x2xf32> {smelt.name = "output1"})
// CHECK: %[[RE:.+]] = graph.slice %[[Z]] {limits = array<i64: 3, 1>
// CHECK: %[[IM:.+]] = graph.slice %[[Z]] {limits = array<i64: 3, 2>, starts = array<i64: 0, 1>
// CHECK: %[[C:.+]] = graph.complex {{.*}} -> tensor<3xcomplex<f32>>
// CHECK: graph.magnitude %[[C]] : tensor<3xcomplex<f32>> to tensor<3xf32>
// CHECK: graph.exp %[[C]] : tensor<3xcomplex<f32>>
// CHECK: graph.real
// CHECK: graph.imag
// CHECK: graph.concat {{.*}} {axis = 1 : i64} : {{.*}} -> tensor<3x2xf32>
func.func @main(%z: tensor<3xcomplex<f32>>) -> (tensor<3xf32>, tensor<3xcomplex<f32>>) {
  %0 = stablehlo.abs %z : (tensor<3xcomplex<f32>>) -> tensor<3xf32>
  %1 = stablehlo.exponential %z : tensor<3xcomplex<f32>>
  return %0, %1 : tensor<3xf32>, tensor<3xcomplex<f32>>
}
