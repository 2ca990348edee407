//===- HostTensor.cpp - Small tensors evaluated at import time --------------===//
#include "frontends/onnx/HostTensor.h"

#include "dialects/graph/IR/GraphOps.h"

#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/APInt.h"

#include <cmath>
#include <limits>

using namespace mlir;

namespace smelt::onnx_frontend {

namespace {

/// `value` wrapped to the width of integer type `type`, then read back with
/// the type's signedness: what storing it in a tensor of that type gives.
int64_t wrapToType(int64_t value, Type type) {
  auto integer = cast<IntegerType>(type);
  unsigned width = integer.getWidth();
  if (width == 1)
    return value != 0;
  if (width >= 64)
    return value;
  llvm::APInt bits(width, static_cast<uint64_t>(value), /*isSigned=*/true,
                   /*implicitTrunc=*/true);
  return integer.isUnsigned() ? (int64_t)bits.getZExtValue() : bits.getSExtValue();
}

/// Float-to-integer conversion that truncates toward zero like ONNX Cast, and
/// saturates where C++ would have undefined behaviour (NaN, out of range).
int64_t truncateToInteger(double value) {
  if (std::isnan(value))
    return 0;
  if (value >= 9.2233720368547758e18)
    return std::numeric_limits<int64_t>::max();
  if (value <= -9.2233720368547758e18)
    return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(value);
}

} // namespace

SmallVector<int64_t> computeStrides(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> strides(shape.size(), 1);
  for (int64_t i = (int64_t)shape.size() - 2; i >= 0; --i)
    strides[i] = strides[i + 1] * shape[i + 1];
  return strides;
}

SmallVector<int64_t> broadcastSourceIndices(ArrayRef<int64_t> operandShape,
                                            ArrayRef<int64_t> resultShape) {
  int64_t rank = resultShape.size();
  int64_t offset = rank - (int64_t)operandShape.size();
  SmallVector<int64_t> operandStrides = computeStrides(operandShape);
  int64_t count = ShapedType::getNumElements(resultShape);
  SmallVector<int64_t> indices(count);
  SmallVector<int64_t> position(rank, 0);
  for (int64_t flat = 0; flat < count; ++flat) {
    int64_t source = 0;
    for (int64_t d = offset; d < rank; ++d)
      if (operandShape[d - offset] != 1)
        source += position[d] * operandStrides[d - offset];
    indices[flat] = source;
    // Advance the multi-index in row-major order.
    for (int64_t d = rank - 1; d >= 0; --d) {
      if (++position[d] < resultShape[d])
        break;
      position[d] = 0;
    }
  }
  return indices;
}

SmallVector<int64_t> readIntegers(DenseElementsAttr attr) {
  SmallVector<int64_t> values;
  auto type = dyn_cast<IntegerType>(attr.getElementType());
  if (!type)
    return values;
  bool zeroExtend = type.isUnsigned() || type.getWidth() == 1;
  for (const APInt &value : attr.getValues<APInt>())
    values.push_back(zeroExtend ? (int64_t)value.getZExtValue() : value.getSExtValue());
  return values;
}

std::optional<HostTensor> HostTensor::fromAttr(DenseElementsAttr attr) {
  if (!attr || attr.getNumElements() > kMaxElements)
    return std::nullopt;
  auto type = cast<RankedTensorType>(attr.getType());
  HostTensor tensor(type);
  if (isa<IntegerType>(type.getElementType())) {
    tensor.ints = readIntegers(attr);
    return tensor;
  }
  if (isa<FloatType>(type.getElementType())) {
    for (const APFloat &value : attr.getValues<APFloat>()) {
      bool losesInfo = false;
      APFloat wide = value;
      wide.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven, &losesInfo);
      tensor.floats.push_back(wide.convertToDouble());
    }
    return tensor;
  }
  return std::nullopt;
}

HostTensor HostTensor::fromInts(RankedTensorType type, ArrayRef<int64_t> values) {
  // Integer values for a float tensor are converted, never stored in the
  // wrong field (toAttr reads `floats` for float element types).
  if (isa<FloatType>(type.getElementType()))
    return fromFloats(type, SmallVector<double>(values.begin(), values.end()));
  HostTensor tensor(type);
  for (int64_t value : values)
    tensor.ints.push_back(wrapToType(value, type.getElementType()));
  return tensor;
}

HostTensor HostTensor::fromFloats(RankedTensorType type, ArrayRef<double> values) {
  if (!isa<FloatType>(type.getElementType()))
    return fromInts(type, SmallVector<int64_t>(values.begin(), values.end()));
  HostTensor tensor(type);
  tensor.floats.assign(values.begin(), values.end());
  return tensor;
}

DenseElementsAttr HostTensor::toAttr() const {
  Type element = type.getElementType();
  if (element.isInteger(1)) {
    SmallVector<bool> values;
    for (int64_t value : ints)
      values.push_back(value != 0);
    return DenseElementsAttr::get(type, ArrayRef<bool>(values));
  }
  if (auto integer = dyn_cast<IntegerType>(element)) {
    SmallVector<APInt> values;
    for (int64_t value : ints)
      values.emplace_back(integer.getWidth(), static_cast<uint64_t>(value),
                          /*isSigned=*/true, /*implicitTrunc=*/true);
    return DenseElementsAttr::get(type, values);
  }
  const llvm::fltSemantics &semantics = cast<FloatType>(element).getFloatSemantics();
  SmallVector<APFloat> values;
  for (double value : floats) {
    APFloat converted(value);
    bool losesInfo = false;
    converted.convert(semantics, APFloat::rmNearestTiesToEven, &losesInfo);
    values.push_back(converted);
  }
  return DenseElementsAttr::get(type, values);
}

HostTensor HostTensor::take(RankedTensorType resultType,
                            ArrayRef<int64_t> sourceIndices) const {
  HostTensor result(resultType);
  for (int64_t index : sourceIndices) {
    if (isFloat())
      result.floats.push_back(floats[index]);
    else
      result.ints.push_back(ints[index]);
  }
  return result;
}

HostTensor HostTensor::concat(ArrayRef<HostTensor> parts, int64_t axis) {
  SmallVector<int64_t> shape(parts.front().getShape());
  shape[axis] = 0;
  for (const HostTensor &part : parts)
    shape[axis] += part.getShape()[axis];
  HostTensor result(RankedTensorType::get(shape, parts.front().getElementType()));
  // Row-major: for each index before `axis`, every part contributes one
  // contiguous block of (its axis size x trailing elements).
  int64_t outer = ShapedType::getNumElements(ArrayRef<int64_t>(shape).take_front(axis));
  for (int64_t o = 0; o < outer; ++o) {
    for (const HostTensor &part : parts) {
      int64_t block = ShapedType::getNumElements(part.getShape().drop_front(axis));
      for (int64_t i = o * block, e = (o + 1) * block; i < e; ++i) {
        if (part.isFloat())
          result.floats.push_back(part.floats[i]);
        else
          result.ints.push_back(part.ints[i]);
      }
    }
  }
  return result;
}

HostTensor HostTensor::castTo(Type elementType) const {
  HostTensor result(RankedTensorType::get(type.getShape(), elementType));
  bool toFloat = isa<FloatType>(elementType);
  for (int64_t i = 0, e = size(); i < e; ++i) {
    if (toFloat)
      result.floats.push_back(floatAt(i));
    else if (elementType.isInteger(1))
      result.ints.push_back(isFloat() ? floats[i] != 0.0 : ints[i] != 0);
    else
      result.ints.push_back(wrapToType(isFloat() ? truncateToInteger(floats[i]) : ints[i],
                                       elementType));
  }
  return result;
}

HostTensor HostTensor::map(const std::function<int64_t(int64_t)> &onInt,
                           const std::function<double(double)> &onFloat) const {
  HostTensor result(type);
  for (int64_t i = 0, e = size(); i < e; ++i) {
    if (isFloat())
      result.floats.push_back(onFloat(floats[i]));
    else
      result.ints.push_back(wrapToType(onInt(ints[i]), type.getElementType()));
  }
  return result;
}

std::optional<HostTensor> evaluateBinary(BinaryFunction function, const HostTensor &lhs,
                                         const HostTensor &rhs) {
  FailureOr<SmallVector<int64_t>> shape =
      graph::broadcastShapes(lhs.getShape(), rhs.getShape());
  if (failed(shape) || ShapedType::getNumElements(*shape) > HostTensor::kMaxElements)
    return std::nullopt;
  SmallVector<int64_t> lhsIndices = broadcastSourceIndices(lhs.getShape(), *shape);
  SmallVector<int64_t> rhsIndices = broadcastSourceIndices(rhs.getShape(), *shape);

  bool predicate = function >= BinaryFunction::Equal;
  Type resultElement = predicate ? IntegerType::get(lhs.getType().getContext(), 1)
                                 : lhs.getElementType();
  auto resultType = RankedTensorType::get(*shape, resultElement);
  bool floating = lhs.isFloat();

  SmallVector<int64_t> ints;
  SmallVector<double> floats;
  for (size_t i = 0; i < lhsIndices.size(); ++i) {
    if (floating) {
      double a = lhs.floatAt(lhsIndices[i]), b = rhs.floatAt(rhsIndices[i]);
      double value = 0;
      switch (function) {
      case BinaryFunction::Add: value = a + b; break;
      case BinaryFunction::Sub: value = a - b; break;
      case BinaryFunction::Mul: value = a * b; break;
      case BinaryFunction::Div: value = a / b; break;
      case BinaryFunction::Pow: value = std::pow(a, b); break;
      case BinaryFunction::Max: value = std::isnan(a) || std::isnan(b) ? NAN : std::max(a, b); break;
      case BinaryFunction::Min: value = std::isnan(a) || std::isnan(b) ? NAN : std::min(a, b); break;
      case BinaryFunction::Equal: ints.push_back(a == b); continue;
      case BinaryFunction::Less: ints.push_back(a < b); continue;
      case BinaryFunction::LessEqual: ints.push_back(a <= b); continue;
      case BinaryFunction::Greater: ints.push_back(a > b); continue;
      case BinaryFunction::GreaterEqual: ints.push_back(a >= b); continue;
      default: return std::nullopt; // logic ops take bools only
      }
      floats.push_back(value);
      continue;
    }
    int64_t a = lhs.intAt(lhsIndices[i]), b = rhs.intAt(rhsIndices[i]);
    // Unsigned wrap-around arithmetic sidesteps signed-overflow UB; the
    // result is re-wrapped to the element width by fromInts.
    auto wrap = [](uint64_t value) { return static_cast<int64_t>(value); };
    switch (function) {
    case BinaryFunction::Add: ints.push_back(wrap((uint64_t)a + (uint64_t)b)); break;
    case BinaryFunction::Sub: ints.push_back(wrap((uint64_t)a - (uint64_t)b)); break;
    case BinaryFunction::Mul: ints.push_back(wrap((uint64_t)a * (uint64_t)b)); break;
    case BinaryFunction::Div:
      if (b == 0 || (a == std::numeric_limits<int64_t>::min() && b == -1))
        return std::nullopt;
      ints.push_back(a / b); // truncates toward zero, as graph.div does
      break;
    case BinaryFunction::Pow:
      ints.push_back(truncateToInteger(std::pow((double)a, rhs.floatAt(rhsIndices[i]))));
      break;
    case BinaryFunction::Max: ints.push_back(std::max(a, b)); break;
    case BinaryFunction::Min: ints.push_back(std::min(a, b)); break;
    case BinaryFunction::Equal: ints.push_back(a == b); break;
    case BinaryFunction::Less: ints.push_back(a < b); break;
    case BinaryFunction::LessEqual: ints.push_back(a <= b); break;
    case BinaryFunction::Greater: ints.push_back(a > b); break;
    case BinaryFunction::GreaterEqual: ints.push_back(a >= b); break;
    case BinaryFunction::And: ints.push_back(a && b); break;
    case BinaryFunction::Or: ints.push_back(a || b); break;
    case BinaryFunction::Xor: ints.push_back((a != 0) != (b != 0)); break;
    }
  }
  if (floating && !predicate)
    return HostTensor::fromFloats(resultType, floats);
  return HostTensor::fromInts(resultType, ints);
}

std::optional<HostTensor> evaluateSelect(const HostTensor &condition,
                                         const HostTensor &onTrue,
                                         const HostTensor &onFalse) {
  FailureOr<SmallVector<int64_t>> values =
      graph::broadcastShapes(onTrue.getShape(), onFalse.getShape());
  if (failed(values))
    return std::nullopt;
  FailureOr<SmallVector<int64_t>> shape =
      graph::broadcastShapes(condition.getShape(), *values);
  if (failed(shape) || ShapedType::getNumElements(*shape) > HostTensor::kMaxElements)
    return std::nullopt;
  SmallVector<int64_t> conditionIndices = broadcastSourceIndices(condition.getShape(), *shape);
  SmallVector<int64_t> trueIndices = broadcastSourceIndices(onTrue.getShape(), *shape);
  SmallVector<int64_t> falseIndices = broadcastSourceIndices(onFalse.getShape(), *shape);
  auto type = RankedTensorType::get(*shape, onTrue.getElementType());
  if (onTrue.isFloat()) {
    SmallVector<double> values;
    for (size_t i = 0; i < conditionIndices.size(); ++i)
      values.push_back(condition.intAt(conditionIndices[i]) ? onTrue.floatAt(trueIndices[i])
                                                            : onFalse.floatAt(falseIndices[i]));
    return HostTensor::fromFloats(type, values);
  }
  SmallVector<int64_t> ints;
  for (size_t i = 0; i < conditionIndices.size(); ++i)
    ints.push_back(condition.intAt(conditionIndices[i]) ? onTrue.intAt(trueIndices[i])
                                                        : onFalse.intAt(falseIndices[i]));
  return HostTensor::fromInts(type, ints);
}

} // namespace smelt::onnx_frontend
