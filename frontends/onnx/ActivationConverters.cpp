//===- ActivationConverters.cpp - Math functions and activations -----------===//
//
// Unary math functions that map one-to-one onto graph ops (trigonometric,
// hyperbolic, rounding), activations that decompose into graph ops (Elu,
// Selu, Celu, Softplus, Softsign, ThresholdedRelu, PRelu, HardSwish, Gelu,
// Mish), and
// CastLike. Each decomposition follows the formula in the ONNX operator
// specification.
//
//===----------------------------------------------------------------------===//
#include "frontends/onnx/NodeContext.h"
#include "frontends/onnx/OpChain.h"

#include "dialects/graph/IR/GraphOps.h"

#include <cmath>

using namespace mlir;

namespace smelt::onnx_frontend {
namespace {

/// OpChain with the formula vocabulary of the activations: constants of the
/// input's element type, binary ops, select.
class Formula : public OpChain {
public:
  explicit Formula(NodeContext &ctx) : OpChain(ctx), elementType(ctx.inputElementType(0)) {}
  Value constant(double value) { return ctx.scalar(value, elementType); }
  template <typename OpTy> Value binary(Value lhs, Value rhs) { return make<OpTy>(lhs, rhs); }
  Value select(Value condition, Value onTrue, Value onFalse) {
    return make<graph::SelectOp>(condition, onTrue, onFalse);
  }

private:
  Type elementType;
};

LogicalResult requireFloatInput(NodeContext &ctx) {
  if (failed(ctx.requireInputs(1)))
    return failure();
  if (isa<FloatType>(ctx.inputElementType(0)))
    return success();
  ctx.emitError() << "expects a float tensor but input 0 is " << ctx.inputType(0);
  return failure();
}

double floorOf(double v) { return std::floor(v); }
double ceilOf(double v) { return std::ceil(v); }
double roundOf(double v) { return std::nearbyint(v); } // half to even, as ONNX

/// A unary math op; with `Fold`, a constant input folds at import time (so
/// shape arithmetic such as Range's ceil((limit - start) / delta) stays
/// constant).
template <typename OpTy, double (*Fold)(double) = nullptr>
LogicalResult convertMath(NodeContext &ctx) {
  if (failed(requireFloatInput(ctx)))
    return failure();
  if constexpr (Fold != nullptr) {
    if (std::optional<HostTensor> host = ctx.hostInput(0)) {
      ctx.setConstantOutput(0, host->map(nullptr, Fold).toAttr());
      return success();
    }
  }
  Formula f(ctx);
  return f.output(f.unary<OpTy>(ctx.input(0)));
}

/// x < 0 ? alpha * (exp(x) - 1) : x
LogicalResult convertElu(NodeContext &ctx) {
  if (failed(requireFloatInput(ctx)))
    return failure();
  Formula f(ctx);
  Value x = ctx.input(0);
  double alpha = ctx.getFloat("alpha", 1.0f);
  Value negative = f.binary<graph::MulOp>(
      f.constant(alpha), f.binary<graph::SubOp>(f.unary<graph::ExpOp>(x), f.constant(1)));
  return f.output(f.select(f.binary<graph::LessOp>(x, f.constant(0)), negative, x));
}

/// gamma * (x <= 0 ? alpha * (exp(x) - 1) : x)
LogicalResult convertSelu(NodeContext &ctx) {
  if (failed(requireFloatInput(ctx)))
    return failure();
  Formula f(ctx);
  Value x = ctx.input(0);
  double alpha = ctx.getFloat("alpha", 1.67326319217681884765625f);
  double gamma = ctx.getFloat("gamma", 1.05070102214813232421875f);
  Value negative = f.binary<graph::MulOp>(
      f.constant(alpha), f.binary<graph::SubOp>(f.unary<graph::ExpOp>(x), f.constant(1)));
  Value chosen = f.select(f.binary<graph::LessEqualOp>(x, f.constant(0)), negative, x);
  return f.output(f.binary<graph::MulOp>(f.constant(gamma), chosen));
}

/// max(0, x) + min(0, alpha * (exp(x / alpha) - 1))
LogicalResult convertCelu(NodeContext &ctx) {
  if (failed(requireFloatInput(ctx)))
    return failure();
  Formula f(ctx);
  Value x = ctx.input(0);
  double alpha = ctx.getFloat("alpha", 1.0f);
  Value scaled = f.unary<graph::ExpOp>(f.binary<graph::DivOp>(x, f.constant(alpha)));
  Value negative = f.binary<graph::MulOp>(f.constant(alpha),
                                          f.binary<graph::SubOp>(scaled, f.constant(1)));
  return f.output(f.binary<graph::AddOp>(f.binary<graph::MaxOp>(x, f.constant(0)),
                                         f.binary<graph::MinOp>(negative, f.constant(0))));
}

/// log(exp(x) + 1)
LogicalResult convertSoftplus(NodeContext &ctx) {
  if (failed(requireFloatInput(ctx)))
    return failure();
  Formula f(ctx);
  Value x = ctx.input(0);
  return f.output(f.unary<graph::LogOp>(
      f.binary<graph::AddOp>(f.unary<graph::ExpOp>(x), f.constant(1))));
}

/// x / (1 + |x|)
LogicalResult convertSoftsign(NodeContext &ctx) {
  if (failed(requireFloatInput(ctx)))
    return failure();
  Formula f(ctx);
  Value x = ctx.input(0);
  return f.output(f.binary<graph::DivOp>(
      x, f.binary<graph::AddOp>(f.constant(1), f.unary<graph::AbsOp>(x))));
}

/// x > alpha ? x : 0
LogicalResult convertThresholdedRelu(NodeContext &ctx) {
  if (failed(requireFloatInput(ctx)))
    return failure();
  Formula f(ctx);
  Value x = ctx.input(0);
  double alpha = ctx.getFloat("alpha", 1.0f);
  Value zero = f.binary<graph::MulOp>(x, f.constant(0));
  return f.output(f.select(f.binary<graph::GreaterOp>(x, f.constant(alpha)), x, zero));
}

/// x < 0 ? slope * x : x, with slope broadcast to x (unidirectional).
LogicalResult convertPRelu(NodeContext &ctx) {
  if (failed(ctx.requireInputs(2)) || failed(requireFloatInput(ctx)))
    return failure();
  Formula f(ctx);
  Value x = ctx.input(0);
  Value slope = ctx.input(1);
  // Before opset 7 a 1-D slope holds one value per channel (axis 1).
  auto slopeType = ctx.inputType(1), xType = ctx.inputType(0);
  if (ctx.opset < 7 && slopeType.getRank() == 1 && xType.getRank() >= 2 &&
      slopeType.getDimSize(0) == xType.getDimSize(1) && slopeType.getDimSize(0) != 1) {
    SmallVector<int64_t> perChannel(xType.getRank() - 1, 1);
    perChannel[0] = slopeType.getDimSize(0);
    FailureOr<Value> reshaped = ctx.reshape(slope, perChannel);
    if (failed(reshaped))
      return failure();
    slope = *reshaped;
  }
  Value scaled = f.binary<graph::MulOp>(x, slope);
  Value result = f.select(f.binary<graph::LessOp>(x, f.constant(0)), scaled, x);
  if (result && cast<ShapedType>(result.getType()).getShape() != ctx.inputType(0).getShape()) {
    ctx.emitError() << "slope " << ctx.inputType(1) << " does not broadcast to X "
                    << ctx.inputType(0);
    return failure();
  }
  return f.output(result);
}

/// x * max(0, min(1, x / 6 + 0.5))
LogicalResult convertHardSwish(NodeContext &ctx) {
  if (failed(requireFloatInput(ctx)))
    return failure();
  Formula f(ctx);
  Value x = ctx.input(0);
  Value gate = f.binary<graph::AddOp>(f.binary<graph::MulOp>(x, f.constant(1.0 / 6.0)),
                                      f.constant(0.5));
  gate = f.binary<graph::MaxOp>(f.binary<graph::MinOp>(gate, f.constant(1)), f.constant(0));
  return f.output(f.binary<graph::MulOp>(x, gate));
}

/// Gelu (opset 20): x * Phi(x) with the normal CDF
/// Phi(x) = (1 + erf(x / sqrt 2)) / 2, or with approximate = "tanh"
/// (1 + tanh(sqrt(2 / pi) * (x + 0.044715 x^3))) / 2.
LogicalResult convertGelu(NodeContext &ctx) {
  if (failed(requireFloatInput(ctx)))
    return failure();
  std::string approximate = ctx.getString("approximate", "none");
  if (ctx.hasFailed())
    return failure();
  if (approximate != "none" && approximate != "tanh") {
    ctx.emitError() << "unknown approximate '" << approximate << "' (none or tanh)";
    return failure();
  }
  Formula f(ctx);
  Value x = ctx.input(0);
  Value inner;
  if (approximate == "none") {
    inner = f.unary<graph::ErfOp>(f.binary<graph::MulOp>(x, f.constant(M_SQRT1_2)));
  } else {
    Value cube = f.binary<graph::MulOp>(f.binary<graph::MulOp>(x, x), x);
    Value argument = f.binary<graph::MulOp>(
        f.constant(std::sqrt(2 / M_PI)),
        f.binary<graph::AddOp>(x, f.binary<graph::MulOp>(f.constant(0.044715), cube)));
    inner = f.unary<graph::TanhOp>(argument);
  }
  Value half = f.binary<graph::MulOp>(x, f.constant(0.5));
  return f.output(f.binary<graph::MulOp>(half, f.binary<graph::AddOp>(inner, f.constant(1))));
}

/// Mish (opset 18): x * tanh(softplus(x)), softplus(x) = log(1 + exp(x)).
LogicalResult convertMish(NodeContext &ctx) {
  if (failed(requireFloatInput(ctx)))
    return failure();
  Formula f(ctx);
  Value x = ctx.input(0);
  Value softplus = f.unary<graph::Log1pOp>(f.unary<graph::ExpOp>(x));
  return f.output(f.binary<graph::MulOp>(x, f.unary<graph::TanhOp>(softplus)));
}

/// Cast to the element type of input 1.
LogicalResult convertCastLike(NodeContext &ctx) {
  if (failed(ctx.requireInputs(2)))
    return failure();
  Type target = ctx.inputElementType(1);
  if (target == ctx.inputElementType(0)) {
    ctx.setOutput(0, ctx.input(0));
    return success();
  }
  FailureOr<Value> result =
      ctx.create<graph::CastOp>(ctx.inputType(0).clone(target), ctx.input(0));
  if (failed(result))
    return failure();
  ctx.setOutput(0, *result);
  return success();
}

} // namespace

void registerActivationConverters(llvm::StringMap<Converter> &converters) {
  converters["Floor"] = convertMath<graph::FloorOp, floorOf>;
  converters["Ceil"] = convertMath<graph::CeilOp, ceilOf>;
  converters["Round"] = convertMath<graph::RoundOp, roundOf>;
  converters["Sin"] = convertMath<graph::SinOp>;
  converters["Cos"] = convertMath<graph::CosOp>;
  converters["Tan"] = convertMath<graph::TanOp>;
  converters["Asin"] = convertMath<graph::AsinOp>;
  converters["Acos"] = convertMath<graph::AcosOp>;
  converters["Atan"] = convertMath<graph::AtanOp>;
  converters["Sinh"] = convertMath<graph::SinhOp>;
  converters["Cosh"] = convertMath<graph::CoshOp>;
  converters["Asinh"] = convertMath<graph::AsinhOp>;
  converters["Acosh"] = convertMath<graph::AcoshOp>;
  converters["Atanh"] = convertMath<graph::AtanhOp>;
  converters["Elu"] = convertElu;
  converters["Selu"] = convertSelu;
  converters["Celu"] = convertCelu;
  converters["Softplus"] = convertSoftplus;
  converters["Softsign"] = convertSoftsign;
  converters["ThresholdedRelu"] = convertThresholdedRelu;
  converters["PRelu"] = convertPRelu;
  converters["HardSwish"] = convertHardSwish;
  converters["Gelu"] = convertGelu;
  converters["Mish"] = convertMish;
  converters["CastLike"] = convertCastLike;
}

} // namespace smelt::onnx_frontend
