// RUN: smelt-opt %s | smelt-opt | FileCheck %s

// CHECK-LABEL: kernel.func @scale
// CHECK-SAME: memref<8x16xf32, #kernel.space<global>>
// CHECK-SAME: strategy = #kernel.strategy<grid = [8], units = 1, tile = [1, 0]>
kernel.func @scale(%x: memref<8x16xf32, #kernel.space<global>>,
                   %y: memref<8x16xf32, #kernel.space<global>>)
    attributes {strategy = #kernel.strategy<grid = [8], units = 1, tile = [1, 0]>, ops = ["Mul"]} {
  // CHECK: kernel.group_id 0
  %row = kernel.group_id 0
  // CHECK: kernel.unit_id
  %unit = kernel.unit_id
  %in = memref.subview %x[%row, 0] [1, 16] [1, 1] : memref<8x16xf32, #kernel.space<global>> to memref<16xf32, strided<[1], offset: ?>, #kernel.space<global>>
  // CHECK: kernel.return
  kernel.return
}

// A tile staged in local memory and written back: explicit transfers between
// memory levels.
// CHECK-LABEL: kernel.func @stage
kernel.func @stage(%x: memref<8x16xf32, #kernel.space<global>>,
                   %y: memref<8x16xf32, #kernel.space<global>>)
    attributes {strategy = #kernel.strategy<grid = [8], units = 1, tile = [1, 0]>} {
  %row = kernel.group_id 0
  %in = memref.subview %x[%row, 0] [1, 16] [1, 1] : memref<8x16xf32, #kernel.space<global>> to memref<1x16xf32, strided<[16, 1], offset: ?>, #kernel.space<global>>
  %out = memref.subview %y[%row, 0] [1, 16] [1, 1] : memref<8x16xf32, #kernel.space<global>> to memref<1x16xf32, strided<[16, 1], offset: ?>, #kernel.space<global>>
  %tile = memref.alloc() : memref<1x16xf32, #kernel.space<local>>
  // CHECK: kernel.copy %{{.+}}, %{{.+}} {scope = #kernel.scope<group>} : memref<1x16xf32, strided<[16, 1], offset: ?>, #kernel.space<global>> to memref<1x16xf32, #kernel.space<local>>
  kernel.copy %in, %tile {scope = #kernel.scope<group>} : memref<1x16xf32, strided<[16, 1], offset: ?>, #kernel.space<global>> to memref<1x16xf32, #kernel.space<local>>
  // CHECK: kernel.copy %{{.+}}, %{{.+}} {scope = #kernel.scope<unit>} : memref<1x16xf32, #kernel.space<local>> to memref<1x16xf32, strided<[16, 1], offset: ?>, #kernel.space<global>>
  kernel.copy %tile, %out {scope = #kernel.scope<unit>} : memref<1x16xf32, #kernel.space<local>> to memref<1x16xf32, strided<[16, 1], offset: ?>, #kernel.space<global>>
  kernel.return
}

// A row reduction whose units share the result (a group-scope reduction),
// in a kernel whose schedule chose 32-byte vectors.
// CHECK-LABEL: kernel.func @row_sum
// CHECK-SAME: strategy = #kernel.strategy<grid = [8], units = 4, tile = [1, 0], vector_bytes = 32>
// CHECK: linalg.reduce {{.*}} dimensions = [1] {kernel.scope = #kernel.scope<group>}
kernel.func @row_sum(%x: memref<8x64xf32, #kernel.space<global>>,
                     %y: memref<8xf32, #kernel.space<global>>)
    attributes {strategy = #kernel.strategy<grid = [8], units = 4, tile = [1, 0], vector_bytes = 32>} {
  %row = kernel.group_id 0
  %in = memref.subview %x[%row, 0] [1, 64] [1, 1] : memref<8x64xf32, #kernel.space<global>> to memref<1x64xf32, strided<[64, 1], offset: ?>, #kernel.space<global>>
  %out = memref.subview %y[%row] [1] [1] : memref<8xf32, #kernel.space<global>> to memref<1xf32, strided<[1], offset: ?>, #kernel.space<global>>
  linalg.reduce ins(%in : memref<1x64xf32, strided<[64, 1], offset: ?>, #kernel.space<global>>) outs(%out : memref<1xf32, strided<[1], offset: ?>, #kernel.space<global>>) dimensions = [1] {kernel.scope = #kernel.scope<group>}
    (%a: f32, %b: f32) {
      %s = arith.addf %a, %b : f32
      linalg.yield %s : f32
    }
  kernel.return
}
