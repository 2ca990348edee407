//===- ElementwiseConverters.cpp - Elementwise ONNX ops ---------------------===//
//
// Unary, binary and variadic elementwise ops, Where, Cast, and the activations
// that decompose into them. Binary ops rely on the graph dialect's NumPy
// broadcasting, which handles operands of different ranks, so no reshapes are
// inserted. Small constant operands fold at import (shape arithmetic).
//
//===----------------------------------------------------------------------===//
#include "frontends/onnx/NodeContext.h"
#include "frontends/onnx/TensorConversion.h"

#include "dialects/graph/IR/GraphOps.h"

#include <cfloat>
#include <cmath>
#include <type_traits>

using namespace mlir;

namespace smelt::onnx_frontend {
namespace {

LogicalResult requireFloat(NodeContext &ctx, int i) {
  if (isa<FloatType>(ctx.inputElementType(i)))
    return success();
  ctx.emitError() << "expects a float tensor but input " << i << " is "
                  << ctx.inputType(i);
  return failure();
}

LogicalResult requireBool(NodeContext &ctx, int i) {
  if (ctx.inputElementType(i).isInteger(1))
    return success();
  ctx.emitError() << "expects a bool tensor but input " << i << " is "
                  << ctx.inputType(i);
  return failure();
}

/// ONNX requires most multi-input ops to share one element type (T).
LogicalResult requireSameElementType(NodeContext &ctx, int first, int second) {
  Type a = ctx.inputElementType(first), b = ctx.inputElementType(second);
  if (a == b)
    return success();
  ctx.emitError() << "inputs " << first << " and " << second
                  << " must have the same element type, got " << a << " and " << b;
  return failure();
}

//===----------------------------------------------------------------------===//
// Unary
//===----------------------------------------------------------------------===//

using IntFunction = int64_t (*)(int64_t);
using FloatFunction = double (*)(double);

/// `OpTy` on input 0, folded with `onInt`/`onFloat` when the input is a small
/// constant and fold functions are given.
template <typename OpTy>
LogicalResult convertUnary(NodeContext &ctx, bool floatOnly, IntFunction onInt = nullptr,
                           FloatFunction onFloat = nullptr) {
  if (failed(ctx.requireInputs(1)) || (floatOnly && failed(requireFloat(ctx, 0))))
    return failure();
  if (onFloat) {
    if (std::optional<HostTensor> host = ctx.hostInput(0)) {
      if (host->isFloat() || onInt) {
        ctx.setConstantOutput(0, host->map(onInt ? onInt : +[](int64_t v) { return v; },
                                           onFloat)
                                     .toAttr());
        return success();
      }
    }
  }
  FailureOr<Value> result = ctx.create<OpTy>(ctx.inputType(0), ctx.input(0));
  if (failed(result))
    return failure();
  ctx.setOutput(0, *result);
  return success();
}

LogicalResult convertNot(NodeContext &ctx) {
  if (failed(ctx.requireInputs(1)) || failed(requireBool(ctx, 0)))
    return failure();
  return convertUnary<graph::NotOp>(
      ctx, false, [](int64_t v) -> int64_t { return v == 0; }, [](double v) { return v; });
}

LogicalResult convertIdentity(NodeContext &ctx) {
  if (failed(ctx.requireInputs(1)))
    return failure();
  if (DenseElementsAttr constant = ctx.constantInput(0))
    ctx.setConstantOutput(0, constant);
  else
    ctx.setOutput(0, ctx.input(0));
  return success();
}

LogicalResult convertDropout(NodeContext &ctx) {
  if (failed(ctx.requireInputs(1)))
    return failure();
  if (ctx.opset >= 12 && ctx.hasInput(2)) {
    // Training with ratio 0 drops nothing, so it is the identity as well.
    std::optional<HostTensor> training = ctx.hostInput(2);
    std::optional<HostTensor> ratio;
    if (ctx.hasInput(1))
      ratio = ctx.hostInput(1);
    bool dropsNothing = ratio && ratio->size() == 1 && ratio->floatAt(0) == 0.0;
    if (!training || training->size() != 1 || (training->intAt(0) != 0 && !dropsNothing)) {
      ctx.emitError() << "training mode is not supported (only inference, where "
                         "Dropout is the identity)";
      return failure();
    }
  }
  if (ctx.isOutputUsed(1)) {
    // Nothing is dropped: the mask keeps every element.
    auto maskType = ctx.inputType(0).clone(IntegerType::get(ctx.getContext(), 1));
    ctx.setConstantOutput(1, DenseElementsAttr::get(maskType, true));
  }
  return convertIdentity(ctx);
}

LogicalResult convertCast(NodeContext &ctx) {
  if (failed(ctx.requireInputs(1)))
    return failure();
  int64_t to = ctx.getInt("to", 0);
  Type elementType = convertElementType(ctx.getContext(), to);
  if (ctx.hasFailed())
    return failure();
  if (!elementType) {
    ctx.emitError() << "cannot cast to " << onnxTypeName(to);
    return failure();
  }
  if (elementType == ctx.inputElementType(0))
    return convertIdentity(ctx);
  if (std::optional<HostTensor> host = ctx.hostInput(0)) {
    ctx.setConstantOutput(0, host->castTo(elementType).toAttr());
    return success();
  }
  FailureOr<Value> result =
      ctx.create<graph::CastOp>(ctx.inputType(0).clone(elementType), ctx.input(0));
  if (failed(result))
    return failure();
  ctx.setOutput(0, *result);
  return success();
}

//===----------------------------------------------------------------------===//
// Binary and variadic
//===----------------------------------------------------------------------===//

template <typename OpTy>
LogicalResult convertBinary(NodeContext &ctx, BinaryFunction function) {
  if (failed(ctx.requireInputs(2)))
    return failure();
  bool logic = function == BinaryFunction::And || function == BinaryFunction::Or ||
               function == BinaryFunction::Xor;
  if (logic && (failed(requireBool(ctx, 0)) || failed(requireBool(ctx, 1))))
    return failure();
  // Pow (opset 12+) lets the exponent have its own type; graph.pow computes
  // in the base's type, so the exponent is cast to it below.
  bool isPow = function == BinaryFunction::Pow;
  if (!isPow && failed(requireSameElementType(ctx, 0, 1)))
    return failure();

  std::optional<HostTensor> lhsHost = ctx.hostInput(0), rhsHost = ctx.hostInput(1);
  if (lhsHost && rhsHost) {
    if (std::optional<HostTensor> folded = evaluateBinary(function, *lhsHost, *rhsHost)) {
      ctx.setConstantOutput(0, folded->toAttr());
      return success();
    }
  }
  Value lhs = ctx.input(0), rhs = ctx.input(1);
  if (isPow && ctx.inputElementType(1) != ctx.inputElementType(0)) {
    FailureOr<Value> cast = ctx.create<graph::CastOp>(
        ctx.inputType(1).clone(ctx.inputElementType(0)), rhs);
    if (failed(cast))
      return failure();
    rhs = *cast;
  }
  FailureOr<Value> result = ctx.createInferred<OpTy>(lhs, rhs);
  if (failed(result))
    return failure();
  ctx.setOutput(0, *result);
  return success();
}

/// BitwiseAnd/Or/Xor/Not (opset 18) on integer tensors of one type.
template <typename OpTy> LogicalResult convertBitwise(NodeContext &ctx, int inputs) {
  if (failed(ctx.requireInputs(inputs)))
    return failure();
  for (int i = 0; i < inputs; ++i) {
    Type element = ctx.inputElementType(i);
    if (!element.isInteger() || element.isInteger(1)) {
      ctx.emitError() << "expects integer tensors but input " << i << " is "
                      << ctx.inputType(i);
      return failure();
    }
  }
  if (inputs == 2 && failed(requireSameElementType(ctx, 0, 1)))
    return failure();
  FailureOr<Value> result = failure();
  if constexpr (std::is_same_v<OpTy, graph::NotOp>)
    result = ctx.create<OpTy>(ctx.inputType(0), ctx.input(0));
  else
    result = ctx.createInferred<OpTy>(ctx.input(0), ctx.input(1));
  if (failed(result))
    return failure();
  ctx.setOutput(0, *result);
  return success();
}

/// Max, Min, Sum and Mean take one or more inputs; they chain binary ops.
template <typename OpTy>
LogicalResult convertVariadic(NodeContext &ctx, BinaryFunction function, bool mean) {
  if (ctx.numInputs() < 1) {
    ctx.emitError() << "expects at least one input";
    return failure();
  }
  if (failed(ctx.requireInputs(ctx.numInputs())))
    return failure();
  for (int i = 1; i < ctx.numInputs(); ++i)
    if (failed(requireSameElementType(ctx, 0, i)))
      return failure();
  if (mean && failed(requireFloat(ctx, 0)))
    return failure();

  // Fold when every input is a small constant.
  std::optional<HostTensor> folded = ctx.hostInput(0);
  for (int i = 1; folded && i < ctx.numInputs(); ++i) {
    std::optional<HostTensor> next = ctx.hostInput(i);
    folded = next ? evaluateBinary(function, *folded, *next) : std::nullopt;
  }
  if (folded && mean) {
    auto count = HostTensor::fromFloats(RankedTensorType::get({}, folded->getElementType()),
                                        {(double)ctx.numInputs()});
    folded = evaluateBinary(BinaryFunction::Div, *folded, count);
  }
  if (folded) {
    ctx.setConstantOutput(0, folded->toAttr());
    return success();
  }

  Value result = ctx.input(0);
  for (int i = 1; i < ctx.numInputs(); ++i) {
    FailureOr<Value> next = ctx.createInferred<OpTy>(result, ctx.input(i));
    if (failed(next))
      return failure();
    result = *next;
  }
  if (mean) {
    FailureOr<Value> divided = ctx.createInferred<graph::DivOp>(
        result, ctx.scalar(ctx.numInputs(), ctx.inputElementType(0)));
    if (failed(divided))
      return failure();
    result = *divided;
  }
  ctx.setOutput(0, result);
  return success();
}

LogicalResult convertWhere(NodeContext &ctx) {
  if (failed(ctx.requireInputs(3)) || failed(requireBool(ctx, 0)) ||
      failed(requireSameElementType(ctx, 1, 2)))
    return failure();
  std::optional<HostTensor> condition = ctx.hostInput(0), onTrue = ctx.hostInput(1),
                            onFalse = ctx.hostInput(2);
  if (condition && onTrue && onFalse) {
    if (std::optional<HostTensor> folded = evaluateSelect(*condition, *onTrue, *onFalse)) {
      ctx.setConstantOutput(0, folded->toAttr());
      return success();
    }
  }
  FailureOr<Value> result =
      ctx.createInferred<graph::SelectOp>(ctx.input(0), ctx.input(1), ctx.input(2));
  if (failed(result))
    return failure();
  ctx.setOutput(0, *result);
  return success();
}

//===----------------------------------------------------------------------===//
// Activations built from the ops above
//===----------------------------------------------------------------------===//

LogicalResult convertReciprocal(NodeContext &ctx) {
  if (failed(ctx.requireInputs(1)) || failed(requireFloat(ctx, 0)))
    return failure();
  FailureOr<Value> result = ctx.createInferred<graph::DivOp>(
      ctx.scalar(1.0, ctx.inputElementType(0)), ctx.input(0));
  if (failed(result))
    return failure();
  ctx.setOutput(0, *result);
  return success();
}

/// Clip bounds are attributes before opset 11 and optional inputs after.
LogicalResult convertClip(NodeContext &ctx) {
  if (failed(ctx.requireInputs(1)))
    return failure();
  Type elementType = ctx.inputElementType(0);
  Value lower, upper;
  if (ctx.opset < 11) {
    if (failed(requireFloat(ctx, 0)))
      return failure();
    if (ctx.hasAttribute("min"))
      lower = ctx.scalar(ctx.getFloat("min", -FLT_MAX), elementType);
    if (ctx.hasAttribute("max"))
      upper = ctx.scalar(ctx.getFloat("max", FLT_MAX), elementType);
  } else {
    for (int i : {1, 2}) {
      if (!ctx.hasInput(i))
        continue;
      if (failed(requireSameElementType(ctx, 0, i)))
        return failure();
      (i == 1 ? lower : upper) = ctx.input(i);
    }
  }
  if (ctx.hasFailed())
    return failure();
  Value result = ctx.input(0);
  if (lower) {
    FailureOr<Value> clamped = ctx.createInferred<graph::MaxOp>(result, lower);
    if (failed(clamped))
      return failure();
    result = *clamped;
  }
  if (upper) {
    FailureOr<Value> clamped = ctx.createInferred<graph::MinOp>(result, upper);
    if (failed(clamped))
      return failure();
    result = *clamped;
  }
  ctx.setOutput(0, result);
  return success();
}

/// x < 0 ? alpha * x : x.
LogicalResult convertLeakyRelu(NodeContext &ctx) {
  if (failed(ctx.requireInputs(1)) || failed(requireFloat(ctx, 0)))
    return failure();
  float alpha = ctx.getFloat("alpha", 0.01f);
  Value x = ctx.input(0);
  Type elementType = ctx.inputElementType(0);
  FailureOr<Value> negative = ctx.createInferred<graph::LessOp>(x, ctx.scalar(0, elementType));
  if (failed(negative))
    return failure();
  FailureOr<Value> scaled = ctx.createInferred<graph::MulOp>(x, ctx.scalar(alpha, elementType));
  if (failed(scaled))
    return failure();
  FailureOr<Value> result = ctx.createInferred<graph::SelectOp>(*negative, *scaled, x);
  if (failed(result) || ctx.hasFailed())
    return failure();
  ctx.setOutput(0, *result);
  return success();
}

/// max(0, min(1, alpha * x + beta)).
LogicalResult convertHardSigmoid(NodeContext &ctx) {
  if (failed(ctx.requireInputs(1)) || failed(requireFloat(ctx, 0)))
    return failure();
  Type elementType = ctx.inputElementType(0);
  float alpha = ctx.getFloat("alpha", 0.2f), beta = ctx.getFloat("beta", 0.5f);
  FailureOr<Value> scaled =
      ctx.createInferred<graph::MulOp>(ctx.input(0), ctx.scalar(alpha, elementType));
  if (failed(scaled))
    return failure();
  FailureOr<Value> shifted =
      ctx.createInferred<graph::AddOp>(*scaled, ctx.scalar(beta, elementType));
  if (failed(shifted))
    return failure();
  FailureOr<Value> upper =
      ctx.createInferred<graph::MinOp>(*shifted, ctx.scalar(1.0, elementType));
  if (failed(upper))
    return failure();
  FailureOr<Value> result =
      ctx.createInferred<graph::MaxOp>(*upper, ctx.scalar(0.0, elementType));
  if (failed(result) || ctx.hasFailed())
    return failure();
  ctx.setOutput(0, *result);
  return success();
}

} // namespace

void registerElementwiseConverters(llvm::StringMap<Converter> &converters) {
  // Unary. Only the cheap integer-friendly ones fold: they appear in shape
  // arithmetic; the transcendental ones are left to later constant folding.
  converters["Neg"] = [](NodeContext &ctx) {
    return convertUnary<graph::NegOp>(
        ctx, false, [](int64_t v) { return (int64_t)(0 - (uint64_t)v); },
        [](double v) { return -v; });
  };
  converters["Abs"] = [](NodeContext &ctx) {
    return convertUnary<graph::AbsOp>(
        ctx, false, [](int64_t v) { return v < 0 ? (int64_t)(0 - (uint64_t)v) : v; },
        [](double v) { return std::fabs(v); });
  };
  converters["Relu"] = [](NodeContext &ctx) {
    return convertUnary<graph::ReluOp>(
        ctx, false, [](int64_t v) { return v < 0 ? int64_t(0) : v; },
        [](double v) { return v < 0 ? 0.0 : v; });
  };
  converters["Sqrt"] = [](NodeContext &ctx) {
    return convertUnary<graph::SqrtOp>(ctx, true, nullptr,
                                       [](double v) { return std::sqrt(v); });
  };
  converters["Sigmoid"] = [](NodeContext &ctx) { return convertUnary<graph::SigmoidOp>(ctx, true); };
  converters["Tanh"] = [](NodeContext &ctx) { return convertUnary<graph::TanhOp>(ctx, true); };
  converters["Exp"] = [](NodeContext &ctx) { return convertUnary<graph::ExpOp>(ctx, true); };
  converters["Log"] = [](NodeContext &ctx) { return convertUnary<graph::LogOp>(ctx, true); };
  converters["Erf"] = [](NodeContext &ctx) { return convertUnary<graph::ErfOp>(ctx, true); };
  converters["Not"] = convertNot;
  converters["Identity"] = convertIdentity;
  converters["Dropout"] = convertDropout;
  converters["Cast"] = convertCast;
  converters["Reciprocal"] = convertReciprocal;
  converters["Clip"] = convertClip;
  converters["LeakyRelu"] = convertLeakyRelu;
  converters["HardSigmoid"] = convertHardSigmoid;

  // Binary, with broadcasting.
  converters["Add"] = [](NodeContext &ctx) { return convertBinary<graph::AddOp>(ctx, BinaryFunction::Add); };
  converters["Sub"] = [](NodeContext &ctx) { return convertBinary<graph::SubOp>(ctx, BinaryFunction::Sub); };
  converters["Mul"] = [](NodeContext &ctx) { return convertBinary<graph::MulOp>(ctx, BinaryFunction::Mul); };
  converters["Div"] = [](NodeContext &ctx) { return convertBinary<graph::DivOp>(ctx, BinaryFunction::Div); };
  converters["Pow"] = [](NodeContext &ctx) { return convertBinary<graph::PowOp>(ctx, BinaryFunction::Pow); };
  converters["Equal"] = [](NodeContext &ctx) { return convertBinary<graph::EqualOp>(ctx, BinaryFunction::Equal); };
  converters["Less"] = [](NodeContext &ctx) { return convertBinary<graph::LessOp>(ctx, BinaryFunction::Less); };
  converters["LessOrEqual"] = [](NodeContext &ctx) { return convertBinary<graph::LessEqualOp>(ctx, BinaryFunction::LessEqual); };
  converters["Greater"] = [](NodeContext &ctx) { return convertBinary<graph::GreaterOp>(ctx, BinaryFunction::Greater); };
  converters["GreaterOrEqual"] = [](NodeContext &ctx) { return convertBinary<graph::GreaterEqualOp>(ctx, BinaryFunction::GreaterEqual); };
  converters["And"] = [](NodeContext &ctx) { return convertBinary<graph::AndOp>(ctx, BinaryFunction::And); };
  converters["Or"] = [](NodeContext &ctx) { return convertBinary<graph::OrOp>(ctx, BinaryFunction::Or); };
  converters["Xor"] = [](NodeContext &ctx) { return convertBinary<graph::XorOp>(ctx, BinaryFunction::Xor); };
  converters["BitwiseAnd"] = [](NodeContext &ctx) { return convertBitwise<graph::AndOp>(ctx, 2); };
  converters["BitwiseOr"] = [](NodeContext &ctx) { return convertBitwise<graph::OrOp>(ctx, 2); };
  converters["BitwiseXor"] = [](NodeContext &ctx) { return convertBitwise<graph::XorOp>(ctx, 2); };
  converters["BitwiseNot"] = [](NodeContext &ctx) { return convertBitwise<graph::NotOp>(ctx, 1); };

  // Variadic.
  converters["Max"] = [](NodeContext &ctx) { return convertVariadic<graph::MaxOp>(ctx, BinaryFunction::Max, false); };
  converters["Min"] = [](NodeContext &ctx) { return convertVariadic<graph::MinOp>(ctx, BinaryFunction::Min, false); };
  converters["Sum"] = [](NodeContext &ctx) { return convertVariadic<graph::AddOp>(ctx, BinaryFunction::Add, false); };
  converters["Mean"] = [](NodeContext &ctx) { return convertVariadic<graph::AddOp>(ctx, BinaryFunction::Add, true); };
  converters["Where"] = convertWhere;
}

} // namespace smelt::onnx_frontend
