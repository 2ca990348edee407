//===- FusionRules.h - Which producers join their consumers' kernels -*- C++ -*-===//
//
// The edge rules of kernel formation: which producer may be computed inside
// its consumer's tiles, and which ops work on whole rows (what a side output
// needs). Used by GraphToKernel.cpp.
//
//===----------------------------------------------------------------------===//
#ifndef SMELT_PASSES_FUSIONRULES_H
#define SMELT_PASSES_FUSIONRULES_H

#include "mlir/IR/Operation.h"
#include "mlir/IR/Value.h"

namespace smelt::fusion {

/// graph.reduce_sum/_mean/_max/_min/_prod.
bool isReduction(mlir::Operation *op);

/// Whether `producer` may be computed inside the tiles of `consumer`, which
/// reads it as `operand` (the cases are listed at the definition).
bool fusibleEdge(mlir::Operation *producer, mlir::Operation *consumer, mlir::Value operand);

/// Whether `op` works on whole rows of a tensor of rank `rank`.
bool isRowLocal(mlir::Operation *op, int64_t rank);

/// The compute op a value comes from, looking through reshapes (views); null
/// for arguments and constants.
mlir::Operation *computeOpOf(mlir::Value value);

} // namespace smelt::fusion

#endif // SMELT_PASSES_FUSIONRULES_H
