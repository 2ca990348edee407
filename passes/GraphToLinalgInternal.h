//===- GraphToLinalgInternal.h - Per-op lowerings ---------------*- C++ -*-===//
#ifndef SMELT_PASSES_GRAPHTOLINALGINTERNAL_H
#define SMELT_PASSES_GRAPHTOLINALGINTERNAL_H

#include "dialects/graph/IR/GraphOps.h"
#include "passes/GraphToLinalg.h"
#include "passes/LinalgBuilders.h"

namespace smelt::lowering {

/// Whether `op` is an elementwise graph op (unary, binary with broadcasting,
/// select, cast, broadcast).
bool isElementwiseGraphOp(mlir::Operation *op);
/// The linalg.generic of an elementwise graph op on its (signless) operands.
mlir::FailureOr<mlir::Value> lowerElementwise(mlir::OpBuilder &b, mlir::Operation *op,
                                              mlir::ValueRange operands);
/// The scalar computation of an elementwise graph op on scalars of its
/// operands' (signless) element types.
mlir::FailureOr<mlir::Value> lowerElementwiseScalar(mlir::OpBuilder &b, mlir::Location loc,
                                                    mlir::Operation *op,
                                                    mlir::ValueRange scalars);

/// The scalar code of a combiner region (graph ops on rank-0 tensors ending in
/// graph.yield) applied to `scalars`, one per block argument; the yielded
/// scalars. Fails with a diagnostic on ops other than elementwise ones and
/// constants.
mlir::FailureOr<llvm::SmallVector<mlir::Value>>
lowerCombiner(mlir::OpBuilder &b, mlir::Location loc, mlir::Region &region,
              mlir::ValueRange scalars);

/// The ops of a control-flow region (any graph ops ending in graph.yield)
/// lowered at the builder's insertion point with the block arguments bound to
/// `arguments`; the yielded values.
mlir::FailureOr<llvm::SmallVector<mlir::Value>>
lowerRegionBody(mlir::OpBuilder &b, mlir::Region &region, mlir::ValueRange arguments);

/// Ops lowered to sequential loops over whole tensors (scatter, sort, control
/// flow, ...): they form kernels of their own, since a fused consumer's tiles
/// would each recompute them.
bool lowersToLoops(mlir::Operation *op);

/// The lowerings of the general (StableHLO) graph ops; null when `op` is not
/// one of them.
std::optional<mlir::FailureOr<llvm::SmallVector<mlir::Value>>>
lowerStructuredOp(mlir::OpBuilder &b, mlir::Operation *op, mlir::ValueRange operands);

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
