//===- GraphToLinalg.h - Lowering graph ops to linalg on tensors -*- C++ -*-===//
//
// Each graph op becomes linalg (mostly linalg.generic) on tensors, so that
// upstream tiling, fusion and bufferization apply. Unsigned integer element
// types of the graph dialect become signless here; the signedness chosen for
// division, comparison and conversion comes from the graph op's types.
//
//===----------------------------------------------------------------------===//
#ifndef SMELT_PASSES_GRAPHTOLINALG_H
#define SMELT_PASSES_GRAPHTOLINALG_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/Value.h"
#include "mlir/Transforms/DialectConversion.h"

namespace smelt {

/// Signless integer types for unsigned ones (ui8 -> i8), in tensors and memrefs too.
mlir::Type toSignless(mlir::Type type);

/// Converts unsigned integer element types to signless ones.
class SignlessTypeConverter : public mlir::TypeConverter {
public:
  SignlessTypeConverter();
};

/// Emits the linalg/tensor/arith computation of graph op `op` with `operands`
/// (its operands, already signless) at the builder's insertion point and
/// returns the results (signless tensors). Fails with a diagnostic on `op` for
/// ops this lowering does not handle.
mlir::FailureOr<llvm::SmallVector<mlir::Value>>
lowerGraphOpToLinalg(mlir::OpBuilder &builder, mlir::Operation *op,
                     mlir::ValueRange operands);

/// Conversion patterns that apply lowerGraphOpToLinalg to every graph op.
void populateGraphToLinalgPatterns(const mlir::TypeConverter &converter,
                                   mlir::RewritePatternSet &patterns);

} // namespace smelt

#endif
