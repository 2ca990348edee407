//===- ComposedConverters.cpp - Ops composed from other graph ops ------------===//
//
// BitShift (multiplication or division by powers of two), Hardmax (arg_max
// compared with an iota), CumSum (a product with a triangular 0/1 matrix,
// which adds in the sequential order), OneHot, TopK (rounds of arg_max),
// Einsum, the window functions (constants at import), ReverseSequence (a
// gather with run-time indices), MaxUnpool (a scatter into zeros) and Det
// (an unrolled elimination with pivoting).
//
//===----------------------------------------------------------------------===//
#include "frontends/onnx/NodeContext.h"
#include "frontends/onnx/OpChain.h"
#include "frontends/onnx/TensorConversion.h"

#include "dialects/graph/IR/GraphOps.h"

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>

using namespace mlir;

namespace smelt::onnx_frontend {
namespace {

/// x << y = x * 2^y, x >> y = x / 2^y on unsigned integers (wrapping like the
/// shift).
LogicalResult convertBitShift(NodeContext &ctx) {
  if (failed(ctx.requireInputs(2)))
    return failure();
  std::string direction = ctx.getString("direction", "");
  if (ctx.hasFailed())
    return failure();
  Type element = ctx.inputElementType(0);
  if (!element.isUnsignedInteger()) {
    ctx.emitError() << "expects unsigned integers, got " << ctx.inputType(0);
    return failure();
  }
  if (direction != "LEFT" && direction != "RIGHT") {
    ctx.emitError() << "direction must be LEFT or RIGHT, got '" << direction << "'";
    return failure();
  }
  FailureOr<Value> power =
      ctx.createInferred<graph::PowOp>(ctx.scalar(2, element), ctx.input(1));
  if (failed(power))
    return failure();
  FailureOr<Value> result = direction == "LEFT"
                                ? ctx.createInferred<graph::MulOp>(ctx.input(0), *power)
                                : ctx.createInferred<graph::DivOp>(ctx.input(0), *power);
  if (failed(result))
    return failure();
  ctx.setOutput(0, *result);
  return success();
}

/// 0, 1, ..., n-1 along `axis` of a tensor of `rank` (size 1 elsewhere).
Value iotaAlong(NodeContext &ctx, int64_t rank, int64_t axis, int64_t n, Type element) {
  SmallVector<int64_t> shape(rank, 1);
  shape[axis] = n;
  auto type = RankedTensorType::get(shape, element);
  SmallVector<int64_t> values = llvm::to_vector(llvm::seq<int64_t>(0, n));
  if (isa<FloatType>(element))
    return ctx.constant(
        HostTensor::fromFloats(type, SmallVector<double>(values.begin(), values.end())).toAttr());
  return ctx.constant(HostTensor::fromInts(type, values).toAttr());
}

/// 1 at the first maximum along `axis`, 0 elsewhere.
LogicalResult convertHardmax(NodeContext &ctx) {
  if (failed(ctx.requireInputs(1)))
    return failure();
  RankedTensorType type = ctx.inputType(0);
  int64_t rank = type.getRank();
  FailureOr<int64_t> axis = ctx.normalizeAxis(ctx.getInt("axis", -1), rank, "axis");
  if (failed(axis) || ctx.hasFailed())
    return failure();
  if (ctx.opset < 13) {
    ctx.emitError() << "Hardmax before opset 13 (coerced to 2-D) is not supported";
    return failure();
  }
  FailureOr<Value> best = ctx.createInferred<graph::ArgMaxOp>(ctx.input(0), *axis, true, false);
  if (failed(best))
    return failure();
  Value iota = iotaAlong(ctx, rank, *axis, type.getDimSize(*axis), IntegerType::get(ctx.getContext(), 64));
  FailureOr<Value> isBest = ctx.createInferred<graph::EqualOp>(iota, *best);
  if (failed(isBest))
    return failure();
  FailureOr<Value> result = ctx.createInferred<graph::SelectOp>(
      *isBest, ctx.scalar(1, type.getElementType()), ctx.scalar(0, type.getElementType()));
  if (failed(result))
    return failure();
  ctx.setOutput(0, *result);
  return success();
}

/// Running sum along an axis: moves the axis last, multiplies by a
/// triangular 0/1 matrix (exclusive and reverse choose which triangle and
/// diagonal), moves it back.
LogicalResult convertCumSum(NodeContext &ctx) {
  if (failed(ctx.requireInputs(2)))
    return failure();
  FailureOr<SmallVector<int64_t>> axisValues = ctx.requireIntegerInput(1, "axis");
  if (failed(axisValues))
    return failure();
  RankedTensorType type = ctx.inputType(0);
  int64_t rank = type.getRank();
  if (axisValues->size() != 1 || rank == 0) {
    ctx.emitError() << "expects a scalar axis and an input of rank >= 1";
    return failure();
  }
  FailureOr<int64_t> axis = ctx.normalizeAxis(axisValues->front(), rank, "axis");
  bool exclusive = ctx.getInt("exclusive", 0) != 0, reverse = ctx.getInt("reverse", 0) != 0;
  if (failed(axis) || ctx.hasFailed())
    return failure();
  int64_t n = type.getDimSize(*axis);
  if (n * n > (1 << 24)) {
    ctx.emitError() << "axis of " << n << " elements is too long for the matrix form";
    return failure();
  }
  // out[j] = sum_k x[k] * T[k, j]
  SmallVector<double> triangle(n * n, 0.0);
  for (int64_t k = 0; k < n; ++k)
    for (int64_t j = 0; j < n; ++j) {
      bool included = reverse ? (exclusive ? k > j : k >= j) : (exclusive ? k < j : k <= j);
      triangle[k * n + j] = included ? 1.0 : 0.0;
    }
  auto matrixType = RankedTensorType::get({n, n}, type.getElementType());
  Value matrix = ctx.constant(
      isa<FloatType>(type.getElementType())
          ? HostTensor::fromFloats(matrixType, triangle).toAttr()
          : HostTensor::fromInts(matrixType,
                                 SmallVector<int64_t>(triangle.begin(), triangle.end()))
                .toAttr());
  SmallVector<int64_t> toLast, fromLast(rank);
  for (int64_t d = 0; d < rank; ++d)
    if (d != *axis)
      toLast.push_back(d);
  toLast.push_back(*axis);
  for (int64_t d = 0; d < rank; ++d)
    fromLast[toLast[d]] = d;
  Value x = ctx.input(0);
  if (rank == 1) {
    FailureOr<Value> row = ctx.reshape(x, {1, n});
    if (failed(row))
      return failure();
    x = *row;
  } else if (*axis != rank - 1) {
    FailureOr<Value> moved = ctx.createInferred<graph::TransposeOp>(x, ArrayRef<int64_t>(toLast));
    if (failed(moved))
      return failure();
    x = *moved;
  }
  FailureOr<Value> summed = ctx.createInferred<graph::MatMulOp>(x, matrix);
  if (failed(summed))
    return failure();
  Value result = *summed;
  if (rank == 1) {
    FailureOr<Value> flat = ctx.reshape(result, {n});
    if (failed(flat))
      return failure();
    result = *flat;
  } else if (*axis != rank - 1) {
    FailureOr<Value> back =
        ctx.createInferred<graph::TransposeOp>(result, ArrayRef<int64_t>(fromLast));
    if (failed(back))
      return failure();
    result = *back;
  }
  ctx.setOutput(0, result);
  return success();
}

/// values[1] where the class equals the index (negative indices count from
/// the end), values[0] elsewhere; the new axis has `depth` classes.
LogicalResult convertOneHot(NodeContext &ctx) {
  if (failed(ctx.requireInputs(3)))
    return failure();
  // depth may be any numeric type (tests use floats).
  std::optional<HostTensor> depthValue = ctx.hostInput(1);
  std::optional<HostTensor> values = ctx.hostInput(2);
  if (!depthValue || !values || values->size() != 2 || depthValue->size() != 1) {
    ctx.emitError() << "depth must be a scalar and values a pair, both known at import time "
                       "(a model input can be frozen with --constant-input)";
    return failure();
  }
  int64_t depth = (int64_t)depthValue->floatAt(0);
  RankedTensorType indicesType = ctx.inputType(0);
  int64_t rank = indicesType.getRank() + 1;
  FailureOr<int64_t> axis = ctx.normalizeAxis(ctx.getInt("axis", -1), rank, "axis");
  if (failed(axis) || ctx.hasFailed() || depth <= 0)
    return failure();
  SmallVector<int64_t> expanded(indicesType.getShape());
  expanded.insert(expanded.begin() + *axis, 1);
  // Indices of any numeric type count as integers.
  Value rawIndices = ctx.input(0);
  Type indexElement = IntegerType::get(ctx.getContext(), 64);
  if (indicesType.getElementType() != indexElement) {
    FailureOr<Value> cast =
        ctx.create<graph::CastOp>(indicesType.clone(indexElement), rawIndices);
    if (failed(cast))
      return failure();
    rawIndices = *cast;
  }
  FailureOr<Value> indices = ctx.reshape(rawIndices, expanded);
  if (failed(indices))
    return failure();
  // Negative indices wrap: i < 0 ? i + depth : i.
  Value zero = ctx.scalar(0, indexElement);
  FailureOr<Value> isNegative = ctx.createInferred<graph::LessOp>(*indices, zero);
  FailureOr<Value> wrapped =
      ctx.createInferred<graph::AddOp>(*indices, ctx.scalar(depth, indexElement));
  if (failed(isNegative) || failed(wrapped))
    return failure();
  FailureOr<Value> normalized =
      ctx.createInferred<graph::SelectOp>(*isNegative, *wrapped, *indices);
  if (failed(normalized))
    return failure();
  Value iota = iotaAlong(ctx, rank, *axis, depth, indexElement);
  FailureOr<Value> hot = ctx.createInferred<graph::EqualOp>(iota, *normalized);
  if (failed(hot))
    return failure();
  Type valueElement = ctx.inputElementType(2);
  FailureOr<Value> result = ctx.createInferred<graph::SelectOp>(
      *hot, ctx.scalar(values->floatAt(1), valueElement),
      ctx.scalar(values->floatAt(0), valueElement));
  if (failed(result))
    return failure();
  ctx.setOutput(0, *result);
  return success();
}

/// Hann, Hamming and Blackman windows: sums of cosines, constants at import.
LogicalResult convertWindow(NodeContext &ctx, ArrayRef<double> coefficients) {
  if (failed(ctx.requireInputs(1)))
    return failure();
  FailureOr<SmallVector<int64_t>> sizeValues = ctx.requireIntegerInput(0, "size");
  if (failed(sizeValues))
    return failure();
  bool periodic = ctx.getInt("periodic", 1) != 0;
  int64_t dataType = ctx.getInt("output_datatype", onnx::TensorProto::FLOAT);
  if (ctx.hasFailed())
    return failure();
  Type element = convertElementType(ctx.getContext(), dataType);
  if (sizeValues->size() != 1 || !element) {
    ctx.emitError() << "expects a scalar size and a numeric output_datatype";
    return failure();
  }
  int64_t size = sizeValues->front();
  // The window is a constant computed here.
  if (size < 0 || size > (int64_t{1} << 24)) {
    ctx.emitError() << "size " << size << " is out of range (0 to 2^24)";
    return failure();
  }
  double denominator = periodic ? size : size - 1;
  SmallVector<double> values;
  for (int64_t n = 0; n < size; ++n) {
    double value = 0, sign = 1;
    for (auto [k, a] : llvm::enumerate(coefficients)) {
      value += sign * a * std::cos(2.0 * M_PI * k * n / denominator);
      sign = -sign;
    }
    values.push_back(value);
  }
  auto type = RankedTensorType::get({size}, element);
  ctx.setConstantOutput(
      0, isa<FloatType>(element)
             ? HostTensor::fromFloats(type, values).toAttr()
             : HostTensor::fromInts(type, SmallVector<int64_t>(values.begin(), values.end()))
                   .toAttr());
  return success();
}

/// TopK as k rounds of arg_max (arg_min for the smallest): each round takes
/// the first best element (ties keep the lower index, as ONNX requires) and
/// masks it out for the next. O(k * n): meant for the small k of top-k
/// selection, not for sorting.
LogicalResult convertTopK(NodeContext &ctx) {
  if (failed(ctx.requireInputs(2)))
    return failure();
  FailureOr<SmallVector<int64_t>> kValues = ctx.requireIntegerInput(1, "K");
  if (failed(kValues))
    return failure();
  RankedTensorType type = ctx.inputType(0);
  int64_t rank = type.getRank();
  FailureOr<int64_t> axis = ctx.normalizeAxis(ctx.getInt("axis", -1), rank, "axis");
  bool largest = ctx.getInt("largest", 1) != 0;
  if (failed(axis) || ctx.hasFailed())
    return failure();
  int64_t k = kValues->empty() ? 0 : kValues->front();
  int64_t n = type.getDimSize(*axis);
  if (kValues->size() != 1 || k < 1 || k > n) {
    ctx.emitError() << "K must be a single value in [1, " << n << "]";
    return failure();
  }
  if (k > 256) {
    ctx.emitError() << "K = " << k << " is larger than this decomposition handles (256)";
    return failure();
  }
  Type element = type.getElementType();
  double sentinel;
  if (isa<FloatType>(element))
    sentinel = largest ? -INFINITY : INFINITY;
  else if (element.isUnsignedInteger())
    sentinel = largest ? 0 : std::ldexp(1.0, element.getIntOrFloatBitWidth()) - 1;
  else
    sentinel = largest ? -std::ldexp(1.0, element.getIntOrFloatBitWidth() - 1)
                       : std::ldexp(1.0, element.getIntOrFloatBitWidth() - 1) - 1;
  Value x = ctx.input(0), remaining = ctx.input(0);
  Value iota = iotaAlong(ctx, rank, *axis, n, IntegerType::get(ctx.getContext(), 64));
  SmallVector<Value> values, indices;
  for (int64_t round = 0; round < k; ++round) {
    FailureOr<Value> best =
        largest ? ctx.createInferred<graph::ArgMaxOp>(remaining, *axis, true, false)
                : ctx.createInferred<graph::ArgMinOp>(remaining, *axis, true, false);
    if (failed(best))
      return failure();
    FailureOr<Value> value = ctx.createInferred<graph::GatherElementsOp>(x, *best, *axis);
    if (failed(value))
      return failure();
    indices.push_back(*best);
    values.push_back(*value);
    if (round + 1 == k)
      break;
    FailureOr<Value> taken = ctx.createInferred<graph::EqualOp>(iota, *best);
    if (failed(taken))
      return failure();
    FailureOr<Value> masked =
        ctx.createInferred<graph::SelectOp>(*taken, ctx.scalar(sentinel, element), remaining);
    if (failed(masked))
      return failure();
    remaining = *masked;
  }
  FailureOr<Value> allValues = values.size() == 1
                                   ? FailureOr<Value>(values.front())
                                   : ctx.createInferred<graph::ConcatOp>(ValueRange(values), *axis);
  FailureOr<Value> allIndices =
      indices.size() == 1 ? FailureOr<Value>(indices.front())
                          : ctx.createInferred<graph::ConcatOp>(ValueRange(indices), *axis);
  if (failed(allValues) || failed(allIndices))
    return failure();
  ctx.setOutput(0, *allValues);
  ctx.setOutput(1, *allIndices);
  return success();
}

/// Einsum: the equation made explicit ("..." becomes capital letters aligned
/// from the right, an implicit output lists the ellipsis then the letters
/// that appear once, alphabetically); the result shape follows the letters.
LogicalResult convertEinsum(NodeContext &ctx) {
  std::string equation = ctx.getString("equation", "");
  if (ctx.hasFailed())
    return failure();
  equation.erase(std::remove(equation.begin(), equation.end(), ' '), equation.end());
  size_t arrow = equation.find("->");
  std::string inputsText = equation.substr(0, arrow);
  std::optional<std::string> outputText;
  if (arrow != std::string::npos)
    outputText = equation.substr(arrow + 2);
  SmallVector<std::string> terms;
  for (StringRef term : llvm::split(StringRef(inputsText), ','))
    terms.push_back(term.str());
  if ((int)terms.size() != ctx.numInputs()) {
    ctx.emitError() << "equation '" << equation << "' names " << terms.size()
                    << " inputs, the node has " << ctx.numInputs();
    return failure();
  }
  // Ellipsis dims: capitals, right-aligned across operands.
  int64_t ellipsisRank = 0;
  for (auto [i, term] : llvm::enumerate(terms)) {
    size_t dots = term.find("...");
    if (dots == std::string::npos)
      continue;
    int64_t explicitCount = term.size() - 3;
    ellipsisRank = std::max<int64_t>(ellipsisRank, ctx.inputType(i).getRank() - explicitCount);
  }
  auto ellipsisLetters = [&](int64_t count) {
    std::string letters;
    for (int64_t k = ellipsisRank - count; k < ellipsisRank; ++k)
      letters.push_back('A' + k);
    return letters;
  };
  for (auto [i, term] : llvm::enumerate(terms)) {
    size_t dots = term.find("...");
    if (dots != std::string::npos)
      term.replace(dots, 3, ellipsisLetters(ctx.inputType(i).getRank() - (term.size() - 3)));
  }
  if (!outputText) {
    std::string implicit = ellipsisLetters(ellipsisRank);
    std::map<char, int> counts;
    for (const std::string &term : terms)
      for (char letter : term)
        if (std::islower(letter))
          ++counts[letter];
    for (auto [letter, count] : counts)
      if (count == 1)
        implicit.push_back(letter);
    outputText = implicit;
  } else if (size_t dots = outputText->find("..."); dots != std::string::npos) {
    outputText->replace(dots, 3, ellipsisLetters(ellipsisRank));
  }
  // Result shape from the letters' extents.
  std::map<char, int64_t> extents;
  for (auto [i, term] : llvm::enumerate(terms)) {
    RankedTensorType type = ctx.inputType(i);
    if ((int64_t)term.size() != type.getRank()) {
      ctx.emitError() << "term '" << term << "' does not match input " << i << " " << type;
      return failure();
    }
    for (auto [letter, extent] : llvm::zip(term, type.getShape()))
      extents[letter] = std::max(extents[letter], extent);
  }
  SmallVector<int64_t> shape;
  for (char letter : *outputText) {
    if (!extents.count(letter)) {
      ctx.emitError() << "output index '" << letter << "' appears in no input";
      return failure();
    }
    shape.push_back(extents[letter]);
  }
  std::string explicitEquation = llvm::join(terms, ",") + "->" + *outputText;
  SmallVector<Value> inputs;
  for (int i = 0; i < ctx.numInputs(); ++i)
    inputs.push_back(ctx.input(i));
  FailureOr<Value> result = ctx.create<graph::EinsumOp>(
      RankedTensorType::get(shape, ctx.inputElementType(0)), inputs,
      StringAttr::get(ctx.getContext(), explicitEquation));
  if (failed(result))
    return failure();
  ctx.setOutput(0, *result);
  return success();
}

/// Det (opset 11): the determinant of each [M, M] matrix of [..., M, M]
/// (M known at import, at most 32) by Gaussian elimination with partial
/// pivoting, unrolled: at step k the row with the largest |entry| in column
/// k (from row k on) swaps with row k (negating the sign when it moves), the
/// rows below subtract their multiple of it, and the determinant is the sign
/// times the product of the pivots (0 when a pivot is 0).
LogicalResult convertDet(NodeContext &ctx) {
  if (failed(ctx.requireInputs(1)))
    return failure();
  RankedTensorType type = ctx.inputType(0);
  int64_t rank = type.getRank();
  if (rank < 2 || type.getDimSize(rank - 1) != type.getDimSize(rank - 2) ||
      !isa<FloatType>(type.getElementType())) {
    ctx.emitError() << "expects float square matrices [..., M, M], got " << type;
    return failure();
  }
  const int64_t m = type.getDimSize(rank - 1);
  if (m > 32) {
    ctx.emitError() << "matrices of " << m << "x" << m
                    << " are beyond the unrolled elimination (at most 32x32)";
    return failure();
  }
  Type element = type.getElementType(), i64 = IntegerType::get(ctx.getContext(), 64);
  SmallVector<int64_t> batch(type.getShape().drop_back(2));
  if (m == 0) { // the empty product
    FailureOr<Value> ones = ctx.create<graph::BroadcastOp>(
        RankedTensorType::get(batch, element), ctx.scalar(1, element));
    if (failed(ones))
      return failure();
    ctx.setOutput(0, *ones);
    return success();
  }
  OpChain ops(ctx);
  auto k = [&](double v) { return ctx.scalar(v, element); };
  Value a = ctx.input(0);
  Value sign, product;
  for (int64_t step = 0; step < m; ++step) {
    const int64_t rows = m - step;
    // The pivot row among rows step..m-1: [..., 1, 1] (an index from step).
    Value column = ops.slice(ops.slice(a, rank - 1, step, 1), rank - 2, step, rows); // [..., rows, 1]
    Value pivot = ops.make<graph::ArgMaxOp>(ops.unary<graph::AbsOp>(column), rank - 2, true,
                                            false);
    pivot = ops.make<graph::AddOp>(ops.convert(pivot, i64), ctx.scalar(step, i64));
    if (step + 1 < m) {
      // Rows step and pivot trade places: index i takes row perm(i).
      Value rowIndex = iotaAlong(ctx, rank, rank - 2, m, i64);
      Value isStep = ops.make<graph::EqualOp>(rowIndex, ctx.scalar(step, i64));
      Value isPivot = ops.make<graph::EqualOp>(rowIndex, pivot);
      Value perm = ops.make<graph::SelectOp>(
          isStep, pivot, ops.make<graph::SelectOp>(isPivot, ctx.scalar(step, i64), rowIndex));
      if (ops.hasFailed())
        return failure();
      FailureOr<Value> full = ctx.create<graph::BroadcastOp>(type.clone(i64), perm);
      if (failed(full))
        return failure();
      a = ops.make<graph::GatherElementsOp>(a, *full, rank - 2);
      Value moved = ops.make<graph::SelectOp>(
          ops.make<graph::EqualOp>(pivot, ctx.scalar(step, i64)), k(1), k(-1));
      sign = sign ? ops.make<graph::MulOp>(sign, moved) : moved;
    }
    Value pivotRow = ops.slice(a, rank - 2, step, 1);             // [..., 1, M]
    Value diagonal = ops.slice(pivotRow, rank - 1, step, 1);      // [..., 1, 1]
    product = product ? ops.make<graph::MulOp>(product, diagonal) : diagonal;
    if (step + 1 == m)
      break;
    // Rows below subtract factor * pivot row (factor 0 when the pivot is 0).
    Value below = ops.slice(a, rank - 2, step + 1, rows - 1);     // [..., rows-1, M]
    Value entries = ops.slice(below, rank - 1, step, 1);          // [..., rows-1, 1]
    Value zeroPivot = ops.make<graph::EqualOp>(diagonal, k(0));
    Value safe = ops.make<graph::SelectOp>(zeroPivot, k(1), diagonal);
    Value factor = ops.make<graph::SelectOp>(zeroPivot, k(0),
                                             ops.make<graph::DivOp>(entries, safe));
    below = ops.make<graph::SubOp>(below, ops.make<graph::MulOp>(factor, pivotRow));
    a = ops.make<graph::ConcatOp>(ValueRange{ops.slice(a, rank - 2, 0, step + 1), below},
                                  rank - 2);
  }
  Value det = sign ? ops.make<graph::MulOp>(sign, product) : product;
  return ops.output(ops.reshape(det, batch));
}

/// ReverseSequence (opset 10): along time_axis, the first sequence_lens[b]
/// elements of each batch entry b reversed, the rest kept: a gather along
/// the time axis with index t < L ? L - 1 - t : t (L is a run-time input).
LogicalResult convertReverseSequence(NodeContext &ctx) {
  if (failed(ctx.requireInputs(2)))
    return failure();
  RankedTensorType type = ctx.inputType(0);
  int64_t rank = type.getRank();
  int64_t timeAxis = ctx.getInt("time_axis", 0), batchAxis = ctx.getInt("batch_axis", 1);
  if (ctx.hasFailed())
    return failure();
  if (rank < 2 || !((timeAxis == 0 && batchAxis == 1) || (timeAxis == 1 && batchAxis == 0))) {
    ctx.emitError() << "expects rank >= 2 and time_axis/batch_axis 0 and 1 (either way), got "
                    << type << " with time_axis " << timeAxis << ", batch_axis " << batchAxis;
    return failure();
  }
  RankedTensorType lengths = ctx.inputType(1);
  if (lengths.getRank() != 1 || lengths.getDimSize(0) != type.getDimSize(batchAxis) ||
      !lengths.getElementType().isInteger(64)) {
    ctx.emitError() << "sequence_lens must be int64 [" << type.getDimSize(batchAxis)
                    << "], got " << lengths;
    return failure();
  }
  Type i64 = IntegerType::get(ctx.getContext(), 64);
  OpChain ops(ctx);
  int64_t steps = type.getDimSize(timeAxis);
  Value t = iotaAlong(ctx, 2, timeAxis, steps, i64);
  SmallVector<int64_t> lengthShape(2, 1);
  lengthShape[batchAxis] = lengths.getDimSize(0);
  Value l = ops.reshape(ctx.input(1), lengthShape);
  Value reversed = ops.make<graph::SubOp>(ops.make<graph::SubOp>(l, ctx.scalar(1, i64)), t);
  Value index = ops.make<graph::SelectOp>(ops.make<graph::LessOp>(t, l), reversed, t);
  // Over the remaining dims the index is the same.
  SmallVector<int64_t> expanded = {type.getDimSize(0), type.getDimSize(1)};
  expanded.append(rank - 2, 1);
  index = ops.reshape(index, expanded);
  if (ops.hasFailed())
    return failure();
  FailureOr<Value> full = ctx.create<graph::BroadcastOp>(type.clone(i64), index);
  if (failed(full))
    return failure();
  return ops.output(ops.make<graph::GatherElementsOp>(ctx.input(0), *full, timeAxis));
}

/// MaxUnpool (opset 11): zeros of the unpooled shape ((in - 1) * stride +
/// kernel - pads per spatial axis) with X written at I, flat indices into
/// that whole tensor as MaxPool's Indices are; a larger output_shape pads the
/// result with zeros at the end of each axis (as ONNX's test data has it).
LogicalResult convertMaxUnpool(NodeContext &ctx) {
  if (failed(ctx.requireInputs(2)))
    return failure();
  RankedTensorType type = ctx.inputType(0), indicesType = ctx.inputType(1);
  int64_t rank = type.getRank(), spatial = rank - 2;
  std::optional<SmallVector<int64_t>> kernel = ctx.getInts("kernel_shape");
  SmallVector<int64_t> strides = ctx.getInts("strides").value_or(SmallVector<int64_t>(spatial, 1));
  SmallVector<int64_t> pads = ctx.getInts("pads").value_or(SmallVector<int64_t>(2 * spatial, 0));
  if (ctx.hasFailed())
    return failure();
  if (rank < 3 || !kernel || (int64_t)kernel->size() != spatial ||
      (int64_t)strides.size() != spatial || (int64_t)pads.size() != 2 * spatial ||
      indicesType.getShape() != type.getShape() || !indicesType.getElementType().isInteger(64)) {
    ctx.emitError() << "expects X [N, C, D...], int64 indices of its shape and "
                    << spatial << " kernel sizes and strides and " << 2 * spatial
                    << " pads, got " << type << " and " << indicesType;
    return failure();
  }
  if (failed(checkWindowValues(ctx, *kernel, strides, {}, pads)))
    return failure();
  SmallVector<int64_t> shape(type.getShape().take_front(2));
  for (int64_t i = 0; i < spatial; ++i)
    shape.push_back((type.getDimSize(i + 2) - 1) * strides[i] + (*kernel)[i] - pads[i] -
                    pads[i + spatial]);
  SmallVector<int64_t> outputShape = shape;
  if (ctx.hasInput(2)) {
    FailureOr<SmallVector<int64_t>> given = ctx.requireIntegerInput(2, "output_shape");
    if (failed(given))
      return failure();
    if ((int64_t)given->size() != rank ||
        llvm::any_of(llvm::zip(*given, shape),
                     [](auto sizes) { return std::get<0>(sizes) < std::get<1>(sizes); })) {
      ctx.emitError() << "output_shape must have " << rank
                      << " values, none below the unpooled shape";
      return failure();
    }
    outputShape = *given;
  }
  int64_t total = ShapedType::getNumElements(shape);
  if (llvm::any_of(shape, [](int64_t d) { return d < 0; }) ||
      total < type.getNumElements()) {
    ctx.emitError() << "the unpooled shape cannot hold the input " << type;
    return failure();
  }
  OpChain ops(ctx);
  int64_t count = type.getNumElements();
  auto flatType = RankedTensorType::get({total}, type.getElementType());
  FailureOr<Value> zeros =
      ctx.create<graph::BroadcastOp>(flatType, ctx.scalar(0, type.getElementType()));
  if (failed(zeros))
    return failure();
  auto reduction = StringAttr::get(ctx.getContext(), "none");
  FailureOr<Value> scattered = ctx.create<graph::ScatterElementsOp>(
      flatType, *zeros, ops.reshape(ctx.input(1), {count}), ops.reshape(ctx.input(0), {count}),
      int64_t(0), reduction);
  if (failed(scattered) || ops.hasFailed())
    return failure();
  Value result = ops.reshape(*scattered, shape);
  for (int64_t axis = 0; axis < rank && result; ++axis) {
    int64_t extra = outputShape[axis] - shape[axis];
    if (extra == 0)
      continue;
    SmallVector<int64_t> padShape(cast<RankedTensorType>(result.getType()).getShape());
    padShape[axis] = extra;
    FailureOr<Value> pad = ctx.create<graph::BroadcastOp>(
        RankedTensorType::get(padShape, type.getElementType()),
        ctx.scalar(0, type.getElementType()));
    if (failed(pad))
      return failure();
    result = ops.make<graph::ConcatOp>(ValueRange{result, *pad}, axis);
  }
  return ops.output(result);
}

} // namespace

/// com.smelt AllReduce(x) {reduction = "sum"}: a collective across ranks.
LogicalResult convertAllReduce(NodeContext &ctx) {
  if (failed(ctx.requireInputs(1)))
    return failure();
  std::string reduction = ctx.getString("reduction", "sum");
  FailureOr<Value> result = ctx.create<graph::AllReduceOp>(
      ctx.inputType(0), ctx.input(0), ctx.builder.getStringAttr(reduction));
  if (failed(result))
    return failure();
  ctx.setOutput(0, *result);
  return success();
}

void registerComposedConverters(llvm::StringMap<Converter> &converters) {
  // Ops of Smelt's own domain are registered as "com.smelt:<op>".
  converters["com.smelt:AllReduce"] = convertAllReduce;
  converters["BitShift"] = convertBitShift;
  converters["Hardmax"] = convertHardmax;
  converters["CumSum"] = convertCumSum;
  converters["OneHot"] = convertOneHot;
  converters["Einsum"] = convertEinsum;
  converters["TopK"] = convertTopK;
  converters["HannWindow"] = [](NodeContext &ctx) { return convertWindow(ctx, {0.5, 0.5}); };
  converters["HammingWindow"] = [](NodeContext &ctx) {
    return convertWindow(ctx, {25.0 / 46.0, 21.0 / 46.0});
  };
  converters["ReverseSequence"] = convertReverseSequence;
  converters["Det"] = convertDet;
  converters["MaxUnpool"] = convertMaxUnpool;
  converters["BlackmanWindow"] = [](NodeContext &ctx) {
    return convertWindow(ctx, {0.42, 0.5, 0.08});
  };
}

} // namespace smelt::onnx_frontend
