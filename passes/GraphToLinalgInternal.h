//===- GraphToLinalgInternal.h - Per-op lowerings ---------------*- C++ -*-===//
#ifndef SMELT_PASSES_GRAPHTOLINALGINTERNAL_H
#define SMELT_PASSES_GRAPHTOLINALGINTERNAL_H

#include "dialects/graph/IR/GraphOps.h"
#include "passes/GraphToLinalg.h"
#include "passes/LinalgBuilders.h"

namespace smelt::lowering {

mlir::FailureOr<mlir::Value> lowerMatMul(mlir::OpBuilder &b, graph::MatMulOp op,
                                         mlir::Value lhs, mlir::Value rhs);
mlir::FailureOr<mlir::Value> lowerConv(mlir::OpBuilder &b, graph::ConvOp op,
                                       mlir::Value input, mlir::Value weight,
                                       mlir::Value bias);
mlir::FailureOr<mlir::Value> lowerMaxPool(mlir::OpBuilder &b, graph::MaxPoolOp op,
                                          mlir::Value input);
mlir::FailureOr<mlir::Value> lowerAvgPool(mlir::OpBuilder &b, graph::AvgPoolOp op,
                                          mlir::Value input);
/// Any graph.reduce_* op.
mlir::FailureOr<mlir::Value> lowerReduce(mlir::OpBuilder &b, mlir::Operation *op,
                                         mlir::Value input);
mlir::FailureOr<mlir::Value> lowerSoftmax(mlir::OpBuilder &b, graph::SoftmaxOp op,
                                          mlir::Value input);

/// A reduction of `input` over `axes` starting from `initValue`; `combine`
/// gets (accumulator, element). The reduced dims are dropped from the result,
/// or kept as size-1 dims with `keepDims`.
mlir::Value buildReduction(mlir::OpBuilder &b, mlir::Location loc, mlir::Value input,
                           llvm::ArrayRef<int64_t> axes, mlir::Value initValue,
                           ScalarFunction combine, bool keepDims = false);

} // namespace smelt::lowering

#endif
