// RUN: smelt-translate --import-stablehlo --split-input-file %s | FileCheck %s

// broadcast_in_dim: operand dims moved into result order, size-1 dims in
// between, then a NumPy broadcast.
// CHECK-LABEL: func.func @main
// CHECK: %[[T:.+]] = graph.transpose %arg0 {perm = array<i64: 1, 0>} : (tensor<2x3xf32>) -> tensor<3x2xf32>
// CHECK: %[[R:.+]] = graph.reshape %[[T]] : tensor<3x2xf32> to tensor<3x1x2xf32>
// CHECK: graph.broadcast %[[R]] : tensor<3x1x2xf32> to tensor<3x5x2xf32>
func.func @main(%x: tensor<2x3xf32>) -> tensor<3x5x2xf32> {
  %0 = stablehlo.broadcast_in_dim %x, dims = [2, 0] : (tensor<2x3xf32>) -> tensor<3x5x2xf32>
  return %0 : tensor<3x5x2xf32>
}

// -----

// CHECK-LABEL: func.func @main
// CHECK: graph.slice %arg0 {limits = array<i64: 4, 5>, starts = array<i64: 1, 0>, strides = array<i64: 2, 1>}
// CHECK: graph.concat {{.*}} {axis = 0 : i64}
// CHECK: graph.pad {{.*}} {high = array<i64: 0, -1>, interior = array<i64: 1, 0>, low = array<i64: 2, 1>}
// CHECK: graph.reverse {{.*}} {dims = array<i64: 1>}
// CHECK: graph.iota {dimension = 1 : i64} : tensor<3x4xui32>
func.func @main(%x: tensor<4x5xf32>, %v: tensor<f32>) -> (tensor<9x5xf32>, tensor<3x4xui32>) {
  %0 = stablehlo.slice %x [1:4:2, 0:5] : (tensor<4x5xf32>) -> tensor<2x5xf32>
  %1 = stablehlo.concatenate %0, %0, dim = 0 : (tensor<2x5xf32>, tensor<2x5xf32>) -> tensor<4x5xf32>
  %2 = stablehlo.pad %1, %v, low = [2, 1], high = [0, -1], interior = [1, 0] : (tensor<4x5xf32>, tensor<f32>) -> tensor<9x5xf32>
  %3 = stablehlo.reverse %2, dims = [1] : tensor<9x5xf32>
  %4 = stablehlo.iota dim = 1 : tensor<3x4xui32>
  return %3, %4 : tensor<9x5xf32>, tensor<3x4xui32>
}

// -----

// CHECK-LABEL: func.func @main
// CHECK: graph.dynamic_slice %arg0[%arg1, %arg1] : (tensor<5x6xi32>, tensor<i64>, tensor<i64>) -> tensor<2x3xi32>
// CHECK: graph.dynamic_update_slice %arg0, {{.*}}[%arg1, %arg1]
// CHECK: graph.reduce_precision {{.*}} {exponent_bits = 5 : i32, mantissa_bits = 10 : i32} : tensor<5x6xf32>
func.func @main(%x: tensor<5x6xi32>, %i: tensor<i64>, %f: tensor<5x6xf32>) -> (tensor<5x6xi32>, tensor<5x6xf32>) {
  %0 = stablehlo.dynamic_slice %x, %i, %i, sizes = [2, 3] : (tensor<5x6xi32>, tensor<i64>, tensor<i64>) -> tensor<2x3xi32>
  %1 = stablehlo.dynamic_update_slice %x, %0, %i, %i : (tensor<5x6xi32>, tensor<2x3xi32>, tensor<i64>, tensor<i64>) -> tensor<5x6xi32>
  %2 = stablehlo.reduce_precision %f, format = e5m10 : tensor<5x6xf32>
  return %1, %2 : tensor<5x6xi32>, tensor<5x6xf32>
}

// -----

// bitcast_convert to a narrower type splits each element into a new minor
// dim (little-endian pieces); to a wider one joins the minor dim.
// CHECK-LABEL: func.func @main
// CHECK: graph.bitcast %arg0 : tensor<3xf32> to tensor<3xui32>
// CHECK-COUNT-2: graph.shift_right_logical
// CHECK: graph.concat {{.*}} {axis = 1 : i64} : {{.*}} -> tensor<3x2xui16>
// CHECK: graph.bitcast {{.*}} : tensor<3x2xui16> to tensor<3x2xf16>
// CHECK-COUNT-2: graph.shift_left
// CHECK: graph.or
// CHECK: graph.bitcast {{.*}} : tensor<3xui32> to tensor<3xf32>
func.func @main(%x: tensor<3xf32>) -> (tensor<3x2xf16>, tensor<3xf32>) {
  %0 = stablehlo.bitcast_convert %x : (tensor<3xf32>) -> tensor<3x2xf16>
  %1 = stablehlo.bitcast_convert %0 : (tensor<3x2xf16>) -> tensor<3xf32>
  return %0, %1 : tensor<3x2xf16>, tensor<3xf32>
}
