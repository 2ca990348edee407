// RUN: smelt-opt %s --graph-to-kernel --canonicalize --plan-memory --split-input-file | FileCheck %s

// An elementwise chain is one kernel; a reshape is a view and ends the group;
// the last kernel writes the output argument directly.

// CHECK-LABEL: func.func @main
// CHECK-SAME: %[[X:.+]]: memref<2x8xf32> {plan.kind = "input", plan.type = tensor<2x8xf32>, smelt.name = "x"}
// CHECK-SAME: %[[Y:.+]]: memref<16xf32> {plan.kind = "output", plan.type = tensor<16xf32>, smelt.name = "y"}
// CHECK-SAME: plan.arena_size = 64
// CHECK: %[[C:.+]] = plan.constant dense<[1.000000e+00, {{.*}}]> : tensor<8xf32> -> memref<8xf32>
// CHECK: %[[A:.+]] = plan.alloc {offset = 0 : i64} : memref<2x8xf32>
// CHECK: plan.launch @k0_relu(%[[X]], %[[C]], %[[A]])
// CHECK: %[[V:.+]] = plan.view %[[A]] : memref<2x8xf32> to memref<16xf32>
// CHECK: plan.launch @k1_neg(%[[V]], %[[Y]])
// The fusion report counts what the ops would move apart: mul reads x (64 B)
// and c (32 B) and writes 64 B, relu reads and writes 64 B each: 288 B.
// CHECK: kernel.func @k0_relu(%{{.+}}: memref<2x8xf32, #kernel.space<global>>, %{{.+}}: memref<8xf32, #kernel.space<global>>, %{{.+}}: memref<2x8xf32, #kernel.space<global>>) attributes {ops = ["graph.mul", "graph.relu"], smelt.unfused_bytes = 288 : i64}
// CHECK: arith.mulf
// CHECK: arith.maximumf
// CHECK: kernel.return
func.func @main(%x: tensor<2x8xf32> {smelt.name = "x"}) -> (tensor<16xf32> {smelt.name = "y"}) {
  %c = graph.constant dense<[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]> : tensor<8xf32>
  %0 = graph.mul %x, %c : (tensor<2x8xf32>, tensor<8xf32>) -> tensor<2x8xf32>
  %1 = graph.relu %0 : tensor<2x8xf32>
  %2 = graph.reshape %1 : tensor<2x8xf32> to tensor<16xf32>
  %3 = graph.neg %2 : tensor<16xf32>
  return %3 : tensor<16xf32>
}

// -----

// Convolution with its epilogue (bias broadcast, residual add, relu) is one
// kernel; the residual input x is read by two kernels' worth of ops but is a
// graph input, so it is simply a parameter. The kernel is offered to oneDNN
// first: library_args are input, weight, residual (x again) and output by
// position among the call's operands. The kernel accumulates onto the
// residual (the add comes before the contraction), which lets the plan put
// the output over a residual that dies there (residual_in_place; not here,
// x is an input).
// CHECK-LABEL: func.func @main
// CHECK: plan.call "conv2d"(%arg0, %arg1, %arg2) {candidates = ["oneDNN", @k0_relu], library_args = array<i64: 0, 1, 0, 2>, params = array<i64: 1, 4, 8, 8, 4, 3, 3, 8, 8, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1>, residual_in_place}
// CHECK-NOT: plan.launch
// CHECK: kernel.func @k0_relu
// CHECK-SAME: ops = ["graph.conv", "graph.add", "graph.relu"]
// CHECK: %[[X:.+]] = bufferization.to_tensor %arg0
// CHECK: %[[ZERO:.+]] = linalg.fill
// CHECK: %[[INIT:.+]] = linalg.generic {{.*}} ins(%[[ZERO]], %[[X]] :
// CHECK-NEXT: ^bb0
// CHECK-NEXT: arith.addf
// CHECK: %[[CONV:.+]] = linalg.generic {{.*}}"reduction"{{.*}} outs(%[[INIT]] :
// CHECK: linalg.generic {{.*}} ins(%[[CONV]] :
// CHECK: arith.maximumf
func.func @main(%x: tensor<1x4x8x8xf32> {smelt.name = "x"}, %w: tensor<4x4x3x3xf32> {smelt.name = "w"}) -> (tensor<1x4x8x8xf32> {smelt.name = "y"}) {
  %0 = graph.conv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, group = 1} : (tensor<1x4x8x8xf32>, tensor<4x4x3x3xf32>) -> tensor<1x4x8x8xf32>
  %1 = graph.add %0, %x : (tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  %2 = graph.relu %1 : tensor<1x4x8x8xf32>
  return %2 : tensor<1x4x8x8xf32>
}

// -----

// A residual block: the first convolution's output is the residual of the
// third and dies there, so the third writes its output over it (one arena
// slot, offset 0 for both); a residual add that is no library epilogue (neg
// after it) is an elementwise kernel.
// CHECK-LABEL: func.func @main
// CHECK: %[[R:.+]] = plan.alloc {offset = 0 : i64}
// CHECK: plan.call "conv2d"(%arg0, %arg1, %[[R]])
// CHECK: %[[T:.+]] = plan.alloc {offset = 1024 : i64}
// CHECK: plan.call "conv2d"(%[[R]], %arg1, %[[T]])
// CHECK: %[[O:.+]] = plan.alloc {offset = 0 : i64}
// CHECK: plan.call "conv2d"(%[[T]], %arg2, %[[R]], %[[O]]) {{{.*}}residual_in_place}
// CHECK: plan.call "conv2d"(%[[O]], %arg2, %[[L:.+]]) {candidates = ["oneDNN", @k3_conv]
// CHECK: plan.launch @k4_neg(%[[L]], %[[O]], %arg3)
func.func @main(%x: tensor<1x4x8x8xf32> {smelt.name = "x"}, %w: tensor<4x4x3x3xf32> {smelt.name = "w"}, %v: tensor<4x4x1x1xf32> {smelt.name = "v"}) -> (tensor<1x4x8x8xf32> {smelt.name = "y"}) {
  %0 = graph.conv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, group = 1} : (tensor<1x4x8x8xf32>, tensor<4x4x3x3xf32>) -> tensor<1x4x8x8xf32>
  %1 = graph.relu %0 : tensor<1x4x8x8xf32>
  %2 = graph.conv %1, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, group = 1} : (tensor<1x4x8x8xf32>, tensor<4x4x3x3xf32>) -> tensor<1x4x8x8xf32>
  %3 = graph.relu %2 : tensor<1x4x8x8xf32>
  %4 = graph.conv %3, %v {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, group = 1} : (tensor<1x4x8x8xf32>, tensor<4x4x1x1xf32>) -> tensor<1x4x8x8xf32>
  %5 = graph.add %4, %1 : (tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  %6 = graph.relu %5 : tensor<1x4x8x8xf32>
  %7 = graph.conv %6, %v {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, group = 1} : (tensor<1x4x8x8xf32>, tensor<4x4x1x1xf32>) -> tensor<1x4x8x8xf32>
  %8 = graph.add %7, %6 : (tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  %9 = graph.neg %8 : tensor<1x4x8x8xf32>
  return %9 : tensor<1x4x8x8xf32>
}

// -----

// A convolution whose input is also its residual reads it while writing:
// no in-place output.
// CHECK-LABEL: func.func @main
// CHECK: %[[Y:.+]] = plan.alloc {offset = 0 : i64}
// CHECK: plan.call "conv2d"(%arg0, %arg1, %[[Y]])
// CHECK: %[[Z:.+]] = plan.alloc {offset = 256 : i64}
// CHECK: plan.call "conv2d"(%[[Y]], %arg1, %[[Z]]) {{{.*}}library_args = array<i64: 0, 1, 0, 2>{{.*}}residual_in_place}
func.func @main(%x: tensor<1x4x4x4xf32> {smelt.name = "x"}, %w: tensor<4x4x1x1xf32> {smelt.name = "w"}) -> (tensor<64xf32> {smelt.name = "y"}) {
  %0 = graph.conv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, group = 1} : (tensor<1x4x4x4xf32>, tensor<4x4x1x1xf32>) -> tensor<1x4x4x4xf32>
  %1 = graph.conv %0, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, group = 1} : (tensor<1x4x4x4xf32>, tensor<4x4x1x1xf32>) -> tensor<1x4x4x4xf32>
  %2 = graph.add %1, %0 : (tensor<1x4x4x4xf32>, tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  %3 = graph.relu %2 : tensor<1x4x4x4xf32>
  %4 = graph.reshape %3 : tensor<1x4x4x4xf32> to tensor<64xf32>
  %5 = graph.neg %4 : tensor<64xf32>
  return %5 : tensor<64xf32>
}

// -----

// Two convolutions feeding one add (a residual block's downsampling branch):
// one contraction per kernel, the second conv is a kernel of its own.
// CHECK-LABEL: func.func @main
// CHECK: plan.call "conv2d"
// CHECK-SAME: @k0_conv
// CHECK: plan.call "conv2d"
// CHECK-SAME: @k1_relu
// CHECK-SAME: params = array<i64: 1, 4, 8, 8, 4, 1, 1, 8, 8, 1, 1, 1, 1, 0, 0, 0, 0, 1, 0, 1, 1>
func.func @main(%x: tensor<1x4x8x8xf32> {smelt.name = "x"}, %w: tensor<4x4x1x1xf32> {smelt.name = "w"}, %v: tensor<4x4x1x1xf32> {smelt.name = "v"}) -> (tensor<1x4x8x8xf32> {smelt.name = "y"}) {
  %0 = graph.conv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, group = 1} : (tensor<1x4x8x8xf32>, tensor<4x4x1x1xf32>) -> tensor<1x4x8x8xf32>
  %1 = graph.conv %x, %v {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, group = 1} : (tensor<1x4x8x8xf32>, tensor<4x4x1x1xf32>) -> tensor<1x4x8x8xf32>
  %2 = graph.add %0, %1 : (tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  %3 = graph.relu %2 : tensor<1x4x8x8xf32>
  return %3 : tensor<1x4x8x8xf32>
}

// -----

// Layer normalization: the reductions and the elementwise ops around them,
// including the value used twice (x - mean), form one kernel.
// CHECK-LABEL: func.func @main
// CHECK-COUNT-1: plan.launch
// CHECK-NOT: plan.launch
// CHECK: kernel.func @k0_add
// CHECK-SAME: ops = ["graph.reduce_mean", "graph.sub", "graph.mul", "graph.reduce_mean", "graph.add", "graph.sqrt", "graph.div", "graph.add"]
func.func @main(%x: tensor<4x16xf32> {smelt.name = "x"}) -> (tensor<4x16xf32> {smelt.name = "y"}) {
  %eps = graph.constant dense<1.0e-5> : tensor<f32>
  %beta = graph.constant dense<0.5> : tensor<16xf32>
  %m = graph.reduce_mean %x {axes = array<i64: 1>, keep_dims = true} : (tensor<4x16xf32>) -> tensor<4x1xf32>
  %d = graph.sub %x, %m : (tensor<4x16xf32>, tensor<4x1xf32>) -> tensor<4x16xf32>
  %sq = graph.mul %d, %d : (tensor<4x16xf32>, tensor<4x16xf32>) -> tensor<4x16xf32>
  %v = graph.reduce_mean %sq {axes = array<i64: 1>, keep_dims = true} : (tensor<4x16xf32>) -> tensor<4x1xf32>
  %ve = graph.add %v, %eps : (tensor<4x1xf32>, tensor<f32>) -> tensor<4x1xf32>
  %s = graph.sqrt %ve : tensor<4x1xf32>
  %n = graph.div %d, %s : (tensor<4x16xf32>, tensor<4x1xf32>) -> tensor<4x16xf32>
  %y = graph.add %n, %beta : (tensor<4x16xf32>, tensor<16xf32>) -> tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}

// -----

// A producer that another kernel reads too joins its first consumer's kernel
// as a side output: that kernel stores it (its last parameter) for the other.
// CHECK-LABEL: func.func @main
// CHECK: %[[E:.+]] = plan.alloc {offset = 0 : i64} : memref<8xf32>
// CHECK: plan.launch @k0_add(%arg0, %arg1, %[[E]])
// CHECK: plan.launch @k1_mul(%[[E]], %arg0, %arg2)
// CHECK: kernel.func @k0_add
// CHECK-SAME: ops = ["graph.exp", "graph.add"]
// CHECK: %[[EXP:.+]] = linalg.generic
// CHECK: math.exp
// CHECK: %[[ADD:.+]] = linalg.generic {{.*}} ins(%[[EXP]],
// CHECK: bufferization.materialize_in_destination %[[ADD]] in restrict writable %arg1 :
// CHECK: bufferization.materialize_in_destination %[[EXP]] in restrict writable %arg2 {smelt.side_output}
func.func @main(%x: tensor<8xf32> {smelt.name = "x"}) -> (tensor<8xf32> {smelt.name = "a"}, tensor<8xf32> {smelt.name = "b"}) {
  %e = graph.exp %x : tensor<8xf32>
  %a = graph.add %e, %x : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %b = graph.mul %e, %x : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  return %a, %b : tensor<8xf32>, tensor<8xf32>
}

// -----

// A collective is a host command of its own: the elementwise ops on either
// side of it are not fused across it.
// CHECK-LABEL: func.func @main
// CHECK: plan.launch @k0_relu
// CHECK: plan.all_reduce %{{.*}}, %{{.*}} {reduction = "max"} : memref<4x8xf32>, memref<4x8xf32>
// CHECK: plan.launch @k1_add
func.func @main(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %r = graph.relu %x : tensor<4x8xf32>
  %s = graph.all_reduce %r {reduction = "max"} : tensor<4x8xf32>
  %y = graph.add %s, %r : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

// A kernel that is exactly an f32 matmul offers vendor GEMMs before itself;
// params are [batch, M, N, K, batch stride of B]. B shared by the batch makes
// one GEMM of batch * M rows.
// CHECK-LABEL: func.func @main
// CHECK: plan.call "gemm"(%arg0, %{{.*}}, %arg1) {candidates = ["oneDNN", "OpenBLAS", @k0_matmul], params = array<i64: 1, 8, 8, 16, 0>}
func.func @main(%a: tensor<2x4x16xf32>) -> tensor<2x4x8xf32> {
  %w = graph.constant dense<1.0> : tensor<16x8xf32>
  %y = graph.matmul %a, %w : (tensor<2x4x16xf32>, tensor<16x8xf32>) -> tensor<2x4x8xf32>
  return %y : tensor<2x4x8xf32>
}

// -----

// With library calls, such a matmul joins only the epilogue the library
// fuses: the add of a bias row (not a splat) and/or relu. The call then has
// params [..., hasBias, relu] and library_args A, B, [bias], C.
// CHECK-LABEL: func.func @main
// CHECK: plan.call "gemm"(%arg0, %arg1, %arg2) {candidates = ["oneDNN", "OpenBLAS", @k0_relu], library_args = array<i64: 0, 1, 2>, params = array<i64: 1, 4, 8, 16, 0, 0, 1>}
// CHECK-NOT: plan.launch
func.func @main(%a: tensor<4x16xf32>, %b: tensor<16x8xf32>) -> tensor<4x8xf32> {
  %y = graph.matmul %a, %b : (tensor<4x16xf32>, tensor<16x8xf32>) -> tensor<4x8xf32>
  %r = graph.relu %y : tensor<4x8xf32>
  return %r : tensor<4x8xf32>
}

// -----

// CHECK-LABEL: func.func @main
// CHECK: plan.call "gemm"(%arg1, %arg0, %arg2, %arg3) {candidates = ["oneDNN", "OpenBLAS", @k0_relu], library_args = array<i64: 0, 1, 2, 3>, params = array<i64: 1, 4, 8, 16, 0, 1, 1>}
// CHECK-NOT: plan.launch
func.func @main(%b: tensor<16x8xf32>, %a: tensor<4x16xf32>, %bias: tensor<1x8xf32>) -> tensor<4x8xf32> {
  %y = graph.matmul %a, %b : (tensor<4x16xf32>, tensor<16x8xf32>) -> tensor<4x8xf32>
  %s = graph.add %bias, %y : (tensor<1x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %r = graph.relu %s : tensor<4x8xf32>
  return %r : tensor<4x8xf32>
}

// -----

// Any other epilogue (a whole-matrix add, a splat bias, tanh) is a kernel of
// its own after a plain gemm.
// CHECK-LABEL: func.func @main
// CHECK: plan.call "gemm"{{.*}}@k0_matmul], params = array<i64: 1, 4, 8, 16, 0>}
// CHECK: plan.launch @k1_relu
// CHECK-LABEL: func.func @main
// CHECK: plan.call "gemm"{{.*}}@k0_matmul], params = array<i64: 1, 4, 8, 16, 0>}
// CHECK: plan.launch @k1_relu
// CHECK-LABEL: func.func @main
// CHECK: plan.call "gemm"{{.*}}@k0_matmul], params = array<i64: 1, 4, 8, 16, 0>}
// CHECK: plan.launch @k1_tanh
func.func @main(%a: tensor<4x16xf32>, %b: tensor<16x8xf32>, %c: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %y = graph.matmul %a, %b : (tensor<4x16xf32>, tensor<16x8xf32>) -> tensor<4x8xf32>
  %s = graph.add %y, %c : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %r = graph.relu %s : tensor<4x8xf32>
  return %r : tensor<4x8xf32>
}
// -----
func.func @main(%a: tensor<4x16xf32>, %b: tensor<16x8xf32>) -> tensor<4x8xf32> {
  %bias = graph.constant dense<0.5> : tensor<8xf32>
  %y = graph.matmul %a, %b : (tensor<4x16xf32>, tensor<16x8xf32>) -> tensor<4x8xf32>
  %s = graph.add %y, %bias : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32>
  %r = graph.relu %s : tensor<4x8xf32>
  return %r : tensor<4x8xf32>
}
// -----
func.func @main(%a: tensor<4x16xf32>, %b: tensor<16x8xf32>) -> tensor<4x8xf32> {
  %y = graph.matmul %a, %b : (tensor<4x16xf32>, tensor<16x8xf32>) -> tensor<4x8xf32>
  %r = graph.tanh %y : tensor<4x8xf32>
  return %r : tensor<4x8xf32>
}

// -----

// Poolings a library computes are pool2d calls offered to oneDNN: the global
// average pool after a residual block stays alone, so the block's add and
// relu remain the convolution's epilogue (both library calls). pool2d params:
// N, C, H, W, OH, OW, window, strides, dilations, pads (top, left, and the
// bottom/right ones the windows reach), kind (1: average of the input cells).
// CHECK-LABEL: func.func @main
// CHECK: plan.call "conv2d"
// CHECK-SAME: @k0_relu
// CHECK-SAME: params = array<i64: 1, 4, 8, 8, 4, 3, 3, 8, 8, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1>
// CHECK: plan.call "pool2d"
// CHECK-SAME: candidates = ["oneDNN", @k1_reduce_mean], library_args = array<i64: 0, 1>, params = array<i64: 1, 4, 8, 8, 1, 1, 8, 8, 1, 1, 1, 1, 0, 0, 0, 0, 1>
// CHECK: kernel.func @k0_relu
// CHECK-SAME: ops = ["graph.conv", "graph.add", "graph.relu"]
func.func @main(%x: tensor<1x4x8x8xf32> {smelt.name = "x"}, %w: tensor<4x4x3x3xf32> {smelt.name = "w"}) -> (tensor<1x4x1x1xf32> {smelt.name = "y"}) {
  %0 = graph.conv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, group = 1} : (tensor<1x4x8x8xf32>, tensor<4x4x3x3xf32>) -> tensor<1x4x8x8xf32>
  %1 = graph.add %0, %x : (tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  %2 = graph.relu %1 : tensor<1x4x8x8xf32>
  %3 = graph.reduce_mean %2 {axes = array<i64: 2, 3>, keep_dims = true} : (tensor<1x4x8x8xf32>) -> tensor<1x4x1x1xf32>
  return %3 : tensor<1x4x1x1xf32>
}

// -----

// ceil_mode: the last window reaches one cell past the input, which becomes
// the bottom/right pad the library is given (kind 0: max).
// CHECK-LABEL: func.func @main
// CHECK: plan.call "pool2d"
// CHECK-SAME: params = array<i64: 1, 4, 8, 8, 4, 4, 3, 3, 2, 2, 1, 1, 0, 0, 1, 1, 0>
func.func @main(%x: tensor<1x4x8x8xf32> {smelt.name = "x"}) -> (tensor<1x4x4x4xf32> {smelt.name = "y"}) {
  %0 = graph.max_pool %x {kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, ceil_mode = true} : (tensor<1x4x8x8xf32>) -> tensor<1x4x4x4xf32>
  return %0 : tensor<1x4x4x4xf32>
}

// -----

// An average that counts the explicit padding (kind 2) but not ceil_mode's
// extra cells has no library equivalent: the generated kernel runs.
// CHECK-LABEL: func.func @main
// CHECK-NOT: plan.call
// CHECK: plan.launch @k0_avg_pool
func.func @main(%x: tensor<1x4x8x8xf32> {smelt.name = "x"}) -> (tensor<1x4x5x5xf32> {smelt.name = "y"}) {
  %0 = graph.avg_pool %x {kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, ceil_mode = true, count_include_pad = true} : (tensor<1x4x8x8xf32>) -> tensor<1x4x5x5xf32>
  return %0 : tensor<1x4x5x5xf32>
}
