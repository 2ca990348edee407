// RUN: smelt-opt %s -split-input-file | smelt-opt -split-input-file | FileCheck %s

// CHECK-LABEL: func @elementwise
func.func @elementwise(%a: tensor<2x3xf32>, %b: tensor<3xf32>) -> tensor<2x3xi1> {
  // CHECK: graph.add %{{.*}}, %{{.*}} : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %0 = graph.add %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  // CHECK: graph.erf %{{.*}} : tensor<2x3xf32>
  %1 = graph.erf %0 : tensor<2x3xf32>
  // CHECK: graph.equal %{{.*}} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xi1>
  %2 = graph.equal %0, %1 : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xi1>
  // CHECK: graph.select
  %3 = graph.select %2, %0, %b : (tensor<2x3xi1>, tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  // CHECK: graph.cast %{{.*}} : tensor<2x3xf32> to tensor<2x3xf16>
  %4 = graph.cast %3 : tensor<2x3xf32> to tensor<2x3xf16>
  return %2 : tensor<2x3xi1>
}

// -----

// CHECK-LABEL: func @conv_pool
func.func @conv_pool(%x: tensor<1x3x32x32xf32>, %w: tensor<8x3x3x3xf32>, %b: tensor<8xf32>) -> tensor<1x8x8x8xf32> {
  // CHECK: graph.conv %{{.*}}, %{{.*}} bias %{{.*}} {
  %0 = graph.conv %x, %w bias %b {strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, group = 1}
      : (tensor<1x3x32x32xf32>, tensor<8x3x3x3xf32>, tensor<8xf32>) -> tensor<1x8x16x16xf32>
  // CHECK: graph.max_pool
  %1 = graph.max_pool %0 {kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, ceil_mode = false}
      : (tensor<1x8x16x16xf32>) -> tensor<1x8x8x8xf32>
  return %1 : tensor<1x8x8x8xf32>
}

// -----

// CHECK-LABEL: func @shapes
func.func @shapes(%x: tensor<2x3x4xf32>, %i: tensor<5xi64>) -> tensor<2x5x4xf32> {
  // CHECK: graph.transpose %{{.*}} {perm = array<i64: 2, 0, 1>}
  %0 = graph.transpose %x {perm = array<i64: 2, 0, 1>} : (tensor<2x3x4xf32>) -> tensor<4x2x3xf32>
  // CHECK: graph.reshape %{{.*}} : tensor<4x2x3xf32> to tensor<24xf32>
  %1 = graph.reshape %0 : tensor<4x2x3xf32> to tensor<24xf32>
  // CHECK: graph.concat
  %2 = graph.concat %x, %x {axis = 1 : i64} : (tensor<2x3x4xf32>, tensor<2x3x4xf32>) -> tensor<2x6x4xf32>
  // CHECK: graph.slice
  %3 = graph.slice %2 {starts = array<i64: 0, 5, 0>, limits = array<i64: 2, -1, 4>, strides = array<i64: 1, -2, 1>} : (tensor<2x6x4xf32>) -> tensor<2x3x4xf32>
  // CHECK: graph.gather
  %4 = graph.gather %x, %i {axis = 1 : i64} : (tensor<2x3x4xf32>, tensor<5xi64>) -> tensor<2x5x4xf32>
  // CHECK: graph.reduce_mean
  %5 = graph.reduce_mean %4 {axes = array<i64: 2>, keep_dims = true} : (tensor<2x5x4xf32>) -> tensor<2x5x1xf32>
  // CHECK: graph.softmax %{{.*}} {axis = 2 : i64}
  %6 = graph.softmax %4 {axis = 2 : i64} : tensor<2x5x4xf32>
  // CHECK: graph.broadcast
  %7 = graph.broadcast %5 : tensor<2x5x1xf32> to tensor<2x5x4xf32>
  // CHECK: graph.matmul
  %t = graph.transpose %x {perm = array<i64: 0, 2, 1>} : (tensor<2x3x4xf32>) -> tensor<2x4x3xf32>
  %8 = graph.matmul %x, %t : (tensor<2x3x4xf32>, tensor<2x4x3xf32>) -> tensor<2x3x3xf32>
  return %4 : tensor<2x5x4xf32>
}
