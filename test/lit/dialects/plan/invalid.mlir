// RUN: smelt-opt %s -split-input-file -verify-diagnostics

func.func @view_count(%x: memref<2x2xf32>) {
  // expected-error@+1 {{a view keeps the element type and count}}
  %v = plan.view %x : memref<2x2xf32> to memref<5xf32>
  return
}

// -----

func.func @launch_missing(%x: memref<4xf32>) {
  // expected-error@+1 {{'nothing' is not a kernel.func}}
  plan.launch @nothing(%x) : memref<4xf32>
  return
}

// -----

kernel.func @k0(%x: memref<4xf32, #kernel.space<global>>) {
  kernel.return
}
func.func @launch_types(%x: memref<8xf32>) {
  // expected-error@+1 {{argument 0 has type 'memref<8xf32>' but the kernel expects 'memref<4xf32, #kernel.space<global>>'}}
  plan.launch @k0(%x) : memref<8xf32>
  return
}

// -----

func.func @constant_type(%x: memref<4xf32>) {
  // expected-error@+1 {{does not fit buffer}}
  %c = plan.constant dense<1.0> : tensor<3xf32> -> memref<4xf32>
  return
}

// -----

func.func @call_candidates(%x: memref<4xf32>) {
  // expected-error@+1 {{needs at least one candidate implementation}}
  plan.call "matmul"(%x) {candidates = []} : memref<4xf32>
  return
}

// -----

func.func @copy_size(%x: memref<4xf32>, %y: memref<5xf32>) {
  // expected-error@+1 {{copy between buffers of different size}}
  plan.copy %x, %y : memref<4xf32>, memref<5xf32>
  return
}
