//===- SpecialFunctions.cpp - CHLO's special functions as graph ops ---------===//
//
// lgamma and digamma written with elementwise graph ops, the way CHLO's own
// lowering defines them (so results agree with XLA's to a few ulp): the
// Lanczos approximation (g = 7, nine coefficients) for x >= 1/2 and Euler's
// reflection formula below. f16 and bf16 compute in f32.
//
//===----------------------------------------------------------------------===//
#include "frontends/stablehlo/StablehloConverter.h"

#include <cmath>

using namespace mlir;
using namespace smelt;
using namespace smelt::stablehlo_frontend;

namespace {

constexpr double kLanczosGamma = 7.0;
constexpr double kLanczosBase = 0.99999999999980993227684700473478;
constexpr double kLanczosCoefficients[] = {
    676.520368121885098567009190444019, -1259.13921672240287047156078755283,
    771.3234287776530788486528258894,   -176.61502916214059906584551354,
    12.507343278686904814458936853,     -0.13857109526572011689554707,
    9.984369578019570859563e-6,         1.50563273514931155834e-7};

/// Builds elementwise graph ops on tensors of one type, constants as rank-0
/// splats (graph ops broadcast them).
struct Expr {
  OpBuilder &b;
  Location loc;
  Type element;

  Value c(double value) { return splat(b, loc, element, value); }
  Value add(Value x, Value y) { return graph::AddOp::create(b, loc, x, y); }
  Value sub(Value x, Value y) { return graph::SubOp::create(b, loc, x, y); }
  Value mul(Value x, Value y) { return graph::MulOp::create(b, loc, x, y); }
  Value div(Value x, Value y) { return graph::DivOp::create(b, loc, x, y); }
  Value log(Value x) { return graph::LogOp::create(b, loc, x); }
  Value log1p(Value x) { return graph::Log1pOp::create(b, loc, x); }
  Value sin(Value x) { return graph::SinOp::create(b, loc, x); }
  Value cos(Value x) { return graph::CosOp::create(b, loc, x); }
  Value floor(Value x) { return graph::FloorOp::create(b, loc, x); }
  Value abs(Value x) { return graph::AbsOp::create(b, loc, x); }
  Value less(Value x, Value y) { return graph::LessOp::create(b, loc, x, y); }
  Value lessEqual(Value x, Value y) { return graph::LessEqualOp::create(b, loc, x, y); }
  Value greater(Value x, Value y) { return graph::GreaterOp::create(b, loc, x, y); }
  Value equal(Value x, Value y) { return graph::EqualOp::create(b, loc, x, y); }
  Value both(Value x, Value y) { return graph::AndOp::create(b, loc, x, y); }
  Value select(Value p, Value x, Value y) { return graph::SelectOp::create(b, loc, p, x, y); }
  Value isFinite(Value x) {
    auto type = cast<RankedTensorType>(x.getType());
    return graph::IsFiniteOp::create(b, loc, type.clone(b.getI1Type()), x);
  }
  Value isInfinite(Value x) {
    auto floatType = cast<FloatType>(element);
    Value infinity = splatAttr(
        b, loc, FloatAttr::get(floatType, APFloat::getInf(floatType.getFloatSemantics())));
    return equal(abs(x), infinity);
  }
};

/// z = (x < 1/2 ? -x : x - 1) and the Lanczos sums for it.
struct Lanczos {
  Value reflect, z, t, logT;
  Value sum;       // base + sum c_i / (z + i + 1)
  Value sumPrime;  // -sum c_i / (z + i + 1)^2
};

Lanczos lanczos(Expr &e, Value x) {
  Lanczos l;
  l.reflect = e.less(x, e.c(0.5));
  l.z = e.select(l.reflect, graph::NegOp::create(e.b, e.loc, x), e.sub(x, e.c(1.0)));
  l.sum = e.c(kLanczosBase);
  l.sumPrime = e.c(0.0);
  for (int i = 0; i < 8; ++i) {
    Value denominator = e.add(l.z, e.c(i + 1));
    Value term = e.div(e.c(kLanczosCoefficients[i]), denominator);
    l.sum = e.add(l.sum, term);
    l.sumPrime = e.sub(l.sumPrime, e.div(term, denominator));
  }
  double shift = kLanczosGamma + 0.5;
  l.t = e.add(l.z, e.c(shift));
  // log(t) without cancellation for small z.
  l.logT = e.add(e.c(std::log(shift)), e.log1p(e.div(l.z, e.c(shift))));
  return l;
}

Value lgamma(Expr &e, Value x) {
  Lanczos l = lanczos(e, x);
  // (z + 1/2) log(t) - t, as (z + 1/2 - t / log(t)) log(t).
  Value logY = e.add(
      e.add(e.c(0.5 * std::log(2 * M_PI)),
            e.mul(e.sub(e.add(l.z, e.c(0.5)), e.div(l.t, l.logT)), l.logT)),
      e.log(l.sum));
  // Reflection: lgamma(x) = log(pi) - log|sin(pi x)| - lgamma(1 - x), with
  // sin evaluated on the fraction nearest zero for accuracy.
  Value magnitude = e.abs(x);
  Value fraction = e.sub(magnitude, e.floor(magnitude));
  Value reduced = e.select(e.greater(fraction, e.c(0.5)), e.sub(e.c(1.0), fraction), fraction);
  Value reflectionDenominator = e.log(e.sin(e.mul(e.c(M_PI), reduced)));
  Value reflection =
      e.select(e.isFinite(reflectionDenominator),
               e.sub(e.sub(e.c(std::log(M_PI)), reflectionDenominator), logY),
               graph::NegOp::create(e.b, e.loc, reflectionDenominator));
  Value result = e.select(l.reflect, reflection, logY);
  auto floatType = cast<FloatType>(e.element);
  Value infinity = splatAttr(
      e.b, e.loc, FloatAttr::get(floatType, APFloat::getInf(floatType.getFloatSemantics())));
  return e.select(e.isInfinite(x), infinity, result);
}

Value digamma(Expr &e, Value x) {
  Lanczos l = lanczos(e, x);
  Value y = e.sub(e.add(l.logT, e.div(l.sumPrime, l.sum)), e.div(e.c(kLanczosGamma), l.t));
  // Reflection: digamma(x) = digamma(1 - x) - pi cot(pi x), with the
  // argument moved by whole periods next to zero.
  Value reduced = e.add(x, e.abs(e.floor(e.add(x, e.c(0.5)))));
  Value angle = e.mul(e.c(M_PI), reduced);
  Value reflection = e.sub(y, e.div(e.mul(e.c(M_PI), e.cos(angle)), e.sin(angle)));
  Value result = e.select(l.reflect, reflection, y);
  // Poles at zero and the negative integers.
  Value pole = e.both(e.lessEqual(x, e.c(0.0)), e.equal(x, e.floor(x)));
  auto floatType = cast<FloatType>(e.element);
  Value nan = splatAttr(e.b, e.loc,
                        FloatAttr::get(floatType, APFloat::getNaN(floatType.getFloatSemantics())));
  return e.select(pole, nan, result);
}

} // namespace

std::optional<LogicalResult> smelt::stablehlo_frontend::convertSpecialFunction(Converter &c,
                                                                               Operation *op) {
  StringRef name = op->getName().getStringRef();
  if (name != "chlo.lgamma" && name != "chlo.digamma")
    return std::nullopt;
  Value input = c.get(op->getOperand(0), op);
  if (!input)
    return failure();
  Type element = tensorType(input).getElementType();
  if (!isa<FloatType>(element))
    return op->emitError("'") << name << "' needs float operands";
  OpBuilder &b = c.builder;
  Type compute = element.isF64() ? element : b.getF32Type();
  Expr e{b, op->getLoc(), compute};
  Value x = castTo(b, op->getLoc(), input, compute);
  Value result = name == "chlo.lgamma" ? lgamma(e, x) : digamma(e, x);
  c.set(op->getResult(0), castTo(b, op->getLoc(), result, element));
  return success();
}
