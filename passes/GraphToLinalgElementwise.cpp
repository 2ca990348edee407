//===- GraphToLinalgElementwise.cpp - Elementwise graph ops to scalars -----===//
//
// The scalar computation of every elementwise graph op, used inside the
// linalg.generic of an elementwise op and inside the loops of ops with
// combiner regions (reduce, scatter, sort, ...). Integer semantics follow
// StableHLO where ONNX leaves a case undefined: division by zero gives all
// ones, remainder by zero the dividend, shifts past the bit width 0 (or the
// sign), and nothing ever traps.
//
//===----------------------------------------------------------------------===//
#include "passes/GraphToLinalgInternal.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Complex/IR/Complex.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace smelt;
using namespace smelt::graph;
using namespace smelt::lowering;

static Type elementTypeOf(Value value) {
  return cast<ShapedType>(value.getType()).getElementType();
}

/// An all-ones integer of `type` (-1; true for i1).
static Value allOnes(OpBuilder &b, Location loc, Type type) {
  return arith::ConstantOp::create(
      b, loc, b.getIntegerAttr(type, APInt::getAllOnes(type.getIntOrFloatBitWidth())));
}

static Value integerConstant(OpBuilder &b, Location loc, Type type, const APInt &value) {
  return arith::ConstantOp::create(b, loc, b.getIntegerAttr(type, value));
}

/// `compute` on f32 for f16/bf16 operands (math functions have no 16-bit
/// implementations), rounded back to the operands' type.
static Value viaF32(OpBuilder &b, Location loc, ValueRange operands,
                    function_ref<Value(ValueRange)> compute) {
  Type type = operands.front().getType();
  if (!type.isF16() && !type.isBF16())
    return compute(operands);
  SmallVector<Value> wide;
  for (Value operand : operands)
    wide.push_back(arith::ExtFOp::create(b, loc, b.getF32Type(), operand));
  return arith::TruncFOp::create(b, loc, type, compute(wide));
}

template <typename MathOp>
static Value math1(OpBuilder &b, Location loc, Value x) {
  return viaF32(b, loc, x, [&](ValueRange v) { return MathOp::create(b, loc, v[0]).getResult(); });
}

/// The integer type of `floatType`'s width.
static IntegerType bitsType(OpBuilder &b, Type floatType) {
  return b.getIntegerType(floatType.getIntOrFloatBitWidth());
}

static Value isNaN(OpBuilder &b, Location loc, Value x) {
  return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNO, x, x);
}

/// StableHLO's sign: -1, 0 or 1; floats keep NaN and the sign of zero.
static Value signOf(OpBuilder &b, Location loc, Value x, bool isUnsigned) {
  Type type = x.getType();
  if (isa<FloatType>(type)) {
    Value one = scalarConstant(b, loc, type, 1.0);
    Value signedOne = math::CopySignOp::create(b, loc, one, x);
    Value zero = scalarConstant(b, loc, type, 0.0);
    Value isZero = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, x, zero);
    Value keep = arith::OrIOp::create(b, loc, isZero, isNaN(b, loc, x));
    return arith::SelectOp::create(b, loc, keep, x, signedOne);
  }
  Value zero = scalarConstant(b, loc, type, 0);
  Value one = scalarConstant(b, loc, type, 1);
  Value positive = arith::CmpIOp::create(
      b, loc, isUnsigned ? arith::CmpIPredicate::ne : arith::CmpIPredicate::sgt, x, zero);
  if (isUnsigned || type.isInteger(1))
    return arith::SelectOp::create(b, loc, positive, one, zero);
  Value negative = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, x, zero);
  Value minusOne = scalarConstant(b, loc, type, -1);
  return arith::SelectOp::create(b, loc, positive, one,
                                 arith::SelectOp::create(b, loc, negative, minusOne, zero));
}

/// Shifts with StableHLO's out-of-range rule: a shift amount (read as
/// unsigned) of the bit width or more gives 0, or the sign for an arithmetic
/// right shift.
static Value shift(OpBuilder &b, Location loc, Operation *op, Value x, Value amount) {
  Type type = x.getType();
  unsigned width = type.getIntOrFloatBitWidth();
  Value widthValue = scalarConstant(b, loc, type, width);
  Value outOfRange =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::uge, amount, widthValue);
  Value zero = scalarConstant(b, loc, type, 0);
  if (isa<ShiftLeftOp>(op))
    return arith::SelectOp::create(b, loc, outOfRange, zero,
                                   arith::ShLIOp::create(b, loc, x, amount));
  if (isa<ShiftRightLogicalOp>(op))
    return arith::SelectOp::create(b, loc, outOfRange, zero,
                                   arith::ShRUIOp::create(b, loc, x, amount));
  Value signFill =
      arith::ShRSIOp::create(b, loc, x, scalarConstant(b, loc, type, width - 1));
  return arith::SelectOp::create(b, loc, outOfRange, signFill,
                                 arith::ShRSIOp::create(b, loc, x, amount));
}

/// The next representable float after x towards y (C's nextafter).
static Value nextAfter(OpBuilder &b, Location loc, Value x, Value y) {
  using F = arith::CmpFPredicate;
  using P = arith::CmpIPredicate;
  Type type = x.getType();
  IntegerType bits = bitsType(b, type);
  unsigned width = bits.getWidth();
  Value xBits = arith::BitcastOp::create(b, loc, bits, x);
  Value yBits = arith::BitcastOp::create(b, loc, bits, y);
  Value signMask = integerConstant(b, loc, bits, APInt::getSignMask(width));
  Value one = integerConstant(b, loc, bits, APInt(width, 1));
  Value zero = scalarConstant(b, loc, type, 0.0);
  // From zero: the smallest subnormal with y's sign.
  Value fromZero = arith::OrIOp::create(b, loc, arith::AndIOp::create(b, loc, yBits, signMask), one);
  // Otherwise one step of the magnitude: up when moving away from zero.
  Value xNegative = arith::CmpIOp::create(b, loc, P::ne,
                                          arith::AndIOp::create(b, loc, xBits, signMask),
                                          integerConstant(b, loc, bits, APInt(width, 0)));
  Value towardsLarger = arith::CmpFOp::create(b, loc, F::OLT, x, y);
  Value awayFromZero = arith::XOrIOp::create(b, loc, towardsLarger, xNegative);
  Value stepped = arith::SelectOp::create(b, loc, awayFromZero,
                                          arith::AddIOp::create(b, loc, xBits, one),
                                          arith::SubIOp::create(b, loc, xBits, one));
  Value xIsZero = arith::CmpFOp::create(b, loc, F::OEQ, x, zero);
  Value resultBits = arith::SelectOp::create(b, loc, xIsZero, fromZero, stepped);
  Value result = arith::BitcastOp::create(b, loc, type, resultBits);
  Value equal = arith::CmpFOp::create(b, loc, F::OEQ, x, y);
  result = arith::SelectOp::create(b, loc, equal, y, result);
  Value eitherNaN = arith::CmpFOp::create(b, loc, F::UNO, x, y);
  return arith::SelectOp::create(b, loc, eitherNaN, arith::AddFOp::create(b, loc, x, y), result);
}

/// x rounded to a float format of `exponentBits`/`mantissaBits`, kept in x's
/// type: the mantissa rounds to nearest even, then exponents beyond the
/// narrow format's range overflow to infinity or flush to zero.
static Value reducePrecision(OpBuilder &b, Location loc, Value x, int exponentBits,
                             int mantissaBits) {
  Type type = x.getType();
  auto floatType = cast<FloatType>(type);
  IntegerType bits = bitsType(b, type);
  unsigned width = bits.getWidth();
  int sourceMantissa = floatType.getFPMantissaWidth() - 1;
  int sourceExponent = width - 1 - sourceMantissa;
  auto constant = [&](const APInt &v) { return integerConstant(b, loc, bits, v); };
  Value xBits = arith::BitcastOp::create(b, loc, bits, x);
  if (mantissaBits < sourceMantissa) {
    unsigned dropped = sourceMantissa - mantissaBits;
    APInt lastKept = APInt::getOneBitSet(width, dropped);
    Value lastKeptBit = arith::ShRUIOp::create(
        b, loc, arith::AndIOp::create(b, loc, xBits, constant(lastKept)),
        constant(APInt(width, dropped)));
    // Round half to even: add half an ulp less one, plus the kept lsb.
    Value bias = arith::AddIOp::create(b, loc, lastKeptBit,
                                       constant(lastKept.lshr(1) - 1));
    Value truncationMask = constant(~(lastKept - 1));
    xBits = arith::AndIOp::create(b, loc, arith::AddIOp::create(b, loc, xBits, bias),
                                  truncationMask);
  }
  if (exponentBits < sourceExponent) {
    APInt signMask = APInt::getSignMask(width);
    APInt exponentMask = APInt::getBitsSet(width, sourceMantissa, width - 1);
    int64_t bias = (int64_t(1) << (sourceExponent - 1)) - 1;
    int64_t reducedBias = (int64_t(1) << (exponentBits - 1)) - 1;
    Value exponent = arith::AndIOp::create(b, loc, xBits, constant(exponentMask));
    Value overflows = arith::CmpIOp::create(
        b, loc, arith::CmpIPredicate::ugt, exponent,
        constant(APInt(width, bias + reducedBias) << sourceMantissa));
    Value underflows = arith::CmpIOp::create(
        b, loc, arith::CmpIPredicate::ule, exponent,
        constant(APInt(width, bias - reducedBias) << sourceMantissa));
    Value signedZero = arith::AndIOp::create(b, loc, xBits, constant(signMask));
    Value signedInfinity = arith::OrIOp::create(b, loc, signedZero, constant(exponentMask));
    xBits = arith::SelectOp::create(b, loc, overflows, signedInfinity,
                                    arith::SelectOp::create(b, loc, underflows, signedZero, xBits));
  }
  Value result = arith::BitcastOp::create(b, loc, type, xBits);
  // NaN stays NaN while some mantissa bit survives to say so; without
  // mantissa bits it becomes an infinity of its sign.
  Value nanResult = x;
  if (mantissaBits == 0)
    nanResult = math::CopySignOp::create(b, loc, highestValue(b, loc, type, false), x);
  return arith::SelectOp::create(b, loc, isNaN(b, loc, x), nanResult, result);
}

/// Integer division and remainder that never trap: x / 0 is all ones, x % 0
/// is x, INT_MIN / -1 wraps to INT_MIN and INT_MIN % -1 is 0.
static Value integerDivide(OpBuilder &b, Location loc, Value x, Value y, bool isUnsigned,
                           bool remainder) {
  using P = arith::CmpIPredicate;
  Type type = x.getType();
  Value zero = scalarConstant(b, loc, type, 0);
  Value one = scalarConstant(b, loc, type, 1);
  Value isZero = arith::CmpIOp::create(b, loc, P::eq, y, zero);
  Value divisor = arith::SelectOp::create(b, loc, isZero, one, y);
  Value result;
  if (isUnsigned) {
    result = remainder ? arith::RemUIOp::create(b, loc, x, divisor).getResult()
                       : arith::DivUIOp::create(b, loc, x, divisor).getResult();
  } else {
    Value isMinusOne = arith::CmpIOp::create(b, loc, P::eq, divisor, allOnes(b, loc, type));
    Value safe = arith::SelectOp::create(b, loc, isMinusOne, one, divisor);
    if (remainder) {
      result = arith::SelectOp::create(b, loc, isMinusOne, zero,
                                       arith::RemSIOp::create(b, loc, x, safe));
    } else {
      result = arith::SelectOp::create(b, loc, isMinusOne, arith::SubIOp::create(b, loc, zero, x),
                                       arith::DivSIOp::create(b, loc, x, safe));
    }
  }
  return arith::SelectOp::create(b, loc, isZero, remainder ? x : allOnes(b, loc, type), result);
}

/// The scalar computation of an elementwise graph op on complex numbers, with
/// MLIR's complex dialect (lowered to arith/math by the backends).
static FailureOr<Value> complexScalarOf(OpBuilder &b, Location loc, Operation *op,
                                        ValueRange v) {
  Type type = v[0].getType();
  auto one = [&]() { return scalarConstant(b, loc, type, 1.0); };
  return llvm::TypeSwitch<Operation *, FailureOr<Value>>(op)
      .Case([&](AddOp) { return complex::AddOp::create(b, loc, v[0], v[1]).getResult(); })
      .Case([&](SubOp) { return complex::SubOp::create(b, loc, v[0], v[1]).getResult(); })
      .Case([&](MulOp) { return complex::MulOp::create(b, loc, v[0], v[1]).getResult(); })
      .Case([&](DivOp) { return complex::DivOp::create(b, loc, v[0], v[1]).getResult(); })
      .Case([&](PowOp) { return complex::PowOp::create(b, loc, v[0], v[1]).getResult(); })
      .Case([&](NegOp) { return complex::NegOp::create(b, loc, v[0]).getResult(); })
      .Case([&](ExpOp) { return complex::ExpOp::create(b, loc, v[0]).getResult(); })
      .Case([&](Expm1Op) { return complex::Expm1Op::create(b, loc, v[0]).getResult(); })
      .Case([&](LogOp) { return complex::LogOp::create(b, loc, v[0]).getResult(); })
      .Case([&](Log1pOp) { return complex::Log1pOp::create(b, loc, v[0]).getResult(); })
      .Case([&](SqrtOp) { return complex::SqrtOp::create(b, loc, v[0]).getResult(); })
      .Case([&](RsqrtOp) { return complex::RsqrtOp::create(b, loc, v[0]).getResult(); })
      .Case([&](SinOp) { return complex::SinOp::create(b, loc, v[0]).getResult(); })
      .Case([&](CosOp) { return complex::CosOp::create(b, loc, v[0]).getResult(); })
      .Case([&](TanOp) { return complex::TanOp::create(b, loc, v[0]).getResult(); })
      .Case([&](TanhOp) { return complex::TanhOp::create(b, loc, v[0]).getResult(); })
      .Case([&](SignOp) { return complex::SignOp::create(b, loc, v[0]).getResult(); })
      .Case([&](SigmoidOp) -> Value {
        Value exponential = complex::ExpOp::create(b, loc, complex::NegOp::create(b, loc, v[0]));
        return complex::DivOp::create(b, loc, one(),
                                      complex::AddOp::create(b, loc, one(), exponential));
      })
      .Case([&](EqualOp) { return complex::EqualOp::create(b, loc, v[0], v[1]).getResult(); })
      .Case([&](RealOp) { return complex::ReOp::create(b, loc, v[0]).getResult(); })
      .Case([&](ImagOp) { return complex::ImOp::create(b, loc, v[0]).getResult(); })
      .Case([&](MagnitudeOp) { return complex::AbsOp::create(b, loc, v[0]).getResult(); })
      .Default([&](Operation *) -> FailureOr<Value> {
        return op->emitError("no lowering for ") << op->getName() << " on complex numbers";
      });
}

/// The scalar computation of an elementwise graph op. `original` is the
/// element type of its first operand in the graph (with signedness).
static FailureOr<Value> scalarOf(OpBuilder &b, Location loc, Operation *op, Type original,
                                 ValueRange v) {
  bool isFloat = isa<FloatType>(original);
  bool isUnsigned = isUnsignedInteger(original);
  Type type = v.empty() ? Type() : v[0].getType();
  auto floatOrInt = [&](auto makeFloat, auto makeInt) -> Value {
    return isFloat ? makeFloat() : makeInt();
  };
  auto compare = [&](arith::CmpFPredicate f, arith::CmpIPredicate s,
                     arith::CmpIPredicate u) -> Value {
    if (isFloat)
      return arith::CmpFOp::create(b, loc, f, v[0], v[1]);
    return arith::CmpIOp::create(b, loc, isUnsigned ? u : s, v[0], v[1]);
  };
  using P = arith::CmpIPredicate;
  using F = arith::CmpFPredicate;
  if (isa<ComplexType>(original) && !isa<SelectOp, CastOp, BroadcastOp>(op))
    return complexScalarOf(b, loc, op, v);
  return llvm::TypeSwitch<Operation *, FailureOr<Value>>(op)
      .Case([&](ComplexOp complexOp) {
        Type result = toSignless(elementTypeOf(complexOp.getOutput()));
        return complex::CreateOp::create(b, loc, result, v[0], v[1]).getResult();
      })
      .Case([&](AddOp) {
        return floatOrInt([&] { return arith::AddFOp::create(b, loc, v[0], v[1]).getResult(); },
                          [&] { return arith::AddIOp::create(b, loc, v[0], v[1]).getResult(); });
      })
      .Case([&](SubOp) {
        return floatOrInt([&] { return arith::SubFOp::create(b, loc, v[0], v[1]).getResult(); },
                          [&] { return arith::SubIOp::create(b, loc, v[0], v[1]).getResult(); });
      })
      .Case([&](MulOp) {
        return floatOrInt([&] { return arith::MulFOp::create(b, loc, v[0], v[1]).getResult(); },
                          [&] { return arith::MulIOp::create(b, loc, v[0], v[1]).getResult(); });
      })
      .Case([&](DivOp) -> Value {
        if (isFloat)
          return arith::DivFOp::create(b, loc, v[0], v[1]);
        return integerDivide(b, loc, v[0], v[1], isUnsigned, /*remainder=*/false);
      })
      .Case([&](ModOp mod) -> Value {
        if (isFloat)
          return arith::RemFOp::create(b, loc, v[0], v[1]);
        Value remainder = integerDivide(b, loc, v[0], v[1], isUnsigned, /*remainder=*/true);
        if (mod.getFmod() || isUnsigned)
          return remainder;
        // Floored: a non-zero remainder takes the divisor's sign.
        Value zero = scalarConstant(b, loc, type, 0);
        Value nonZero = arith::CmpIOp::create(b, loc, P::ne, remainder, zero);
        Value divisorNonZero = arith::CmpIOp::create(b, loc, P::ne, v[1], zero);
        Value remainderNegative = arith::CmpIOp::create(b, loc, P::slt, remainder, zero);
        Value divisorNegative = arith::CmpIOp::create(b, loc, P::slt, v[1], zero);
        Value signsDiffer = arith::XOrIOp::create(b, loc, remainderNegative, divisorNegative);
        Value adjust = arith::AndIOp::create(
            b, loc, arith::AndIOp::create(b, loc, nonZero, divisorNonZero), signsDiffer);
        return arith::SelectOp::create(b, loc, adjust,
                                       arith::AddIOp::create(b, loc, remainder, v[1]), remainder);
      })
      .Case([&](MaxOp) -> Value {
        if (isFloat)
          return arith::MaximumFOp::create(b, loc, v[0], v[1]);
        if (isUnsigned)
          return arith::MaxUIOp::create(b, loc, v[0], v[1]);
        return arith::MaxSIOp::create(b, loc, v[0], v[1]);
      })
      .Case([&](MinOp) -> Value {
        if (isFloat)
          return arith::MinimumFOp::create(b, loc, v[0], v[1]);
        if (isUnsigned)
          return arith::MinUIOp::create(b, loc, v[0], v[1]);
        return arith::MinSIOp::create(b, loc, v[0], v[1]);
      })
      .Case([&](PowOp pow) -> Value {
        Type exponentType = elementTypeOf(pow.getRhs());
        if (isFloat) {
          Value exponent = convertScalar(b, loc, v[1], exponentType, original);
          return viaF32(b, loc, {v[0], exponent}, [&](ValueRange w) {
            return math::PowFOp::create(b, loc, w[0], w[1]).getResult();
          });
        }
        if (isa<FloatType>(exponentType)) {
          Value base = convertScalar(b, loc, v[0], original, exponentType);
          Value power = viaF32(b, loc, {base, v[1]}, [&](ValueRange w) {
            return math::PowFOp::create(b, loc, w[0], w[1]).getResult();
          });
          return convertScalar(b, loc, power, exponentType, original);
        }
        Value exponent = convertScalar(b, loc, v[1], exponentType, original);
        return math::IPowIOp::create(b, loc, v[0], exponent);
      })
      .Case([&](Atan2Op) {
        return viaF32(b, loc, {v[0], v[1]}, [&](ValueRange w) {
          return math::Atan2Op::create(b, loc, w[0], w[1]).getResult();
        });
      })
      .Case([&](NextAfterOp) { return nextAfter(b, loc, v[0], v[1]); })
      .Case<ShiftLeftOp, ShiftRightLogicalOp, ShiftRightArithmeticOp>(
          [&](Operation *shiftOp) { return shift(b, loc, shiftOp, v[0], v[1]); })
      .Case([&](EqualOp) { return compare(F::OEQ, P::eq, P::eq); })
      .Case([&](LessOp) { return compare(F::OLT, P::slt, P::ult); })
      .Case([&](LessEqualOp) { return compare(F::OLE, P::sle, P::ule); })
      .Case([&](GreaterOp) { return compare(F::OGT, P::sgt, P::ugt); })
      .Case([&](GreaterEqualOp) { return compare(F::OGE, P::sge, P::uge); })
      .Case([&](AndOp) { return arith::AndIOp::create(b, loc, v[0], v[1]).getResult(); })
      .Case([&](OrOp) { return arith::OrIOp::create(b, loc, v[0], v[1]).getResult(); })
      .Case([&](XorOp) { return arith::XOrIOp::create(b, loc, v[0], v[1]).getResult(); })
      .Case([&](NotOp) {
        return arith::XOrIOp::create(b, loc, v[0], allOnes(b, loc, type)).getResult();
      })
      .Case([&](NegOp) -> Value {
        if (isFloat)
          return arith::NegFOp::create(b, loc, v[0]);
        return arith::SubIOp::create(b, loc, scalarConstant(b, loc, type, 0), v[0]);
      })
      .Case([&](AbsOp) -> Value {
        if (isFloat)
          return math::AbsFOp::create(b, loc, v[0]);
        if (isUnsigned)
          return v[0];
        return math::AbsIOp::create(b, loc, v[0]);
      })
      .Case([&](SignOp) { return signOf(b, loc, v[0], isUnsigned); })
      .Case([&](ReluOp) -> Value {
        Value zero = scalarConstant(b, loc, type, 0);
        if (isFloat)
          return arith::MaximumFOp::create(b, loc, v[0], zero);
        if (isUnsigned)
          return v[0];
        return arith::MaxSIOp::create(b, loc, v[0], zero);
      })
      .Case([&](SigmoidOp) -> Value {
        return viaF32(b, loc, v[0], [&](ValueRange w) -> Value {
          Value one = scalarConstant(b, loc, w[0].getType(), 1);
          Value negated = arith::NegFOp::create(b, loc, w[0]);
          Value exponential = math::ExpOp::create(b, loc, negated);
          return arith::DivFOp::create(b, loc, one,
                                       arith::AddFOp::create(b, loc, one, exponential));
        });
      })
      .Case([&](RsqrtOp) -> Value {
        return viaF32(b, loc, v[0], [&](ValueRange w) -> Value {
          Value one = scalarConstant(b, loc, w[0].getType(), 1);
          return arith::DivFOp::create(b, loc, one, math::SqrtOp::create(b, loc, w[0]));
        });
      })
      .Case([&](TanhOp) { return math1<math::TanhOp>(b, loc, v[0]); })
      .Case([&](ExpOp) { return math1<math::ExpOp>(b, loc, v[0]); })
      .Case([&](Expm1Op) { return math1<math::ExpM1Op>(b, loc, v[0]); })
      .Case([&](LogOp) { return math1<math::LogOp>(b, loc, v[0]); })
      .Case([&](Log1pOp) { return math1<math::Log1pOp>(b, loc, v[0]); })
      .Case([&](SqrtOp) { return math1<math::SqrtOp>(b, loc, v[0]); })
      .Case([&](CbrtOp) { return math1<math::CbrtOp>(b, loc, v[0]); })
      .Case([&](ErfOp) { return math1<math::ErfOp>(b, loc, v[0]); })
      .Case([&](ErfcOp) { return math1<math::ErfcOp>(b, loc, v[0]); })
      .Case([&](FloorOp) { return math::FloorOp::create(b, loc, v[0]).getResult(); })
      .Case([&](CeilOp) { return math::CeilOp::create(b, loc, v[0]).getResult(); })
      .Case([&](RoundOp) { return math::RoundEvenOp::create(b, loc, v[0]).getResult(); })
      .Case([&](RoundAwayOp) { return math::RoundOp::create(b, loc, v[0]).getResult(); })
      .Case([&](SinOp) { return math1<math::SinOp>(b, loc, v[0]); })
      .Case([&](CosOp) { return math1<math::CosOp>(b, loc, v[0]); })
      .Case([&](TanOp) { return math1<math::TanOp>(b, loc, v[0]); })
      .Case([&](AsinOp) { return math1<math::AsinOp>(b, loc, v[0]); })
      .Case([&](AcosOp) { return math1<math::AcosOp>(b, loc, v[0]); })
      .Case([&](AtanOp) { return math1<math::AtanOp>(b, loc, v[0]); })
      .Case([&](SinhOp) { return math1<math::SinhOp>(b, loc, v[0]); })
      .Case([&](CoshOp) { return math1<math::CoshOp>(b, loc, v[0]); })
      .Case([&](AsinhOp) { return math1<math::AsinhOp>(b, loc, v[0]); })
      .Case([&](AcoshOp) { return math1<math::AcoshOp>(b, loc, v[0]); })
      .Case([&](AtanhOp) { return math1<math::AtanhOp>(b, loc, v[0]); })
      .Case([&](PopcntOp) { return math::CtPopOp::create(b, loc, v[0]).getResult(); })
      .Case([&](ClzOp) { return math::CountLeadingZerosOp::create(b, loc, v[0]).getResult(); })
      .Case([&](IsFiniteOp) -> Value {
        Value magnitude = math::AbsFOp::create(b, loc, v[0]);
        Value infinity = highestValue(b, loc, type, false);
        return arith::CmpFOp::create(b, loc, F::ONE, magnitude, infinity);
      })
      .Case([&](ReducePrecisionOp reduce) {
        return reducePrecision(b, loc, v[0], reduce.getExponentBits(), reduce.getMantissaBits());
      })
      .Case([&](BitcastOp bitcast) -> Value {
        Type target = toSignless(elementTypeOf(bitcast.getOutput()));
        if (target == type)
          return v[0];
        return arith::BitcastOp::create(b, loc, target, v[0]);
      })
      .Case([&](SelectOp) {
        return arith::SelectOp::create(b, loc, v[0], v[1], v[2]).getResult();
      })
      .Case([&](CastOp cast) {
        return convertScalar(b, loc, v[0], original, elementTypeOf(cast.getOutput()));
      })
      .Case([&](BroadcastOp) { return v[0]; })
      .Default([&](Operation *) -> FailureOr<Value> {
        return op->emitError("no elementwise lowering for ") << op->getName();
      });
}

bool smelt::lowering::isElementwiseGraphOp(Operation *op) {
  return op->hasTrait<OpTrait::Elementwise>() ||
         isa<ModOp, AddOp, SubOp, MulOp, DivOp, MaxOp, MinOp, PowOp, Atan2Op, NextAfterOp,
             ShiftLeftOp, ShiftRightLogicalOp, ShiftRightArithmeticOp, EqualOp, LessOp,
             LessEqualOp, GreaterOp, GreaterEqualOp, AndOp, OrOp, XorOp, NotOp, NegOp, AbsOp,
             ReluOp, SigmoidOp, TanhOp, ExpOp, LogOp, SqrtOp, ErfOp, SelectOp, CastOp,
             BroadcastOp>(op);
}

FailureOr<Value> smelt::lowering::lowerElementwiseScalar(OpBuilder &b, Location loc,
                                                         Operation *op, ValueRange scalars) {
  // Comparisons and select care about the value operands' types.
  Value typed = isa<SelectOp>(op) ? op->getOperand(1) : op->getOperand(0);
  return scalarOf(b, loc, op, elementTypeOf(typed), scalars);
}

FailureOr<Value> smelt::lowering::lowerElementwise(OpBuilder &b, Operation *op,
                                                   ValueRange operands) {
  auto resultType = cast<RankedTensorType>(toSignless(op->getResult(0).getType()));
  bool failedScalar = false;
  Value result = buildElementwise(
      b, op->getLoc(), resultType, operands,
      [&](OpBuilder &nb, Location loc, ValueRange scalars) -> Value {
        FailureOr<Value> scalar = lowerElementwiseScalar(nb, loc, op, scalars);
        if (failed(scalar)) {
          failedScalar = true;
          return scalars[0];
        }
        return *scalar;
      });
  if (failedScalar)
    return failure();
  return result;
}
