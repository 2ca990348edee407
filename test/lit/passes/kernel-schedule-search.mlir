// RUN: smelt-opt %s --split-input-file --mlir-print-op-on-diagnostic=false --graph-to-kernel --canonicalize --kernel-schedule="groups=2 simd-bytes=64 memory-levels=dram:0:40,l3:33554432:200,l2:1048576:192:group,l1:49152:384:group report=true" -o /dev/null 2>&1 | FileCheck %s --check-prefix=REPORT
// RUN: smelt-opt %s --split-input-file --graph-to-kernel --canonicalize --kernel-schedule="groups=2 simd-bytes=64 memory-levels=dram:0:40,l3:33554432:200,l2:1048576:192:group,l1:49152:384:group" | FileCheck %s
// RUN: smelt-opt %s --split-input-file --graph-to-kernel --canonicalize --kernel-schedule="groups=2 simd-bytes=64 memory-levels=dram:0:40,l3:33554432:200,l2:1048576:192:group,l1:49152:384:group" --kernel-bufferize --canonicalize | FileCheck %s --check-prefix=BUFFERS
// RUN: not smelt-opt %s --split-input-file --graph-to-kernel --kernel-schedule="memory-levels=dram:0" 2>&1 | FileCheck %s --check-prefix=BAD

// The schedule search on a fixed two-core target (1 MiB L2, 48 KiB L1 per
// core). A scaled, masked softmax over rows of 512: one pass per op over the
// group's whole tile would re-read the tile from the shared cache three
// times, and recomputing the exponentials in both the sum and the division
// doubles the costliest arithmetic. The cheapest candidate steps through the
// tile 8 rows at a time (every re-read hits L1) and stages the shared
// intermediates (the masked scores, the exponentials) in local buffers, so
// exp runs once per element. Each candidate is costed on 64- and 32-byte
// vectors; on this target the widest run at full rate.
// REPORT: remark: candidate tile [1, 0, 0], 64-byte vectors: 8 groups, dram {{[0-9.]+}} MB l3 {{[0-9.]+}} MB l2 {{[0-9.]+}} MB l1 {{[0-9.]+}} MB, {{[0-9.]+}} M vector ops, est. {{[0-9.]+}} us
// REPORT: remark: candidate tile [1, 0, 0], 32-byte vectors: 8 groups
// REPORT: remark: candidate tile [1, 128, 0], 8 rows per step, shared intermediates staged, 64-byte vectors: 16 groups
// REPORT: remark: chosen tile [1, 128, 0], 8 rows per step, shared intermediates staged, 64-byte vectors
// CHECK-LABEL: kernel.func @k0_softmax
// CHECK-SAME: smelt.cost = {candidates = 56 : i64, dram_bytes = {{[0-9]+}} : i64
// CHECK-SAME: strategy = #kernel.strategy<grid = [8, 2], units = 1, tile = [1, 128, 0], vector_bytes = 64>
// CHECK: scf.forall (%[[B:.+]], %[[R:.+]]) = (0, 0) to (8, 256) step (1, 128)
// CHECK: scf.for %[[STEP:.+]] = %{{.+}} to %{{.+}} step %{{.+}} iter_args
// CHECK: %[[X:.+]] = tensor.extract_slice %{{.+}}[0, %[[STEP]], 0] [1, 8, 512]
// CHECK: %[[SCORES:.+]] = linalg.generic {{.*}} ins(%[[X]], %{{.+}} : tensor<1x8x512xf32>, tensor<8x512xf32>)
// CHECK: %[[MAX:.+]] = linalg.generic {{.*}}"reduction"]} ins(%[[SCORES]]
// CHECK: %[[EXP:.+]] = linalg.generic {{.*}} ins(%[[SCORES]], %[[MAX]] :
// CHECK: math.exp
// CHECK: %[[SUM:.+]] = linalg.generic {{.*}}"reduction"]} ins(%[[EXP]]
// CHECK-NOT: math.exp
// CHECK: linalg.generic {{.*}} ins(%[[EXP]], %[[SUM]] :
// CHECK-NOT: math.exp
// CHECK: scf.yield

// Step buffers are allocated once per group, not once per step.
// BUFFERS-LABEL: kernel.func @k0_softmax
// BUFFERS: scf.forall
// BUFFERS: memref.alloc() {{.*}} : memref<1x8x512xf32, #kernel.space<local>>
// BUFFERS: scf.for
// BUFFERS-NOT: memref.alloc
// BUFFERS: kernel.return

// BAD: bad memory level 'dram:0' (expected name:capacity-bytes:bytes-per-ns[:group])
func.func @main(%x: tensor<8x256x512xf32> {smelt.name = "x"}, %mask: tensor<256x512xf32> {smelt.name = "mask"}) -> (tensor<8x256x512xf32> {smelt.name = "y"}) {
  %c = graph.constant dense<0.125> : tensor<f32>
  %s = graph.mul %x, %c : (tensor<8x256x512xf32>, tensor<f32>) -> tensor<8x256x512xf32>
  %m = graph.add %s, %mask : (tensor<8x256x512xf32>, tensor<256x512xf32>) -> tensor<8x256x512xf32>
  %y = graph.softmax %m {axis = 2 : i64} : tensor<8x256x512xf32>
  return %y : tensor<8x256x512xf32>
}

// -----

// A transpose reads each element once: a step loop has nothing to keep in
// the caches (it is not a candidate), and the grid with the most groups
// balances best.
// REPORT: remark: candidate tile [1, 0, 0], 64-byte vectors: 8 groups
// REPORT-NOT: rows per step
// REPORT: remark: chosen tile [1, 256, 0], 64-byte vectors{{$}}
// CHECK-LABEL: kernel.func @k0_transpose
// CHECK-NOT: scf.for %
// CHECK: kernel.return
func.func @main(%x: tensor<8x256x512xf32> {smelt.name = "x"}) -> (tensor<8x512x256xf32> {smelt.name = "y"}) {
  %y = graph.transpose %x {perm = array<i64: 0, 2, 1>} : (tensor<8x256x512xf32>) -> tensor<8x512x256xf32>
  return %y : tensor<8x512x256xf32>
}
