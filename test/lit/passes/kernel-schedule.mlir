// RUN: smelt-opt %s --graph-to-kernel --canonicalize --kernel-schedule="groups=2 min-group-work=16 search=false" | FileCheck %s --check-prefix=SCHEDULE
// RUN: smelt-opt %s --graph-to-kernel --canonicalize --kernel-schedule="groups=2 min-group-work=16 search=false" --kernel-bufferize --canonicalize --cse --kernel-distribute --canonicalize | FileCheck %s --check-prefix=DISTRIBUTE

// The root is tiled over its outer parallel loops for 2 processors × 4 tiles;
// the padding producer is fused into each tile.
// SCHEDULE-LABEL: kernel.func @k0_conv
// SCHEDULE-SAME: strategy = #kernel.strategy<grid = [4, 2], units = 1, tile = [0, 1, 4, 0, 0, 0, 0]>
// SCHEDULE: scf.forall (%{{.+}}, %{{.+}}) = (0, 0) to (4, 8) step (1, 4)
// SCHEDULE: linalg.generic
// SCHEDULE: tensor.extract
// SCHEDULE: linalg.generic {{.*}}"reduction"

// After bufferization and distribution the body is written for one group: the
// padded input window is staged in local memory.
// DISTRIBUTE-LABEL: kernel.func @k0_conv
// DISTRIBUTE: %[[G0:.+]] = kernel.group_id 0
// DISTRIBUTE: %[[G1:.+]] = kernel.group_id 1
// DISTRIBUTE: memref.alloc() {{.*}}: memref<1x3x6x10xf32, #kernel.space<local>>
// DISTRIBUTE: memref.load %{{.+}} : memref<1x3x8x8xf32, #kernel.space<global>>
// DISTRIBUTE: memref.subview %{{.+}}[0, %[[G0]], %{{.+}}, 0] [1, 1, 4, 8]
// DISTRIBUTE-NOT: scf.forall
// DISTRIBUTE: kernel.return
func.func @main(%x: tensor<1x3x8x8xf32> {smelt.name = "x"}, %w: tensor<4x3x3x3xf32> {smelt.name = "w"}) -> (tensor<1x4x8x8xf32> {smelt.name = "y"}) {
  %0 = graph.conv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, group = 1} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32>
  return %0 : tensor<1x4x8x8xf32>
}
