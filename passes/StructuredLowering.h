//===- StructuredLowering.h - Helpers of the general ops' lowerings -*- C++ -*-===//
//
// Shared by GraphToLinalgStructured.cpp (ops that become linalg) and
// GraphToLinalgSequential.cpp (ops that become scf loops over tensors).
//
//===----------------------------------------------------------------------===//
#ifndef SMELT_PASSES_STRUCTUREDLOWERING_H
#define SMELT_PASSES_STRUCTUREDLOWERING_H

#include "passes/GraphToLinalgInternal.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

namespace smelt::lowering::structured {

using Values = llvm::SmallVector<mlir::Value>;
using Lowered = mlir::FailureOr<llvm::SmallVector<mlir::Value>>;

mlir::RankedTensorType tensorTypeOf(mlir::Value value);
/// The result's type with signless integers.
mlir::RankedTensorType signlessResultType(mlir::Value result);
mlir::Value constantIndex(mlir::OpBuilder &b, mlir::Location loc, int64_t value);
/// The element of a rank-0 tensor.
mlir::Value scalarOf(mlir::OpBuilder &b, mlir::Location loc, mlir::Value rank0);
/// An integer scalar (signed unless `isUnsigned`) as an index.
mlir::Value toIndex(mlir::OpBuilder &b, mlir::Location loc, mlir::Value scalar, bool isUnsigned);
mlir::Value clampIndex(mlir::OpBuilder &b, mlir::Location loc, mlir::Value index, int64_t low,
                       int64_t high);
mlir::Value allTrue(mlir::OpBuilder &b, mlir::Location loc, llvm::ArrayRef<mlir::Value> conditions);
mlir::Value compareIndex(mlir::OpBuilder &b, mlir::Location loc, mlir::arith::CmpIPredicate predicate,
                         mlir::Value lhs, mlir::Value rhs);
/// Whether a graph value has unsigned integer elements.
bool isUnsignedElement(mlir::Value value);
/// A loop nest over `shape` (row-major) carrying `iterArgs`; `body` returns
/// the next values.
Values loopNest(mlir::OpBuilder &b, mlir::Location loc, llvm::ArrayRef<int64_t> shape,
                mlir::ValueRange iterArgs,
                llvm::function_ref<Values(mlir::OpBuilder &, mlir::Location, mlir::ValueRange,
                                          mlir::ValueRange)>
                    body);

/// Builds a combiner's scalar code inside a body builder; failures are
/// remembered (a body builder cannot fail) and reported by the caller.
struct Combiner {
  mlir::Region &region;
  bool failed = false;
  Values apply(mlir::OpBuilder &b, mlir::Location loc, mlir::ValueRange scalars);
};

/// The coordinates into a StableHLO index tensor of component `component`
/// for the batch position `batch` (its coordinates in the non-index-vector
/// dims, in order).
llvm::SmallVector<mlir::Value> indexVectorCoordinates(mlir::OpBuilder &b, mlir::Location loc,
                                                      int64_t indicesRank, int64_t indexVectorDim,
                                                      llvm::ArrayRef<mlir::Value> batch,
                                                      int64_t component);
/// The batch coordinate that indices dim `indicesDim` takes.
mlir::Value batchCoordinateOf(int64_t indicesDim, int64_t indexVectorDim,
                              llvm::ArrayRef<mlir::Value> batch);
/// Dims of [0, rank) in neither `first` nor `second`, ascending.
llvm::SmallVector<int64_t> remainingDims(int64_t rank, llvm::ArrayRef<int64_t> first,
                                         llvm::ArrayRef<int64_t> second);

/// The lowerings of GraphToLinalgSequential.cpp; nullopt for other ops.
std::optional<Lowered> lowerSequentialOp(mlir::OpBuilder &b, mlir::Operation *op,
                                         mlir::ValueRange operands);

} // namespace smelt::lowering::structured

#endif
