// RUN: smelt-opt %s --graph-to-linalg --split-input-file | FileCheck %s

// A reduce with a region: one linalg.generic, the region as its payload
// (accumulators first), every result starting from its initial value.
// CHECK-LABEL: func.func @reduce_region
// CHECK: %[[I0:.+]] = tensor.extract %arg2[]
// CHECK: linalg.fill ins(%[[I0]]
// CHECK: %[[I1:.+]] = tensor.extract %arg3[]
// CHECK: linalg.fill ins(%[[I1]]
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]
// CHECK: ^bb0(%[[X:.+]]: f32, %[[J:.+]]: i32, %[[ACC:.+]]: f32, %[[ACCJ:.+]]: i32):
// CHECK: %[[GT:.+]] = arith.cmpf ogt, %[[ACC]], %[[X]]
// CHECK: arith.select %[[GT]], %[[ACC]], %[[X]]
// CHECK: arith.select %[[GT]], %[[ACCJ]], %[[J]]
func.func @reduce_region(%x: tensor<3x4xf32>, %i: tensor<3x4xi32>, %x0: tensor<f32>, %i0: tensor<i32>) -> tensor<3xi32> {
  %0:2 = graph.reduce(%x, %i) init(%x0, %i0) {dimensions = array<i64: 1>} : (tensor<3x4xf32>, tensor<3x4xi32>, tensor<f32>, tensor<i32>) -> (tensor<3xf32>, tensor<3xi32>) {
  ^bb0(%a: tensor<f32>, %aj: tensor<i32>, %b: tensor<f32>, %bj: tensor<i32>):
    %gt = graph.greater %a, %b : (tensor<f32>, tensor<f32>) -> tensor<i1>
    %v = graph.select %gt, %a, %b : (tensor<i1>, tensor<f32>, tensor<f32>) -> tensor<f32>
    %j = graph.select %gt, %aj, %bj : (tensor<i1>, tensor<i32>, tensor<i32>) -> tensor<i32>
    graph.yield %v, %j : tensor<f32>, tensor<i32>
  }
  return %0#1 : tensor<3xi32>
}

// -----

// reduce_window: output loops parallel, window loops reduction over a
// window-shaped operand; padding reads the initial value.
// CHECK-LABEL: func.func @cumulative_sum
// CHECK: %[[WINDOW:.+]] = tensor.empty() : tensor<8x1xi8>
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction", "reduction"]{{.*}}ins(%[[WINDOW]]
// CHECK: tensor.extract %arg0
// CHECK: arith.select
// CHECK: arith.addi
func.func @cumulative_sum(%x: tensor<8x9xi16>, %zero: tensor<i16>) -> tensor<8x9xi16> {
  %0 = graph.reduce_window(%x) init(%zero) {window_dimensions = array<i64: 8, 1>, strides = array<i64: 1, 1>, base_dilations = array<i64: 1, 1>, window_dilations = array<i64: 1, 1>, padding_low = array<i64: 7, 0>, padding_high = array<i64: 0, 0>} : (tensor<8x9xi16>, tensor<i16>) -> tensor<8x9xi16> {
  ^bb0(%a: tensor<i16>, %b: tensor<i16>):
    %s = graph.add %a, %b : (tensor<i16>, tensor<i16>) -> tensor<i16>
    graph.yield %s : tensor<i16>
  }
  return %0 : tensor<8x9xi16>
}

// -----

// scatter: a loop nest over the updates; windows that do not fit are skipped.
// CHECK-LABEL: func.func @scatter_add
// CHECK: scf.for
// CHECK: scf.for
// CHECK: tensor.extract %arg1
// CHECK: arith.cmpi sge
// CHECK: arith.cmpi sle
// CHECK: scf.if
// CHECK: arith.addf
// CHECK: tensor.insert
func.func @scatter_add(%x: tensor<5x3xf32>, %i: tensor<2x1xi64>, %u: tensor<2x3xf32>) -> tensor<5x3xf32> {
  %0 = graph.scatter_slices(%x) at %i updates(%u) {update_window_dims = array<i64: 1>, inserted_window_dims = array<i64: 0>, input_batching_dims = array<i64>, indices_batching_dims = array<i64>, scatter_dims_to_operand_dims = array<i64: 0>, index_vector_dim = 1 : i64} : (tensor<5x3xf32>, tensor<2x1xi64>, tensor<2x3xf32>) -> tensor<5x3xf32> {
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %s = graph.add %a, %b : (tensor<f32>, tensor<f32>) -> tensor<f32>
    graph.yield %s : tensor<f32>
  }
  return %0 : tensor<5x3xf32>
}

// -----

// gather: one element per result position, start indices clamped so the
// slice fits (5 - 1 = 4).
// CHECK-LABEL: func.func @gather_rows
// CHECK: linalg.generic
// CHECK: tensor.extract %arg1
// CHECK: arith.maxsi
// CHECK: arith.minsi {{.*}}, %c4
// CHECK: tensor.extract %arg0
func.func @gather_rows(%x: tensor<5x3xf32>, %i: tensor<2x1xi32>) -> tensor<2x3xf32> {
  %0 = graph.gather_slices %x, %i {offset_dims = array<i64: 1>, collapsed_slice_dims = array<i64: 0>, operand_batching_dims = array<i64>, start_indices_batching_dims = array<i64>, start_index_map = array<i64: 0>, index_vector_dim = 1 : i64, slice_sizes = array<i64: 1, 3>} : (tensor<5x3xf32>, tensor<2x1xi32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// sort: a merge sort of each row's permutation in a [2, n] scratch tensor
// (ceil(log2(5)) = 3 passes), then each input gathered through it.
// CHECK-LABEL: func.func @sort_pairs
// CHECK: tensor.empty() : tensor<2x5xi64>
// CHECK: scf.for %{{.+}} = %{{.+}} to %c3
// CHECK: scf.for
// CHECK: scf.for
// CHECK: scf.if
// CHECK: arith.cmpi slt
// CHECK: tensor.insert
func.func @sort_pairs(%k: tensor<4x5xi32>, %v: tensor<4x5xf32>) -> (tensor<4x5xi32>, tensor<4x5xf32>) {
  %0:2 = graph.sort %k, %v {dimension = 1 : i64} : (tensor<4x5xi32>, tensor<4x5xf32>) -> (tensor<4x5xi32>, tensor<4x5xf32>) {
  ^bb0(%a: tensor<i32>, %b: tensor<i32>, %c: tensor<f32>, %d: tensor<f32>):
    %lt = graph.less %a, %b : (tensor<i32>, tensor<i32>) -> tensor<i1>
    graph.yield %lt : tensor<i1>
  }
  return %0#0, %0#1 : tensor<4x5xi32>, tensor<4x5xf32>
}

// -----

// while: scf.while over copies of the loop values.
// CHECK-LABEL: func.func @count
// CHECK: linalg.copy
// CHECK: scf.while
// CHECK: arith.cmpi slt
// CHECK: scf.condition
// CHECK: arith.addi
// CHECK: scf.yield
func.func @count(%i: tensor<i64>, %n: tensor<i64>) -> tensor<i64> {
  %0:2 = graph.while(%i, %n) : tensor<i64>, tensor<i64> cond {
  ^bb0(%a: tensor<i64>, %b: tensor<i64>):
    %c = graph.less %a, %b : (tensor<i64>, tensor<i64>) -> tensor<i1>
    graph.yield %c : tensor<i1>
  } do {
  ^bb0(%a: tensor<i64>, %b: tensor<i64>):
    %one = graph.constant dense<1> : tensor<i64>
    %s = graph.add %a, %one : (tensor<i64>, tensor<i64>) -> tensor<i64>
    graph.yield %s, %b : tensor<i64>, tensor<i64>
  }
  return %0#0 : tensor<i64>
}

// -----

// case: an out-of-range index runs the last branch.
// CHECK-LABEL: func.func @pick
// CHECK: arith.select
// CHECK: scf.index_switch
// CHECK: case 0
// CHECK: default
func.func @pick(%k: tensor<i32>, %x: tensor<2xf32>) -> tensor<2xf32> {
  %0 = graph.case %k(%x) : (tensor<i32>, tensor<2xf32>) -> tensor<2xf32> {
  ^bb0(%a: tensor<2xf32>):
    graph.yield %a : tensor<2xf32>
  }, {
  ^bb0(%a: tensor<2xf32>):
    %n = graph.neg %a : tensor<2xf32>
    graph.yield %n : tensor<2xf32>
  }
  return %0 : tensor<2xf32>
}

// -----

// StableHLO's integer rules: x / 0 is all ones, x % 0 is x, shifts past the
// width give 0; float to integer saturates and maps NaN to 0.
// CHECK-LABEL: func.func @integer_rules
// CHECK: arith.divsi
// CHECK: arith.select %{{.+}}, %c-1_i32
// CHECK: arith.remsi
// CHECK: arith.cmpi uge
// CHECK: arith.shli
// CHECK: arith.fptosi
// CHECK: arith.cmpf uno
func.func @integer_rules(%a: tensor<4xi32>, %b: tensor<4xi32>, %f: tensor<4xf32>) -> (tensor<4xi32>, tensor<4xi32>, tensor<4xi32>, tensor<4xi32>) {
  %0 = graph.div %a, %b : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi32>
  %1 = graph.mod %a, %b {fmod = true} : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi32>
  %2 = graph.shift_left %a, %b : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi32>
  %3 = graph.cast %f : tensor<4xf32> to tensor<4xi32>
  return %0, %1, %2, %3 : tensor<4xi32>, tensor<4xi32>, tensor<4xi32>, tensor<4xi32>
}

// -----

// select_and_scatter: per source element, a search over its window for the
// selected position (padding never selected), then the scatter combiner.
// CHECK-LABEL: func.func @max_pool_gradient
// CHECK: linalg.fill
// CHECK: scf.for
// CHECK: scf.for {{.*}} iter_args
// CHECK: scf.if
// CHECK: arith.cmpf oge
// CHECK: scf.if
// CHECK: arith.addf
// CHECK: tensor.insert
func.func @max_pool_gradient(%x: tensor<4x4xf32>, %s: tensor<2x2xf32>, %zero: tensor<f32>) -> tensor<4x4xf32> {
  %0 = graph.select_and_scatter %x, %s, %zero {window_dimensions = array<i64: 2, 2>, strides = array<i64: 2, 2>, padding_low = array<i64: 0, 0>, padding_high = array<i64: 0, 0>} : (tensor<4x4xf32>, tensor<2x2xf32>, tensor<f32>) -> tensor<4x4xf32> {
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %ge = graph.greater_equal %a, %b : (tensor<f32>, tensor<f32>) -> tensor<i1>
    graph.yield %ge : tensor<i1>
  } {
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %sum = graph.add %a, %b : (tensor<f32>, tensor<f32>) -> tensor<f32>
    graph.yield %sum : tensor<f32>
  }
  return %0 : tensor<4x4xf32>
}

// -----

// triangular_solve: substitution row by row; lower, no transpose: forward
// (the sum runs over the rows already solved), divided by the diagonal.
// CHECK-LABEL: func.func @solve_lower
// CHECK: scf.for
// CHECK: scf.for
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: arith.subf
// CHECK: arith.divf
// CHECK: tensor.insert
func.func @solve_lower(%a: tensor<3x3xf32>, %b: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %0 = graph.triangular_solve %a, %b {left_side = true, lower = true, unit_diagonal = false, transpose_a = false} : (tensor<3x3xf32>, tensor<3x2xf32>) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

// Complex arithmetic goes through MLIR's complex dialect.
// CHECK-LABEL: func.func @complex_ops
// CHECK: complex.mul
// CHECK: complex.exp
// CHECK: complex.abs
func.func @complex_ops(%a: tensor<4xcomplex<f32>>, %b: tensor<4xcomplex<f32>>) -> tensor<4xf32> {
  %0 = graph.mul %a, %b : (tensor<4xcomplex<f32>>, tensor<4xcomplex<f32>>) -> tensor<4xcomplex<f32>>
  %1 = graph.exp %0 : tensor<4xcomplex<f32>>
  %2 = graph.magnitude %1 : tensor<4xcomplex<f32>> to tensor<4xf32>
  return %2 : tensor<4xf32>
}
