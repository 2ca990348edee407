// RUN: smelt-opt %s --graph-to-kernel --canonicalize --kernel-schedule="groups=2 min-group-work=16 search=false" --kernel-vectorize --canonicalize | FileCheck %s
// RUN: smelt-opt %s --graph-to-kernel --canonicalize --kernel-schedule="groups=2 min-group-work=16 search=false" --kernel-vectorize="vector-width=0" --canonicalize | FileCheck %s --check-prefix=OFF

// The convolution tile of each group (4 rows x 8 pixels of one output channel)
// becomes a vector accumulator carried through the reduction loops (input
// channels, kernel rows, kernel columns), read once and written once; each
// step is a vector of inputs times a broadcast weight.

// CHECK-LABEL: kernel.func @k0_relu
// CHECK: %[[INIT:.+]] = vector.transfer_read {{.*}} : tensor<4x8xf32>, vector<4x8xf32>
// CHECK: scf.for {{.*}} iter_args(%{{.+}} = %[[INIT]]) -> (vector<4x8xf32>)
// CHECK: scf.for {{.*}} -> (vector<4x8xf32>)
// CHECK: scf.for {{.*}} iter_args(%[[ACC:.+]] = %{{.+}}) -> (vector<4x8xf32>)
// CHECK: %[[IN:.+]] = vector.transfer_read {{.*}} vector<4x8xf32>
// CHECK: %[[W:.+]] = vector.broadcast %{{.+}} : f32 to vector<4x8xf32>
// CHECK: %[[P:.+]] = arith.mulf %[[IN]], %[[W]] : vector<4x8xf32>
// CHECK: arith.addf %[[ACC]], %[[P]] : vector<4x8xf32>
// CHECK: vector.transfer_write
// CHECK: arith.maximumf

// OFF-LABEL: kernel.func @k0_relu
// OFF-NOT: vector.
// OFF: linalg.generic {{.*}}"reduction"
func.func @main(%x: tensor<1x4x8x8xf32> {smelt.name = "x"}, %w: tensor<4x4x3x3xf32> {smelt.name = "w"}) -> (tensor<1x4x8x8xf32> {smelt.name = "y"}) {
  %0 = graph.conv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, group = 1} : (tensor<1x4x8x8xf32>, tensor<4x4x3x3xf32>) -> tensor<1x4x8x8xf32>
  %1 = graph.relu %0 : tensor<1x4x8x8xf32>
  return %1 : tensor<1x4x8x8xf32>
}
