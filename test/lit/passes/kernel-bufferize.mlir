// RUN: smelt-opt %s --graph-to-kernel --canonicalize --kernel-schedule="groups=2 min-group-work=16 search=false" --kernel-bufferize --canonicalize --cse --canonicalize | FileCheck %s

// Convolution with a fused ReLU epilogue: the bias fill, the convolution and
// the ReLU all write the output tile in place; the only local buffer is the
// padded input window. The grid counts the convolution's work, not just the
// epilogue's.

// CHECK-LABEL: kernel.func @k0_relu
// CHECK-SAME: ops = ["graph.conv", "graph.relu"]
// CHECK-SAME: strategy = #kernel.strategy<grid = [4, 2]
// CHECK: scf.forall
// CHECK-COUNT-1: memref.alloc
// CHECK-SAME: #kernel.space<local>
// CHECK-NOT: memref.alloc
// CHECK: %[[TILE:.+]] = memref.subview %arg2
// CHECK: linalg.fill {{.*}} outs(%[[TILE]]
// CHECK: linalg.generic {{.*}}"reduction"{{.*}} outs(%[[TILE]]
// CHECK: linalg.generic {{.*}} outs(%[[TILE]]
// CHECK: arith.maximumf
// CHECK-NOT: memref.copy
func.func @main(%x: tensor<1x4x8x8xf32> {smelt.name = "x"}, %w: tensor<4x4x3x3xf32> {smelt.name = "w"}) -> (tensor<1x4x8x8xf32> {smelt.name = "y"}) {
  %0 = graph.conv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, group = 1} : (tensor<1x4x8x8xf32>, tensor<4x4x3x3xf32>) -> tensor<1x4x8x8xf32>
  %1 = graph.relu %0 : tensor<1x4x8x8xf32>
  return %1 : tensor<1x4x8x8xf32>
}
