//===- QuantizationConverters.cpp - Linear quantization and normalization ----===//
//
// QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear, MatMulInteger,
// QLinearMatMul, ConvInteger and QLinearConv (an exact i32 convolution)
// decomposed into float/integer graph ops (round half to even,
// saturation to the target type; per tensor, per axis, or in blocks), and the
// normalizations InstanceNormalization, GroupNormalization,
// MeanVarianceNormalization and LRN.
//
//===----------------------------------------------------------------------===//
#include "frontends/onnx/NodeContext.h"
#include "frontends/onnx/OpChain.h"
#include "frontends/onnx/TensorConversion.h"

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

/// A blocked parameter (opset 21: the input's rank, ceil(D / block) entries
/// along `axis`, one per block of D) repeated to the input's shape.
Value blocked(NodeContext &ctx, Ops &ops, Value parameter, int64_t axis, int64_t block) {
  auto type = cast<RankedTensorType>(parameter.getType());
  RankedTensorType input = ctx.inputType(0);
  int64_t extent = input.getDimSize(axis);
  SmallVector<int64_t> expected(input.getShape());
  expected[axis] = (extent + block - 1) / block;
  if (type.getShape() != ArrayRef<int64_t>(expected)) {
    ctx.emitError() << "a blocked scale or zero point for " << input << " with block_size "
                    << block << " along axis " << axis << " must have shape "
                    << RankedTensorType::get(expected, type.getElementType()) << ", got "
                    << type;
    return Value();
  }
  SmallVector<int64_t> split(expected);
  split.insert(split.begin() + axis + 1, 1);
  SmallVector<int64_t> repeated(split);
  repeated[axis + 1] = block;
  Value value = ops.reshape(parameter, split);
  if (!value)
    return Value();
  FailureOr<Value> broadcast =
      ctx.create<graph::BroadcastOp>(RankedTensorType::get(repeated, type.getElementType()), value);
  if (failed(broadcast))
    return Value();
  SmallVector<int64_t> merged(expected);
  merged[axis] = expected[axis] * block;
  value = ops.reshape(*broadcast, merged);
  if (!value || merged[axis] == extent)
    return value;
  return ops.slice(value, axis, 0, extent);
}

/// How the scale and zero point apply: their axis (irrelevant, 1, for a
/// scalar scale) and, from opset 21, the block size (0: per tensor or axis).
struct Granularity {
  int64_t axis = 1;
  int64_t block = 0;
};

FailureOr<Granularity> quantizationGranularity(NodeContext &ctx) {
  Granularity g;
  int64_t rank = ctx.inputType(0).getRank();
  if (ctx.opset >= 21)
    g.block = ctx.getInt("block_size", 0);
  if (ctx.hasFailed())
    return failure();
  if (g.block < 0) {
    ctx.emitError() << "block_size must not be negative, got " << g.block;
    return failure();
  }
  bool perAxis = ctx.inputType(1).getRank() == 1 && ctx.inputType(1).getDimSize(0) > 1;
  if (g.block > 0 || perAxis) {
    FailureOr<int64_t> axis = ctx.normalizeAxis(ctx.getInt("axis", 1), rank, "axis");
    if (failed(axis))
      return failure();
    g.axis = *axis;
  }
  return g;
}

/// The scale or zero point shaped to broadcast against the input.
Value parameterFor(NodeContext &ctx, Ops &ops, Value parameter, const Granularity &g) {
  if (g.block > 0)
    return blocked(ctx, ops, parameter, g.axis, g.block);
  return alongAxis(ops, parameter, ctx.inputType(0).getRank(), g.axis);
}

/// round(x / scale) + zero_point, saturated to `target`'s range, as `target`.
Value quantize(NodeContext &ctx, Ops &ops, Value x, Value scale, Value zeroPoint, Type target) {
  if (!x)
    return Value(); // a failure before, already reported
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
  FailureOr<Granularity> g = quantizationGranularity(ctx);
  if (failed(g))
    return failure();
  Type target = ctx.hasInput(2) ? ctx.inputElementType(2)
                                : IntegerType::get(ctx.getContext(), 8, IntegerType::Unsigned);
  // From opset 21 output_dtype names the target when there is no zero point.
  if (int64_t dtype = ctx.opset >= 21 ? ctx.getInt("output_dtype", 0) : 0) {
    Type named = convertElementType(ctx.getContext(), dtype);
    if (!named || !named.isInteger() || named.isInteger(1) || named.getIntOrFloatBitWidth() > 32) {
      ctx.emitError() << "output_dtype " << onnxTypeName(dtype)
                      << " is not supported (8-, 16- and 32-bit integers are)";
      return failure();
    }
    if (ctx.hasInput(2) && named != target) {
      ctx.emitError() << "output_dtype " << onnxTypeName(dtype)
                      << " differs from the zero point's type";
      return failure();
    }
    target = named;
  }
  if (ctx.hasFailed())
    return failure();
  Ops ops(ctx);
  Value zeroPoint = ctx.hasInput(2) ? parameterFor(ctx, ops, ctx.input(2), *g) : Value();
  Value scale = parameterFor(ctx, ops, ctx.input(1), *g);
  Value result = quantize(ctx, ops, ctx.input(0), scale, zeroPoint, target);
  return ops.output(result);
}

LogicalResult convertDequantizeLinear(NodeContext &ctx) {
  if (failed(ctx.requireInputs(2)))
    return failure();
  FailureOr<Granularity> g = quantizationGranularity(ctx);
  if (failed(g))
    return failure();
  Ops ops(ctx);
  Type floatType = ctx.inputElementType(1);
  Value x = ops.convert(ctx.input(0), floatType);
  if (ctx.hasInput(2))
    x = ops.make<graph::SubOp>(x, ops.convert(parameterFor(ctx, ops, ctx.input(2), *g), floatType));
  Value result = ops.make<graph::MulOp>(x, parameterFor(ctx, ops, ctx.input(1), *g));
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

/// The integer convolution of ConvInteger and QLinearConv: x and w (8-bit
/// integers) widened to i32 less their zero points (w's per output channel
/// when 1-D), convolved in i32 (exact; the padding is zero after the shift,
/// as in the reference), plus an i32 bias.
FailureOr<Value> integerConv(NodeContext &ctx, int x, int xZero, int w, int wZero, int bias) {
  for (int i : {x, w}) {
    Type element = ctx.inputElementType(i);
    if (!element.isInteger(8)) {
      ctx.emitError() << "expects 8-bit integers but input " << i << " is " << ctx.inputType(i);
      return failure();
    }
  }
  if (ctx.inputType(x).getRank() < 3) {
    ctx.emitError() << "input must have rank >= 3 (batch, channels, spatial...), got "
                    << ctx.inputType(x);
    return failure();
  }
  MLIRContext *context = ctx.getContext();
  Type i32 = IntegerType::get(context, 32);
  Ops ops(ctx);
  Value input = ops.convert(ctx.input(x), i32);
  if (xZero >= 0 && ctx.hasInput(xZero)) {
    if (ctx.inputType(xZero).getNumElements() != 1) {
      ctx.emitError() << "x_zero_point must be one value (per tensor), got "
                      << ctx.inputType(xZero);
      return failure();
    }
    input = ops.make<graph::SubOp>(input, ops.reshape(ops.convert(ctx.input(xZero), i32), {}));
  }
  Value weight = ops.convert(ctx.input(w), i32);
  if (wZero >= 0 && ctx.hasInput(wZero)) {
    RankedTensorType zeroType = ctx.inputType(wZero);
    RankedTensorType weightType = ctx.inputType(w);
    Value zero = ops.convert(ctx.input(wZero), i32);
    if (zeroType.getNumElements() == 1) {
      zero = ops.reshape(zero, {});
    } else if (zeroType.getRank() == 1 && zeroType.getDimSize(0) == weightType.getDimSize(0)) {
      SmallVector<int64_t> shape(weightType.getRank(), 1);
      shape[0] = weightType.getDimSize(0);
      zero = ops.reshape(zero, shape);
    } else {
      ctx.emitError() << "w_zero_point must be one value or one per output channel, got "
                      << zeroType;
      return failure();
    }
    weight = ops.make<graph::SubOp>(weight, zero);
  }
  Value biasValue;
  if (bias >= 0 && ctx.hasInput(bias)) {
    if (!ctx.inputElementType(bias).isInteger(32)) {
      ctx.emitError() << "the bias must be int32, got " << ctx.inputType(bias);
      return failure();
    }
    biasValue = ctx.input(bias);
  }
  if (ops.hasFailed())
    return failure();
  return buildConv(ctx, input, weight, biasValue);
}

/// ConvInteger (opset 10): the i32 convolution of the shifted integers.
LogicalResult convertConvInteger(NodeContext &ctx) {
  if (failed(ctx.requireInputs(2)))
    return failure();
  FailureOr<Value> result = integerConv(ctx, 0, 2, 1, 3, -1);
  if (failed(result))
    return failure();
  ctx.setOutput(0, *result);
  return success();
}

/// QLinearConv (opset 10): the i32 convolution, scaled by
/// x_scale * w_scale / y_scale (f32; w_scale per output channel when 1-D)
/// in f64 as the reference computes it, rounded half to even, shifted by
/// y_zero_point and saturated to its type.
LogicalResult convertQLinearConv(NodeContext &ctx) {
  if (failed(ctx.requireInputs(8)))
    return failure();
  FailureOr<Value> accumulated = integerConv(ctx, 0, 2, 3, 5, 8);
  if (failed(accumulated))
    return failure();
  MLIRContext *context = ctx.getContext();
  Type f32 = Float32Type::get(context), f64 = Float64Type::get(context);
  Type target = ctx.inputElementType(7);
  if (!target.isInteger(8)) {
    ctx.emitError() << "y_zero_point must be an 8-bit integer, got " << ctx.inputType(7);
    return failure();
  }
  for (auto [i, role] : {std::pair(1, "x_scale"), std::pair(2, "x_zero_point"),
                         std::pair(6, "y_scale"), std::pair(7, "y_zero_point")})
    if (ctx.inputType(i).getNumElements() != 1) {
      ctx.emitError() << role << " must be one value, got " << ctx.inputType(i);
      return failure();
    }
  Ops ops(ctx);
  auto scalarOf = [&](int i) { return ops.reshape(ops.convert(ctx.input(i), f32), {}); };
  Value wScale = ops.convert(ctx.input(4), f32);
  RankedTensorType wScaleType = ctx.inputType(4);
  if (wScaleType.getNumElements() == 1) {
    wScale = ops.reshape(wScale, {});
  } else {
    int64_t channels = ctx.inputType(3).getDimSize(0);
    if (wScaleType.getRank() != 1 || wScaleType.getDimSize(0) != channels) {
      ctx.emitError() << "w_scale must be one value or one per output channel, got "
                      << wScaleType;
      return failure();
    }
    SmallVector<int64_t> shape(ctx.inputType(0).getRank(), 1);
    shape[1] = channels;
    wScale = ops.reshape(wScale, shape);
  }
  Value factor = ops.make<graph::DivOp>(ops.make<graph::MulOp>(scalarOf(1), wScale), scalarOf(6));
  Value scaled = ops.make<graph::MulOp>(ops.convert(*accumulated, f64), ops.convert(factor, f64));
  return ops.output(
      quantize(ctx, ops, scaled, ctx.scalar(1, f64), ops.reshape(ctx.input(7), {}), target));
}

/// (x - E[x]) / sqrt(Var[x] + epsilon) over `axes` (kept as size 1).
Value standardize(NodeContext &ctx, Ops &ops, Value x, ArrayRef<int64_t> axes,
                  double epsilon) {
  if (!x)
    return Value(); // a failure before, already reported
  Type element = cast<RankedTensorType>(x.getType()).getElementType();
  Value mean = ops.make<graph::ReduceMeanOp>(x, axes, true);
  Value centered = ops.make<graph::SubOp>(x, mean);
  Value variance =
      ops.make<graph::ReduceMeanOp>(ops.make<graph::MulOp>(centered, centered), axes, true);
  Value deviation =
      ops.unary<graph::SqrtOp>(ops.make<graph::AddOp>(variance, ctx.scalar(epsilon, element)));
  return ops.make<graph::DivOp>(centered, deviation);
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
  Value normalized = standardize(ctx, ops, ctx.input(0), axes, epsilon);
  Value scale = alongAxis(ops, ctx.input(1), rank, 1);
  Value bias = alongAxis(ops, ctx.input(2), rank, 1);
  Value result = ops.make<graph::AddOp>(ops.make<graph::MulOp>(normalized, scale), bias);
  return ops.output(result);
}

/// GroupNormalization (opset 18): the channels of [N, C, D...] in
/// num_groups groups, each normalized over its channels and D..., then scaled
/// and shifted per group (opset 18) or per channel (opset 21). With
/// stash_type 1 (from 21, the default) a narrower float computes in f32.
LogicalResult convertGroupNormalization(NodeContext &ctx) {
  if (failed(ctx.requireInputs(3)))
    return failure();
  RankedTensorType type = ctx.inputType(0);
  int64_t rank = type.getRank();
  double epsilon = ctx.getFloat("epsilon", 1e-5f);
  int64_t groups = ctx.getInt("num_groups", 0);
  int64_t stash = ctx.opset >= 21 ? ctx.getInt("stash_type", 1) : 0;
  if (ctx.hasFailed())
    return failure();
  if (!ctx.hasAttribute("num_groups")) {
    ctx.emitError() << "requires the num_groups attribute";
    return failure();
  }
  if (rank < 2 || !isa<FloatType>(type.getElementType())) {
    ctx.emitError() << "expects a float tensor [N, C, D...], got " << type;
    return failure();
  }
  int64_t n = type.getDimSize(0), channels = type.getDimSize(1);
  if (groups <= 0 || channels % groups != 0) {
    ctx.emitError() << "num_groups " << groups << " does not divide the " << channels
                    << " channels";
    return failure();
  }
  int64_t perChannel = channels / groups;
  bool perGroupAffine = ctx.opset < 21;
  int64_t affine = perGroupAffine ? groups : channels;
  for (int i = 1; i <= 2; ++i) {
    RankedTensorType parameter = ctx.inputType(i);
    if (parameter.getRank() != 1 || parameter.getDimSize(0) != affine) {
      ctx.emitError() << (i == 1 ? "scale" : "bias") << " must have shape [" << affine << "] ("
                      << (perGroupAffine ? "one per group before opset 21" : "one per channel")
                      << "), got " << parameter;
      return failure();
    }
  }
  Ops ops(ctx);
  Type element = type.getElementType();
  Type compute = stash == 1 && element.getIntOrFloatBitWidth() < 32
                     ? Type(Float32Type::get(ctx.getContext()))
                     : element;
  int64_t inner = ShapedType::getNumElements(type.getShape().drop_front(2));
  Value x = ops.reshape(ops.convert(ctx.input(0), compute), {n, groups, perChannel * inner});
  Value normalized = standardize(ctx, ops, x, {2}, epsilon);
  Value scale = ops.convert(ctx.input(1), compute), bias = ops.convert(ctx.input(2), compute);
  Value result;
  if (perGroupAffine) {
    scale = ops.reshape(scale, {1, groups, 1});
    bias = ops.reshape(bias, {1, groups, 1});
    result = ops.make<graph::AddOp>(ops.make<graph::MulOp>(normalized, scale), bias);
    result = ops.reshape(result, type.getShape());
  } else {
    result = ops.reshape(normalized, type.getShape());
    result = ops.make<graph::AddOp>(ops.make<graph::MulOp>(result, alongAxis(ops, scale, rank, 1)),
                                    alongAxis(ops, bias, rank, 1));
  }
  return ops.output(ops.convert(result, element));
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
  // Window cells more than channels - 1 away only ever meet the zero
  // padding: leave them out (the divisor keeps the whole size).
  int64_t reach = std::max<int64_t>(0, channels - 1);
  int64_t before = std::min((size - 1) / 2, reach),
          after = std::min(size - 1 - (size - 1) / 2, reach);
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
  for (int64_t k = 0; k <= before + after; ++k) {
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
  converters["ConvInteger"] = convertConvInteger;
  converters["QLinearConv"] = convertQLinearConv;
  converters["InstanceNormalization"] = convertInstanceNormalization;
  converters["GroupNormalization"] = convertGroupNormalization;
  converters["MeanVarianceNormalization"] = convertMeanVarianceNormalization;
  converters["LRN"] = convertLRN;
}

} // namespace smelt::onnx_frontend
