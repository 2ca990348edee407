//===- LinalgBuilders.h - Helpers that build linalg on tensors --*- C++ -*-===//
#ifndef SMELT_PASSES_LINALGBUILDERS_H
#define SMELT_PASSES_LINALGBUILDERS_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Builders.h"

namespace smelt::lowering {

/// Computes a scalar from the scalars of the operands (in operand order).
using ScalarFunction = llvm::function_ref<mlir::Value(
    mlir::OpBuilder &, mlir::Location, mlir::ValueRange)>;

bool isUnsignedInteger(mlir::Type type);

/// A scalar constant of `type` (float or signless integer) holding `value`.
mlir::Value scalarConstant(mlir::OpBuilder &builder, mlir::Location loc, mlir::Type type,
                           double value);
/// The smallest / largest value of `type` (-inf / +inf for floats).
mlir::Value lowestValue(mlir::OpBuilder &builder, mlir::Location loc, mlir::Type type,
                        bool isUnsigned);
mlir::Value highestValue(mlir::OpBuilder &builder, mlir::Location loc, mlir::Type type,
                         bool isUnsigned);

/// Converts a scalar between element types; `from`/`to` carry signedness
/// (ui8 etc.), `value` itself is signless.
mlir::Value convertScalar(mlir::OpBuilder &builder, mlir::Location loc, mlir::Value value,
                          mlir::Type from, mlir::Type to);

/// x + y and x * y on scalars of one float or (signless) integer type.
mlir::Value addScalars(mlir::OpBuilder &builder, mlir::Location loc, mlir::Value x,
                       mlir::Value y);
mlir::Value multiplyScalars(mlir::OpBuilder &builder, mlir::Location loc, mlir::Value x,
                            mlir::Value y);

/// tensor.empty of `type`.
mlir::Value emptyTensor(mlir::OpBuilder &builder, mlir::Location loc,
                        mlir::RankedTensorType type);
/// tensor.empty of `type` filled with `value`.
mlir::Value filledTensor(mlir::OpBuilder &builder, mlir::Location loc,
                         mlir::RankedTensorType type, mlir::Value value);

/// If `value` is a splat constant, that scalar (signless), else null.
mlir::Value splatScalar(mlir::OpBuilder &builder, mlir::Location loc, mlir::Value value);

/// A linalg.generic producing `resultType` elementwise from `operands`, which
/// broadcast to it NumPy style. Splat constant operands become scalars.
mlir::Value buildElementwise(mlir::OpBuilder &builder, mlir::Location loc,
                             mlir::RankedTensorType resultType, mlir::ValueRange operands,
                             ScalarFunction function);

/// A linalg.generic with one loop per dim of `resultType` (all parallel)
/// reading `inputs` through `inputMaps`; `body` computes each element from
/// the inputs' elements (it may read other tensors with tensor.extract at
/// coordinates made from linalg.index).
mlir::Value genericOverResult(mlir::OpBuilder &b, mlir::Location loc,
                              mlir::RankedTensorType resultType, mlir::ValueRange inputs,
                              llvm::ArrayRef<mlir::AffineMap> inputMaps,
                              llvm::function_ref<mlir::Value(mlir::OpBuilder &, mlir::Location,
                                                             mlir::ValueRange)> body);

/// Any static reshape of a tensor: collapse to 1-D, then expand.
mlir::Value reshapeTensor(mlir::OpBuilder &builder, mlir::Location loc, mlir::Value value,
                          mlir::RankedTensorType resultType);

} // namespace smelt::lowering

#endif
