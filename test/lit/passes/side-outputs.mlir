// RUN: smelt-opt %s --graph-to-kernel --canonicalize --kernel-schedule="groups=2 min-group-work=16 search=false" | FileCheck %s

// a = x + r is a model output and the input of a row reduction: it joins the
// reduction's kernel as a side output (the kernel's last parameter). The
// tile loop fuses it into each row tile and also yields that tile, so each
// group stores its rows of a next to its rows of y; the rows are split, the
// row itself is not (a tile of part of a row would store a again).
// CHECK-LABEL: func.func @main
// CHECK: plan.launch @k0_sub(%arg0, %arg1, %arg3, %arg2)
// CHECK: kernel.func @k0_sub(
// CHECK-SAME: ops = ["graph.add", "graph.reduce_mean", "graph.sub"]
// CHECK-SAME: strategy = #kernel.strategy<grid = [8], units = 1, tile = [1, 0]>
// CHECK-DAG: %[[Y:.+]] = bufferization.to_tensor %arg2 restrict writable
// CHECK-DAG: %[[A:.+]] = bufferization.to_tensor %arg3 restrict writable
// CHECK: %[[LOOP:.+]]:2 = scf.forall (%[[ROW:.+]]) in (8) shared_outs(%[[YS:.+]] = %[[Y]], %[[AS:.+]] = %[[A]])
// CHECK: %[[ATILE:.+]] = linalg.generic
// CHECK-NEXT: ^bb0
// CHECK-NEXT: arith.addf
// CHECK: %[[YTILE:.+]] = linalg.generic {{.*}} : tensor<1x16xf32>, tensor<1x16xf32>, tensor<1x1xf32>)
// CHECK: arith.subf
// CHECK: scf.forall.in_parallel
// CHECK-NEXT: tensor.parallel_insert_slice %[[YTILE]] into %[[YS]][%[[ROW]], 0] [1, 16]
// CHECK-NEXT: tensor.parallel_insert_slice %[[ATILE]] into %[[AS]][%[[ROW]], 0] [1, 16]
// CHECK: bufferization.materialize_in_destination %[[LOOP]]#0 in restrict writable %arg2 :
// CHECK: bufferization.materialize_in_destination %[[LOOP]]#1 in restrict writable %arg3 {smelt.side_output}
func.func @main(%x: tensor<8x16xf32> {smelt.name = "x"}, %r: tensor<8x16xf32> {smelt.name = "r"})
    -> (tensor<8x16xf32> {smelt.name = "a"}, tensor<8x16xf32> {smelt.name = "y"}) {
  %a = graph.add %x, %r : (tensor<8x16xf32>, tensor<8x16xf32>) -> tensor<8x16xf32>
  %m = graph.reduce_mean %a {axes = array<i64: 1>, keep_dims = true} : (tensor<8x16xf32>) -> tensor<8x1xf32>
  %y = graph.sub %a, %m : (tensor<8x16xf32>, tensor<8x1xf32>) -> tensor<8x16xf32>
  return %a, %y : tensor<8x16xf32>, tensor<8x16xf32>
}
