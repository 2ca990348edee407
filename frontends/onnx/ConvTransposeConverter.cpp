//===- ConvTransposeConverter.cpp - ConvTranspose as a convolution ---------===//
//
// A transposed convolution is a convolution of the input with zeros inserted
// between elements (stride - 1 per gap), padded by (kernel - 1) * dilation
// minus the transposed convolution's pads, with the kernel flipped and its
// input/output channel dims swapped within each group. All of it is graph
// ops: reshape/concat insert the zeros, reshape/transpose/slice rearrange the
// weights (and fold when they are constants).
//
//===----------------------------------------------------------------------===//
#include "frontends/onnx/NodeContext.h"

#include "dialects/graph/IR/GraphOps.h"

using namespace mlir;

namespace smelt::onnx_frontend {
namespace {

/// Inserts stride - 1 zeros between neighbours along `axis`.
FailureOr<Value> dilateAxis(NodeContext &ctx, Value value, int64_t axis, int64_t stride) {
  auto type = cast<RankedTensorType>(value.getType());
  int64_t size = type.getDimSize(axis);
  if (stride == 1 || size <= 1)
    return value;
  SmallVector<int64_t> split(type.getShape());
  split.insert(split.begin() + axis + 1, 1);
  FailureOr<Value> column = ctx.reshape(value, split);
  if (failed(column))
    return failure();
  SmallVector<int64_t> zerosShape = split;
  zerosShape[axis + 1] = stride - 1;
  FailureOr<Value> zeros = ctx.create<graph::BroadcastOp>(
      RankedTensorType::get(zerosShape, type.getElementType()),
      ctx.scalar(0, type.getElementType()));
  if (failed(zeros))
    return failure();
  FailureOr<Value> joined =
      ctx.createInferred<graph::ConcatOp>(ValueRange{*column, *zeros}, axis + 1);
  if (failed(joined))
    return failure();
  SmallVector<int64_t> merged(type.getShape());
  merged[axis] = size * stride;
  FailureOr<Value> flat = ctx.reshape(*joined, merged);
  if (failed(flat))
    return failure();
  // Drop the zeros after the last element.
  SmallVector<int64_t> starts(merged.size(), 0), limits(merged), strides(merged.size(), 1);
  limits[axis] = (size - 1) * stride + 1;
  return ctx.createInferred<graph::SliceOp>(*flat, ArrayRef<int64_t>(starts),
                                             ArrayRef<int64_t>(limits),
                                             ArrayRef<int64_t>(strides));
}

/// Keeps [begin, end) of `axis`.
FailureOr<Value> cropAxis(NodeContext &ctx, Value value, int64_t axis, int64_t begin,
                          int64_t end) {
  auto type = cast<RankedTensorType>(value.getType());
  SmallVector<int64_t> starts(type.getRank(), 0), limits(type.getShape()),
      strides(type.getRank(), 1);
  starts[axis] = begin;
  limits[axis] = end;
  return ctx.createInferred<graph::SliceOp>(value, ArrayRef<int64_t>(starts),
                                             ArrayRef<int64_t>(limits),
                                             ArrayRef<int64_t>(strides));
}

LogicalResult convertConvTranspose(NodeContext &ctx) {
  if (failed(ctx.requireInputs(2)))
    return failure();
  RankedTensorType inputType = ctx.inputType(0), weightType = ctx.inputType(1);
  int64_t rank = inputType.getRank(), spatial = rank - 2;
  if (rank < 3 || weightType.getRank() != rank || !isa<FloatType>(inputType.getElementType())) {
    ctx.emitError() << "expects float input [N, C, D...] and weight [C, M/group, K...], got "
                    << inputType << " and " << weightType;
    return failure();
  }
  int64_t group = ctx.getInt("group", 1);
  std::string autoPad = ctx.getString("auto_pad", "NOTSET");
  auto ints = [&](StringRef name, int64_t fill, size_t count) {
    SmallVector<int64_t> values(count, fill);
    if (std::optional<SmallVector<int64_t>> given = ctx.getInts(name))
      values = *given;
    return values;
  };
  SmallVector<int64_t> strides = ints("strides", 1, spatial);
  SmallVector<int64_t> dilations = ints("dilations", 1, spatial);
  SmallVector<int64_t> outputPadding = ints("output_padding", 0, spatial);
  SmallVector<int64_t> pads = ints("pads", 0, 2 * spatial);
  std::optional<SmallVector<int64_t>> outputShape = ctx.getInts("output_shape");
  if (ctx.hasFailed())
    return failure();
  int64_t inChannels = inputType.getDimSize(1);
  if (group <= 0 || inChannels % group != 0 || weightType.getDimSize(0) != inChannels ||
      (int64_t)strides.size() != spatial || (int64_t)dilations.size() != spatial ||
      (int64_t)outputPadding.size() != spatial || (int64_t)pads.size() != 2 * spatial) {
    ctx.emitError() << "inconsistent group, weight or attribute sizes";
    return failure();
  }
  int64_t outPerGroup = weightType.getDimSize(1), inPerGroup = inChannels / group;
  SmallVector<int64_t> kernel(weightType.getShape().drop_front(2));
  if (failed(checkWindowValues(ctx, kernel, strides, dilations, pads)) ||
      failed(checkWindowValues(ctx, {}, {}, {}, outputPadding)))
    return failure();

  // Pads from output_shape or auto_pad (the spec's total-padding rule).
  if (outputShape || autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
    SmallVector<int64_t> target;
    if (outputShape) {
      if ((int64_t)outputShape->size() != spatial && (int64_t)outputShape->size() != rank) {
        ctx.emitError() << "output_shape has " << outputShape->size() << " values; it takes "
                        << spatial << " (the spatial sizes) or " << rank;
        return failure();
      }
      target.assign(outputShape->end() - spatial, outputShape->end());
    } else {
      for (int64_t d = 0; d < spatial; ++d)
        target.push_back(inputType.getDimSize(d + 2) * strides[d]);
    }
    for (int64_t d = 0; d < spatial; ++d) {
      int64_t total = strides[d] * (inputType.getDimSize(d + 2) - 1) + outputPadding[d] +
                      (kernel[d] - 1) * dilations[d] + 1 - target[d];
      bool upper = autoPad == "SAME_UPPER";
      // Floor division, as the reference: a negative total (a larger
      // output_shape) grows the end.
      int64_t half = total >= 0 ? total / 2 : -((1 - total) / 2);
      pads[d] = upper ? half : total - half;
      pads[d + spatial] = upper ? total - half : half;
    }
  } else if (autoPad == "VALID") {
    std::fill(pads.begin(), pads.end(), 0);
  } else if (autoPad != "NOTSET") {
    ctx.emitError() << "unknown auto_pad '" << autoPad << "'";
    return failure();
  }

  // Convolution weight [M, C/group, K...]: swap the channel dims within each
  // group and flip every spatial dim.
  SmallVector<int64_t> grouped = {group, inPerGroup, outPerGroup};
  grouped.append(kernel.begin(), kernel.end());
  FailureOr<Value> weight = ctx.reshape(ctx.input(1), grouped);
  if (failed(weight))
    return failure();
  SmallVector<int64_t> perm = {0, 2, 1};
  for (int64_t d = 0; d < spatial; ++d)
    perm.push_back(d + 3);
  weight = ctx.createInferred<graph::TransposeOp>(*weight, ArrayRef<int64_t>(perm));
  if (failed(weight))
    return failure();
  SmallVector<int64_t> convShape = {group * outPerGroup, inPerGroup};
  convShape.append(kernel.begin(), kernel.end());
  weight = ctx.reshape(*weight, convShape);
  if (failed(weight))
    return failure();
  {
    SmallVector<int64_t> starts(rank, 0), limits(convShape), steps(rank, 1);
    for (int64_t d = 0; d < spatial; ++d) {
      starts[d + 2] = kernel[d] - 1;
      limits[d + 2] = -1;
      steps[d + 2] = -1;
    }
    weight = ctx.createInferred<graph::SliceOp>(*weight, ArrayRef<int64_t>(starts),
                                                 ArrayRef<int64_t>(limits),
                                                 ArrayRef<int64_t>(steps));
    if (failed(weight))
      return failure();
  }

  // Zeros between input elements, then the convolution's own padding; a
  // negative padding crops instead.
  Value input = ctx.input(0);
  SmallVector<int64_t> convPads(2 * spatial, 0);
  for (int64_t d = 0; d < spatial; ++d) {
    FailureOr<Value> dilated = dilateAxis(ctx, input, d + 2, strides[d]);
    if (failed(dilated))
      return failure();
    input = *dilated;
    int64_t reach = (kernel[d] - 1) * dilations[d];
    int64_t begin = reach - pads[d], end = reach - pads[d + spatial] + outputPadding[d];
    int64_t length = cast<RankedTensorType>(input.getType()).getDimSize(d + 2);
    if (begin < 0 || end < 0) {
      FailureOr<Value> cropped = cropAxis(ctx, input, d + 2, std::max<int64_t>(0, -begin),
                                          length - std::max<int64_t>(0, -end));
      if (failed(cropped))
        return failure();
      input = *cropped;
    }
    convPads[d] = std::max<int64_t>(0, begin);
    convPads[d + spatial] = std::max<int64_t>(0, end);
  }
  SmallVector<int64_t> ones(spatial, 1);
  Value bias = ctx.hasInput(2) ? ctx.input(2) : Value();
  FailureOr<Value> result = ctx.createInferred<graph::ConvOp>(
      input, *weight, bias, ArrayRef<int64_t>(ones), ArrayRef<int64_t>(dilations),
      ArrayRef<int64_t>(convPads), static_cast<uint64_t>(group));
  if (failed(result))
    return failure();
  ctx.setOutput(0, *result);
  return success();
}

} // namespace

void registerConvTransposeConverter(llvm::StringMap<Converter> &converters) {
  converters["ConvTranspose"] = convertConvTranspose;
}

} // namespace smelt::onnx_frontend
