// RUN: smelt-opt %s -split-input-file -verify-diagnostics

// expected-error@+1 {{kernels return nothing}}
kernel.func @returns() -> f32 {
  kernel.return
}

// -----

// expected-error@+1 {{argument 0 must live in global memory}}
kernel.func @shared_arg(%x: memref<4xf32, #kernel.space<shared>>) {
  kernel.return
}

// -----

kernel.func @no_strategy(%x: memref<4xf32, #kernel.space<global>>) {
  // expected-error@+1 {{needs the enclosing kernel to have a strategy}}
  %0 = kernel.group_id 0
  kernel.return
}

// -----

kernel.func @grid_rank(%x: memref<4xf32, #kernel.space<global>>)
    attributes {strategy = #kernel.strategy<grid = [4], units = 1, tile = [1]>} {
  // expected-error@+1 {{dimension 1 is outside the grid of rank 1}}
  %0 = kernel.group_id 1
  kernel.return
}

// -----

// expected-error@+1 {{grid sizes must be positive}}
kernel.func @bad_grid(%x: memref<4xf32>) attributes {strategy = #kernel.strategy<grid = [0], units = 1, tile = [1]>} {
  kernel.return
}

// -----

kernel.func @copy_same_level(%x: memref<4x8xf32, #kernel.space<global>>,
                             %y: memref<4x8xf32, #kernel.space<global>>) {
  // expected-error@+1 {{moves data between two memory levels; both buffers are in global memory (use memref.copy)}}
  kernel.copy %x, %y {scope = #kernel.scope<group>} : memref<4x8xf32, #kernel.space<global>> to memref<4x8xf32, #kernel.space<global>>
  kernel.return
}

// -----

kernel.func @copy_shape(%x: memref<4x8xf32, #kernel.space<global>>) {
  %local = memref.alloc() : memref<4x7xf32, #kernel.space<local>>
  // expected-error@+1 {{source and target differ in dim 1: 8 vs 7}}
  kernel.copy %x, %local {scope = #kernel.scope<group>} : memref<4x8xf32, #kernel.space<global>> to memref<4x7xf32, #kernel.space<local>>
  kernel.return
}

// -----

kernel.func @copy_type(%x: memref<4xf32, #kernel.space<global>>) {
  %local = memref.alloc() : memref<4xf16, #kernel.space<local>>
  // expected-error@+1 {{copies between buffers of one element type, got 'f32' and 'f16'}}
  kernel.copy %x, %local {scope = #kernel.scope<unit>} : memref<4xf32, #kernel.space<global>> to memref<4xf16, #kernel.space<local>>
  kernel.return
}

// -----

// expected-error@+1 {{vector_bytes must be a power of two, got 24}}
kernel.func @bad_vector(%x: memref<4xf32>) attributes {strategy = #kernel.strategy<grid = [1], units = 1, tile = [0], vector_bytes = 24>} {
  kernel.return
}

// -----

func.func @scope_type(%x: tensor<4x8xf32>, %acc: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{'kernel.scope' must be a #kernel.scope, got 1 : i64}}
  %0 = linalg.reduce ins(%x : tensor<4x8xf32>) outs(%acc : tensor<4xf32>) dimensions = [1] {kernel.scope = 1}
    (%a: f32, %b: f32) {
      %s = arith.addf %a, %b : f32
      linalg.yield %s : f32
    }
  return %0 : tensor<4xf32>
}

// -----

func.func @scope_owner(%x: f32) -> f32 {
  // expected-error@+1 {{'kernel.scope' belongs on a linalg op (a reduction or a broadcast), not on arith.addf}}
  %0 = arith.addf %x, %x {kernel.scope = #kernel.scope<unit>} : f32
  return %0 : f32
}
