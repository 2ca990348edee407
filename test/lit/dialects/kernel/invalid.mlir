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
