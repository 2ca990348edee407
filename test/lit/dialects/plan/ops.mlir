// RUN: smelt-opt %s | smelt-opt | FileCheck %s

kernel.func @k0(%x: memref<4xf32, #kernel.space<global>>, %y: memref<4xf32, #kernel.space<global>>)
    attributes {strategy = #kernel.strategy<grid = [1], units = 1, tile = [0]>} {
  kernel.return
}

// CHECK-LABEL: func @main
func.func @main(%x: memref<2x2xf32>, %y: memref<4xf32>) {
  // CHECK: plan.constant dense<1.000000e+00> : tensor<4xf32> -> memref<4xf32>
  %c = plan.constant dense<1.0> : tensor<4xf32> -> memref<4xf32>
  // CHECK: plan.alloc {offset = 0 : i64} : memref<4xf32>
  %t = plan.alloc {offset = 0} : memref<4xf32>
  // CHECK: plan.view %{{.*}} : memref<2x2xf32> to memref<4xf32>
  %v = plan.view %x : memref<2x2xf32> to memref<4xf32>
  // CHECK: plan.launch @k0(%{{.*}}, %{{.*}}) : memref<4xf32>, memref<4xf32>
  plan.launch @k0(%v, %t) : memref<4xf32>, memref<4xf32>
  // CHECK: plan.call "matmul"
  plan.call "matmul"(%t, %c, %y) {candidates = ["onednn.matmul", @k0]} : memref<4xf32>, memref<4xf32>, memref<4xf32>
  // CHECK: plan.copy
  plan.copy %t, %y : memref<4xf32>, memref<4xf32>
  return
}
