//===- ResizeConverters.cpp - Resize, Upsample and GridSample -----------------===//
//
// Shapes are static, so every output coordinate's source neighbours and their
// weights are known at import: each resized axis becomes a few gathers with
// constant indices times constant weights, summed (nearest: one tap, linear:
// two, cubic: four). The tables follow the ONNX reference implementation:
// coordinate transformation, neighbours clamped to the edge, nearest modes,
// cubic coefficient `a` and exclude_outside, tf_crop_and_resize with
// extrapolation. GridSample's sampling points are a run-time input: its taps
// are computed and gathered (see convertGridSample).
//
//===----------------------------------------------------------------------===//
#include "frontends/onnx/NodeContext.h"
#include "frontends/onnx/OpChain.h"

#include "dialects/graph/IR/GraphOps.h"

#include <onnx/onnx_pb.h>

#include <array>
#include <cmath>

using namespace mlir;

namespace smelt::onnx_frontend {
namespace {

struct ResizeOptions {
  std::string mode = "nearest";
  std::string transformation = "half_pixel";
  std::string nearestMode = "round_prefer_floor";
  double cubicA = -0.75;
  bool excludeOutside = false;
  double extrapolation = 0.0;
  bool antialias = false; // opset 18: linear/cubic filters stretched when downscaling
};

/// Taps of one axis: out[o] = sum_t weights[t][o] * in[indices[t][o]], or the
/// extrapolation value where `outside[o]`.
struct AxisTable {
  std::vector<std::vector<int64_t>> indices;
  std::vector<std::vector<double>> weights;
  std::vector<bool> outside;
};

double sourceCoordinate(const ResizeOptions &options, int64_t o, int64_t in, int64_t out,
                        double scale, double roiStart, double roiEnd) {
  double outputLength = scale * in; // not rounded, as in the reference
  const std::string &t = options.transformation;
  if (t == "half_pixel_symmetric") {
    // half_pixel with the input's centre mapped onto the output's centre
    // (differs when the output length was rounded).
    double offset = in / 2.0 * (1 - out / outputLength);
    return offset + (o + 0.5) / scale - 0.5;
  }
  if (t == "align_corners")
    return outputLength == 1 ? 0 : o * (in - 1) / (outputLength - 1);
  if (t == "asymmetric")
    return o / scale;
  if (t == "tf_half_pixel_for_nn")
    return (o + 0.5) / scale;
  if (t == "pytorch_half_pixel")
    return outputLength > 1 ? (o + 0.5) / scale - 0.5 : -0.5;
  if (t == "tf_crop_and_resize")
    return outputLength == 1 ? (roiEnd - roiStart) * (in - 1) / 2
                             : o * (roiEnd - roiStart) * (in - 1) / (outputLength - 1);
  return (o + 0.5) / scale - 0.5; // half_pixel
}

/// The taps of an antialiased (stretched) filter when downscaling: weights
/// for sources base + first, ..., normalized to sum 1; ratio in (0, 1].
std::vector<double> stretchedCoefficients(const ResizeOptions &options, double ratio,
                                          double scale, int64_t &first) {
  double s = std::min(scale, 1.0);
  double support = options.mode == "cubic" ? 2 : 1;
  first = (int64_t)std::floor(-support / s) + 1;
  int64_t taps = 2 - 2 * first;
  double a = options.cubicA;
  auto filter = [&](double x) {
    x = std::abs(x);
    if (options.mode == "linear")
      return std::max(0.0, 1 - x);
    if (x <= 1)
      return ((a + 2) * x - (a + 3)) * x * x + 1;
    if (x < 2)
      return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
    return 0.0;
  };
  std::vector<double> c(taps);
  double total = 0;
  for (int64_t t = 0; t < taps; ++t)
    total += c[t] = filter(s * (first + t - ratio));
  for (double &w : c)
    w /= total;
  return c;
}

std::vector<double> coefficients(const ResizeOptions &options, double ratio) {
  if (options.mode == "linear")
    return {1 - ratio, ratio};
  if (options.mode == "cubic") {
    double a = options.cubicA;
    auto far = [&](double x) { return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a; };
    auto near = [&](double x) { return ((a + 2) * x - (a + 3)) * x * x + 1; };
    return {far(ratio + 1), near(ratio), near(1 - ratio), far(2 - ratio)};
  }
  // nearest
  const std::string &m = options.nearestMode;
  bool first;
  if (ratio == 0.5)
    first = m == "round_prefer_floor" || m == "floor";
  else if (m == "floor")
    first = true;
  else if (m == "ceil")
    first = ratio == 0;
  else
    first = ratio < 0.5;
  if (ratio == 0)
    first = true;
  return first ? std::vector<double>{1, 0} : std::vector<double>{0, 1};
}

AxisTable buildTable(const ResizeOptions &options, int64_t in, int64_t out, double scale,
                     double roiStart, double roiEnd) {
  AxisTable table;
  bool stretched = options.antialias && options.mode != "nearest" && scale < 1;
  size_t taps = options.mode == "cubic" ? 4 : 2;
  if (stretched) {
    int64_t first;
    taps = stretchedCoefficients(options, 1, scale, first).size();
  }
  table.indices.assign(taps, std::vector<int64_t>(out));
  table.weights.assign(taps, std::vector<double>(out));
  table.outside.assign(out, false);
  for (int64_t o = 0; o < out; ++o) {
    double x = sourceCoordinate(options, o, in, out, scale, roiStart, roiEnd);
    if (options.transformation == "tf_crop_and_resize") {
      x += roiStart * (in - 1);
      if (x < 0 || x > in - 1) {
        table.outside[o] = true;
        x = std::min<double>(std::max<double>(x, 0), in - 1);
      }
    }
    double base = std::floor(x);
    double ratio = x - base;
    std::vector<double> c;
    int64_t first;
    if (stretched) {
      // As the reference: the ratio in (0, 1], the sources base + first ...
      // the taps nearest x.
      if (ratio == 0) {
        base -= 1;
        ratio = 1;
      }
      c = stretchedCoefficients(options, ratio, scale, first);
      first += (int64_t)base;
    } else {
      c = coefficients(options, ratio);
      // Neighbours: floor(x) and the next for 2 taps; floor(x)-1 .. floor(x)+2
      // for 4. An integer coordinate with 2 taps takes (x-1, x) with weights
      // (0, 1) in the reference; (x, x+1) with (1, 0) is the same value.
      first = (int64_t)base - (taps == 4 ? 1 : 0);
    }
    double total = 0;
    for (size_t t = 0; t < taps; ++t) {
      int64_t source = first + (int64_t)t;
      bool inRange = source >= 0 && source < in;
      double weight = c[t];
      if (options.excludeOutside && !inRange)
        weight = 0;
      table.indices[t][o] = std::min<int64_t>(std::max<int64_t>(source, 0), in - 1);
      table.weights[t][o] = weight;
      total += weight;
    }
    if (options.excludeOutside && total != 0)
      for (size_t t = 0; t < taps; ++t)
        table.weights[t][o] /= total;
  }
  return table;
}

FailureOr<Value> resizeAxis(NodeContext &ctx, Value value, int64_t axis, const AxisTable &table) {
  auto type = cast<RankedTensorType>(value.getType());
  int64_t out = table.outside.size();
  Type element = type.getElementType();
  SmallVector<int64_t> weightShape(type.getRank(), 1);
  weightShape[axis] = out;
  auto indexType = RankedTensorType::get({out}, IntegerType::get(ctx.getContext(), 64));
  auto weightType = RankedTensorType::get(weightShape, element);
  Value sum;
  for (size_t t = 0; t < table.indices.size(); ++t) {
    bool unused = llvm::all_of(table.weights[t], [](double w) { return w == 0; });
    if (unused)
      continue;
    Value indices = ctx.constant(HostTensor::fromInts(indexType, table.indices[t]).toAttr());
    FailureOr<Value> picked = ctx.createInferred<graph::GatherOp>(value, indices, axis);
    if (failed(picked))
      return failure();
    Value term = *picked;
    bool ones = llvm::all_of(table.weights[t], [](double w) { return w == 1; });
    if (!ones) {
      Value weights = ctx.constant(HostTensor::fromFloats(weightType, table.weights[t]).toAttr());
      FailureOr<Value> weighted = ctx.createInferred<graph::MulOp>(term, weights);
      if (failed(weighted))
        return failure();
      term = *weighted;
    }
    if (!sum) {
      sum = term;
      continue;
    }
    FailureOr<Value> added = ctx.createInferred<graph::AddOp>(sum, term);
    if (failed(added))
      return failure();
    sum = *added;
  }
  if (!sum) {
    ctx.emitError() << "every interpolation weight of axis " << axis << " is zero";
    return failure();
  }
  return sum;
}

LogicalResult resize(NodeContext &ctx, const ResizeOptions &options, ArrayRef<double> scales,
                     ArrayRef<int64_t> sizes, ArrayRef<double> roi) {
  RankedTensorType type = ctx.inputType(0);
  int64_t rank = type.getRank();
  if (!isa<FloatType>(type.getElementType())) {
    ctx.emitError() << "expects a float tensor, got " << type;
    return failure();
  }
  if (options.mode != "nearest" && options.mode != "linear" && options.mode != "cubic") {
    ctx.emitError() << "unknown mode '" << options.mode << "'";
    return failure();
  }
  static constexpr StringLiteral transformations[] = {
      "half_pixel",         "half_pixel_symmetric", "pytorch_half_pixel", "align_corners",
      "asymmetric",         "tf_half_pixel_for_nn", "tf_crop_and_resize"};
  if (!llvm::is_contained(transformations, options.transformation)) {
    ctx.emitError() << "unknown coordinate_transformation_mode '" << options.transformation
                    << "'";
    return failure();
  }
  const std::string &nearest = options.nearestMode;
  if (options.mode == "nearest" && nearest != "round_prefer_floor" &&
      nearest != "round_prefer_ceil" && nearest != "floor" && nearest != "ceil") {
    ctx.emitError() << "unknown nearest_mode '" << nearest << "'";
    return failure();
  }
  Value value = ctx.input(0);
  for (int64_t d = 0; d < rank; ++d) {
    int64_t in = type.getDimSize(d);
    int64_t out;
    double scale;
    if (!sizes.empty() && !scales.empty()) { // keep_aspect_ratio_policy's common scale
      out = sizes[d];
      scale = scales[d];
    } else if (!sizes.empty()) {
      out = sizes[d];
      scale = (double)out / in;
    } else {
      scale = scales[d];
      double scaled = std::floor(in * scale);
      out = std::isfinite(scaled) && std::abs(scaled) < 9e18 ? (int64_t)scaled : -1;
    }
    if (out <= 0 || !(scale > 0) || !std::isfinite(scale)) {
      ctx.emitError() << "axis " << d << " would have " << out << " elements (scale " << scale
                      << ")";
      return failure();
    }
    // Each resized axis takes gather indices and weights built here.
    if (out > (int64_t{1} << 24)) {
      ctx.emitError() << "axis " << d << " would have " << out
                      << " elements, beyond the 2^24 a resized axis may have";
      return failure();
    }
    double roiStart = roi.size() == (size_t)2 * rank ? roi[d] : 0;
    double roiEnd = roi.size() == (size_t)2 * rank ? roi[d + rank] : 1;
    bool identity = out == in && scale == 1 && options.transformation != "tf_crop_and_resize";
    if (identity)
      continue;
    AxisTable table = buildTable(options, in, out, scale, roiStart, roiEnd);
    FailureOr<Value> resized = resizeAxis(ctx, value, d, table);
    if (failed(resized))
      return failure();
    if (llvm::any_of(table.outside, [](bool b) { return b; })) {
      // Points outside the crop take the extrapolation value.
      SmallVector<int64_t> maskShape(rank, 1);
      maskShape[d] = out;
      SmallVector<bool> mask(table.outside.begin(), table.outside.end());
      auto maskType = RankedTensorType::get(maskShape, IntegerType::get(ctx.getContext(), 1));
      Value outside = ctx.constant(DenseElementsAttr::get(maskType, ArrayRef<bool>(mask)));
      resized = ctx.createInferred<graph::SelectOp>(
          outside, ctx.scalar(options.extrapolation, type.getElementType()), *resized);
      if (failed(resized))
        return failure();
    }
    value = *resized;
  }
  ctx.setOutput(0, value);
  return success();
}

std::optional<std::vector<double>> floatsOf(NodeContext &ctx, int i) {
  if (!ctx.hasInput(i))
    return std::vector<double>{};
  std::optional<HostTensor> host = ctx.hostInput(i);
  if (!host)
    return std::nullopt;
  std::vector<double> values;
  for (int64_t k = 0; k < host->size(); ++k)
    values.push_back(host->floatAt(k));
  return values;
}

LogicalResult convertResize(NodeContext &ctx) {
  if (failed(ctx.requireInputs(1)))
    return failure();
  ResizeOptions options;
  options.mode = ctx.getString("mode", "nearest");
  options.transformation = ctx.getString(
      "coordinate_transformation_mode", ctx.opset >= 11 ? "half_pixel" : "asymmetric");
  options.nearestMode = ctx.getString("nearest_mode", "round_prefer_floor");
  options.cubicA = ctx.getFloat("cubic_coeff_a", -0.75f);
  options.excludeOutside = ctx.getInt("exclude_outside", 0) != 0;
  options.extrapolation = ctx.getFloat("extrapolation_value", 0.0f);
  if (ctx.opset < 11)
    options.nearestMode = "floor";
  std::string aspectPolicy = "stretch";
  std::optional<SmallVector<int64_t>> axes;
  if (ctx.opset >= 18) {
    options.antialias = ctx.getInt("antialias", 0) != 0;
    aspectPolicy = ctx.getString("keep_aspect_ratio_policy", "stretch");
    axes = ctx.getInts("axes");
  }
  if (ctx.hasFailed())
    return failure();
  if (options.antialias && options.mode == "nearest") {
    ctx.emitError() << "antialias is defined for the linear and cubic modes, not nearest";
    return failure();
  }
  if (aspectPolicy != "stretch" && aspectPolicy != "not_larger" &&
      aspectPolicy != "not_smaller") {
    ctx.emitError() << "unknown keep_aspect_ratio_policy '" << aspectPolicy << "'";
    return failure();
  }
  int scalesInput = ctx.opset >= 11 ? 2 : 1;
  std::optional<std::vector<double>> roi =
      ctx.opset >= 11 ? floatsOf(ctx, 1) : std::vector<double>{};
  std::optional<std::vector<double>> scales = floatsOf(ctx, scalesInput);
  std::optional<std::vector<double>> sizes =
      ctx.opset >= 11 ? floatsOf(ctx, 3) : std::vector<double>{};
  if (!roi || !scales || !sizes) {
    ctx.emitError() << "roi, scales and sizes must be constants known at import time (a "
                       "model input can be frozen with --constant-input)";
    return failure();
  }
  RankedTensorType type = ctx.inputType(0);
  int64_t rank = type.getRank();
  // The axes roi, scales and sizes refer to (opset 18; all by default).
  SmallVector<int64_t> resized;
  if (axes) {
    for (int64_t axis : *axes) {
      FailureOr<int64_t> normalized = ctx.normalizeAxis(axis, rank, "axes");
      if (failed(normalized))
        return failure();
      if (llvm::is_contained(resized, *normalized)) {
        ctx.emitError() << "axis " << *normalized << " is listed twice in axes";
        return failure();
      }
      resized.push_back(*normalized);
    }
  } else {
    resized = llvm::to_vector(llvm::seq<int64_t>(0, rank));
  }
  int64_t count = resized.size();
  if ((sizes->empty() && (int64_t)scales->size() != count) ||
      (!sizes->empty() && (int64_t)sizes->size() != count)) {
    ctx.emitError() << "expects " << count << " scales or sizes";
    return failure();
  }
  if (!roi->empty() && (int64_t)roi->size() != 2 * count) {
    ctx.emitError() << "expects " << 2 * count << " roi values, got " << roi->size();
    return failure();
  }
  // Spread over every axis: the others keep their size.
  std::vector<double> fullScales, fullRoi;
  SmallVector<int64_t> fullSizes;
  if (!roi->empty()) {
    fullRoi.assign(rank, 0.0);
    fullRoi.resize(2 * rank, 1.0);
    for (int64_t i = 0; i < count; ++i) {
      fullRoi[resized[i]] = (*roi)[i];
      fullRoi[rank + resized[i]] = (*roi)[count + i];
    }
  }
  if (sizes->empty()) {
    fullScales.assign(rank, 1.0);
    for (int64_t i = 0; i < count; ++i)
      fullScales[resized[i]] = (*scales)[i];
  } else {
    fullSizes.assign(type.getShape().begin(), type.getShape().end());
    for (int64_t i = 0; i < count; ++i)
      fullSizes[resized[i]] = (int64_t)(*sizes)[i];
    if (aspectPolicy != "stretch") {
      // One scale for every resized axis: the smallest (not_larger) or the
      // largest (not_smaller) of sizes / input sizes; the sizes rounded half up.
      double common = 0;
      for (int64_t i = 0; i < count; ++i) {
        double ratio = (*sizes)[i] / type.getDimSize(resized[i]);
        if (i == 0 || (aspectPolicy == "not_larger" ? ratio < common : ratio > common))
          common = ratio;
      }
      fullScales.assign(rank, 1.0);
      for (int64_t axis : resized) {
        fullScales[axis] = common;
        fullSizes[axis] = (int64_t)(common * type.getDimSize(axis) + 0.5);
      }
    }
  }
  return resize(ctx, options, fullScales, fullSizes, fullRoi);
}

/// Upsample (opsets 7-9): Resize with asymmetric coordinates.
LogicalResult convertUpsample(NodeContext &ctx) {
  if (failed(ctx.requireInputs(1)))
    return failure();
  ResizeOptions options;
  options.mode = ctx.getString("mode", "nearest");
  options.transformation = "asymmetric";
  options.nearestMode = "floor";
  std::vector<double> scales;
  if (ctx.hasInput(1)) {
    std::optional<std::vector<double>> values = floatsOf(ctx, 1);
    if (!values) {
      ctx.emitError() << "scales must be a constant known at import time";
      return failure();
    }
    scales = *values;
  } else if (const onnx::AttributeProto *attribute = ctx.attribute("scales")) {
    scales.assign(attribute->floats().begin(), attribute->floats().end());
  }
  if (ctx.hasFailed())
    return failure();
  return resize(ctx, options, scales, {}, {});
}

/// GridSample (opset 16; opset 20's mode names too): out[n, c, i, j] samples
/// x[n, c] at grid[n, i, j] = (x, y) in [-1, 1], unnormalized to pixels
/// (align_corners: the corner pixels' centres, else their outer edges), with
/// nearest (half to even), bilinear or bicubic (A = -0.75) interpolation and
/// zeros, border or reflection padding, as PyTorch's grid_sample (which
/// produced ONNX's test data). The grid is a run-time input: the taps'
/// indices and weights are computed, and each tap is a batched gather over
/// x laid out [N, H, W, C].
LogicalResult convertGridSample(NodeContext &ctx) {
  if (failed(ctx.requireInputs(2)))
    return failure();
  RankedTensorType xType = ctx.inputType(0), gridType = ctx.inputType(1);
  std::string mode = ctx.getString("mode", "bilinear");
  std::string padding = ctx.getString("padding_mode", "zeros");
  bool alignCorners = ctx.getInt("align_corners", 0) != 0;
  if (ctx.hasFailed())
    return failure();
  if (mode == "linear")
    mode = "bilinear";
  else if (mode == "cubic")
    mode = "bicubic";
  if (mode != "bilinear" && mode != "nearest" && mode != "bicubic") {
    ctx.emitError() << "unknown mode '" << mode << "'";
    return failure();
  }
  if (padding != "zeros" && padding != "border" && padding != "reflection") {
    ctx.emitError() << "unknown padding_mode '" << padding << "'";
    return failure();
  }
  Type element = xType.getElementType();
  if (xType.getRank() != 4 || !isa<FloatType>(element) || gridType.getRank() != 4 ||
      gridType.getElementType() != element || gridType.getDimSize(0) != xType.getDimSize(0) ||
      gridType.getDimSize(3) != 2) {
    ctx.emitError() << "expects x [N, C, H, W] and grid [N, H_out, W_out, 2] of one float type "
                       "(volumetric sampling is not supported), got "
                    << xType << " and " << gridType;
    return failure();
  }
  const int64_t n = xType.getDimSize(0), h = xType.getDimSize(2), w = xType.getDimSize(3),
                ho = gridType.getDimSize(1), wo = gridType.getDimSize(2);
  OpChain ops(ctx);
  auto k = [&](double v) { return ctx.scalar(v, element); };
  auto add = [&](Value a, Value b) { return ops.make<graph::AddOp>(a, b); };
  auto sub = [&](Value a, Value b) { return ops.make<graph::SubOp>(a, b); };
  auto mul = [&](Value a, Value b) { return ops.make<graph::MulOp>(a, b); };
  auto clip = [&](Value v, double low, double high) {
    return ops.make<graph::MinOp>(ops.make<graph::MaxOp>(v, k(low)), k(high));
  };
  // The grid's x and y, [N, H_out, W_out], in pixels.
  SmallVector<int64_t> plane = {n, ho, wo};
  auto component = [&](int64_t index, int64_t size) {
    Value g = ops.reshape(ops.slice(ctx.input(1), 3, index, 1), plane);
    if (alignCorners)
      return mul(add(g, k(1)), k((size - 1) / 2.0));
    return mul(sub(mul(add(g, k(1)), k(size)), k(1)), k(0.5));
  };
  // Reflection about the edges (align_corners: the corner centres), then
  // clipped into the image.
  auto reflect = [&](Value v, int64_t size) {
    double low = alignCorners ? 0 : -0.5, high = alignCorners ? size - 1 : size - 0.5;
    if (high <= low)
      return mul(v, k(0));
    double span = high - low;
    Value distance = ops.unary<graph::AbsOp>(sub(v, k(low)));
    Value extra = ops.make<graph::ModOp>(distance, k(span), true);
    Value flips = ops.unary<graph::FloorOp>(ops.make<graph::DivOp>(distance, k(span)));
    Value even = ops.make<graph::EqualOp>(ops.make<graph::ModOp>(flips, k(2), true), k(0));
    Value reflected = ops.make<graph::SelectOp>(even, add(extra, k(low)),
                                                sub(k(span + low), extra));
    return clip(reflected, 0, size - 1);
  };
  auto padCoordinate = [&](Value v, int64_t size) {
    if (padding == "border")
      return clip(v, 0, size - 1);
    if (padding == "reflection")
      return reflect(v, size);
    return v;
  };
  Value x = component(0, w), y = component(1, h);
  if (mode != "bicubic") {
    x = padCoordinate(x, w);
    y = padCoordinate(y, h);
  }

  // x as [N, H, W, C] for the batched gathers.
  Value image = ops.make<graph::TransposeOp>(ctx.input(0), ArrayRef<int64_t>({0, 2, 3, 1}));
  Type i64 = IntegerType::get(ctx.getContext(), 64);
  SmallVector<int64_t> column = {n, ho, wo, 1};
  Value sum;
  // One tap at integer pixel (xi, yi) with `weight`: outside the image it
  // reads 0 (zeros padding, and bilinear's second taps past the clipped
  // coordinate) or, for bicubic, the edge (border) or the reflection.
  auto tap = [&](Value xi, Value yi, Value weight) {
    if (mode == "bicubic" && padding != "zeros") {
      xi = padding == "border" ? clip(xi, 0, w - 1) : reflect(xi, w);
      yi = padding == "border" ? clip(yi, 0, h - 1) : reflect(yi, h);
    } else {
      Value inside = ops.make<graph::AndOp>(
          ops.make<graph::AndOp>(ops.make<graph::GreaterEqualOp>(xi, k(0)),
                                 ops.make<graph::LessEqualOp>(xi, k(w - 1))),
          ops.make<graph::AndOp>(ops.make<graph::GreaterEqualOp>(yi, k(0)),
                                 ops.make<graph::LessEqualOp>(yi, k(h - 1))));
      weight = ops.make<graph::SelectOp>(inside, weight, k(0));
    }
    Value indices = ops.make<graph::ConcatOp>(
        ValueRange{ops.reshape(ops.convert(clip(yi, 0, h - 1), i64), column),
                   ops.reshape(ops.convert(clip(xi, 0, w - 1), i64), column)},
        int64_t(3));
    Value picked = ops.make<graph::GatherNDOp>(image, indices, int64_t(1));
    Value term = mul(picked, ops.reshape(weight, column));
    sum = sum ? add(sum, term) : term;
  };
  if (mode == "nearest") {
    Value one = add(mul(x, k(0)), k(1)); // a weight of 1 per sampling point
    tap(ops.unary<graph::RoundOp>(x), ops.unary<graph::RoundOp>(y), one);
  } else if (mode == "bilinear") {
    Value x0 = ops.unary<graph::FloorOp>(x), y0 = ops.unary<graph::FloorOp>(y);
    Value fx = sub(x, x0), fy = sub(y, y0);
    Value gx[] = {sub(k(1), fx), fx}, gy[] = {sub(k(1), fy), fy};
    for (int j = 0; j < 2; ++j)
      for (int i = 0; i < 2; ++i)
        tap(add(x0, k(i)), add(y0, k(j)), mul(gx[i], gy[j]));
  } else {
    const double a = -0.75;
    auto cubic = [&](Value t) -> std::array<Value, 4> {
      // The weights of the taps at floor - 1, floor, floor + 1, floor + 2.
      auto far = [&](Value d) { // |d| in [1, 2]
        return sub(mul(add(mul(sub(mul(k(a), d), k(5 * a)), d), k(8 * a)), d), k(4 * a));
      };
      auto near = [&](Value d) { // |d| in [0, 1]
        return add(mul(mul(sub(mul(k(a + 2), d), k(a + 3)), d), d), k(1));
      };
      Value rest = sub(k(1), t);
      return {far(add(t, k(1))), near(t), near(rest), far(add(rest, k(1)))};
    };
    Value x0 = ops.unary<graph::FloorOp>(x), y0 = ops.unary<graph::FloorOp>(y);
    std::array<Value, 4> gx = cubic(sub(x, x0)), gy = cubic(sub(y, y0));
    for (int j = 0; j < 4; ++j)
      for (int i = 0; i < 4; ++i)
        tap(add(x0, k(i - 1)), add(y0, k(j - 1)), mul(gx[i], gy[j]));
  }
  if (!sum || ops.hasFailed())
    return failure();
  return ops.output(ops.make<graph::TransposeOp>(sum, ArrayRef<int64_t>({0, 3, 1, 2})));
}

/// RoiAlign (opsets 10 and 16): for each region r of `rois` ([R, 4]: x1, y1,
/// x2, y2, times spatial_scale) on image batch_indices[r] of X [N, C, H, W],
/// an output_height x output_width grid of bins, each the average (or, as
/// ONNX Runtime and the reference do, the maximum of the weighted corners) of
/// sampling_ratio^2 bilinear samples; samples more than a pixel outside the
/// image count as 0. The regions are run-time inputs: the samples'
/// positions and weights are computed (separably in y and x) and each of a
/// sample's four corners is one gather over X laid out [N, H, W, C]. An
/// adaptive sampling_ratio (0) depends on the regions' sizes, so it needs
/// constant regions.
LogicalResult convertRoiAlign(NodeContext &ctx) {
  if (failed(ctx.requireInputs(3)))
    return failure();
  RankedTensorType xType = ctx.inputType(0), roisType = ctx.inputType(1),
                   indexType = ctx.inputType(2);
  std::string mode = ctx.getString("mode", "avg");
  std::string transformation =
      ctx.getString("coordinate_transformation_mode",
                    ctx.opset >= 16 ? "half_pixel" : "output_half_pixel");
  int64_t outH = ctx.getInt("output_height", 1), outW = ctx.getInt("output_width", 1);
  int64_t ratio = ctx.getInt("sampling_ratio", 0);
  double scale = ctx.getFloat("spatial_scale", 1.0f);
  if (ctx.hasFailed())
    return failure();
  Type element = xType.getElementType();
  if (xType.getRank() != 4 || !isa<FloatType>(element) || roisType.getRank() != 2 ||
      roisType.getDimSize(1) != 4 || roisType.getElementType() != element ||
      indexType.getRank() != 1 || indexType.getDimSize(0) != roisType.getDimSize(0) ||
      !indexType.getElementType().isInteger(64)) {
    ctx.emitError() << "expects X [N, C, H, W], rois [R, 4] of its float type and int64 "
                       "batch_indices [R], got "
                    << xType << ", " << roisType << " and " << indexType;
    return failure();
  }
  if (mode != "avg" && mode != "max") {
    ctx.emitError() << "unknown mode '" << mode << "'";
    return failure();
  }
  if (transformation != "half_pixel" && transformation != "output_half_pixel") {
    ctx.emitError() << "unknown coordinate_transformation_mode '" << transformation << "'";
    return failure();
  }
  if (outH < 1 || outW < 1) {
    ctx.emitError() << "output_height and output_width must be positive";
    return failure();
  }
  const int64_t r = roisType.getDimSize(0), h = xType.getDimSize(2), w = xType.getDimSize(3);
  const bool halfPixel = transformation == "half_pixel";
  // The samples per bin along y and x: fixed, or (adaptive) from constant regions.
  int64_t gridH = ratio, gridW = ratio;
  if (ratio <= 0) {
    std::optional<HostTensor> rois = ctx.hostInput(1);
    if (!rois) {
      ctx.emitError() << "an adaptive sampling_ratio (0) takes as many samples as each region "
                         "is large, which needs the rois to be constants known at import; "
                         "give sampling_ratio > 0";
      return failure();
    }
    // One count for every region: the largest (a region with fewer takes its
    // own in the reference; only equal counts are exact here).
    for (int64_t i = 0; i < r; ++i) {
      double roiW = rois->floatAt(i * 4 + 2) * scale - rois->floatAt(i * 4) * scale;
      double roiH = rois->floatAt(i * 4 + 3) * scale - rois->floatAt(i * 4 + 1) * scale;
      if (!halfPixel) {
        roiW = std::max(roiW, 1.0);
        roiH = std::max(roiH, 1.0);
      }
      int64_t needH = (int64_t)std::ceil(roiH / outH), needW = (int64_t)std::ceil(roiW / outW);
      if (i > 0 && (needH != gridH || needW != gridW)) {
        ctx.emitError() << "an adaptive sampling_ratio (0) with regions of different sample "
                           "counts is not supported; give sampling_ratio > 0";
        return failure();
      }
      gridH = needH;
      gridW = needW;
    }
  }
  // The taps along each axis are built as constants at import.
  constexpr int64_t kMaxTaps = 1 << 16;
  for (auto [bins, samples, axis] : {std::tuple(outH, gridH, "height"),
                                     std::tuple(outW, gridW, "width")}) {
    if (samples < 1) {
      ctx.emitError() << "an adaptive sampling_ratio (0) over regions of no " << axis
                      << " takes no samples, which is not supported; give sampling_ratio > 0";
      return failure();
    }
    if (bins > kMaxTaps || samples > kMaxTaps || bins * samples > kMaxTaps) {
      ctx.emitError() << "output_" << axis << " " << bins << " with " << samples
                      << " samples per bin is beyond " << kMaxTaps << " samples along the "
                      << axis;
      return failure();
    }
  }
  OpChain ops(ctx);
  auto k = [&](double v) { return ctx.scalar(v, element); };
  auto add = [&](Value a, Value b) { return ops.make<graph::AddOp>(a, b); };
  auto sub = [&](Value a, Value b) { return ops.make<graph::SubOp>(a, b); };
  auto mul = [&](Value a, Value b) { return ops.make<graph::MulOp>(a, b); };
  // A column of the regions, [R, 1, 1], in the image's (scaled) pixels.
  auto roiColumn = [&](int64_t j) {
    Value v = ops.reshape(ops.slice(ctx.input(1), 1, j, 1), {r, 1, 1});
    return sub(mul(v, k(scale)), k(halfPixel ? 0.5 : 0.0));
  };
  // Positions along one axis, [R, bins, samples]: start + bin * size +
  // (sample + 0.5) * size / samples, with size = extent / bins.
  auto positions = [&](Value start, Value end, int64_t bins, int64_t samples) {
    Value extent = sub(end, start);
    if (!halfPixel)
      extent = ops.make<graph::MaxOp>(extent, k(1));
    Value size = mul(extent, k(1.0 / bins));
    std::vector<double> binIndex, sampleOffset;
    for (int64_t b = 0; b < bins; ++b)
      for (int64_t s = 0; s < samples; ++s) {
        binIndex.push_back(b);
        sampleOffset.push_back((s + 0.5) / samples);
      }
    auto tableType = RankedTensorType::get({1, bins, samples}, element);
    Value bin = ctx.constant(HostTensor::fromFloats(tableType, binIndex).toAttr());
    Value offset = ctx.constant(HostTensor::fromFloats(tableType, sampleOffset).toAttr());
    return add(start, mul(size, add(bin, offset)));
  };
  Value y = positions(roiColumn(1), roiColumn(3), outH, gridH);
  Value x = positions(roiColumn(0), roiColumn(2), outW, gridW);
  // Per axis: whether the sample counts, its two corners and their weights.
  struct Axis {
    Value inside, low, high, lowWeight, highWeight;
  };
  auto corners = [&](Value v, int64_t size) {
    Axis a;
    a.inside = ops.make<graph::AndOp>(ops.make<graph::GreaterEqualOp>(v, k(-1)),
                                      ops.make<graph::LessEqualOp>(v, k(size)));
    v = ops.make<graph::MaxOp>(v, k(0));
    Value low = ops.unary<graph::FloorOp>(v);
    Value atEdge = ops.make<graph::GreaterEqualOp>(low, k(size - 1));
    low = ops.make<graph::SelectOp>(atEdge, k(size - 1), low);
    v = ops.make<graph::SelectOp>(atEdge, low, v);
    a.low = low;
    a.high = ops.make<graph::SelectOp>(atEdge, low, add(low, k(1)));
    Value fraction = sub(v, low);
    a.highWeight = ops.make<graph::SelectOp>(a.inside, fraction, k(0));
    a.lowWeight = ops.make<graph::SelectOp>(a.inside, sub(k(1), fraction), k(0));
    return a;
  };
  Axis ay = corners(y, h), ax = corners(x, w);
  // The sample grid [R, outH, gridH, outW, gridW]: y varies along 1-2, x along 3-4.
  SmallVector<int64_t> yShape = {r, outH, gridH, 1, 1}, xShape = {r, 1, 1, outW, gridW},
                       grid = {r, outH, gridH, outW, gridW};
  auto alongY = [&](Value v) { return ops.reshape(v, yShape); };
  auto alongX = [&](Value v) { return ops.reshape(v, xShape); };
  Type i64 = IntegerType::get(ctx.getContext(), 64);
  auto gridOf = [&](Value v, Type type) -> Value {
    if (!v)
      return Value();
    FailureOr<Value> b = ctx.create<graph::BroadcastOp>(RankedTensorType::get(grid, type),
                                                        ops.convert(v, type));
    return failed(b) ? Value() : *b;
  };
  SmallVector<int64_t> column = {r, outH, gridH, outW, gridW, 1};
  Value batch = gridOf(ops.reshape(ctx.input(2), {r, 1, 1, 1, 1}), i64);
  Value image = ops.make<graph::TransposeOp>(ctx.input(0), ArrayRef<int64_t>({0, 2, 3, 1}));
  Value result;
  for (int j = 0; j < 2; ++j)
    for (int i = 0; i < 2; ++i) {
      Value yi = alongY(j ? ay.high : ay.low), xi = alongX(i ? ax.high : ax.low);
      Value weight = mul(alongY(j ? ay.highWeight : ay.lowWeight),
                         alongX(i ? ax.highWeight : ax.lowWeight));
      Value indices = ops.make<graph::ConcatOp>(
          ValueRange{ops.reshape(batch, column), ops.reshape(gridOf(yi, i64), column),
                     ops.reshape(gridOf(xi, i64), column)},
          int64_t(5));
      Value picked = ops.make<graph::GatherNDOp>(image, indices, int64_t(0));
      Value term = mul(picked, ops.reshape(gridOf(weight, element), column));
      if (!result)
        result = term;
      else if (mode == "avg")
        result = add(result, term);
      else
        result = ops.make<graph::MaxOp>(result, term);
    }
  // Over each bin's samples: [R, outH, outW, C].
  SmallVector<int64_t> samples = {2, 4};
  if (mode == "avg")
    result = mul(ops.make<graph::ReduceSumOp>(result, ArrayRef<int64_t>(samples), false),
                 k(1.0 / std::max<int64_t>(gridH * gridW, 1)));
  else
    result = ops.make<graph::ReduceMaxOp>(result, ArrayRef<int64_t>(samples), false);
  return ops.output(ops.make<graph::TransposeOp>(result, ArrayRef<int64_t>({0, 3, 1, 2})));
}

} // namespace

void registerResizeConverters(llvm::StringMap<Converter> &converters) {
  converters["Resize"] = convertResize;
  converters["Upsample"] = convertUpsample;
  converters["GridSample"] = convertGridSample;
  converters["RoiAlign"] = convertRoiAlign;
}

} // namespace smelt::onnx_frontend
