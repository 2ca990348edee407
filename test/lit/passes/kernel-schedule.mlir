// RUN: smelt-opt %s --graph-to-kernel --canonicalize --kernel-schedule="groups=2 min-group-work=16 search=false" | FileCheck %s --check-prefix=SCHEDULE
// RUN: smelt-opt %s --graph-to-kernel --canonicalize --kernel-schedule="groups=2 min-group-work=16 search=false" --kernel-bufferize --canonicalize --cse --kernel-distribute --canonicalize | FileCheck %s --check-prefix=DISTRIBUTE

// The root is tiled over its outer parallel loops for 2 processors × 4 tiles;
// the padding producer is fused into each tile and staged: the tile (6 padded
// rows from row r = 4 * tile, 10 padded columns) is filled with the pad value
// and the input rows [max(r - 1, 0), min(r + 5, 8)) are copied in at row
// offset lo - (r - 1), columns at offset 1.
// SCHEDULE-DAG: #[[LO:.+]] = affine_map<()[s0] -> (s0 - 1, 0)>
// SCHEDULE-DAG: #[[CAP:.+]] = affine_map<()[s0] -> (s0, 8)>
// SCHEDULE-DAG: #[[HI:.+]] = affine_map<()[s0] -> (s0 + 5, 8)>
// SCHEDULE-DAG: #[[LEN:.+]] = affine_map<()[s0, s1] -> (s0 - s1, 0)>
// SCHEDULE-DAG: #[[AT:.+]] = affine_map<()[s0, s1, s2] -> (s0 - s1 + 1, -s2 + 6)>
// SCHEDULE-LABEL: kernel.func @k0_conv
// SCHEDULE-SAME: strategy = #kernel.strategy<grid = [4, 2], units = 1, tile = [0, 1, 4, 0, 0, 0, 0]>
// SCHEDULE: scf.forall (%{{.+}}, %[[R:.+]]) = (0, 0) to (4, 8) step (1, 4)
// SCHEDULE: %[[TILE:.+]] = tensor.extract_slice %{{.+}}[0, 0, %[[R]], 0] [1, 3, 6, 10]
// SCHEDULE: %[[MAX:.+]] = affine.max #[[LO]]()[%[[R]]]
// SCHEDULE: %[[FIRST:.+]] = affine.min #[[CAP]]()[%[[MAX]]]
// SCHEDULE: %[[END:.+]] = affine.min #[[HI]]()[%[[R]]]
// SCHEDULE: %[[ROWS:.+]] = affine.max #[[LEN]]()[%[[END]], %[[FIRST]]]
// SCHEDULE: %[[AT_ROW:.+]] = affine.min #[[AT]]()[%[[FIRST]], %[[R]], %[[ROWS]]]
// SCHEDULE: %[[FILLED:.+]] = linalg.fill ins(%{{.+}} : f32) outs(%[[TILE]] : tensor<1x3x6x10xf32>)
// SCHEDULE: %[[WINDOW:.+]] = tensor.extract_slice %{{.+}}[0, 0, %[[FIRST]], 0] [1, 3, %[[ROWS]], 8] [1, 1, 1, 1] : tensor<1x3x8x8xf32> to tensor<1x3x?x8xf32>
// SCHEDULE: tensor.insert_slice %[[WINDOW]] into %[[FILLED]][0, 0, %[[AT_ROW]], 1] [1, 3, %[[ROWS]], 8]
// SCHEDULE-NOT: tensor.extract %
// SCHEDULE: linalg.generic {{.*}}"reduction"

// After bufferization and distribution the body is written for one group: the
// padded input window is staged in local memory by an explicit transfer from
// global memory.
// DISTRIBUTE-LABEL: kernel.func @k0_conv
// DISTRIBUTE: %[[G0:.+]] = kernel.group_id 0
// DISTRIBUTE: %[[G1:.+]] = kernel.group_id 1
// DISTRIBUTE: %[[STAGE:.+]] = memref.alloc() {{.*}}: memref<1x3x6x10xf32, #kernel.space<local>>
// DISTRIBUTE: linalg.fill ins(%{{.+}} : f32) outs(%[[STAGE]] :
// DISTRIBUTE: %[[FROM:.+]] = memref.subview %arg0[0, 0, %{{.+}}, 0] [1, 3, %{{.+}}, 8]
// DISTRIBUTE: %[[TO:.+]] = memref.subview %[[STAGE]][0, 0, %{{.+}}, 1] [1, 3, %{{.+}}, 8]
// DISTRIBUTE: kernel.copy %[[FROM]], %[[TO]] {scope = #kernel.scope<group>} : memref<1x3x?x8xf32, {{.*}}#kernel.space<global>> to memref<1x3x?x8xf32, {{.*}}#kernel.space<local>>
// DISTRIBUTE-NOT: memref.copy
// DISTRIBUTE: memref.subview %{{.+}}[0, %[[G0]], %{{.+}}, 0] [1, 1, 4, 8]
// DISTRIBUTE-NOT: scf.forall
// DISTRIBUTE: kernel.return
func.func @main(%x: tensor<1x3x8x8xf32> {smelt.name = "x"}, %w: tensor<4x3x3x3xf32> {smelt.name = "w"}) -> (tensor<1x4x8x8xf32> {smelt.name = "y"}) {
  %0 = graph.conv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, group = 1} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32>
  return %0 : tensor<1x4x8x8xf32>
}
