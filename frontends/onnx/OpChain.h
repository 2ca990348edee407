//===- OpChain.h - Building a decomposition as a chain of graph ops ---------===//
//
// Converters that decompose an ONNX op build several graph ops in a row; each
// creation may fail (shapes that do not broadcast, ...). OpChain remembers the
// first failure so a decomposition reads like its formula, and reports it
// once at the end.
//
//===----------------------------------------------------------------------===//
#ifndef SMELT_FRONTENDS_ONNX_OPCHAIN_H
#define SMELT_FRONTENDS_ONNX_OPCHAIN_H

#include "frontends/onnx/NodeContext.h"

#include "dialects/graph/IR/GraphOps.h"

namespace smelt::onnx_frontend {

namespace detail {
inline bool isMissing(mlir::Value value) { return !value; }
template <typename T> bool isMissing(const T &) { return false; }
} // namespace detail

class OpChain {
public:
  explicit OpChain(NodeContext &ctx) : ctx(ctx) {}

  /// An op whose result type the graph dialect infers (broadcasting binary
  /// ops, select, reductions, ...). A null Value argument propagates failure.
  template <typename OpTy, typename... Args> mlir::Value make(Args... args) {
    if (failed_ || (detail::isMissing(args) || ...))
      return fail();
    mlir::FailureOr<mlir::Value> result = ctx.createInferred<OpTy>(args...);
    return mlir::failed(result) ? fail() : *result;
  }
  /// A unary op of its operand's type.
  template <typename OpTy> mlir::Value unary(mlir::Value operand) {
    if (failed_ || !operand)
      return fail();
    mlir::FailureOr<mlir::Value> result = ctx.create<OpTy>(operand.getType(), operand);
    return mlir::failed(result) ? fail() : *result;
  }
  /// graph.cast to `element` (nothing when it already has that type).
  mlir::Value convert(mlir::Value operand, mlir::Type element) {
    if (failed_ || !operand)
      return fail();
    auto type = llvm::cast<mlir::RankedTensorType>(operand.getType());
    if (type.getElementType() == element)
      return operand;
    mlir::FailureOr<mlir::Value> result =
        ctx.create<graph::CastOp>(type.clone(element), operand);
    return mlir::failed(result) ? fail() : *result;
  }
  mlir::Value reshape(mlir::Value operand, llvm::ArrayRef<int64_t> shape) {
    if (failed_ || !operand)
      return fail();
    mlir::FailureOr<mlir::Value> result = ctx.reshape(operand, shape);
    return mlir::failed(result) ? fail() : *result;
  }

  /// `count` elements of `operand` along `axis` from `start` (graph.slice).
  mlir::Value slice(mlir::Value operand, int64_t axis, int64_t start, int64_t count) {
    if (failed_ || !operand)
      return fail();
    auto type = llvm::cast<mlir::RankedTensorType>(operand.getType());
    llvm::SmallVector<int64_t> starts(type.getRank(), 0), limits(type.getShape()),
        strides(type.getRank(), 1);
    starts[axis] = start;
    limits[axis] = start + count;
    return make<graph::SliceOp>(operand, llvm::ArrayRef<int64_t>(starts),
                                llvm::ArrayRef<int64_t>(limits), llvm::ArrayRef<int64_t>(strides));
  }

  bool hasFailed() const { return failed_ || ctx.hasFailed(); }
  /// Sets the node's output 0 to `value`, or fails if anything failed.
  mlir::LogicalResult output(mlir::Value value) {
    if (hasFailed() || !value)
      return mlir::failure();
    ctx.setOutput(0, value);
    return mlir::success();
  }

protected:
  mlir::Value fail() {
    failed_ = true;
    return mlir::Value();
  }
  NodeContext &ctx;

private:
  bool failed_ = false;
};

} // namespace smelt::onnx_frontend

#endif // SMELT_FRONTENDS_ONNX_OPCHAIN_H
