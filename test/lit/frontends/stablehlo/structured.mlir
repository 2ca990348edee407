// RUN: smelt-translate --import-stablehlo --split-input-file %s | FileCheck %s

// A sum from zero is the graph's reduce_sum; an argmax keeps its region.
// CHECK-LABEL: func.func @main
// CHECK: graph.reduce_sum %arg0 {axes = array<i64: 1>, keep_dims = false} : (tensor<3x4xf32>) -> tensor<3xf32>
// CHECK: %[[R:.+]]:2 = graph.reduce(%arg0, %arg1) init(%{{.+}}, %{{.+}}) {dimensions = array<i64: 1>}
// CHECK: ^bb0(%[[A0:.+]]: tensor<f32>, %[[A1:.+]]: tensor<i32>, %[[B0:.+]]: tensor<f32>, %[[B1:.+]]: tensor<i32>):
// CHECK: graph.greater %[[A0]], %[[B0]]
// CHECK: graph.yield {{.*}} : tensor<f32>, tensor<i32>
// CHECK: return {{.*}}, %[[R]]#1
func.func @main(%x: tensor<3x4xf32>, %i: tensor<3x4xi32>) -> (tensor<3xf32>, tensor<3xi32>) {
  %zero = stablehlo.constant dense<0.0> : tensor<f32>
  %0 = stablehlo.reduce(%x init: %zero) applies stablehlo.add across dimensions = [1] : (tensor<3x4xf32>, tensor<f32>) -> tensor<3xf32>
  %low = stablehlo.constant dense<0xFF800000> : tensor<f32>
  %c = stablehlo.constant dense<0> : tensor<i32>
  %1:2 = stablehlo.reduce(%x init: %low), (%i init: %c) across dimensions = [1] : (tensor<3x4xf32>, tensor<3x4xi32>, tensor<f32>, tensor<i32>) -> (tensor<3xf32>, tensor<3xi32>)
   reducer(%a0: tensor<f32>, %b0: tensor<f32>) (%a1: tensor<i32>, %b1: tensor<i32>) {
    %2 = stablehlo.compare GT, %a0, %b0, FLOAT : (tensor<f32>, tensor<f32>) -> tensor<i1>
    %3 = stablehlo.select %2, %a0, %b0 : tensor<i1>, tensor<f32>
    %4 = stablehlo.select %2, %a1, %b1 : tensor<i1>, tensor<i32>
    stablehlo.return %3, %4 : tensor<f32>, tensor<i32>
  }
  return %0, %1#1 : tensor<3xf32>, tensor<3xi32>
}

// -----

// CHECK-LABEL: func.func @main
// CHECK: graph.reduce_window(%arg0) init(%{{.+}}) {base_dilations = array<i64: 1, 1>, padding_high = array<i64: 0, 0>, padding_low = array<i64: 7, 0>, strides = array<i64: 1, 1>, window_dilations = array<i64: 1, 1>, window_dimensions = array<i64: 8, 1>}
// CHECK: graph.add
// CHECK: graph.yield
func.func @main(%x: tensor<8x9xi16>) -> tensor<8x9xi16> {
  %c = stablehlo.constant dense<0> : tensor<i16>
  %0 = "stablehlo.reduce_window"(%x, %c) <{padding = dense<[[7, 0], [0, 0]]> : tensor<2x2xi64>, window_dimensions = array<i64: 8, 1>}> ({
  ^bb0(%a: tensor<i16>, %b: tensor<i16>):
    %1 = stablehlo.add %a, %b : tensor<i16>
    stablehlo.return %1 : tensor<i16>
  }) : (tensor<8x9xi16>, tensor<i16>) -> tensor<8x9xi16>
  return %0 : tensor<8x9xi16>
}

// -----

// CHECK-LABEL: func.func @main
// CHECK: graph.scatter_slices(%arg0) at %arg1 updates(%arg2) {index_vector_dim = 1 : i64, indices_batching_dims = array<i64>, input_batching_dims = array<i64>, inserted_window_dims = array<i64: 0>, scatter_dims_to_operand_dims = array<i64: 0>, update_window_dims = array<i64: 1>}
// CHECK: graph.mul
func.func @main(%x: tensor<5x3xf32>, %i: tensor<2x1xi64>, %u: tensor<2x3xf32>) -> tensor<5x3xf32> {
  %0 = "stablehlo.scatter"(%x, %i, %u) <{scatter_dimension_numbers = #stablehlo.scatter<update_window_dims = [1], inserted_window_dims = [0], scatter_dims_to_operand_dims = [0], index_vector_dim = 1>}> ({
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %1 = stablehlo.multiply %a, %b : tensor<f32>
    stablehlo.return %1 : tensor<f32>
  }) : (tensor<5x3xf32>, tensor<2x1xi64>, tensor<2x3xf32>) -> tensor<5x3xf32>
  return %0 : tensor<5x3xf32>
}

// -----

// CHECK-LABEL: func.func @main
// CHECK: graph.gather_slices %arg0, %arg1 {collapsed_slice_dims = array<i64: 0>, index_vector_dim = 1 : i64, offset_dims = array<i64: 1>, operand_batching_dims = array<i64>, slice_sizes = array<i64: 1, 3>, start_index_map = array<i64: 0>, start_indices_batching_dims = array<i64>}
func.func @main(%x: tensor<5x3xf32>, %i: tensor<2x1xi32>) -> tensor<2x3xf32> {
  %0 = "stablehlo.gather"(%x, %i) <{dimension_numbers = #stablehlo.gather<offset_dims = [1], collapsed_slice_dims = [0], start_index_map = [0], index_vector_dim = 1>, slice_sizes = array<i64: 1, 3>}> : (tensor<5x3xf32>, tensor<2x1xi32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// top_k: a stable sort of values with their indices, larger first (floats
// in total order), then the first k.
// CHECK-LABEL: func.func @main
// CHECK: %[[IDX:.+]] = graph.iota {dimension = 1 : i64} : tensor<2x5xi32>
// CHECK: %[[S:.+]]:2 = graph.sort %arg0, %[[IDX]] {dimension = 1 : i64}
// CHECK: graph.greater
// CHECK: graph.slice %[[S]]#0 {limits = array<i64: 2, 3>
// CHECK: graph.slice %[[S]]#1 {limits = array<i64: 2, 3>
func.func @main(%x: tensor<2x5xf32>) -> (tensor<2x3xf32>, tensor<2x3xi32>) {
  %values, %indices = chlo.top_k(%x, k = 3) : tensor<2x5xf32> -> (tensor<2x3xf32>, tensor<2x3xi32>)
  return %values, %indices : tensor<2x3xf32>, tensor<2x3xi32>
}

// -----

// CHECK-LABEL: func.func @main
// CHECK: graph.select_and_scatter %arg0, %arg1, %{{.+}} {padding_high = array<i64: 0, 0>, padding_low = array<i64: 0, 0>, strides = array<i64: 2, 2>, window_dimensions = array<i64: 2, 2>}
// CHECK: graph.greater_equal
// CHECK: graph.add
func.func @main(%x: tensor<4x4xf32>, %s: tensor<2x2xf32>) -> tensor<4x4xf32> {
  %zero = stablehlo.constant dense<0.0> : tensor<f32>
  %0 = "stablehlo.select_and_scatter"(%x, %s, %zero) <{window_dimensions = array<i64: 2, 2>, window_strides = array<i64: 2, 2>}> ({
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %1 = stablehlo.compare GE, %a, %b, FLOAT : (tensor<f32>, tensor<f32>) -> tensor<i1>
    stablehlo.return %1 : tensor<i1>
  }, {
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %1 = stablehlo.add %a, %b : tensor<f32>
    stablehlo.return %1 : tensor<f32>
  }) : (tensor<4x4xf32>, tensor<2x2xf32>, tensor<f32>) -> tensor<4x4xf32>
  return %0 : tensor<4x4xf32>
}
