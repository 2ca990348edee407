//===- NodeContext.h - What an op converter sees ----------------*- C++ -*-===//
//
// ValueTable maps ONNX value names to MLIR values and to constants known at
// import time. NodeContext wraps one ONNX node for its converter: typed
// attribute access, inputs (as values or constants), outputs, diagnostics
// that name the node, and op creation that turns the graph dialect's type
// inference and verifier errors into diagnostics instead of aborts.
//
//===----------------------------------------------------------------------===//
#ifndef SMELT_FRONTENDS_ONNX_NODECONTEXT_H
#define SMELT_FRONTENDS_ONNX_NODECONTEXT_H

#include "frontends/onnx/HostTensor.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"

#include <onnx/onnx_pb.h>

#include <optional>
#include <string>

namespace smelt::onnx_frontend {

/// Every named value of the graph being imported. A value may be known only
/// as a constant (initializers, folded shape computations); its graph.constant
/// op is then created on first use as an MLIR value, so constants that only
/// feed folding never reach the module.
class ValueTable {
public:
  explicit ValueTable(mlir::OpBuilder &builder) : builder(builder) {}

  bool contains(llvm::StringRef name) const {
    return entries.count(name) || sequences.count(name);
  }
  void setValue(llvm::StringRef name, mlir::Value value);
  void setConstant(llvm::StringRef name, mlir::DenseElementsAttr constant,
                   mlir::Location loc);
  /// The constant known for `name`, or null.
  mlir::DenseElementsAttr getConstant(llvm::StringRef name) const;
  /// The MLIR value of `name` (which must exist), materializing a constant.
  mlir::Value getValue(llvm::StringRef name);
  mlir::RankedTensorType getType(llvm::StringRef name) const;

  /// ONNX sequences whose structure is known at import time: the tensors in
  /// order, and the element type (for empty ones). The sequence ops
  /// rearrange these lists; only tensors reach the graph.
  struct Sequence {
    std::vector<mlir::Value> elements;
    mlir::Type elementType;
  };
  bool isSequence(llvm::StringRef name) const { return sequences.count(name); }
  /// Forgets `name` (a subgraph's value between unrolled iterations).
  void erase(llvm::StringRef name) {
    entries.erase(name);
    sequences.erase(name);
  }
  void setSequence(llvm::StringRef name, Sequence sequence) {
    sequences[name] = std::move(sequence);
  }
  const Sequence &getSequence(llvm::StringRef name) const {
    return sequences.find(name)->second;
  }

private:
  struct Entry {
    mlir::Value value;
    mlir::DenseElementsAttr constant;
    mlir::LocationAttr loc; // where a lazily created constant op is located
  };
  mlir::OpBuilder &builder;
  llvm::StringMap<Entry> entries;
  llvm::StringMap<Sequence> sequences;
};

class NodeContext {
public:
  NodeContext(ValueTable &values, mlir::OpBuilder &builder, const onnx::NodeProto &node,
              llvm::StringRef displayName, mlir::Location loc, int64_t opset,
              const llvm::StringSet<> &usedNames);

  const onnx::NodeProto &node;
  /// The node's name, or "<op_type>_<index>" for unnamed nodes.
  std::string name;
  mlir::Location loc;
  /// Version of the default ONNX domain the model imports.
  int64_t opset;
  mlir::OpBuilder &builder;

  llvm::StringRef opType() const { return node.op_type(); }
  mlir::MLIRContext *getContext() const { return builder.getContext(); }

  /// An error at the node, prefixed with "<OpType> node '<name>': ".
  mlir::InFlightDiagnostic emitError();
  /// True once any error was emitted for this node (including by attribute
  /// accessors, which then return their default so converters stay simple).
  bool hasFailed() const { return failedFlag; }

  //--- Inputs -------------------------------------------------------------//
  int numInputs() const { return node.input_size(); }
  /// Whether input `i` is given (ONNX marks skipped optional inputs with "").
  bool hasInput(int i) const { return i < numInputs() && !node.input(i).empty(); }
  /// Errors unless the first `count` inputs are all given.
  mlir::LogicalResult requireInputs(int count);
  mlir::Value input(int i);
  mlir::RankedTensorType inputType(int i) const;
  mlir::Type inputElementType(int i) const { return inputType(i).getElementType(); }
  /// The constant value of input `i`, or null when it is not known at import.
  mlir::DenseElementsAttr constantInput(int i) const;
  /// The constant of input `i` as a small host tensor, if it is one.
  std::optional<HostTensor> hostInput(int i) const;
  /// The integers of an input that plays an attribute's role (shape, axes,
  /// slice bounds), or an error naming the node when it is not a constant.
  mlir::FailureOr<llvm::SmallVector<int64_t>> requireIntegerInput(int i,
                                                                  llvm::StringRef role);

  //--- Attributes ---------------------------------------------------------//
  const onnx::AttributeProto *attribute(llvm::StringRef name) const;
  bool hasAttribute(llvm::StringRef name) const { return attribute(name); }
  int64_t getInt(llvm::StringRef name, int64_t defaultValue);
  float getFloat(llvm::StringRef name, float defaultValue);
  std::string getString(llvm::StringRef name, llvm::StringRef defaultValue);
  /// The ints of attribute `name`, or nothing when absent.
  std::optional<llvm::SmallVector<int64_t>> getInts(llvm::StringRef name);

  //--- Outputs ------------------------------------------------------------//
  int numOutputs() const { return node.output_size(); }
  /// Whether output `i` is named and read by a node or graph output.
  bool isOutputUsed(int i) const;
  void setOutput(int i, mlir::Value value);
  /// Sequence inputs and outputs (see ValueTable::Sequence). sequenceInput
  /// emits an error and returns null when input `i` is not a sequence.
  const ValueTable::Sequence *sequenceInput(int i);
  void setSequenceOutput(int i, ValueTable::Sequence sequence);
  void setConstantOutput(int i, mlir::DenseElementsAttr constant);

  //--- Building -----------------------------------------------------------//
  /// Creates an op with a known result type and verifies it.
  template <typename OpTy, typename... Args>
  mlir::FailureOr<mlir::Value> create(mlir::Type resultType, Args &&...args) {
    auto op = OpTy::create(builder, loc, resultType, std::forward<Args>(args)...);
    return finishOp(op.getOperation(), /*inferResultType=*/false);
  }
  /// Creates an op whose result type the graph dialect infers. Inference
  /// failures (shapes that do not broadcast...) become errors on the node.
  template <typename OpTy, typename... Args>
  mlir::FailureOr<mlir::Value> createInferred(Args &&...args) {
    auto op = OpTy::create(builder, loc, placeholderType(), std::forward<Args>(args)...);
    return finishOp(op.getOperation(), /*inferResultType=*/true);
  }

  /// A graph.constant at the node.
  mlir::Value constant(mlir::DenseElementsAttr value);
  /// A rank-0 constant of a float or integer element type.
  mlir::Value scalar(double value, mlir::Type elementType);
  /// graph.reshape to `shape` (a no-op when the shape is already that).
  mlir::FailureOr<mlir::Value> reshape(mlir::Value value, llvm::ArrayRef<int64_t> shape);

  /// Normalizes a possibly negative axis against `rank`, or errors.
  mlir::FailureOr<int64_t> normalizeAxis(int64_t axis, int64_t rank, llvm::StringRef what);

private:
  mlir::Type placeholderType();
  mlir::FailureOr<mlir::Value> finishOp(mlir::Operation *op, bool inferResultType);

  ValueTable &values;
  const llvm::StringSet<> &usedNames;
  bool failedFlag = false;
};

/// A converter turns one node into graph ops (or constants) and defines its
/// outputs; it returns failure after emitting an error.
using Converter = mlir::LogicalResult (*)(NodeContext &);

/// The converter for a default-domain op type, or null when unsupported.
Converter lookupConverter(llvm::StringRef opType);

// Each converter file registers its ops (called once by lookupConverter).
void registerElementwiseConverters(llvm::StringMap<Converter> &converters);
void registerNeuralNetworkConverters(llvm::StringMap<Converter> &converters);
void registerShapeConverters(llvm::StringMap<Converter> &converters);
void registerActivationConverters(llvm::StringMap<Converter> &converters);
void registerGeneratorConverters(llvm::StringMap<Converter> &converters);
void registerIndexingConverters(llvm::StringMap<Converter> &converters);
void registerLossConverters(llvm::StringMap<Converter> &converters);
void registerComposedConverters(llvm::StringMap<Converter> &converters);
void registerResizeConverters(llvm::StringMap<Converter> &converters);
void registerSpectralConverters(llvm::StringMap<Converter> &converters);
void registerSequenceConverters(llvm::StringMap<Converter> &converters);
void registerRecurrentConverters(llvm::StringMap<Converter> &converters);
/// Whether `opType` takes or makes sequences (the other ops take tensors only).
bool isSequenceOp(llvm::StringRef opType);
void registerQuantizationConverters(llvm::StringMap<Converter> &converters);
void registerConvTransposeConverter(llvm::StringMap<Converter> &converters);

/// Refuses window parameters no model means (a kernel size, stride or
/// dilation below 1, a negative pad, any above 2^31 - 1) before their
/// arithmetic overflows; names the attribute (NeuralNetworkConverters.cpp).
mlir::LogicalResult checkWindowValues(NodeContext &ctx, llvm::ArrayRef<int64_t> kernel,
                                      llvm::ArrayRef<int64_t> strides,
                                      llvm::ArrayRef<int64_t> dilations,
                                      llvm::ArrayRef<int64_t> pads);

/// graph.conv of `input` and `weight` (+ `bias`) with the node's
/// kernel_shape, strides, dilations, pads or auto_pad and group: Conv's, and
/// the integer convolutions' (NeuralNetworkConverters.cpp).
mlir::FailureOr<mlir::Value> buildConv(NodeContext &ctx, mlir::Value input, mlir::Value weight,
                                       mlir::Value bias);

} // namespace smelt::onnx_frontend

#endif // SMELT_FRONTENDS_ONNX_NODECONTEXT_H
