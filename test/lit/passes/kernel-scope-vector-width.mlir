// RUN: smelt-opt %s --split-input-file --graph-to-kernel --canonicalize --kernel-schedule="groups=2 simd-bytes=64" | FileCheck %s
// RUN: smelt-opt %s --split-input-file --graph-to-kernel --canonicalize --kernel-schedule="groups=2 simd-bytes=64 widest-vector-cost=2.2" | FileCheck %s --check-prefix=SLOW512
// RUN: smelt-opt %s --split-input-file --graph-to-kernel --canonicalize --kernel-schedule="groups=2 simd-bytes=64 vector-bytes=16" | FileCheck %s --check-prefix=FIXED
// RUN: smelt-opt %s --split-input-file --graph-to-kernel --canonicalize --kernel-schedule="groups=2 simd-bytes=64 search=false" | FileCheck %s --check-prefix=NOSEARCH
// RUN: smelt-opt %s --split-input-file --graph-to-kernel --canonicalize --kernel-schedule="groups=2 min-group-work=16 simd-bytes=32" | FileCheck %s --check-prefix=AVX2

// An RMS norm. After scheduling, the row reduction and the ops that read its
// result along the row (broadcasts) carry their scope: with one unit per
// group, the unit that reduces a row also uses it. The elementwise op in
// between (the square root of the mean) has no scope.
// CHECK-LABEL: kernel.func @k0_mul
// CHECK-SAME: strategy = #kernel.strategy<grid = [8], units = 1, tile = [8, 0], vector_bytes = 64>
// CHECK: linalg.generic {{.*}}"reduction"]} ins({{.*}}tensor<8x768xf32>) outs({{.*}}tensor<8x1xf32>) attrs = {kernel.scope = #kernel.scope<unit>}
// CHECK: linalg.generic {{.*}}["parallel", "parallel"]} outs({{.*}}tensor<8x1xf32>) {
// CHECK: linalg.generic {{.*}} ins({{.*}}tensor<8x768xf32>, tensor<8x1xf32>, tensor<768xf32>) {{.*}} attrs = {kernel.scope = #kernel.scope<unit>}

// Where an instruction on the widest vectors costs more than two at half
// the width (CPUs whose LLVM tuning prefers 256-bit vectors), the search
// picks the narrower vectors; --vector-bytes fixes the width; without the
// search the width is left to the code generator.
// SLOW512: strategy = #kernel.strategy<grid = [8], units = 1, tile = [8, 0], vector_bytes = 32>
// FIXED: strategy = #kernel.strategy<grid = [8], units = 1, tile = [8, 0], vector_bytes = 16>
// NOSEARCH: strategy = #kernel.strategy<grid = [8], units = 1, tile = [8, 0]>
// AVX2-LABEL: kernel.func @k0_mul
// AVX2-SAME: vector_bytes = 32>
func.func @main(%x: tensor<64x768xf32> {smelt.name = "x"}, %g: tensor<768xf32> {smelt.name = "g"}) -> (tensor<64x768xf32> {smelt.name = "y"}) {
  %sq = graph.mul %x, %x : (tensor<64x768xf32>, tensor<64x768xf32>) -> tensor<64x768xf32>
  %ms = graph.reduce_mean %sq {axes = array<i64: 1>, keep_dims = true} : (tensor<64x768xf32>) -> tensor<64x1xf32>
  %eps = graph.constant dense<1.0e-6> : tensor<f32>
  %v = graph.add %ms, %eps : (tensor<64x1xf32>, tensor<f32>) -> tensor<64x1xf32>
  %r = graph.sqrt %v : tensor<64x1xf32>
  %n = graph.div %x, %r : (tensor<64x768xf32>, tensor<64x1xf32>) -> tensor<64x768xf32>
  %y = graph.mul %n, %g : (tensor<64x768xf32>, tensor<768xf32>) -> tensor<64x768xf32>
  return %y : tensor<64x768xf32>
}

// -----

// Rows of 12 elements: on 32-byte vectors each row is one vector and 4
// scalar iterations (LLVM vectorizes no epilogue of 8-lane loops), on
// 16-byte vectors three whole vectors, so the search picks 16 bytes. On
// AVX-512 the 16-lane loop's epilogue runs on 8 lanes: both widths take one
// vector and 4 scalars per row and the widest is kept.
// CHECK-LABEL: kernel.func @k0_mul
// CHECK-SAME: vector_bytes = 64
// AVX2-LABEL: kernel.func @k0_mul
// AVX2-SAME: strategy = #kernel.strategy<grid = [2], units = 1, tile = [32, 0], vector_bytes = 16>
func.func @main(%x: tensor<64x12xf32> {smelt.name = "x"}, %g: tensor<12xf32> {smelt.name = "g"}) -> (tensor<64x12xf32> {smelt.name = "y"}) {
  %sq = graph.mul %x, %x : (tensor<64x12xf32>, tensor<64x12xf32>) -> tensor<64x12xf32>
  %ms = graph.reduce_mean %sq {axes = array<i64: 1>, keep_dims = true} : (tensor<64x12xf32>) -> tensor<64x1xf32>
  %eps = graph.constant dense<1.0e-6> : tensor<f32>
  %v = graph.add %ms, %eps : (tensor<64x1xf32>, tensor<f32>) -> tensor<64x1xf32>
  %r = graph.sqrt %v : tensor<64x1xf32>
  %n = graph.div %x, %r : (tensor<64x12xf32>, tensor<64x1xf32>) -> tensor<64x12xf32>
  %y = graph.mul %n, %g : (tensor<64x12xf32>, tensor<12xf32>) -> tensor<64x12xf32>
  return %y : tensor<64x12xf32>
}
