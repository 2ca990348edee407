// RUN: smelt-translate --import-stablehlo --split-input-file %s | FileCheck %s

// Values a region captures become operands: the loop carries %limit and
// the body yields it unchanged; the results drop it again.
// CHECK-LABEL: func.func @main
// CHECK: %[[W:.+]]:3 = graph.while(%arg0, %arg1, %arg2) : tensor<i64>, tensor<i64>, tensor<i64> cond {
// CHECK: ^bb0(%[[I:.+]]: tensor<i64>, %[[S:.+]]: tensor<i64>, %[[LIMIT:.+]]: tensor<i64>):
// CHECK: graph.less %[[I]], %[[LIMIT]]
// CHECK: } do {
// CHECK: ^bb0(%[[BI:.+]]: tensor<i64>, %[[BS:.+]]: tensor<i64>, %[[BL:.+]]: tensor<i64>):
// CHECK: graph.yield %{{.+}}, %{{.+}}, %[[BL]] : tensor<i64>, tensor<i64>, tensor<i64>
// CHECK: return %[[W]]#0, %[[W]]#1
func.func @main(%i: tensor<i64>, %sum: tensor<i64>, %limit: tensor<i64>) -> (tensor<i64>, tensor<i64>) {
  %0:2 = stablehlo.while(%a = %i, %b = %sum) : tensor<i64>, tensor<i64>
  cond {
    %c = stablehlo.compare LT, %a, %limit : (tensor<i64>, tensor<i64>) -> tensor<i1>
    stablehlo.return %c : tensor<i1>
  } do {
    %one = stablehlo.constant dense<1> : tensor<i64>
    %n = stablehlo.add %a, %one : tensor<i64>
    %s = stablehlo.add %b, %a : tensor<i64>
    stablehlo.return %n, %s : tensor<i64>, tensor<i64>
  }
  return %0#0, %0#1 : tensor<i64>, tensor<i64>
}

// -----

// CHECK-LABEL: func.func @main
// CHECK: graph.if %arg0(%arg1, %arg2) : (tensor<i1>, tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32> {
// CHECK: graph.add
// CHECK: } else {
// CHECK: graph.sub
// CHECK: graph.case %arg3(%arg1, %arg2)
func.func @main(%p: tensor<i1>, %x: tensor<2xf32>, %y: tensor<2xf32>, %k: tensor<i32>) -> (tensor<2xf32>, tensor<2xf32>) {
  %0 = "stablehlo.if"(%p) ({
    %1 = stablehlo.add %x, %y : tensor<2xf32>
    stablehlo.return %1 : tensor<2xf32>
  }, {
    %1 = stablehlo.subtract %x, %y : tensor<2xf32>
    stablehlo.return %1 : tensor<2xf32>
  }) : (tensor<i1>) -> tensor<2xf32>
  %2 = "stablehlo.case"(%k) ({
    stablehlo.return %x : tensor<2xf32>
  }, {
    stablehlo.return %y : tensor<2xf32>
  }) : (tensor<i32>) -> tensor<2xf32>
  return %0, %2 : tensor<2xf32>, tensor<2xf32>
}

// -----

// Calls to private functions and composites are inlined; tuples exist only
// at import.
// CHECK-LABEL: func.func @main
// CHECK-NOT: call
// CHECK: %[[A:.+]] = graph.add %arg0, %arg0
// CHECK: %[[M:.+]] = graph.mul %[[A]], %[[A]]
// CHECK: return %[[M]]
func.func @double(%x: tensor<3xf32>) -> tensor<3xf32> {
  %0 = stablehlo.add %x, %x : tensor<3xf32>
  return %0 : tensor<3xf32>
}
func.func @square(%x: tensor<3xf32>) -> tensor<3xf32> {
  %0 = stablehlo.multiply %x, %x : tensor<3xf32>
  return %0 : tensor<3xf32>
}
func.func public @main(%x: tensor<3xf32>) -> tensor<3xf32> {
  %0 = call @double(%x) : (tensor<3xf32>) -> tensor<3xf32>
  %t = stablehlo.tuple %0 : tuple<tensor<3xf32>>
  %1 = stablehlo.get_tuple_element %t[0] : (tuple<tensor<3xf32>>) -> tensor<3xf32>
  %2 = stablehlo.composite "my.square" %1 {decomposition = @square} : (tensor<3xf32>) -> tensor<3xf32>
  return %2 : tensor<3xf32>
}

// -----

// JAX's sharding annotations are the identity on one device; newer exports'
// result_accuracy attributes are accepted.
// CHECK-LABEL: func.func @main
// CHECK: %[[E:.+]] = graph.exp %arg0
// CHECK: return %[[E]]
func.func public @main(%x: tensor<4xf32> {mhlo.sharding = "{replicated}"}) -> tensor<4xf32> {
  %0 = stablehlo.custom_call @Sharding(%x) {mhlo.sharding = "{replicated}"} : (tensor<4xf32>) -> tensor<4xf32>
  %1 = stablehlo.exponential %0 {result_accuracy = #stablehlo.result_accuracy<atol = 0.000000e+00, rtol = 0.000000e+00, ulps = 0, mode = #stablehlo.result_accuracy_mode<DEFAULT>>} : tensor<4xf32>
  return %1 : tensor<4xf32>
}
