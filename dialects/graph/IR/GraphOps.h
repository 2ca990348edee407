//===- GraphOps.h - Ops of the graph dialect --------------------*- C++ -*-===//
#ifndef SMELT_DIALECTS_GRAPH_IR_GRAPHOPS_H
#define SMELT_DIALECTS_GRAPH_IR_GRAPHOPS_H

#include "dialects/graph/IR/GraphDialect.h"

namespace smelt::graph {

/// NumPy broadcasting of two static-or-dynamic shapes; failure if they clash.
mlir::FailureOr<llvm::SmallVector<int64_t>>
broadcastShapes(llvm::ArrayRef<int64_t> lhs, llvm::ArrayRef<int64_t> rhs);

/// Result of a binary arithmetic op (operands share the element type).
llvm::LogicalResult inferBroadcastArithmeticType(
    mlir::MLIRContext *context, std::optional<mlir::Location> location,
    mlir::Type lhs, mlir::Type rhs, llvm::SmallVectorImpl<mlir::Type> &inferred);
/// Result of a comparison or logic op: i1 elements.
llvm::LogicalResult inferBroadcastPredicateType(
    mlir::MLIRContext *context, std::optional<mlir::Location> location,
    mlir::Type lhs, mlir::Type rhs, llvm::SmallVectorImpl<mlir::Type> &inferred);
/// Result of pow: lhs's element type, broadcast shape.
llvm::LogicalResult inferBroadcastPowType(
    mlir::MLIRContext *context, std::optional<mlir::Location> location,
    mlir::Type lhs, mlir::Type rhs, llvm::SmallVectorImpl<mlir::Type> &inferred);

llvm::LogicalResult inferReduceType(std::optional<mlir::Location> location,
                                    mlir::Type input, llvm::ArrayRef<int64_t> axes,
                                    bool keepDims,
                                    llvm::SmallVectorImpl<mlir::Type> &inferred);
/// Result of arg_max/arg_min: i64 indices, `axis` removed or kept as 1.
llvm::LogicalResult inferArgReduceType(std::optional<mlir::Location> location,
                                       mlir::Type input, int64_t axis, bool keepDims,
                                       llvm::SmallVectorImpl<mlir::Type> &inferred);
llvm::LogicalResult verifyReduceAxes(mlir::Operation *op, mlir::Type input,
                                     llvm::ArrayRef<int64_t> axes);

/// Output size of one spatial dimension of a window op (conv, pooling).
int64_t windowOutputSize(int64_t input, int64_t kernel, int64_t stride,
                         int64_t dilation, int64_t padBegin, int64_t padEnd,
                         bool ceilMode);

} // namespace smelt::graph

#define GET_OP_CLASSES
#include "dialects/graph/IR/GraphOps.h.inc"

#endif
