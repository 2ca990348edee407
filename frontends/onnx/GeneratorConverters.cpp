//===- GeneratorConverters.cpp - Ops that generate or rearrange tensors ------===//
//
// Range and EyeLike (constants at import), Trilu (a constant mask),
// DepthToSpace/SpaceToDepth (reshape, transpose, reshape), the value
// tests Sign, IsNaN, IsInf and Shrink, decomposed into graph ops, and NonZero,
// Compress and Unique, whose output sizes need constant inputs (constants, a
// gather at constant indices).
//
//===----------------------------------------------------------------------===//
#include "frontends/onnx/NodeContext.h"
#include "frontends/onnx/OpChain.h"
#include "frontends/onnx/TensorConversion.h"

#include "dialects/graph/IR/GraphOps.h"

#include <algorithm>
#include <numeric>

#include <onnx/onnx_pb.h>

#include <cmath>

using namespace mlir;

namespace smelt::onnx_frontend {
namespace {

/// start, start + delta, ... before limit: a constant, so its inputs must be
/// known at import.
LogicalResult convertRange(NodeContext &ctx) {
  if (failed(ctx.requireInputs(3)))
    return failure();
  std::optional<HostTensor> start = ctx.hostInput(0), limit = ctx.hostInput(1),
                            delta = ctx.hostInput(2);
  if (!start || !limit || !delta) {
    ctx.emitError() << "start, limit and delta must be constants known at import time (a "
                       "model input can be frozen with --constant-input)";
    return failure();
  }
  Type elementType = ctx.inputElementType(0);
  double first = start->floatAt(0), end = limit->floatAt(0), step = delta->floatAt(0);
  if (step == 0) {
    ctx.emitError() << "delta is zero";
    return failure();
  }
  int64_t count = std::max<int64_t>(0, (int64_t)std::ceil((end - first) / step));
  if (count > (1 << 24)) {
    ctx.emitError() << "range of " << count << " elements is too large to fold";
    return failure();
  }
  auto type = RankedTensorType::get({count}, elementType);
  if (isa<FloatType>(elementType)) {
    SmallVector<double> values;
    for (int64_t i = 0; i < count; ++i)
      values.push_back(first + i * step);
    ctx.setConstantOutput(0, HostTensor::fromFloats(type, values).toAttr());
  } else {
    SmallVector<int64_t> values;
    for (int64_t i = 0; i < count; ++i)
      values.push_back(start->intAt(0) + i * delta->intAt(0));
    ctx.setConstantOutput(0, HostTensor::fromInts(type, values).toAttr());
  }
  return success();
}

/// Ones on the k-th diagonal of a 2-D tensor shaped like the input.
LogicalResult convertEyeLike(NodeContext &ctx) {
  if (failed(ctx.requireInputs(1)))
    return failure();
  RankedTensorType inputType = ctx.inputType(0);
  if (inputType.getRank() != 2) {
    ctx.emitError() << "expects a 2-D input, got " << inputType;
    return failure();
  }
  Type elementType = inputType.getElementType();
  if (const onnx::AttributeProto *dtype = ctx.attribute("dtype"))
    elementType = convertElementType(ctx.getContext(), dtype->i());
  int64_t k = ctx.getInt("k", 0);
  if (ctx.hasFailed())
    return failure();
  if (!elementType) {
    ctx.emitError() << "dtype " << onnxTypeName(ctx.attribute("dtype")->i())
                    << " is not supported";
    return failure();
  }
  int64_t rows = inputType.getDimSize(0), columns = inputType.getDimSize(1);
  auto type = RankedTensorType::get({rows, columns}, elementType);
  SmallVector<double> values(rows * columns, 0.0);
  for (int64_t r = 0; r < rows; ++r)
    if (r + k >= 0 && r + k < columns)
      values[r * columns + r + k] = 1.0;
  ctx.setConstantOutput(0, isa<FloatType>(elementType)
                               ? HostTensor::fromFloats(type, values).toAttr()
                               : HostTensor::fromInts(type, SmallVector<int64_t>(
                                                                values.begin(), values.end()))
                                     .toAttr());
  return success();
}

/// Keeps the upper (or lower) triangle from the k-th diagonal of the last two
/// dims: a select against a constant mask.
LogicalResult convertTrilu(NodeContext &ctx) {
  if (failed(ctx.requireInputs(1)))
    return failure();
  int64_t k = 0;
  if (ctx.hasInput(1)) {
    FailureOr<SmallVector<int64_t>> values = ctx.requireIntegerInput(1, "k");
    if (failed(values))
      return failure();
    k = values->empty() ? 0 : values->front();
  }
  bool upper = ctx.getInt("upper", 1) != 0;
  RankedTensorType type = ctx.inputType(0);
  if (ctx.hasFailed())
    return failure();
  if (type.getRank() < 2) {
    ctx.emitError() << "expects a tensor of rank >= 2, got " << type;
    return failure();
  }
  int64_t rows = type.getDimSize(type.getRank() - 2), columns = type.getDimSize(type.getRank() - 1);
  SmallVector<bool> mask(rows * columns);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < columns; ++c)
      mask[r * columns + c] = upper ? c - r >= k : c - r <= k;
  auto maskType = RankedTensorType::get({rows, columns}, IntegerType::get(ctx.getContext(), 1));
  Value maskValue = ctx.constant(DenseElementsAttr::get(maskType, ArrayRef<bool>(mask)));
  Value zero = ctx.scalar(0, type.getElementType());
  FailureOr<Value> result = ctx.createInferred<graph::SelectOp>(maskValue, ctx.input(0), zero);
  if (failed(result))
    return failure();
  ctx.setOutput(0, *result);
  return success();
}

/// DepthToSpace (DCR or CRD) and SpaceToDepth as reshape, transpose, reshape.
LogicalResult convertDepthSpace(NodeContext &ctx, bool toSpace) {
  if (failed(ctx.requireInputs(1)))
    return failure();
  RankedTensorType type = ctx.inputType(0);
  int64_t block = ctx.getInt("blocksize", 0);
  std::string mode = ctx.getString("mode", "DCR");
  if (ctx.hasFailed())
    return failure();
  if (type.getRank() != 4 || block <= 0) {
    ctx.emitError() << "expects a 4-D input and a positive blocksize";
    return failure();
  }
  // Larger than any dim it could divide (and its square would overflow).
  if (block > (int64_t{1} << 24)) {
    ctx.emitError() << "blocksize " << block << " is out of range";
    return failure();
  }
  int64_t n = type.getDimSize(0), c = type.getDimSize(1), h = type.getDimSize(2),
          w = type.getDimSize(3);
  SmallVector<int64_t> split, perm, result;
  if (toSpace) {
    if (c % (block * block) != 0) {
      ctx.emitError() << "channels " << c << " are not divisible by blocksize^2";
      return failure();
    }
    int64_t depth = c / (block * block);
    if (mode == "DCR") {
      split = {n, block, block, depth, h, w};
      perm = {0, 3, 4, 1, 5, 2};
    } else if (mode == "CRD") {
      split = {n, depth, block, block, h, w};
      perm = {0, 1, 4, 2, 5, 3};
    } else {
      ctx.emitError() << "unknown mode '" << mode << "'";
      return failure();
    }
    result = {n, depth, h * block, w * block};
  } else {
    if (h % block != 0 || w % block != 0) {
      ctx.emitError() << "spatial dims are not divisible by blocksize";
      return failure();
    }
    split = {n, c, h / block, block, w / block, block};
    perm = {0, 3, 5, 1, 2, 4};
    result = {n, c * block * block, h / block, w / block};
  }
  FailureOr<Value> reshaped = ctx.reshape(ctx.input(0), split);
  if (failed(reshaped))
    return failure();
  FailureOr<Value> transposed =
      ctx.createInferred<graph::TransposeOp>(*reshaped, ArrayRef<int64_t>(perm));
  if (failed(transposed))
    return failure();
  FailureOr<Value> output = ctx.reshape(*transposed, result);
  if (failed(output))
    return failure();
  ctx.setOutput(0, *output);
  return success();
}

using Chain = OpChain;

/// x > 0 ? 1 : (x < 0 ? -1 : 0)
LogicalResult convertSign(NodeContext &ctx) {
  if (failed(ctx.requireInputs(1)))
    return failure();
  Type elementType = ctx.inputElementType(0);
  Value x = ctx.input(0);
  Chain f(ctx);
  Value zero = ctx.scalar(0, elementType);
  Value negative = elementType.isUnsignedInteger()
                       ? zero
                       : f.make<graph::SelectOp>(f.make<graph::LessOp>(x, zero),
                                                 ctx.scalar(-1, elementType), zero);
  Value sign = f.make<graph::SelectOp>(f.make<graph::GreaterOp>(x, zero),
                                       ctx.scalar(1, elementType), negative);
  // Broadcast scalars back to x's shape (select of scalars is a scalar).
  return f.output(f.make<graph::AddOp>(sign, f.make<graph::MulOp>(x, zero)));
}

/// NaN is the one value not equal to itself.
LogicalResult convertIsNaN(NodeContext &ctx) {
  if (failed(ctx.requireInputs(1)))
    return failure();
  Chain f(ctx);
  Value equal = f.make<graph::EqualOp>(ctx.input(0), ctx.input(0));
  if (!equal)
    return failure();
  FailureOr<Value> result = ctx.create<graph::NotOp>(equal.getType(), equal);
  if (failed(result))
    return failure();
  ctx.setOutput(0, *result);
  return success();
}

LogicalResult convertIsInf(NodeContext &ctx) {
  if (failed(ctx.requireInputs(1)))
    return failure();
  bool positive = ctx.getInt("detect_positive", 1) != 0;
  bool negative = ctx.getInt("detect_negative", 1) != 0;
  if (ctx.hasFailed())
    return failure();
  Type elementType = ctx.inputElementType(0);
  Value x = ctx.input(0);
  Chain f(ctx);
  Value isPositive = f.make<graph::EqualOp>(x, ctx.scalar(INFINITY, elementType));
  Value isNegative = f.make<graph::EqualOp>(x, ctx.scalar(-INFINITY, elementType));
  Value result;
  if (positive && negative)
    result = f.make<graph::OrOp>(isPositive, isNegative);
  else if (positive)
    result = isPositive;
  else if (negative)
    result = isNegative;
  else
    result = f.make<graph::AndOp>(isPositive, isNegative); // all false
  return f.output(result);
}

/// x < -lambd ? x + bias : (x > lambd ? x - bias : 0)
LogicalResult convertShrink(NodeContext &ctx) {
  if (failed(ctx.requireInputs(1)))
    return failure();
  double lambd = ctx.getFloat("lambd", 0.5f), bias = ctx.getFloat("bias", 0.0f);
  if (ctx.hasFailed())
    return failure();
  Type elementType = ctx.inputElementType(0);
  Value x = ctx.input(0);
  Chain f(ctx);
  Value zero = f.make<graph::MulOp>(x, ctx.scalar(0, elementType));
  Value above = f.make<graph::SelectOp>(f.make<graph::GreaterOp>(x, ctx.scalar(lambd, elementType)),
                                        f.make<graph::SubOp>(x, ctx.scalar(bias, elementType)),
                                        zero);
  return f.output(
      f.make<graph::SelectOp>(f.make<graph::LessOp>(x, ctx.scalar(-lambd, elementType)),
                              f.make<graph::AddOp>(x, ctx.scalar(bias, elementType)), above));
}

/// Input 0 of an op whose result count depends on its values, as a
/// constant; an error when it is not one.
std::optional<HostTensor> decidingConstant(NodeContext &ctx) {
  std::optional<HostTensor> host = ctx.hostInput(0);
  if (!host)
    ctx.emitError() << "the number of results depends on the input's values, so the input "
                       "must be a constant known at import (at most "
                    << HostTensor::kMaxElements
                    << " elements; a model input can be frozen with --constant-input)";
  return host;
}

/// NonZero (opset 9): the indices [rank, count] of the non-zero elements,
/// in row-major order. The count depends on the values, so the input must
/// be a constant known at import (a mask of a shape computation, say): the
/// result is a constant.
LogicalResult convertNonZero(NodeContext &ctx) {
  if (failed(ctx.requireInputs(1)))
    return failure();
  std::optional<HostTensor> host = decidingConstant(ctx);
  if (!host)
    return failure();
  ArrayRef<int64_t> shape = host->getShape();
  SmallVector<int64_t> strides = computeStrides(shape);
  std::vector<int64_t> found;
  for (int64_t i = 0; i < host->size(); ++i)
    if (host->isFloat() ? host->floatAt(i) != 0 : host->intAt(i) != 0)
      found.push_back(i);
  const int64_t rank = shape.size(), count = found.size();
  std::vector<int64_t> indices(rank * count);
  for (int64_t j = 0; j < count; ++j)
    for (int64_t d = 0; d < rank; ++d)
      indices[d * count + j] = found[j] / strides[d] % shape[d];
  auto type = RankedTensorType::get({rank, count}, IntegerType::get(ctx.getContext(), 64));
  ctx.setConstantOutput(0, HostTensor::fromInts(type, indices).toAttr());
  return success();
}

/// Compress (opset 11): the slices along `axis` (of the flattened input
/// without one) where `condition` is true; a condition shorter than the axis
/// drops the rest. The output's size depends on the condition, so it must be
/// a constant known at import; the data is gathered at those indices.
LogicalResult convertCompress(NodeContext &ctx) {
  if (failed(ctx.requireInputs(2)))
    return failure();
  std::optional<HostTensor> condition = ctx.hostInput(1);
  if (!condition || condition->getShape().size() != 1) {
    ctx.emitError() << "the condition decides the output's size, so it must be a 1-D "
                       "constant known at import (a model input can be frozen with "
                       "--constant-input)";
    return failure();
  }
  Value data = ctx.input(0);
  RankedTensorType type = ctx.inputType(0);
  int64_t axis = 0;
  if (ctx.hasAttribute("axis")) {
    FailureOr<int64_t> normalized = ctx.normalizeAxis(ctx.getInt("axis", 0), type.getRank(),
                                                      "axis");
    if (failed(normalized))
      return failure();
    axis = *normalized;
  } else {
    FailureOr<Value> flat = ctx.reshape(data, {type.getNumElements()});
    if (failed(flat))
      return failure();
    data = *flat;
  }
  int64_t extent = cast<RankedTensorType>(data.getType()).getDimSize(axis);
  if (condition->size() > extent) {
    ctx.emitError() << "the condition has " << condition->size()
                    << " entries for an axis of " << extent;
    return failure();
  }
  std::vector<int64_t> kept;
  for (int64_t i = 0; i < condition->size(); ++i)
    if (condition->intAt(i) != 0)
      kept.push_back(i);
  auto indexType = RankedTensorType::get({(int64_t)kept.size()},
                                         IntegerType::get(ctx.getContext(), 64));
  Value indices = ctx.constant(HostTensor::fromInts(indexType, kept).toAttr());
  FailureOr<Value> result = ctx.createInferred<graph::GatherOp>(data, indices, axis);
  if (failed(result))
    return failure();
  ctx.setOutput(0, *result);
  return success();
}

/// Unique (opset 11) of a constant (its count decides the output sizes): the
/// distinct elements, or with `axis` the distinct slices along it, sorted
/// (lexicographically for slices) or in order of first occurrence, with the
/// index of each one's first occurrence, each input element's (slice's)
/// index into them, and their counts; all constants.
LogicalResult convertUnique(NodeContext &ctx) {
  if (failed(ctx.requireInputs(1)))
    return failure();
  std::optional<HostTensor> host = decidingConstant(ctx);
  if (!host)
    return failure();
  bool sorted = ctx.getInt("sorted", 1) != 0;
  ArrayRef<int64_t> shape = host->getShape();
  const int64_t rank = shape.size();
  std::optional<int64_t> axis;
  if (ctx.hasAttribute("axis")) {
    FailureOr<int64_t> normalized = ctx.normalizeAxis(ctx.getInt("axis", 0), rank, "axis");
    if (failed(normalized))
      return failure();
    axis = *normalized;
  }
  if (ctx.hasFailed())
    return failure();
  // Slice s along the axis: the elements with index s there, in row-major
  // order (without an axis, the elements themselves).
  const int64_t extent = axis ? shape[*axis] : host->size();
  const int64_t inner = axis ? ShapedType::getNumElements(shape.drop_front(*axis + 1)) : 1;
  const int64_t per = axis ? host->size() / std::max<int64_t>(extent, 1) : 1;
  auto element = [&](int64_t s, int64_t e) {
    if (!axis)
      return s;
    int64_t outer = e / inner, within = e % inner;
    return (outer * extent + s) * inner + within;
  };
  auto less = [&](int64_t a, int64_t b) { // lexicographic, slice a before slice b
    for (int64_t e = 0; e < per; ++e) {
      double x = host->floatAt(element(a, e)), y = host->floatAt(element(b, e));
      if (x != y)
        return x < y;
    }
    return false;
  };
  auto equal = [&](int64_t a, int64_t b) { return !less(a, b) && !less(b, a); };
  std::vector<int64_t> firsts; // the first occurrence of each distinct slice
  std::vector<int64_t> inverse(extent), counts;
  for (int64_t s = 0; s < extent; ++s) {
    auto known = std::find_if(firsts.begin(), firsts.end(),
                              [&](int64_t f) { return equal(f, s); });
    if (known == firsts.end()) {
      firsts.push_back(s);
      counts.push_back(1);
    } else {
      ++counts[known - firsts.begin()];
    }
  }
  std::vector<int64_t> order(firsts.size());
  std::iota(order.begin(), order.end(), 0);
  if (sorted)
    std::stable_sort(order.begin(), order.end(),
                     [&](int64_t a, int64_t b) { return less(firsts[a], firsts[b]); });
  std::vector<int64_t> position(order.size()); // first-occurrence rank -> output rank
  for (size_t i = 0; i < order.size(); ++i)
    position[order[i]] = i;
  for (int64_t s = 0; s < extent; ++s)
    for (size_t f = 0; f < firsts.size(); ++f)
      if (equal(firsts[f], s)) {
        inverse[s] = position[f];
        break;
      }
  const int64_t unique = firsts.size();
  // Y: the distinct slices in output order.
  SmallVector<int64_t> yShape = axis ? SmallVector<int64_t>(shape) : SmallVector<int64_t>{unique};
  if (axis)
    yShape[*axis] = unique;
  std::vector<int64_t> sources;
  const int64_t outer = axis ? host->size() / std::max<int64_t>(extent * inner, 1) : 1;
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t u = 0; u < unique; ++u)
      for (int64_t w = 0; w < inner; ++w)
        sources.push_back(axis ? (o * extent + firsts[order[u]]) * inner + w : firsts[order[u]]);
  auto yType = RankedTensorType::get(yShape, host->getElementType());
  ctx.setConstantOutput(0, host->take(yType, sources).toAttr());
  Type i64 = IntegerType::get(ctx.getContext(), 64);
  auto ints = [&](const std::vector<int64_t> &values) {
    return HostTensor::fromInts(RankedTensorType::get({(int64_t)values.size()}, i64), values)
        .toAttr();
  };
  std::vector<int64_t> firstIndices, orderedCounts;
  for (int64_t u = 0; u < unique; ++u) {
    firstIndices.push_back(firsts[order[u]]);
    orderedCounts.push_back(counts[order[u]]);
  }
  if (ctx.numOutputs() > 1)
    ctx.setConstantOutput(1, ints(firstIndices));
  if (ctx.numOutputs() > 2)
    ctx.setConstantOutput(2, ints(inverse));
  if (ctx.numOutputs() > 3)
    ctx.setConstantOutput(3, ints(orderedCounts));
  return success();
}

} // namespace

void registerGeneratorConverters(llvm::StringMap<Converter> &converters) {
  converters["Range"] = convertRange;
  converters["EyeLike"] = convertEyeLike;
  converters["Trilu"] = convertTrilu;
  converters["DepthToSpace"] = [](NodeContext &ctx) { return convertDepthSpace(ctx, true); };
  converters["SpaceToDepth"] = [](NodeContext &ctx) { return convertDepthSpace(ctx, false); };
  converters["Sign"] = convertSign;
  converters["IsNaN"] = convertIsNaN;
  converters["IsInf"] = convertIsInf;
  converters["Shrink"] = convertShrink;
  converters["NonZero"] = convertNonZero;
  converters["Compress"] = convertCompress;
  converters["Unique"] = convertUnique;
}

} // namespace smelt::onnx_frontend
