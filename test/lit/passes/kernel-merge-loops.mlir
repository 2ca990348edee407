// RUN: smelt-opt %s --split-input-file --graph-to-kernel --canonicalize --kernel-schedule="groups=2 min-group-work=16 search=false" --kernel-vectorize | FileCheck %s

// Layer normalization without its affine part. The keep-dims reductions fuse
// into the row tile (no reshape between them and their consumers), the
// elementwise ops merge into the loops of their consumers (the squared
// difference into the variance reduction, the centring into the output loop),
// the reductions may be reassociated (vectorized), and the output tile is
// written in place. (kernel-schedule.mlir shows the converse: a convolution's
// padding producer stays out of the convolution's loop, which would recompute
// it for every filter tap.)
// CHECK-LABEL: kernel.func @k0_div
// CHECK-SAME: strategy = #kernel.strategy<grid = [8], units = 1, tile = [8, 0]>
// CHECK: %[[OUT:.+]] = bufferization.to_tensor %arg1 restrict writable
// CHECK: scf.forall (%[[ROW:.+]]) = (0) to (64) step (8) shared_outs(%[[SHARED:.+]] = %[[OUT]])
// CHECK: %[[X:.+]] = tensor.extract_slice %{{.+}}[%[[ROW]], 0] [8, 256]
// CHECK: %[[SUM:.+]] = linalg.generic {{.*}}["parallel", "parallel", "reduction"]} ins(%[[X]] : tensor<8x256xf32>) outs(%{{.+}} : tensor<8x1xf32>)
// CHECK: arith.addf %{{.+}}, %{{.+}} fastmath<reassoc>
// CHECK: %[[MEAN:.+]] = linalg.generic {{.*}} outs(%[[SUM]] : tensor<8x1xf32>)
// CHECK: %[[VAR:.+]] = linalg.generic {{.*}}["parallel", "parallel", "reduction"]} ins(%[[X]], %[[MEAN]] : tensor<8x256xf32>, tensor<8x1xf32>)
// CHECK-NEXT: ^bb0
// CHECK-NEXT: arith.subf
// CHECK-NEXT: arith.mulf
// CHECK-NEXT: arith.addf %{{.+}}, %{{.+}} fastmath<reassoc>
// CHECK: %[[STD:.+]] = linalg.generic {{.*}} outs(%[[VAR]] : tensor<8x1xf32>)
// CHECK: math.sqrt
// CHECK: %[[TILE:.+]] = tensor.extract_slice %[[SHARED]][%[[ROW]], 0] [8, 256]
// CHECK: %[[Y:.+]] = linalg.generic {{.*}} ins(%[[X]], %[[MEAN]], %[[STD]] : {{.*}}) outs(%[[TILE]] : tensor<8x256xf32>)
// CHECK-NEXT: ^bb0
// CHECK-NEXT: arith.subf
// CHECK-NEXT: arith.divf
// CHECK-NEXT: linalg.yield
// CHECK: tensor.parallel_insert_slice %[[Y]] into %[[SHARED]]
func.func @main(%x: tensor<64x256xf32> {smelt.name = "x"}) -> (tensor<64x256xf32> {smelt.name = "y"}) {
  %mean = graph.reduce_mean %x {axes = array<i64: 1>, keep_dims = true} : (tensor<64x256xf32>) -> tensor<64x1xf32>
  %d = graph.sub %x, %mean : (tensor<64x256xf32>, tensor<64x1xf32>) -> tensor<64x256xf32>
  %sq = graph.mul %d, %d : (tensor<64x256xf32>, tensor<64x256xf32>) -> tensor<64x256xf32>
  %var = graph.reduce_mean %sq {axes = array<i64: 1>, keep_dims = true} : (tensor<64x256xf32>) -> tensor<64x1xf32>
  %s = graph.sqrt %var : tensor<64x1xf32>
  %y = graph.div %d, %s : (tensor<64x256xf32>, tensor<64x1xf32>) -> tensor<64x256xf32>
  return %y : tensor<64x256xf32>
}


// -----

// Softmax of masked scores: the row maximum (which LLVM cannot vectorize as
// a NaN-propagating reduction) folds each row in a vector of 32 lanes, two
// independent chains carried in registers through a loop over the row (the
// payload, scores plus the broadcast mask, cloned on vectors); the lanes are
// then halved onto themselves, whole vectors at a time, into the row's
// maximum. Softmax's maximum needs neither NaN propagation nor the order of
// signed zeros (nnan, nsz). The sum of exponentials is a reassociable
// reduction, and softmax's lowering multiplies by its reciprocal.
// CHECK-LABEL: kernel.func @k0_softmax
// CHECK: %[[X:.+]] = tensor.extract_slice %{{.+}}[%{{.+}}, 0] [8, 128]
// CHECK: %[[MAX:.+]] = scf.for %[[R:.+]] = %{{.+}} to %{{.+}} step %{{.+}} iter_args(%[[ROWS:.+]] = %{{.+}}) -> (tensor<8xf32>)
// CHECK: %[[LANES:.+]] = scf.for %[[K:.+]] = %{{.+}} to %{{.+}} step %{{.+}} iter_args(%[[ACC:.+]] = %{{.+}}) -> (vector<32xf32>)
// CHECK: %[[S:.+]] = vector.transfer_read %[[X]][%[[R]], %[[K]]]
// CHECK: %[[M:.+]] = vector.transfer_read %{{.+}}[%{{.+}}, %[[K]]]
// CHECK: %[[SUM:.+]] = arith.addf %[[S]], %[[M]] : vector<32xf32>
// CHECK: arith.maximumf %[[ACC]], %[[SUM]] fastmath<nnan,nsz> : vector<32xf32>
// CHECK: %[[LOW:.+]] = vector.extract_strided_slice %[[LANES]] {offsets = [0], sizes = [16]
// CHECK: %[[HIGH:.+]] = vector.extract_strided_slice %[[LANES]] {offsets = [16], sizes = [16]
// CHECK: arith.maximumf %[[LOW]], %[[HIGH]] fastmath<nnan,nsz> : vector<16xf32>
// CHECK: arith.maximumf %{{.+}}, %{{.+}} fastmath<nnan,nsz> : vector<1xf32>
// CHECK: %[[OLD:.+]] = tensor.extract %[[ROWS]][%[[R]]]
// CHECK: %[[NEW:.+]] = arith.maximumf %[[OLD]], %{{.+}} fastmath<nnan,nsz> : f32
// CHECK: tensor.insert %[[NEW]] into %[[ROWS]][%[[R]]]
// CHECK: linalg.generic {{.*}}"reduction"]} ins({{.*}}%[[MAX]]
// CHECK: math.exp
// CHECK: arith.addf %{{.+}}, %{{.+}} fastmath<reassoc>
// CHECK: linalg.generic
// CHECK: arith.divf
// CHECK-NEXT: arith.mulf
func.func @main(%x: tensor<64x128xf32> {smelt.name = "x"}, %mask: tensor<1x128xf32> {smelt.name = "mask"}) -> (tensor<64x128xf32> {smelt.name = "y"}) {
  %m = graph.add %x, %mask : (tensor<64x128xf32>, tensor<1x128xf32>) -> tensor<64x128xf32>
  %y = graph.softmax %m {axis = 1 : i64} : tensor<64x128xf32>
  return %y : tensor<64x128xf32>
}
