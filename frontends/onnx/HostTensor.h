//===- HostTensor.h - Small tensors evaluated at import time ----*- C++ -*-===//
//
// Exported models compute shapes at run time (Shape -> Gather -> Concat ->
// Reshape). With static input shapes those computations are constant, and the
// importer evaluates them on the host so that ops which need a shape, axes or
// slice bounds see constants. HostTensor is the evaluator's value: a small
// tensor of integers (bools included) or floats. Folding is an optimization
// everywhere except for such "attribute-like" inputs, so evaluation never
// reports errors: a fold that cannot be done (too large, division by zero)
// returns nothing and the converter emits graph ops instead.
//
//===----------------------------------------------------------------------===//
#ifndef SMELT_FRONTENDS_ONNX_HOSTTENSOR_H
#define SMELT_FRONTENDS_ONNX_HOSTTENSOR_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/SmallVector.h"

#include <functional>
#include <optional>

namespace smelt::onnx_frontend {

class HostTensor {
public:
  /// Larger constants (weights) are never evaluated element by element.
  static constexpr int64_t kMaxElements = 1 << 16;

  /// The value of `attr`, or nothing when it is null, too large or of an
  /// element type other than integer or float.
  static std::optional<HostTensor> fromAttr(mlir::DenseElementsAttr attr);
  static HostTensor fromInts(mlir::RankedTensorType type, llvm::ArrayRef<int64_t> values);
  static HostTensor fromFloats(mlir::RankedTensorType type, llvm::ArrayRef<double> values);

  mlir::DenseElementsAttr toAttr() const;

  mlir::RankedTensorType getType() const { return type; }
  llvm::ArrayRef<int64_t> getShape() const { return type.getShape(); }
  mlir::Type getElementType() const { return type.getElementType(); }
  bool isFloat() const { return mlir::isa<mlir::FloatType>(type.getElementType()); }
  int64_t size() const { return isFloat() ? floats.size() : ints.size(); }
  int64_t intAt(int64_t i) const { return isFloat() ? (int64_t)floats[i] : ints[i]; }
  double floatAt(int64_t i) const { return isFloat() ? floats[i] : (double)ints[i]; }

  /// The tensor of `resultType` (same element type) whose element i is this
  /// tensor's element `sourceIndices[i]`: every data-movement fold (gather,
  /// slice, transpose, broadcast, concat pieces) is one such selection.
  HostTensor take(mlir::RankedTensorType resultType,
                  llvm::ArrayRef<int64_t> sourceIndices) const;
  /// `parts` (same element type and rank) joined along `axis`.
  static HostTensor concat(llvm::ArrayRef<HostTensor> parts, int64_t axis);
  /// Same elements, converted to `elementType` with ONNX Cast semantics.
  HostTensor castTo(mlir::Type elementType) const;
  /// Elementwise map; integer results wrap to the element type's width.
  HostTensor map(const std::function<int64_t(int64_t)> &onInt,
                 const std::function<double(double)> &onFloat) const;

private:
  HostTensor(mlir::RankedTensorType type) : type(type) {}

  mlir::RankedTensorType type;
  llvm::SmallVector<int64_t> ints;  // when the element type is an integer
  llvm::SmallVector<double> floats; // when it is a float
};

/// Row-major strides of `shape`.
llvm::SmallVector<int64_t> computeStrides(llvm::ArrayRef<int64_t> shape);

/// For every element of `resultShape`, the flat index of the element of a
/// tensor of `operandShape` that NumPy broadcasting reads.
llvm::SmallVector<int64_t> broadcastSourceIndices(llvm::ArrayRef<int64_t> operandShape,
                                                  llvm::ArrayRef<int64_t> resultShape);

enum class BinaryFunction {
  Add, Sub, Mul, Div, Pow, Max, Min,
  Equal, Less, LessEqual, Greater, GreaterEqual, And, Or, Xor,
};

/// Elementwise `lhs op rhs` with broadcasting; operands share an element type
/// (pow excepted). Nothing on shape clash or integer division by zero.
std::optional<HostTensor> evaluateBinary(BinaryFunction function, const HostTensor &lhs,
                                         const HostTensor &rhs);

/// Elementwise `condition ? onTrue : onFalse` with broadcasting.
std::optional<HostTensor> evaluateSelect(const HostTensor &condition,
                                         const HostTensor &onTrue,
                                         const HostTensor &onFalse);

/// The integer values of `attr` (any size), sign- or zero-extended by type.
llvm::SmallVector<int64_t> readIntegers(mlir::DenseElementsAttr attr);

} // namespace smelt::onnx_frontend

#endif // SMELT_FRONTENDS_ONNX_HOSTTENSOR_H
