//===- StablehloToGraph.cpp - StableHLO to the graph dialect: core ---------===//
//
// The converter's core (values, types, blocks, calls, dispatch) and the
// elementwise ops (shape ops and the program checks: ShapeOpsToGraph.cpp). StableHLO's integers are signless-as-signed and
// ui<N>, exactly the graph dialect's convention, so tensor types carry over.
//
//===----------------------------------------------------------------------===//
#include "frontends/stablehlo/StablehloConverter.h"
#include "frontends/stablehlo/StablehloOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"

using namespace mlir;
using namespace smelt;
using namespace smelt::stablehlo_frontend;

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//


std::optional<SmallVector<int64_t>> smelt::stablehlo_frontend::integersOf(Attribute attribute) {
  if (auto integer = dyn_cast_or_null<IntegerAttr>(attribute))
    return SmallVector<int64_t>{integer.getInt()};
  if (auto array = dyn_cast_or_null<DenseI64ArrayAttr>(attribute))
    return SmallVector<int64_t>(array.asArrayRef());
  if (auto array = dyn_cast_or_null<DenseI32ArrayAttr>(attribute))
    return SmallVector<int64_t>(array.asArrayRef().begin(), array.asArrayRef().end());
  if (auto elements = dyn_cast_or_null<DenseIntElementsAttr>(attribute)) {
    SmallVector<int64_t> values;
    for (const APInt &value : elements.getValues<APInt>())
      values.push_back(value.getSExtValue());
    return values;
  }
  if (auto array = dyn_cast_or_null<ArrayAttr>(attribute)) {
    SmallVector<int64_t> values;
    for (Attribute element : array) {
      auto integer = dyn_cast<IntegerAttr>(element);
      if (!integer)
        return std::nullopt;
      values.push_back(integer.getInt());
    }
    return values;
  }
  return std::nullopt;
}

std::optional<SmallVector<int64_t>>
smelt::stablehlo_frontend::integerAttr(Operation *op, StringRef name, ArrayRef<int64_t> fallback) {
  Attribute attribute = op->getAttr(name);
  if (!attribute)
    return SmallVector<int64_t>(fallback);
  return integersOf(attribute);
}

int64_t smelt::stablehlo_frontend::integerField(DictionaryAttr dictionary, StringRef name) {
  if (auto value = dictionary ? dyn_cast_or_null<IntegerAttr>(dictionary.get(name)) : IntegerAttr())
    return value.getInt();
  return 0;
}

SmallVector<int64_t> smelt::stablehlo_frontend::listField(DictionaryAttr dictionary,
                                                          StringRef name) {
  if (!dictionary)
    return {};
  return integersOf(dictionary.get(name)).value_or(SmallVector<int64_t>());
}

DenseElementsAttr smelt::stablehlo_frontend::constantValue(Value value) {
  if (auto constant = value.getDefiningOp<stablehlo::ConstantOp>())
    return dyn_cast<DenseElementsAttr>(constant.getValue());
  return {};
}

RankedTensorType smelt::stablehlo_frontend::tensorType(Value value) {
  return cast<RankedTensorType>(value.getType());
}

Value smelt::stablehlo_frontend::splatAttr(OpBuilder &b, Location loc, TypedAttr value) {
  auto type = RankedTensorType::get({}, value.getType());
  return graph::ConstantOp::create(b, loc, type, DenseElementsAttr::get(type, value));
}

Value smelt::stablehlo_frontend::splat(OpBuilder &b, Location loc, Type elementType, double value,
                                       ArrayRef<int64_t> shape) {
  auto type = RankedTensorType::get(shape, elementType);
  Attribute scalar;
  if (auto floatType = dyn_cast<FloatType>(elementType))
    scalar = FloatAttr::get(floatType, value);
  else
    scalar = IntegerAttr::get(elementType, APInt(elementType.getIntOrFloatBitWidth(),
                                                 (int64_t)value, /*isSigned=*/true));
  return graph::ConstantOp::create(b, loc, type, DenseElementsAttr::get(type, scalar));
}

Value smelt::stablehlo_frontend::castTo(OpBuilder &b, Location loc, Value value, Type elementType) {
  RankedTensorType type = tensorType(value);
  if (type.getElementType() == elementType)
    return value;
  return graph::CastOp::create(b, loc, type.clone(elementType), value);
}

Value smelt::stablehlo_frontend::transposeTo(OpBuilder &b, Location loc, Value value,
                                             ArrayRef<int64_t> perm) {
  bool identity = true;
  for (auto [index, dim] : llvm::enumerate(perm))
    identity &= (int64_t)index == dim;
  if (identity)
    return value;
  return graph::TransposeOp::create(b, loc, value, b.getDenseI64ArrayAttr(perm));
}

Value smelt::stablehlo_frontend::reshapeTo(OpBuilder &b, Location loc, Value value,
                                           ArrayRef<int64_t> shape) {
  RankedTensorType type = tensorType(value);
  if (type.getShape() == shape)
    return value;
  return graph::ReshapeOp::create(b, loc, type.clone(shape), value);
}

Value smelt::stablehlo_frontend::minorElement(OpBuilder &b, Location loc, Value value,
                                              int64_t index) {
  RankedTensorType type = tensorType(value);
  int64_t rank = type.getRank();
  SmallVector<int64_t> starts(rank, 0), limits(type.getShape()), steps(rank, 1);
  starts[rank - 1] = index;
  limits[rank - 1] = index + 1;
  Value slice = graph::SliceOp::create(b, loc, value, b.getDenseI64ArrayAttr(starts),
                                       b.getDenseI64ArrayAttr(limits),
                                       b.getDenseI64ArrayAttr(steps));
  return reshapeTo(b, loc, slice, type.getShape().drop_back());
}

Value smelt::stablehlo_frontend::broadcastInDim(OpBuilder &b, Location loc, Value value,
                                                RankedTensorType resultType,
                                                ArrayRef<int64_t> dims) {
  RankedTensorType type = tensorType(value);
  // Operand dims in the order they take in the result, then size-1 dims in
  // between, then NumPy broadcasting to the result's shape.
  SmallVector<int64_t> order(dims.size());
  for (size_t i = 0; i < order.size(); ++i)
    order[i] = i;
  llvm::sort(order, [&](int64_t x, int64_t y) { return dims[x] < dims[y]; });
  value = transposeTo(b, loc, value, order);
  SmallVector<int64_t> shape(resultType.getRank(), 1);
  for (size_t i = 0; i < dims.size(); ++i)
    shape[dims[i]] = type.getDimSize(i);
  value = reshapeTo(b, loc, value, shape);
  if (tensorType(value).getShape() == resultType.getShape())
    return value;
  return graph::BroadcastOp::create(b, loc, resultType.clone(type.getElementType()), value);
}

Value smelt::stablehlo_frontend::totalOrderKey(OpBuilder &b, Location loc, Value value) {
  RankedTensorType type = tensorType(value);
  unsigned width = type.getElementTypeBitWidth();
  Type bits = b.getIntegerType(width);
  Value raw = graph::BitcastOp::create(b, loc, type.clone(bits), value);
  // Negative floats: flip every bit but the sign, so larger magnitudes
  // compare smaller as signed integers.
  Value sign = graph::ShiftRightArithmeticOp::create(b, loc, raw, splat(b, loc, bits, width - 1));
  Value magnitudeMask = graph::ShiftRightLogicalOp::create(b, loc, sign, splat(b, loc, bits, 1));
  return graph::XorOp::create(b, loc, raw, magnitudeMask);
}

//===----------------------------------------------------------------------===//
// Converter core
//===----------------------------------------------------------------------===//

FailureOr<Type> Converter::convertType(Location loc, Type type) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  if (!tensor || !tensor.hasStaticShape())
    return emitError(loc) << "unsupported type " << type << " (static tensors only)";
  Type element = tensor.getElementType();
  if (auto complex = dyn_cast<ComplexType>(element);
      complex && !complex.getElementType().isF32() && !complex.getElementType().isF64())
    return emitError(loc) << "unsupported element type " << element
                          << ": complex numbers of f32 or f64 only";
  // 8-bit and narrower floats are held and moved, and converted to wider
  // types, but not computed in (see isNarrowFloat).
  if (auto floatType = dyn_cast<FloatType>(element);
      floatType && !(element.isF16() || element.isBF16() || element.isF32() || element.isF64()) &&
      !isNarrowFloat(element))
    return emitError(loc) << "unsupported element type " << element;
  if (!element.isIntOrFloat() && !isa<ComplexType>(element))
    return emitError(loc) << "unsupported element type " << element;
  return type;
}

Value Converter::get(Value value, Operation *user) {
  if (Value mapped = mapping.lookupOrNull(value))
    return mapped;
  if (tuples.count(value))
    user->emitError("tuples are only supported as values taken apart at import");
  else
    user->emitError("operand has no graph value (its producer was not converted)");
  return {};
}

FailureOr<SmallVector<Value>> Converter::operands(Operation *op) {
  SmallVector<Value> values;
  for (Value operand : op->getOperands()) {
    Value value = get(operand, op);
    if (!value)
      return failure();
    values.push_back(value);
  }
  return values;
}

void Converter::setResults(Operation *op, ValueRange values) {
  for (auto [result, value] : llvm::zip(op->getResults(), values))
    mapping.map(result, value);
}

LogicalResult Converter::convertBlock(Block &block, ValueRange arguments,
                                      SmallVectorImpl<Value> &returned) {
  for (auto [argument, value] : llvm::zip(block.getArguments(), arguments))
    mapping.map(argument, value);
  for (Operation &op : block) {
    if (&op == block.getTerminator() &&
        isa<stablehlo::ReturnOp, func::ReturnOp>(op)) {
      for (Value value : op.getOperands()) {
        Value mapped = get(value, &op);
        if (!mapped)
          return failure();
        returned.push_back(mapped);
      }
      return success();
    }
    // What the op became is verified at once: StableHLO's own verifier does
    // not run here, so an attribute out of range (a sort dimension past the
    // rank) is the user's error at this op, not a broken module at the end.
    Block *insertion = builder.getInsertionBlock();
    Block::iterator point = builder.getInsertionPoint();
    Operation *last = point == insertion->begin() ? nullptr : &*std::prev(point);
    if (failed(convert(&op)))
      return failure();
    if (builder.getInsertionBlock() == insertion) {
      Block::iterator first = last ? std::next(last->getIterator()) : insertion->begin();
      for (Operation &created : llvm::make_range(first, builder.getInsertionPoint()))
        if (failed(mlir::verify(&created)))
          return op.emitError("'") << op.getName()
                                   << "' has operands or attributes that are not valid "
                                      "(the error above)";
    }
  }
  return success();
}

LogicalResult Converter::convertRegion(Region &from, Region &to, TypeRange argumentTypes,
                                       ArrayRef<Value> extraBound, ArrayRef<Value> extraYield) {
  OpBuilder::InsertionGuard guard(builder);
  Location loc = from.getLoc();
  Block *block = builder.createBlock(&to, to.end(), argumentTypes,
                                     SmallVector<Location>(argumentTypes.size(), loc));
  Block &source = from.front();
  // Captured values (control flow) are bound to the trailing arguments while
  // the region converts, and rebound afterwards.
  SmallVector<std::pair<Value, Value>> saved;
  size_t own = source.getNumArguments();
  for (auto [index, captured] : llvm::enumerate(extraBound)) {
    saved.push_back({captured, mapping.lookupOrNull(captured)});
    mapping.map(captured, block->getArgument(own + index));
  }
  SmallVector<Value> returned;
  LogicalResult result =
      convertBlock(source, block->getArguments().take_front(own), returned);
  for (auto [captured, previous] : saved) {
    if (previous)
      mapping.map(captured, previous);
    else
      mapping.erase(captured);
  }
  if (failed(result))
    return failure();
  for (size_t i = 0; i < extraYield.size(); ++i)
    returned.push_back(block->getArgument(own + i));
  graph::YieldOp::create(builder, loc, returned);
  return success();
}

LogicalResult Converter::convertCall(Operation *op, StringRef callee) {
  auto function = source.lookupSymbol<func::FuncOp>(callee);
  if (!function || function.isExternal())
    return op->emitError("call to unknown or external function @") << callee;
  if (function->isAncestor(op))
    return op->emitError("recursive call to @") << callee << " (StableHLO has no recursion)";
  FailureOr<SmallVector<Value>> arguments = operands(op);
  if (failed(arguments))
    return failure();
  SmallVector<Value> returned;
  if (failed(convertBlock(function.getBody().front(), *arguments, returned)))
    return failure();
  setResults(op, returned);
  return success();
}

//===----------------------------------------------------------------------===//
// Elementwise ops
//===----------------------------------------------------------------------===//

namespace {

using ElementwiseBuilder = Value (*)(OpBuilder &, Location, ValueRange, Type);

template <typename GraphOp>
Value unary(OpBuilder &b, Location loc, ValueRange v, Type) {
  return GraphOp::create(b, loc, v[0]);
}
template <typename GraphOp>
Value binary(OpBuilder &b, Location loc, ValueRange v, Type) {
  return GraphOp::create(b, loc, v[0], v[1]);
}

/// maximum/minimum of complex numbers: lexicographic, real part first.
Value complexExtremum(OpBuilder &b, Location loc, Value x, Value y, bool maximum) {
  RankedTensorType type = tensorType(x);
  auto partType = type.clone(cast<ComplexType>(type.getElementType()).getElementType());
  Value xr = graph::RealOp::create(b, loc, partType, x), yr = graph::RealOp::create(b, loc, partType, y);
  Value xi = graph::ImagOp::create(b, loc, partType, x), yi = graph::ImagOp::create(b, loc, partType, y);
  auto beyond = [&](Value p, Value q) -> Value {
    return maximum ? graph::GreaterOp::create(b, loc, p, q).getResult()
                   : graph::LessOp::create(b, loc, p, q).getResult();
  };
  Value first = graph::OrOp::create(
      b, loc, beyond(xr, yr),
      graph::AndOp::create(b, loc, graph::EqualOp::create(b, loc, xr, yr), beyond(xi, yi)));
  return graph::SelectOp::create(b, loc, first, x, y);
}

/// On booleans StableHLO's add and maximum are `or`, multiply and minimum
/// `and`; maximum and minimum of complex numbers are lexicographic.
template <typename GraphOp, typename BooleanOp>
Value arithmetic(OpBuilder &b, Location loc, ValueRange v, Type) {
  Type element = tensorType(v[0]).getElementType();
  if (element.isInteger(1))
    return BooleanOp::create(b, loc, v[0], v[1]);
  if (isa<ComplexType>(element) && (std::is_same_v<GraphOp, graph::MaxOp> ||
                                    std::is_same_v<GraphOp, graph::MinOp>))
    return complexExtremum(b, loc, v[0], v[1], std::is_same_v<GraphOp, graph::MaxOp>);
  return GraphOp::create(b, loc, v[0], v[1]);
}

Value remainder(OpBuilder &b, Location loc, ValueRange v, Type) {
  // StableHLO's remainder has the dividend's sign (C's fmod).
  return graph::ModOp::create(b, loc, v[0], v[1], b.getBoolAttr(true));
}

Value clamp(OpBuilder &b, Location loc, ValueRange v, Type resultType) {
  // clamp(min, operand, max) = min(max(operand, min), max)
  Value raised = graph::MaxOp::create(b, loc, v[1], v[0]);
  Value clamped = graph::MinOp::create(b, loc, raised, v[2]);
  if (clamped.getType() != resultType)
    clamped = graph::BroadcastOp::create(b, loc, resultType, clamped);
  return clamped;
}

Value select(OpBuilder &b, Location loc, ValueRange v, Type) {
  return graph::SelectOp::create(b, loc, v[0], v[1], v[2]);
}

Value convertOp(OpBuilder &b, Location loc, ValueRange v, Type resultType) {
  return castTo(b, loc, v[0], cast<RankedTensorType>(resultType).getElementType());
}

Value infinity(OpBuilder &b, Location loc, Type elementType, bool negative) {
  auto floatType = cast<FloatType>(elementType);
  return splatAttr(b, loc,
                   FloatAttr::get(floatType, APFloat::getInf(floatType.getFloatSemantics(),
                                                             negative)));
}

/// abs of a complex number is its (real) magnitude.
Value absolute(OpBuilder &b, Location loc, ValueRange v, Type resultType) {
  if (isa<ComplexType>(tensorType(v[0]).getElementType()))
    return graph::MagnitudeOp::create(b, loc, resultType, v[0]);
  return graph::AbsOp::create(b, loc, v[0]);
}
Value realPart(OpBuilder &b, Location loc, ValueRange v, Type resultType) {
  if (!isa<ComplexType>(tensorType(v[0]).getElementType()))
    return v[0]; // the real part of a real number
  return graph::RealOp::create(b, loc, resultType, v[0]);
}
Value imaginaryPart(OpBuilder &b, Location loc, ValueRange v, Type resultType) {
  if (!isa<ComplexType>(tensorType(v[0]).getElementType()))
    return splat(b, loc, tensorType(v[0]).getElementType(), 0.0,
                 tensorType(v[0]).getShape());
  return graph::ImagOp::create(b, loc, resultType, v[0]);
}
Value complexNumber(OpBuilder &b, Location loc, ValueRange v, Type resultType) {
  return graph::ComplexOp::create(b, loc, resultType, v[0], v[1]);
}

Value isFinite(OpBuilder &b, Location loc, ValueRange v, Type resultType) {
  return graph::IsFiniteOp::create(b, loc, resultType, v[0]);
}

Value isInf(OpBuilder &b, Location loc, ValueRange v, Type) {
  Value magnitude = graph::AbsOp::create(b, loc, v[0]);
  return graph::EqualOp::create(b, loc, magnitude,
                                infinity(b, loc, tensorType(v[0]).getElementType(), false));
}
Value isPosInf(OpBuilder &b, Location loc, ValueRange v, Type) {
  return graph::EqualOp::create(b, loc, v[0],
                                infinity(b, loc, tensorType(v[0]).getElementType(), false));
}
Value isNegInf(OpBuilder &b, Location loc, ValueRange v, Type) {
  return graph::EqualOp::create(b, loc, v[0],
                                infinity(b, loc, tensorType(v[0]).getElementType(), true));
}

/// The high half of the double-width product.
Value mulhi(OpBuilder &b, Location loc, ValueRange v, Type) {
  RankedTensorType type = tensorType(v[0]);
  auto integer = cast<IntegerType>(type.getElementType());
  unsigned width = integer.getWidth();
  Type wide = IntegerType::get(b.getContext(), 2 * width, integer.getSignedness());
  Value product = graph::MulOp::create(b, loc, castTo(b, loc, v[0], wide),
                                       castTo(b, loc, v[1], wide));
  Value shiftAmount = splat(b, loc, wide, width);
  Value high = integer.isUnsigned()
                   ? graph::ShiftRightLogicalOp::create(b, loc, product, shiftAmount).getResult()
                   : graph::ShiftRightArithmeticOp::create(b, loc, product, shiftAmount)
                         .getResult();
  return castTo(b, loc, high, integer);
}

const llvm::StringMap<ElementwiseBuilder> &elementwiseBuilders() {
  static const llvm::StringMap<ElementwiseBuilder> builders = {
      {"stablehlo.abs", absolute},
      {"stablehlo.real", realPart},
      {"stablehlo.imag", imaginaryPart},
      {"stablehlo.complex", complexNumber},
      {"stablehlo.cbrt", unary<graph::CbrtOp>},
      {"stablehlo.ceil", unary<graph::CeilOp>},
      {"stablehlo.cosine", unary<graph::CosOp>},
      {"stablehlo.count_leading_zeros", unary<graph::ClzOp>},
      {"stablehlo.exponential", unary<graph::ExpOp>},
      {"stablehlo.exponential_minus_one", unary<graph::Expm1Op>},
      {"stablehlo.floor", unary<graph::FloorOp>},
      {"stablehlo.log", unary<graph::LogOp>},
      {"stablehlo.log_plus_one", unary<graph::Log1pOp>},
      {"stablehlo.logistic", unary<graph::SigmoidOp>},
      {"stablehlo.negate", unary<graph::NegOp>},
      {"stablehlo.not", unary<graph::NotOp>},
      {"stablehlo.popcnt", unary<graph::PopcntOp>},
      {"stablehlo.round_nearest_afz", unary<graph::RoundAwayOp>},
      {"stablehlo.round_nearest_even", unary<graph::RoundOp>},
      {"stablehlo.rsqrt", unary<graph::RsqrtOp>},
      {"stablehlo.sign", unary<graph::SignOp>},
      {"stablehlo.sine", unary<graph::SinOp>},
      {"stablehlo.sqrt", unary<graph::SqrtOp>},
      {"stablehlo.tan", unary<graph::TanOp>},
      {"stablehlo.tanh", unary<graph::TanhOp>},
      {"stablehlo.add", arithmetic<graph::AddOp, graph::OrOp>},
      {"stablehlo.subtract", binary<graph::SubOp>},
      {"stablehlo.multiply", arithmetic<graph::MulOp, graph::AndOp>},
      {"stablehlo.divide", binary<graph::DivOp>},
      {"stablehlo.maximum", arithmetic<graph::MaxOp, graph::OrOp>},
      {"stablehlo.minimum", arithmetic<graph::MinOp, graph::AndOp>},
      {"stablehlo.power", binary<graph::PowOp>},
      {"stablehlo.remainder", remainder},
      {"stablehlo.and", binary<graph::AndOp>},
      {"stablehlo.or", binary<graph::OrOp>},
      {"stablehlo.xor", binary<graph::XorOp>},
      {"stablehlo.shift_left", binary<graph::ShiftLeftOp>},
      {"stablehlo.shift_right_logical", binary<graph::ShiftRightLogicalOp>},
      {"stablehlo.shift_right_arithmetic", binary<graph::ShiftRightArithmeticOp>},
      {"stablehlo.atan2", binary<graph::Atan2Op>},
      {"stablehlo.clamp", clamp},
      {"stablehlo.select", select},
      {"stablehlo.convert", convertOp},
      {"chlo.acos", unary<graph::AcosOp>},
      {"chlo.acosh", unary<graph::AcoshOp>},
      {"chlo.asin", unary<graph::AsinOp>},
      {"chlo.asinh", unary<graph::AsinhOp>},
      {"chlo.atan", unary<graph::AtanOp>},
      {"chlo.atanh", unary<graph::AtanhOp>},
      {"chlo.cosh", unary<graph::CoshOp>},
      {"chlo.sinh", unary<graph::SinhOp>},
      {"chlo.tan", unary<graph::TanOp>},
      {"chlo.erf", unary<graph::ErfOp>},
      {"chlo.erfc", unary<graph::ErfcOp>},
      {"stablehlo.is_finite", isFinite},
      {"chlo.is_inf", isInf},
      {"chlo.is_pos_inf", isPosInf},
      {"chlo.is_neg_inf", isNegInf},
      {"chlo.next_after", binary<graph::NextAfterOp>},
      {"chlo.mulhi", mulhi},
  };
  return builders;
}

/// Functions also defined on complex numbers.
bool acceptsComplex(StringRef name) {
  static const llvm::StringSet<> names = {
      "stablehlo.exponential", "stablehlo.exponential_minus_one", "stablehlo.log",
      "stablehlo.log_plus_one", "stablehlo.logistic", "stablehlo.rsqrt", "stablehlo.sine",
      "stablehlo.sqrt",        "stablehlo.tan",                   "stablehlo.tanh",
      "stablehlo.cosine",      "chlo.tan"};
  return names.contains(name);
}

/// Ops whose operands and results must be of a float type.
bool needsFloat(StringRef name) {
  static const llvm::StringSet<> names = {
      "stablehlo.cbrt",  "stablehlo.ceil",  "stablehlo.cosine", "stablehlo.exponential",
      "stablehlo.exponential_minus_one",    "stablehlo.floor",  "stablehlo.log",
      "stablehlo.log_plus_one",             "stablehlo.logistic",
      "stablehlo.round_nearest_afz",        "stablehlo.round_nearest_even",
      "stablehlo.rsqrt", "stablehlo.sine",  "stablehlo.sqrt",   "stablehlo.tan",
      "stablehlo.tanh",  "stablehlo.atan2", "chlo.acos",        "chlo.acosh",
      "chlo.asin",       "chlo.asinh",      "chlo.atan",        "chlo.atanh",
      "chlo.cosh",       "chlo.sinh",       "chlo.tan",         "chlo.erf",
      "chlo.erfc",       "chlo.is_inf",     "stablehlo.is_finite",     "chlo.is_pos_inf",  "chlo.is_neg_inf",
      "chlo.next_after"};
  return names.contains(name);
}

LogicalResult convertCompare(Converter &c, Operation *op) {
  OpBuilder &b = c.builder;
  Location loc = op->getLoc();
  FailureOr<SmallVector<Value>> v = c.operands(op);
  if (failed(v))
    return failure();
  auto direction = dyn_cast_or_null<StringAttr>(op->getAttr("comparison_direction"));
  if (!direction)
    return op->emitError("compare needs a comparison_direction");
  Value lhs = (*v)[0], rhs = (*v)[1];
  auto resultType = dyn_cast<RankedTensorType>(op->getResult(0).getType());
  if (lhs.getType() != rhs.getType() || !resultType ||
      resultType.getShape() != tensorType(lhs).getShape())
    return op->emitError("compare needs operands of one type and a result of their shape");
  auto kind = dyn_cast_or_null<StringAttr>(op->getAttr("compare_type"));
  if (kind && kind.getValue() == "TOTALORDER" &&
      isa<FloatType>(tensorType(lhs).getElementType())) {
    lhs = totalOrderKey(b, loc, lhs);
    rhs = totalOrderKey(b, loc, rhs);
  }
  StringRef d = direction.getValue();
  if (isa<ComplexType>(tensorType(lhs).getElementType()) && d != "EQ" && d != "NE")
    return op->emitError("complex numbers compare only for (in)equality, not ") << d;
  Value result;
  if (d == "EQ")
    result = graph::EqualOp::create(b, loc, lhs, rhs);
  else if (d == "NE")
    result = graph::NotOp::create(b, loc, graph::EqualOp::create(b, loc, lhs, rhs));
  else if (d == "LT")
    result = graph::LessOp::create(b, loc, lhs, rhs);
  else if (d == "LE")
    result = graph::LessEqualOp::create(b, loc, lhs, rhs);
  else if (d == "GT")
    result = graph::GreaterOp::create(b, loc, lhs, rhs);
  else if (d == "GE")
    result = graph::GreaterEqualOp::create(b, loc, lhs, rhs);
  else
    return op->emitError("unknown comparison direction '") << d << "'";
  c.set(op->getResult(0), result);
  return success();
}

} // namespace

//===----------------------------------------------------------------------===//
// Dispatch
//===----------------------------------------------------------------------===//

/// Ops that only move or select elements, which 8-bit floats may pass
/// through.
static bool movesData(StringRef name) {
  static const llvm::StringSet<> names = {
      "stablehlo.constant",     "stablehlo.reshape",       "stablehlo.transpose",
      "stablehlo.broadcast_in_dim", "stablehlo.slice",     "stablehlo.concatenate",
      "stablehlo.pad",          "stablehlo.reverse",       "stablehlo.select",
      "stablehlo.gather",       "stablehlo.dynamic_slice", "stablehlo.dynamic_update_slice",
      "stablehlo.bitcast_convert", "stablehlo.tuple",      "stablehlo.get_tuple_element",
      "stablehlo.optimization_barrier", "stablehlo.while", "stablehlo.if",
      "stablehlo.case",         "stablehlo.return",        "func.call",
      "func.return"};
  return names.contains(name);
}

LogicalResult Converter::convert(Operation *op) {
  StringRef name = op->getName().getStringRef();
  Location loc = op->getLoc();
  for (Type type : op->getResultTypes()) {
    if (isa<TupleType>(type))
      continue;
    if (failed(convertType(loc, type)))
      return failure();
    Type element = cast<RankedTensorType>(type).getElementType();
    if (isNarrowFloat(element) && !movesData(name))
      return op->emitError("unsupported: computing in ")
             << element << " ('" << name
             << "'; Smelt holds, moves and widens floats of 8 bits and fewer, but does not "
                "compute in them)";
  }

  if (failed(checkShapes(op)))
    return failure();
  auto &builders = elementwiseBuilders();
  if (auto found = builders.find(name); found != builders.end()) {
    if (op->getNumResults() != 1 || failed(checkElementwise(op)))
      return failure();
    FailureOr<SmallVector<Value>> values = operands(op);
    if (failed(values))
      return failure();
    Type element = tensorType(values->front()).getElementType();
    bool isComplex = isa<ComplexType>(element);
    if (isComplex && ((needsFloat(name) && !acceptsComplex(name)) ||
                      name == "stablehlo.remainder" || name == "stablehlo.clamp" ||
                      name.starts_with("chlo.") && !acceptsComplex(name)))
      return op->emitError("unsupported: '") << name << "' on complex numbers";
    if (needsFloat(name) && !isa<FloatType>(element) && !isComplex)
      return op->emitError("'") << name << "' needs float operands";
    Value result = found->second(builder, loc, *values, op->getResult(0).getType());
    set(op->getResult(0), result);
    return success();
  }
  if (name == "stablehlo.compare")
    return convertCompare(*this, op);
  if (std::optional<LogicalResult> result = convertShapeOp(*this, op))
    return *result;
  if (std::optional<LogicalResult> result = convertStructured(*this, op))
    return *result;
  if (std::optional<LogicalResult> result = convertLinearAlgebra(*this, op))
    return *result;
  if (std::optional<LogicalResult> result = convertControlFlow(*this, op))
    return *result;
  if (std::optional<LogicalResult> result = convertSpecialFunction(*this, op))
    return *result;

  if (auto call = dyn_cast<func::CallOp>(op))
    return convertCall(op, call.getCallee());
  if (name == "stablehlo.composite") {
    auto decomposition = dyn_cast_or_null<FlatSymbolRefAttr>(op->getAttr("decomposition"));
    if (!decomposition)
      return op->emitError("composite needs a decomposition function");
    return convertCall(op, decomposition.getValue());
  }
  if (name == "stablehlo.tuple") {
    tuples[op->getResult(0)] = SmallVector<Value>(op->getOperands());
    return success();
  }
  if (name == "stablehlo.get_tuple_element") {
    auto index = dyn_cast_or_null<IntegerAttr>(op->getAttr("index"));
    auto found = tuples.find(op->getOperand(0));
    if (!index || found == tuples.end() || index.getInt() < 0 ||
        index.getInt() >= (int64_t)found->second.size())
      return op->emitError("get_tuple_element of a tuple not built in this program");
    Value element = found->second[index.getInt()];
    if (auto nested = tuples.find(element); nested != tuples.end()) {
      SmallVector<Value> elements = nested->second;
      tuples[op->getResult(0)] = elements;
      return success();
    }
    Value value = get(element, op);
    if (!value)
      return failure();
    set(op->getResult(0), value);
    return success();
  }
  if (name == "stablehlo.custom_call") {
    auto target = dyn_cast_or_null<StringAttr>(op->getAttr("call_target_name"));
    // The conformance programs' checks have no results and no effect on the
    // computation; a compiled program simply does not run them.
    if (target && target.getValue().starts_with("check.") && op->getNumResults() == 0)
      return success();
    // Sharding annotations of JAX exports: the identity on one device.
    if (target &&
        (target.getValue() == "Sharding" || target.getValue() == "SPMDFullToShardShape" ||
         target.getValue() == "SPMDShardToFullShape") &&
        op->getNumOperands() == 1 && op->getNumResults() == 1 &&
        op->getOperand(0).getType() == op->getResult(0).getType()) {
      Value value = get(op->getOperand(0), op);
      if (!value)
        return failure();
      set(op->getResult(0), value);
      return success();
    }
    return op->emitError("unsupported custom_call target '")
           << (target ? target.getValue() : StringRef("?")) << "'";
  }
  if (op->getDialect() && op->getDialect()->getNamespace() == "check")
    return success();
  return op->emitError("unsupported StableHLO op '") << name << "'";
}
