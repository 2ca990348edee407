// RUN: smelt-opt %s --graph-to-kernel --canonicalize --plan-memory | FileCheck %s

// One kernel per graph op; reshape is a view; the last kernel writes the
// output argument directly; scratch buffers share the arena after their
// last use.

// CHECK-LABEL: func.func @main
// CHECK-SAME: %[[X:.+]]: memref<2x8xf32> {plan.kind = "input", plan.type = tensor<2x8xf32>, smelt.name = "x"}
// CHECK-SAME: %[[Y:.+]]: memref<16xf32> {plan.kind = "output", plan.type = tensor<16xf32>, smelt.name = "y"}
// CHECK-SAME: plan.arena_size = 128
// CHECK: %[[C:.+]] = plan.constant dense<[1.000000e+00, {{.*}}]> : tensor<8xf32> -> memref<8xf32>
// CHECK: %[[A:.+]] = plan.alloc {offset = 0 : i64} : memref<2x8xf32>
// CHECK: plan.launch @k0_mul(%[[X]], %[[C]], %[[A]])
// CHECK: %[[B:.+]] = plan.alloc {offset = 64 : i64} : memref<2x8xf32>
// CHECK: plan.launch @k1_relu(%[[A]], %[[B]])
// CHECK: %[[V:.+]] = plan.view %[[B]] : memref<2x8xf32> to memref<16xf32>
// CHECK: plan.launch @k2_neg(%[[V]], %[[Y]])
// CHECK: kernel.func @k0_mul(%{{.+}}: memref<2x8xf32, #kernel.space<global>>, %{{.+}}: memref<8xf32, #kernel.space<global>>, %{{.+}}: memref<2x8xf32, #kernel.space<global>>) attributes {ops = ["graph.mul"]}
// CHECK: linalg.generic
// CHECK: kernel.return
func.func @main(%x: tensor<2x8xf32> {smelt.name = "x"}) -> (tensor<16xf32> {smelt.name = "y"}) {
  %c = graph.constant dense<[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]> : tensor<8xf32>
  %0 = graph.mul %x, %c : (tensor<2x8xf32>, tensor<8xf32>) -> tensor<2x8xf32>
  %1 = graph.relu %0 : tensor<2x8xf32>
  %2 = graph.reshape %1 : tensor<2x8xf32> to tensor<16xf32>
  %3 = graph.neg %2 : tensor<16xf32>
  return %3 : tensor<16xf32>
}
