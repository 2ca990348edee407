//===- QuantizationConverters.cpp - Linear quantization and normalization ----===//
//
// QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear, MatMulInteger and
// QLinearMatMul decomposed into float/integer graph ops (round half to even,
// saturation to the target type), and the normalizations InstanceNormalization,
// MeanVarianceNormalization and LRN.
//
//===----------------------------------------------------------------------===//
#include "frontends/onnx/NodeContext.h"
#include "frontends/onnx/OpChain.h"

#include "dialects/graph/IR/GraphOps.h"

using namespace mlir;

namespace smelt::onnx_frontend {
namespace {

using Ops = OpChain;

/// A per-axis parameter (1-D, one value per `axis` entry) reshaped to
/// broadcast against a tensor of `rank`; scalars stay scalars.
Value alongAxis(Ops &ops, Value parameter, int64_t rank, int64_t axis) {
  auto type = cast<RankedTensorType>(parameter.getType());
  if (type.getRank() == 0 || (type.getRank() == 1 && type.getDimSize(0) == 1 && rank == 0))
    return parameter;
  if (type.getRank() != 1)
    return parameter;
  SmallVector<int64_t> shape(rank, 1);
  shape[axis] = type.getDimSize(0);
  return ops.reshape(parameter, shape);
}

/// The axis of per-axis (1-D) scales; irrelevant (1) for a scalar scale.
FailureOr<int64_t> quantizationAxis(NodeContext &ctx) {
  if (ctx.inputType(1).getRank() == 1 && ctx.inputType(1).getDimSize(0) > 1)
    return ctx.normalizeAxis(ctx.getInt("axis", 1), ctx.inputType(0).getRank(), "axis");
  return int64_t(1);
}

/// round(x / scale) + zero_point, saturated to `target`'s range, as `target`.
Value quantize(NodeContext &ctx, Ops &ops, Value x, Value scale, Value zeroPoint, Type target) {
  Type floatType = cast<RankedTensorType>(x.getType()).getElementType();
  Value scaled = ops.unary<graph::RoundOp>(ops.make<graph::DivOp>(x, scale));
  if (zeroPoint)
    scaled = ops.make<graph::AddOp>(scaled, ops.convert(zeroPoint, floatType));
  unsigned width = target.getIntOrFloatBitWidth();
  bool isUnsigned = target.isUnsignedInteger();
  double low = isUnsigned ? 0 : -std::ldexp(1.0, width - 1);
  double high = isUnsigned ? std::ldexp(1.0, width) - 1 : std::ldexp(1.0, width - 1) - 1;
  Value clamped = ops.make<graph::MinOp>(ops.make<graph::MaxOp>(scaled, ctx.scalar(low, floatType)),
                                         ctx.scalar(high, floatType));
  return ops.convert(clamped, target);
}

LogicalResult convertQuantizeLinear(NodeContext &ctx) {
  if (failed(ctx.requireInputs(2)))
    return failure();
  int64_t rank = ctx.inputType(0).getRank();
  FailureOr<int64_t> axis = quantizationAxis(ctx);
  if (failed(axis))
    return failure();
  Ops ops(ctx);
  Value zeroPoint = ctx.hasInput(2) ? alongAxis(ops, ctx.input(2), rank, *axis) : Value();
  Type target = ctx.hasInput(2) ? ctx.inputElementType(2)
                                : IntegerType::get(ctx.getContext(), 8, IntegerType::Unsigned);
  Value scale = alongAxis(ops, ctx.input(1), rank, *axis);
  Value result = quantize(ctx, ops, ctx.input(0), scale, zeroPoint, target);
  return ops.output(result);
}

LogicalResult convertDequantizeLinear(NodeContext &ctx) {
  if (failed(ctx.requireInputs(2)))
    return failure();
  int64_t rank = ctx.inputType(0).getRank();
  FailureOr<int64_t> axis = quantizationAxis(ctx);
  if (failed(axis))
    return failure();
  Ops ops(ctx);
  Type floatType = ctx.inputElementType(1);
  Value x = ops.convert(ctx.input(0), floatType);
  if (ctx.hasInput(2))
    x = ops.make<graph::SubOp>(x, ops.convert(alongAxis(ops, ctx.input(2), rank, *axis), floatType));
  Value result = ops.make<graph::MulOp>(x, alongAxis(ops, ctx.input(1), rank, *axis));
  return ops.output(result);
}

/// scale = (max(0, max x) - min(0, min x)) / 255,
/// zero_point = saturate(round(-min(0, min x) / scale)), y = quantize(x).
LogicalResult convertDynamicQuantizeLinear(NodeContext &ctx) {
  if (failed(ctx.requireInputs(1)))
    return failure();
  Value x = ctx.input(0);
  Type floatType = ctx.inputElementType(0);
  int64_t rank = ctx.inputType(0).getRank();
  SmallVector<int64_t> axes = llvm::to_vector(llvm::seq<int64_t>(0, rank));
  Ops ops(ctx);
  Value zero = ctx.scalar(0, floatType);
  Value high = ops.make<graph::MaxOp>(
      ops.make<graph::ReduceMaxOp>(x, ArrayRef<int64_t>(axes), false), zero);
  Value low = ops.make<graph::MinOp>(
      ops.make<graph::ReduceMinOp>(x, ArrayRef<int64_t>(axes), false), zero);
  Value scale = ops.make<graph::DivOp>(ops.make<graph::SubOp>(high, low),
                                       ctx.scalar(255, floatType));
  Type u8 = IntegerType::get(ctx.getContext(), 8, IntegerType::Unsigned);
  Value zeroPoint = quantize(ctx, ops, ops.make<graph::SubOp>(zero, low), scale, Value(), u8);
  Value y = quantize(ctx, ops, x, scale, zeroPoint, u8);
  if (ops.hasFailed() || !y)
    return failure();
  ctx.setOutput(0, y);
  ctx.setOutput(1, scale);
  ctx.setOutput(2, zeroPoint);
  return success();
}

/// (A - a_zero_point) x (B - b_zero_point) in int32.
LogicalResult convertMatMulInteger(NodeContext &ctx) {
  if (failed(ctx.requireInputs(2)))
    return failure();
  Type i32 = IntegerType::get(ctx.getContext(), 32);
  Ops ops(ctx);
  Value a = ops.convert(ctx.input(0), i32), b = ops.convert(ctx.input(1), i32);
  if (ctx.hasInput(2)) {
    Value zeroPoint = ops.convert(ctx.input(2), i32);
    // A per-row zero point of a 2-D A is [M]: broadcast along rows.
    if (zeroPoint && cast<RankedTensorType>(zeroPoint.getType()).getRank() == 1 &&
        ctx.inputType(0).getRank() == 2 && ctx.inputType(2).getDimSize(0) > 1)
      zeroPoint = ops.reshape(zeroPoint, {ctx.inputType(2).getDimSize(0), 1});
    a = ops.make<graph::SubOp>(a, zeroPoint);
  }
  if (ctx.hasInput(3))
    b = ops.make<graph::SubOp>(b, ops.convert(ctx.input(3), i32));
  if (ops.hasFailed())
    return failure();
  FailureOr<Value> result = ctx.createInferred<graph::MatMulOp>(a, b);
  if (failed(result))
    return failure();
  ctx.setOutput(0, *result);
  return success();
}

/// Dequantize both operands, multiply in float, quantize the result.
LogicalResult convertQLinearMatMul(NodeContext &ctx) {
  if (failed(ctx.requireInputs(8)))
    return failure();
  Ops ops(ctx);
  Type f32 = Float32Type::get(ctx.getContext());
  auto dequantize = [&](int value, int scale, int zeroPoint) {
    Value x = ops.make<graph::SubOp>(ops.convert(ctx.input(value), f32),
                                     ops.convert(ctx.input(zeroPoint), f32));
    return ops.make<graph::MulOp>(x, ctx.input(scale));
  };
  Value a = dequantize(0, 1, 2), b = dequantize(3, 4, 5);
  if (ops.hasFailed())
    return failure();
  FailureOr<Value> product = ctx.createInferred<graph::MatMulOp>(a, b);
  if (failed(product))
    return failure();
  Value result = quantize(ctx, ops, *product, ctx.input(6), ctx.input(7), ctx.inputElementType(7));
  return ops.output(result);
}

/// scale * (x - mean) / sqrt(variance + epsilon) + bias over the spatial dims
/// of each (batch, channel).
LogicalResult convertInstanceNormalization(NodeContext &ctx) {
  if (failed(ctx.requireInputs(3)))
    return failure();
  RankedTensorType type = ctx.inputType(0);
  int64_t rank = type.getRank();
  if (rank < 3) {
    ctx.emitError() << "expects [N, C, D1, ...], got " << type;
    return failure();
  }
  double epsilon = ctx.getFloat("epsilon", 1e-5f);
  SmallVector<int64_t> axes = llvm::to_vector(llvm::seq<int64_t>(2, rank));
  Ops ops(ctx);
  Value x = ctx.input(0);
  Value mean = ops.make<graph::ReduceMeanOp>(x, ArrayRef<int64_t>(axes), true);
  Value centered = ops.make<graph::SubOp>(x, mean);
  Value variance = ops.make<graph::ReduceMeanOp>(ops.make<graph::MulOp>(centered, centered),
                                                 ArrayRef<int64_t>(axes), true);
  Value deviation = ops.unary<graph::SqrtOp>(
      ops.make<graph::AddOp>(variance, ctx.scalar(epsilon, type.getElementType())));
  Value normalized = ops.make<graph::DivOp>(centered, deviation);
  Value scale = alongAxis(ops, ctx.input(1), rank, 1);
  Value bias = alongAxis(ops, ctx.input(2), rank, 1);
  Value result = ops.make<graph::AddOp>(ops.make<graph::MulOp>(normalized, scale), bias);
  return ops.output(result);
}

/// (x - E[x]) / (sqrt(E[x^2] - E[x]^2) + 1e-9) over `axes` (default 0, 2, 3),
/// as the ONNX reference computes it.
LogicalResult convertMeanVarianceNormalization(NodeContext &ctx) {
  if (failed(ctx.requireInputs(1)))
    return failure();
  RankedTensorType type = ctx.inputType(0);
  SmallVector<int64_t> axes = {0, 2, 3};
  if (std::optional<SmallVector<int64_t>> given = ctx.getInts("axes"))
    axes = *given;
  for (int64_t &axis : axes) {
    FailureOr<int64_t> normalized = ctx.normalizeAxis(axis, type.getRank(), "axis");
    if (failed(normalized))
      return failure();
    axis = *normalized;
  }
  llvm::sort(axes);
  axes.erase(llvm::unique(axes), axes.end());
  Ops ops(ctx);
  Value x = ctx.input(0);
  Value mean = ops.make<graph::ReduceMeanOp>(x, ArrayRef<int64_t>(axes), true);
  Value meanOfSquares =
      ops.make<graph::ReduceMeanOp>(ops.make<graph::MulOp>(x, x), ArrayRef<int64_t>(axes), true);
  Value deviation = ops.unary<graph::SqrtOp>(
      ops.make<graph::SubOp>(meanOfSquares, ops.make<graph::MulOp>(mean, mean)));
  Value result = ops.make<graph::DivOp>(
      ops.make<graph::SubOp>(x, mean),
      ops.make<graph::AddOp>(deviation, ctx.scalar(1e-9, type.getElementType())));
  return ops.output(result);
}

/// x / (bias + alpha / size * (sum of x^2 over `size` neighbouring
/// channels))^beta; the channel window is zero-padded slices added up.
LogicalResult convertLRN(NodeContext &ctx) {
  if (failed(ctx.requireInputs(1)))
    return failure();
  RankedTensorType type = ctx.inputType(0);
  int64_t size = ctx.getInt("size", 0);
  double alpha = ctx.getFloat("alpha", 1e-4f), beta = ctx.getFloat("beta", 0.75f),
         bias = ctx.getFloat("bias", 1.0f);
  if (ctx.hasFailed())
    return failure();
  if (type.getRank() < 3 || size <= 0) {
    ctx.emitError() << "expects [N, C, D...] and a positive size";
    return failure();
  }
  Type element = type.getElementType();
  int64_t channels = type.getDimSize(1);
  int64_t before = (size - 1) / 2, after = size - 1 - before;
  Ops ops(ctx);
  Value x = ctx.input(0);
  Value squares = ops.make<graph::MulOp>(x, x);
  SmallVector<Value> pieces;
  auto zeros = [&](int64_t count) -> Value {
    SmallVector<int64_t> shape(type.getShape());
    shape[1] = count;
    FailureOr<Value> zero = ctx.create<graph::BroadcastOp>(
        RankedTensorType::get(shape, element), ctx.scalar(0, element));
    return failed(zero) ? Value() : *zero;
  };
  if (before > 0)
    pieces.push_back(zeros(before));
  pieces.push_back(squares);
  if (after > 0)
    pieces.push_back(zeros(after));
  if (llvm::any_of(pieces, [](Value v) { return !v; }) || ops.hasFailed())
    return failure();
  FailureOr<Value> padded = ctx.createInferred<graph::ConcatOp>(ValueRange(pieces), 1);
  if (failed(padded))
    return failure();
  Value sum;
  for (int64_t k = 0; k < size; ++k) {
    SmallVector<int64_t> starts(type.getRank(), 0), limits(type.getShape()),
        strides(type.getRank(), 1);
    starts[1] = k;
    limits[1] = k + channels;
    FailureOr<Value> window = ctx.createInferred<graph::SliceOp>(
        *padded, ArrayRef<int64_t>(starts), ArrayRef<int64_t>(limits),
        ArrayRef<int64_t>(strides));
    if (failed(window))
      return failure();
    sum = sum ? ops.make<graph::AddOp>(sum, *window) : *window;
  }
  Value scaled = ops.make<graph::AddOp>(
      ctx.scalar(bias, element), ops.make<graph::MulOp>(sum, ctx.scalar(alpha / size, element)));
  Value result =
      ops.make<graph::DivOp>(x, ops.make<graph::PowOp>(scaled, ctx.scalar(beta, element)));
  return ops.output(result);
}

} // namespace

void registerQuantizationConverters(llvm::StringMap<Converter> &converters) {
  converters["QuantizeLinear"] = convertQuantizeLinear;
  converters["DequantizeLinear"] = convertDequantizeLinear;
  converters["DynamicQuantizeLinear"] = convertDynamicQuantizeLinear;
  converters["MatMulInteger"] = convertMatMulInteger;
  converters["QLinearMatMul"] = convertQLinearMatMul;
  converters["InstanceNormalization"] = convertInstanceNormalization;
  converters["MeanVarianceNormalization"] = convertMeanVarianceNormalization;
  converters["LRN"] = convertLRN;
}

} // namespace smelt::onnx_frontend
