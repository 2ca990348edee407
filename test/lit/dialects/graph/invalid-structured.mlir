// RUN: smelt-opt %s --split-input-file --verify-diagnostics

func.func @reduce_bad_dim(%x: tensor<3x4xf32>, %z: tensor<f32>) -> tensor<3xf32> {
  // expected-error @+1 {{reduced dimension 2 out of range for rank 2}}
  %0 = graph.reduce(%x) init(%z) {dimensions = array<i64: 2>} : (tensor<3x4xf32>, tensor<f32>) -> tensor<3xf32> {
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    graph.yield %a : tensor<f32>
  }
  return %0 : tensor<3xf32>
}

// -----

func.func @reduce_bad_region(%x: tensor<3x4xf32>, %z: tensor<f32>) -> tensor<3xf32> {
  // expected-error @+1 {{the body region takes 2 arguments, has 1}}
  %0 = graph.reduce(%x) init(%z) {dimensions = array<i64: 1>} : (tensor<3x4xf32>, tensor<f32>) -> tensor<3xf32> {
  ^bb0(%a: tensor<f32>):
    graph.yield %a : tensor<f32>
  }
  return %0 : tensor<3xf32>
}

// -----

func.func @pad_bad_shape(%x: tensor<4xf32>, %v: tensor<f32>) -> tensor<9xf32> {
  // expected-error @+1 {{result dimension 0 must be 10}}
  %0 = graph.pad %x, %v {low = array<i64: 2>, high = array<i64: 1>, interior = array<i64: 1>} : (tensor<4xf32>, tensor<f32>) -> tensor<9xf32>
  return %0 : tensor<9xf32>
}

// -----

func.func @gather_bad_map(%x: tensor<5x3xf32>, %i: tensor<2x1xi32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{start_index_map needs one dim per index component (1)}}
  %0 = graph.gather_slices %x, %i {offset_dims = array<i64: 1>, collapsed_slice_dims = array<i64: 0>, operand_batching_dims = array<i64>, start_indices_batching_dims = array<i64>, start_index_map = array<i64: 0, 1>, index_vector_dim = 1 : i64, slice_sizes = array<i64: 1, 3>} : (tensor<5x3xf32>, tensor<2x1xi32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @while_bad_cond(%i: tensor<i64>) -> tensor<i64> {
  // expected-error @+1 {{the cond region must yield one rank-0 i1}}
  %0 = graph.while(%i) : tensor<i64> cond {
  ^bb0(%a: tensor<i64>):
    graph.yield %a : tensor<i64>
  } do {
  ^bb0(%a: tensor<i64>):
    graph.yield %a : tensor<i64>
  }
  return %0 : tensor<i64>
}

// -----

func.func @solve_not_square(%a: tensor<3x4xf32>, %b: tensor<3x2xf32>) -> tensor<3x2xf32> {
  // expected-error @+1 {{a must be square in its last two dims}}
  %0 = graph.triangular_solve %a, %b {left_side = true, lower = true, unit_diagonal = false, transpose_a = false} : (tensor<3x4xf32>, tensor<3x2xf32>) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}
