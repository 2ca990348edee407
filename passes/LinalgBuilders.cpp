//===- LinalgBuilders.cpp - Helpers that build linalg on tensors ------------===//
#include "passes/LinalgBuilders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Complex/IR/Complex.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;

namespace smelt::lowering {

bool isUnsignedInteger(Type type) {
  auto integer = dyn_cast<IntegerType>(type);
  return integer && (integer.isUnsigned() || integer.getWidth() == 1);
}

Value scalarConstant(OpBuilder &builder, Location loc, Type type, double value) {
  if (auto complexType = dyn_cast<ComplexType>(type)) {
    auto part = cast<FloatType>(complexType.getElementType());
    Attribute parts[] = {builder.getFloatAttr(part, value), builder.getFloatAttr(part, 0.0)};
    return complex::ConstantOp::create(builder, loc, complexType, builder.getArrayAttr(parts));
  }
  if (auto floatType = dyn_cast<FloatType>(type))
    return arith::ConstantOp::create(builder, loc, builder.getFloatAttr(floatType, value));
  if (type.isIndex())
    return arith::ConstantIndexOp::create(builder, loc, (int64_t)value);
  return arith::ConstantOp::create(builder, loc, builder.getIntegerAttr(type, (int64_t)value));
}

Value lowestValue(OpBuilder &builder, Location loc, Type type, bool isUnsigned) {
  if (auto floatType = dyn_cast<FloatType>(type))
    return arith::ConstantOp::create(
        builder, loc,
        builder.getFloatAttr(floatType, APFloat::getInf(floatType.getFloatSemantics(),
                                                        /*Negative=*/true)));
  unsigned width = type.getIntOrFloatBitWidth();
  APInt value = isUnsigned ? APInt::getMinValue(width) : APInt::getSignedMinValue(width);
  return arith::ConstantOp::create(builder, loc, builder.getIntegerAttr(type, value));
}

Value highestValue(OpBuilder &builder, Location loc, Type type, bool isUnsigned) {
  if (auto floatType = dyn_cast<FloatType>(type))
    return arith::ConstantOp::create(
        builder, loc,
        builder.getFloatAttr(floatType, APFloat::getInf(floatType.getFloatSemantics())));
  unsigned width = type.getIntOrFloatBitWidth();
  APInt value = isUnsigned ? APInt::getMaxValue(width) : APInt::getSignedMaxValue(width);
  return arith::ConstantOp::create(builder, loc, builder.getIntegerAttr(type, value));
}

static Type signlessScalar(Type type) {
  if (auto integer = dyn_cast<IntegerType>(type); integer && !integer.isSignless())
    return IntegerType::get(type.getContext(), integer.getWidth());
  return type;
}

/// A float of 8 bits or fewer as f32: a lookup in a table of all its values
/// (LLVM has no such types; their bits travel as bytes).
static Value widenNarrowFloat(OpBuilder &builder, Location loc, Value value, FloatType from) {
  unsigned width = from.getWidth();
  SmallVector<float> table;
  for (uint64_t bits = 0; bits < (uint64_t(1) << width); ++bits) {
    APFloat element(from.getFloatSemantics(), APInt(width, bits));
    bool lost = false;
    (void)element.convert(APFloat::IEEEsingle(), APFloat::rmNearestTiesToEven, &lost);
    table.push_back(element.convertToFloat());
  }
  auto tableType = RankedTensorType::get({(int64_t)table.size()}, builder.getF32Type());
  Value values = arith::ConstantOp::create(
      builder, loc, DenseElementsAttr::get(tableType, ArrayRef<float>(table)));
  Value raw = arith::BitcastOp::create(builder, loc, builder.getIntegerType(width), value);
  Value index = arith::IndexCastUIOp::create(builder, loc, builder.getIndexType(), raw);
  return tensor::ExtractOp::create(builder, loc, values, index);
}

Value convertScalar(OpBuilder &builder, Location loc, Value value, Type from, Type to) {
  Type target = signlessScalar(to);
  if (signlessScalar(from) == target)
    return value;
  // Complex numbers: to another complex type part by part, to a real type
  // through the real part (as StableHLO's convert), from a real type with a
  // zero imaginary part.
  if (auto complexFrom = dyn_cast<ComplexType>(from)) {
    Type part = complexFrom.getElementType();
    Value real = complex::ReOp::create(builder, loc, value);
    if (auto complexTo = dyn_cast<ComplexType>(to)) {
      Type targetPart = complexTo.getElementType();
      Value imaginary = complex::ImOp::create(builder, loc, value);
      return complex::CreateOp::create(builder, loc, complexTo,
                                       convertScalar(builder, loc, real, part, targetPart),
                                       convertScalar(builder, loc, imaginary, part, targetPart));
    }
    return convertScalar(builder, loc, real, part, to);
  }
  if (auto complexTo = dyn_cast<ComplexType>(to)) {
    Type part = complexTo.getElementType();
    Value real = convertScalar(builder, loc, value, from, part);
    return complex::CreateOp::create(builder, loc, complexTo, real,
                                     scalarConstant(builder, loc, part, 0.0));
  }
  if (auto narrow = dyn_cast<FloatType>(from); narrow && narrow.getWidth() <= 8) {
    value = widenNarrowFloat(builder, loc, value, narrow);
    from = builder.getF32Type();
    if (target == from)
      return value;
  }
  bool fromFloat = isa<FloatType>(from), toFloat = isa<FloatType>(to);
  if (fromFloat && toFloat) {
    unsigned fromWidth = from.getIntOrFloatBitWidth(), toWidth = to.getIntOrFloatBitWidth();
    if (fromWidth == toWidth) { // f16 <-> bf16 go through f32
      Value wide = arith::ExtFOp::create(builder, loc, builder.getF32Type(), value);
      return arith::TruncFOp::create(builder, loc, target, wide);
    }
    if (fromWidth < toWidth)
      return arith::ExtFOp::create(builder, loc, target, value);
    return arith::TruncFOp::create(builder, loc, target, value);
  }
  if (!fromFloat && toFloat) {
    if (isUnsignedInteger(from))
      return arith::UIToFPOp::create(builder, loc, target, value);
    return arith::SIToFPOp::create(builder, loc, target, value);
  }
  if (fromFloat && !toFloat) {
    if (target.isInteger(1)) {
      Value zero = scalarConstant(builder, loc, value.getType(), 0.0);
      return arith::CmpFOp::create(builder, loc, arith::CmpFPredicate::UNE, value, zero);
    }
    // Saturating, as StableHLO's convert: values beyond the integer's range
    // become its limits, NaN becomes 0 (LLVM's plain conversions would give
    // poison). The range ends are powers of two, exact in every float type
    // (or infinite where the type cannot reach them).
    using F = arith::CmpFPredicate;
    bool toUnsigned = isUnsignedInteger(to);
    unsigned width = target.getIntOrFloatBitWidth();
    auto floatType = cast<FloatType>(value.getType());
    auto powerOfTwo = [&](int exponent, bool negative) {
      APFloat bound = APFloat::getOne(floatType.getFloatSemantics(), negative);
      bound = scalbn(bound, exponent, APFloat::rmNearestTiesToEven);
      return arith::ConstantOp::create(builder, loc, builder.getFloatAttr(floatType, bound))
          .getResult();
    };
    auto integer = [&](const APInt &bits) {
      return arith::ConstantOp::create(builder, loc, builder.getIntegerAttr(target, bits))
          .getResult();
    };
    Value converted, tooLarge, tooSmall, largest, smallest;
    if (toUnsigned) {
      converted = arith::FPToUIOp::create(builder, loc, target, value);
      tooLarge = arith::CmpFOp::create(builder, loc, F::OGE, value, powerOfTwo(width, false));
      tooSmall = arith::CmpFOp::create(builder, loc, F::OLT, value,
                                       scalarConstant(builder, loc, floatType, 0.0));
      largest = integer(APInt::getMaxValue(width));
      smallest = integer(APInt::getMinValue(width));
    } else {
      converted = arith::FPToSIOp::create(builder, loc, target, value);
      tooLarge = arith::CmpFOp::create(builder, loc, F::OGE, value, powerOfTwo(width - 1, false));
      tooSmall = arith::CmpFOp::create(builder, loc, F::OLE, value, powerOfTwo(width - 1, true));
      largest = integer(APInt::getSignedMaxValue(width));
      smallest = integer(APInt::getSignedMinValue(width));
    }
    converted = arith::SelectOp::create(builder, loc, tooLarge, largest, converted);
    converted = arith::SelectOp::create(builder, loc, tooSmall, smallest, converted);
    Value isNaN = arith::CmpFOp::create(builder, loc, F::UNO, value, value);
    return arith::SelectOp::create(builder, loc, isNaN, integer(APInt(width, 0)), converted);
  }
  // Integer to integer.
  if (target.isInteger(1)) {
    Value zero = scalarConstant(builder, loc, value.getType(), 0);
    return arith::CmpIOp::create(builder, loc, arith::CmpIPredicate::ne, value, zero);
  }
  unsigned fromWidth = from.getIntOrFloatBitWidth(), toWidth = to.getIntOrFloatBitWidth();
  if (fromWidth < toWidth) {
    if (isUnsignedInteger(from))
      return arith::ExtUIOp::create(builder, loc, target, value);
    return arith::ExtSIOp::create(builder, loc, target, value);
  }
  if (fromWidth > toWidth)
    return arith::TruncIOp::create(builder, loc, target, value);
  return value;
}

Value emptyTensor(OpBuilder &builder, Location loc, RankedTensorType type) {
  return tensor::EmptyOp::create(builder, loc, type.getShape(), type.getElementType());
}

Value addScalars(OpBuilder &builder, Location loc, Value x, Value y) {
  if (isa<ComplexType>(x.getType()))
    return complex::AddOp::create(builder, loc, x, y);
  if (isa<FloatType>(x.getType()))
    return arith::AddFOp::create(builder, loc, x, y);
  return arith::AddIOp::create(builder, loc, x, y);
}

Value multiplyScalars(OpBuilder &builder, Location loc, Value x, Value y) {
  if (isa<ComplexType>(x.getType()))
    return complex::MulOp::create(builder, loc, x, y);
  if (isa<FloatType>(x.getType()))
    return arith::MulFOp::create(builder, loc, x, y);
  return arith::MulIOp::create(builder, loc, x, y);
}

Value filledTensor(OpBuilder &builder, Location loc, RankedTensorType type, Value value) {
  Value empty = emptyTensor(builder, loc, type);
  return linalg::FillOp::create(builder, loc, ValueRange{value}, ValueRange{empty})
      .getResult(0);
}

Value splatScalar(OpBuilder &builder, Location loc, Value value) {
  DenseElementsAttr elements;
  if (!matchPattern(value, m_Constant(&elements)) || !elements.isSplat())
    return {};
  Type elementType = signlessScalar(elements.getElementType());
  if (auto complexType = dyn_cast<ComplexType>(elementType)) {
    auto value = elements.getSplatValue<std::complex<APFloat>>();
    auto part = cast<FloatType>(complexType.getElementType());
    Attribute parts[] = {FloatAttr::get(part, value.real()), FloatAttr::get(part, value.imag())};
    return complex::ConstantOp::create(builder, loc, complexType, builder.getArrayAttr(parts));
  }
  Attribute scalar = elements.getSplatValue<Attribute>();
  if (auto integer = dyn_cast<IntegerAttr>(scalar))
    scalar = IntegerAttr::get(elementType, integer.getValue());
  return arith::ConstantOp::create(builder, loc, cast<TypedAttr>(scalar));
}

Value buildElementwise(OpBuilder &builder, Location loc, RankedTensorType resultType,
                       ValueRange operands, ScalarFunction function) {
  MLIRContext *context = builder.getContext();
  int64_t rank = resultType.getRank();
  SmallVector<Value> scalars(operands.size());
  SmallVector<int> inputPosition(operands.size(), -1);
  SmallVector<Value> inputs;
  SmallVector<AffineMap> maps;
  for (auto [index, operand] : llvm::enumerate(operands)) {
    if (Value scalar = splatScalar(builder, loc, operand)) {
      scalars[index] = scalar;
      continue;
    }
    auto type = cast<RankedTensorType>(operand.getType());
    SmallVector<AffineExpr> exprs;
    int64_t offset = rank - type.getRank();
    for (int64_t d = 0; d < type.getRank(); ++d) {
      if (type.getDimSize(d) == 1 && resultType.getDimSize(d + offset) != 1)
        exprs.push_back(getAffineConstantExpr(0, context));
      else
        exprs.push_back(getAffineDimExpr(d + offset, context));
    }
    inputPosition[index] = inputs.size();
    inputs.push_back(operand);
    maps.push_back(AffineMap::get(rank, 0, exprs, context));
  }
  maps.push_back(AffineMap::getMultiDimIdentityMap(rank, context));
  SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
  Value init = emptyTensor(builder, loc, resultType);
  auto generic = linalg::GenericOp::create(
      builder, loc, TypeRange{resultType}, inputs, ValueRange{init}, maps, iterators,
      [&](OpBuilder &b, Location l, ValueRange args) {
        SmallVector<Value> values(operands.size());
        for (size_t i = 0; i < operands.size(); ++i)
          values[i] = inputPosition[i] >= 0 ? args[inputPosition[i]] : scalars[i];
        linalg::YieldOp::create(b, l, function(b, l, values));
      });
  return generic.getResult(0);
}

Value reshapeTensor(OpBuilder &builder, Location loc, Value value,
                    RankedTensorType resultType) {
  auto sourceType = cast<RankedTensorType>(value.getType());
  if (sourceType == resultType)
    return value;
  // To or from a single element: unit dims only, no reassociation groups.
  if (sourceType.getRank() == 0)
    return tensor::ExpandShapeOp::create(builder, loc, resultType, value,
                                         ArrayRef<ReassociationIndices>{});
  if (resultType.getRank() == 0)
    return tensor::CollapseShapeOp::create(builder, loc, resultType, value,
                                           ArrayRef<ReassociationIndices>{});
  Value flat = value;
  if (sourceType.getRank() != 1) {
    ReassociationIndices all;
    for (int64_t d = 0; d < sourceType.getRank(); ++d)
      all.push_back(d);
    SmallVector<ReassociationIndices> groups;
    if (sourceType.getRank() > 0)
      groups.push_back(all);
    auto flatType = RankedTensorType::get({sourceType.getNumElements()},
                                          sourceType.getElementType());
    flat = tensor::CollapseShapeOp::create(builder, loc, flatType, value, groups);
  }
  if (resultType.getRank() == 1)
    return flat;
  ReassociationIndices all;
  for (int64_t d = 0; d < resultType.getRank(); ++d)
    all.push_back(d);
  SmallVector<ReassociationIndices> groups;
  if (resultType.getRank() > 0)
    groups.push_back(all);
  return tensor::ExpandShapeOp::create(builder, loc, resultType, flat, groups);
}

Value genericOverResult(OpBuilder &b, Location loc, RankedTensorType resultType,
                               ValueRange inputs, ArrayRef<AffineMap> inputMaps,
                               function_ref<Value(OpBuilder &, Location, ValueRange)> body) {
  MLIRContext *context = b.getContext();
  SmallVector<AffineMap> maps(inputMaps);
  maps.push_back(AffineMap::getMultiDimIdentityMap(resultType.getRank(), context));
  SmallVector<utils::IteratorType> parallel(resultType.getRank(),
                                            utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             b, loc, TypeRange{resultType}, inputs,
             ValueRange{emptyTensor(b, loc, resultType)}, maps, parallel,
             [&](OpBuilder &nb, Location l, ValueRange args) {
               linalg::YieldOp::create(nb, l, body(nb, l, args.drop_back()));
             })
      .getResult(0);
}

} // namespace smelt::lowering
