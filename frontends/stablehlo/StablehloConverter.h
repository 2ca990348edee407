//===- StablehloConverter.h - StableHLO ops to graph ops (internal) -*- C++ -*-===//
//
// The state of one conversion: a builder positioned in the graph function, the
// mapping from StableHLO values to graph values, and tuples (which exist only
// at import: their elements are mapped, never the tuple). One converter
// function per StableHLO op family builds the graph ops; regions are
// converted by the same converter with their arguments mapped to the new
// region's arguments.
//
//===----------------------------------------------------------------------===//
#ifndef SMELT_FRONTENDS_STABLEHLO_STABLEHLOCONVERTER_H
#define SMELT_FRONTENDS_STABLEHLO_STABLEHLOCONVERTER_H

#include "dialects/graph/IR/GraphOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/IRMapping.h"

#include <optional>

namespace smelt::stablehlo_frontend {

class Converter {
public:
  Converter(mlir::OpBuilder &builder, mlir::ModuleOp source)
      : builder(builder), source(source) {}

  /// Converts `op` at the builder's insertion point.
  mlir::LogicalResult convert(mlir::Operation *op);

  /// Converts the ops of `block` at the builder's insertion point with its
  /// arguments bound to `arguments`; the values its terminator returns go to
  /// `returned`.
  mlir::LogicalResult convertBlock(mlir::Block &block, mlir::ValueRange arguments,
                                   llvm::SmallVectorImpl<mlir::Value> &returned);

  /// Fills `region` (of a new graph op) with one block taking `argumentTypes`
  /// and the conversion of `from`, bound to those arguments (or to
  /// `boundValues` where given: control flow binds captured values too),
  /// ending in graph.yield.
  mlir::LogicalResult convertRegion(mlir::Region &from, mlir::Region &to,
                                    mlir::TypeRange argumentTypes,
                                    llvm::ArrayRef<mlir::Value> extraBound = {},
                                    llvm::ArrayRef<mlir::Value> extraYield = {});

  /// The graph value of a converted StableHLO value (null, with an error on
  /// `user`, when it has none).
  mlir::Value get(mlir::Value value, mlir::Operation *user);
  /// The graph values of `op`'s operands; failure if one is missing.
  mlir::FailureOr<llvm::SmallVector<mlir::Value>> operands(mlir::Operation *op);
  void set(mlir::Value from, mlir::Value to) { mapping.map(from, to); }
  void setResults(mlir::Operation *op, mlir::ValueRange values);

  /// The element type the graph uses for a StableHLO tensor type; an error
  /// for complex, quantized and 8-bit float types.
  static mlir::FailureOr<mlir::Type> convertType(mlir::Location loc, mlir::Type type);

  mlir::OpBuilder &builder;
  mlir::ModuleOp source;
  mlir::IRMapping mapping;
  /// Tuple values -> their (StableHLO) elements.
  llvm::DenseMap<mlir::Value, llvm::SmallVector<mlir::Value>> tuples;

private:
  mlir::LogicalResult convertCall(mlir::Operation *op, llvm::StringRef callee);
};

//===----------------------------------------------------------------------===//
// Helpers shared by the converter files
//===----------------------------------------------------------------------===//

/// Integers of an attribute: DenseI64ArrayAttr, integer elements (flattened)
/// or an array of integers; nullopt for anything else.
std::optional<llvm::SmallVector<int64_t>> integersOf(mlir::Attribute attribute);
/// `integersOf` of `op`'s attribute `name`, or `fallback` when absent.
std::optional<llvm::SmallVector<int64_t>> integerAttr(mlir::Operation *op, llvm::StringRef name,
                                                      llvm::ArrayRef<int64_t> fallback);
/// An integer field of a dimension-numbers dictionary (0 when absent).
int64_t integerField(mlir::DictionaryAttr dictionary, llvm::StringRef name);
/// An integer-list field of a dimension-numbers dictionary (empty when absent).
llvm::SmallVector<int64_t> listField(mlir::DictionaryAttr dictionary, llvm::StringRef name);
/// The value of a StableHLO constant feeding `value`, or null.
mlir::DenseElementsAttr constantValue(mlir::Value value);

mlir::RankedTensorType tensorType(mlir::Value value);
/// Floats of 8 bits and fewer (f8E4M3FN, f8E5M2, f6E2M3FN, f4E2M1FN, ...).
inline bool isNarrowFloat(mlir::Type type) {
  return llvm::isa<mlir::FloatType>(type) && type.getIntOrFloatBitWidth() <= 8;
}
/// A rank-0 (or `shape`-d) splat constant of `elementType`.
mlir::Value splat(mlir::OpBuilder &b, mlir::Location loc, mlir::Type elementType, double value,
                  llvm::ArrayRef<int64_t> shape = {});
mlir::Value splatAttr(mlir::OpBuilder &b, mlir::Location loc, mlir::TypedAttr value);
/// graph.cast unless `value` has `elementType` already.
mlir::Value castTo(mlir::OpBuilder &b, mlir::Location loc, mlir::Value value,
                   mlir::Type elementType);
mlir::Value transposeTo(mlir::OpBuilder &b, mlir::Location loc, mlir::Value value,
                        llvm::ArrayRef<int64_t> perm);
mlir::Value reshapeTo(mlir::OpBuilder &b, mlir::Location loc, mlir::Value value,
                      llvm::ArrayRef<int64_t> shape);
/// Element `index` of the minor dim of `value`, with that dim dropped (a
/// complex number's part, a piece of a wider bit pattern).
mlir::Value minorElement(mlir::OpBuilder &b, mlir::Location loc, mlir::Value value,
                         int64_t index);
/// StableHLO broadcast_in_dim: operand dim i becomes result dim dims[i].
mlir::Value broadcastInDim(mlir::OpBuilder &b, mlir::Location loc, mlir::Value value,
                           mlir::RankedTensorType resultType, llvm::ArrayRef<int64_t> dims);
/// Signed integers whose order is the IEEE total order of float `value`
/// (-NaN < -inf < ... < -0 < +0 < ... < inf < NaN).
mlir::Value totalOrderKey(mlir::OpBuilder &b, mlir::Location loc, mlir::Value value);

/// Converters of the op families (StablehloToGraphStructured.cpp); each
/// returns nullopt when `op` is not one of its ops.
std::optional<mlir::LogicalResult> convertStructured(Converter &converter, mlir::Operation *op);
std::optional<mlir::LogicalResult> convertLinearAlgebra(Converter &converter,
                                                        mlir::Operation *op);
std::optional<mlir::LogicalResult> convertControlFlow(Converter &converter, mlir::Operation *op);
/// The shape ops, constants and bitcast_convert (ShapeOpsToGraph.cpp).
std::optional<mlir::LogicalResult> convertShapeOp(Converter &converter, mlir::Operation *op);
/// Shape rules of the program's ops (ShapeOpsToGraph.cpp): elementwise ops
/// take operands of the result's shape; transpose, broadcast_in_dim,
/// reshape, concatenate, slice and iota agree with their attributes.
mlir::LogicalResult checkElementwise(mlir::Operation *op);
mlir::LogicalResult checkShapes(mlir::Operation *op);
/// chlo.lgamma, chlo.digamma (SpecialFunctions.cpp).
std::optional<mlir::LogicalResult> convertSpecialFunction(Converter &converter,
                                                          mlir::Operation *op);

} // namespace smelt::stablehlo_frontend

#endif
