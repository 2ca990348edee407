//===- IndexingConverters.cpp - Index-producing and index-consuming ops -----===//
//
// ArgMax/ArgMin, GatherElements, GatherND, the scatters, Mod, Pad (constant,
// edge, reflect and wrap modes, decomposed into slices, broadcasts and
// concatenations) and CenterCropPad.
//
//===----------------------------------------------------------------------===//
#include "frontends/onnx/NodeContext.h"

#include "dialects/graph/IR/GraphOps.h"

using namespace mlir;

namespace smelt::onnx_frontend {
namespace {

template <typename OpTy> LogicalResult convertArgReduce(NodeContext &ctx) {
  if (failed(ctx.requireInputs(1)))
    return failure();
  int64_t rank = ctx.inputType(0).getRank();
  FailureOr<int64_t> axis = ctx.normalizeAxis(ctx.getInt("axis", 0), rank, "axis");
  bool keepDims = ctx.getInt("keepdims", 1) != 0;
  bool last = ctx.getInt("select_last_index", 0) != 0;
  if (failed(axis) || ctx.hasFailed())
    return failure();
  FailureOr<Value> result = ctx.createInferred<OpTy>(ctx.input(0), *axis, keepDims, last);
  if (failed(result))
    return failure();
  ctx.setOutput(0, *result);
  return success();
}

LogicalResult convertGatherElements(NodeContext &ctx) {
  if (failed(ctx.requireInputs(2)))
    return failure();
  int64_t rank = ctx.inputType(0).getRank();
  FailureOr<int64_t> axis = ctx.normalizeAxis(ctx.getInt("axis", 0), rank, "axis");
  if (failed(axis) || ctx.hasFailed())
    return failure();
  FailureOr<Value> result =
      ctx.createInferred<graph::GatherElementsOp>(ctx.input(0), ctx.input(1), *axis);
  if (failed(result))
    return failure();
  ctx.setOutput(0, *result);
  return success();
}

LogicalResult convertGatherND(NodeContext &ctx) {
  if (failed(ctx.requireInputs(2)))
    return failure();
  int64_t batch = ctx.getInt("batch_dims", 0);
  if (ctx.hasFailed())
    return failure();
  FailureOr<Value> result =
      ctx.createInferred<graph::GatherNDOp>(ctx.input(0), ctx.input(1), batch);
  if (failed(result))
    return failure();
  ctx.setOutput(0, *result);
  return success();
}

/// ScatterElements (and the deprecated Scatter) and ScatterND.
LogicalResult convertScatter(NodeContext &ctx, bool elements) {
  if (failed(ctx.requireInputs(3)))
    return failure();
  std::string reduction = ctx.getString("reduction", "none");
  if (ctx.hasFailed())
    return failure();
  if ((reduction == "max" || reduction == "min") && ctx.opset < 18) {
    ctx.emitError() << "reduction '" << reduction << "' exists from opset 18 on, but the model "
                    << "imports opset " << ctx.opset;
    return failure();
  }
  if (reduction != "none" && reduction != "add" && reduction != "mul" && reduction != "max" &&
      reduction != "min") {
    ctx.emitError() << "unsupported reduction '" << reduction << "'";
    return failure();
  }
  auto reductionAttr = StringAttr::get(ctx.getContext(), reduction);
  RankedTensorType dataType = ctx.inputType(0);
  RankedTensorType indicesType = ctx.inputType(1), updatesType = ctx.inputType(2);
  if (updatesType.getElementType() != dataType.getElementType()) {
    ctx.emitError() << "updates and data element types differ";
    return failure();
  }
  FailureOr<Value> result;
  if (elements) {
    FailureOr<int64_t> axis =
        ctx.normalizeAxis(ctx.getInt("axis", 0), dataType.getRank(), "axis");
    if (failed(axis))
      return failure();
    if (indicesType.getShape() != updatesType.getShape() ||
        indicesType.getRank() != dataType.getRank()) {
      ctx.emitError() << "indices and updates must have one shape and the data's rank";
      return failure();
    }
    result = ctx.create<graph::ScatterElementsOp>(dataType, ctx.input(0), ctx.input(1),
                                                  ctx.input(2), *axis, reductionAttr);
  } else {
    int64_t depth = indicesType.getRank() ? indicesType.getDimSize(indicesType.getRank() - 1) : 0;
    SmallVector<int64_t> expected(indicesType.getShape().drop_back());
    if (depth <= dataType.getRank())
      llvm::append_range(expected, dataType.getShape().drop_front(depth));
    if (depth < 1 || depth > dataType.getRank() || updatesType.getShape() != ArrayRef(expected)) {
      ctx.emitError() << "updates " << updatesType << " do not match data " << dataType
                      << " and indices " << indicesType;
      return failure();
    }
    result = ctx.create<graph::ScatterNDOp>(dataType, ctx.input(0), ctx.input(1), ctx.input(2),
                                            reductionAttr);
  }
  if (failed(result))
    return failure();
  ctx.setOutput(0, *result);
  return success();
}

LogicalResult convertMod(NodeContext &ctx) {
  if (failed(ctx.requireInputs(2)))
    return failure();
  bool fmod = ctx.getInt("fmod", 0) != 0;
  if (ctx.hasFailed())
    return failure();
  if (!fmod && isa<FloatType>(ctx.inputElementType(0))) {
    ctx.emitError() << "fmod=0 is only defined for integers";
    return failure();
  }
  FailureOr<Value> result = ctx.createInferred<graph::ModOp>(ctx.input(0), ctx.input(1), fmod);
  if (failed(result))
    return failure();
  ctx.setOutput(0, *result);
  return success();
}

/// A slice of `value` along `axis`: elements start, start + step, ... (count).
FailureOr<Value> sliceAlong(NodeContext &ctx, Value value, int64_t axis, int64_t start,
                            int64_t count, int64_t step) {
  auto type = cast<RankedTensorType>(value.getType());
  SmallVector<int64_t> starts(type.getRank(), 0), limits(type.getShape()),
      strides(type.getRank(), 1);
  starts[axis] = start;
  limits[axis] = step > 0 ? start + count * step : start + count * step;
  strides[axis] = step;
  if (step < 0 && limits[axis] < -1)
    limits[axis] = -1;
  return ctx.createInferred<graph::SliceOp>(value, ArrayRef<int64_t>(starts),
                                             ArrayRef<int64_t>(limits),
                                             ArrayRef<int64_t>(strides));
}

/// Pads one axis: `before` and `after` elements (negative ones crop).
FailureOr<Value> padAxis(NodeContext &ctx, Value value, int64_t axis, int64_t before,
                         int64_t after, StringRef mode, Value padValue) {
  auto type = cast<RankedTensorType>(value.getType());
  int64_t size = type.getDimSize(axis);
  if (before < 0 || after < 0) {
    int64_t start = std::max<int64_t>(0, -before);
    int64_t end = size - std::max<int64_t>(0, -after);
    if (end < start) {
      ctx.emitError() << "negative pads remove more than axis " << axis << " holds";
      return failure();
    }
    FailureOr<Value> cropped = sliceAlong(ctx, value, axis, start, end - start, 1);
    if (failed(cropped))
      return failure();
    return padAxis(ctx, *cropped, axis, std::max<int64_t>(0, before),
                   std::max<int64_t>(0, after), mode, padValue);
  }
  if (before == 0 && after == 0)
    return value;
  if (size == 0 && mode != "constant") {
    ctx.emitError() << "cannot pad an empty axis in " << mode << " mode";
    return failure();
  }
  if (mode == "reflect" && (before >= size || after >= size)) {
    ctx.emitError() << "reflect pads must be smaller than the axis (" << size << ")";
    return failure();
  }
  auto part = [&](int64_t count, bool atStart) -> FailureOr<Value> {
    SmallVector<int64_t> shape(type.getShape());
    shape[axis] = count;
    auto partType = RankedTensorType::get(shape, type.getElementType());
    if (mode == "constant")
      return ctx.create<graph::BroadcastOp>(partType, padValue);
    if (mode == "edge") {
      FailureOr<Value> edge = sliceAlong(ctx, value, axis, atStart ? 0 : size - 1, 1, 1);
      if (failed(edge))
        return failure();
      return ctx.create<graph::BroadcastOp>(partType, *edge);
    }
    if (mode == "wrap") {
      // before = the axis' last `count` elements, after = its first, the axis
      // repeated where `count` exceeds it.
      SmallVector<Value> copies;
      int64_t whole = count / size, rest = count % size;
      if (rest > 0 && atStart) {
        FailureOr<Value> tail = sliceAlong(ctx, value, axis, size - rest, rest, 1);
        if (failed(tail))
          return failure();
        copies.push_back(*tail);
      }
      copies.append(whole, value);
      if (rest > 0 && !atStart) {
        FailureOr<Value> head = sliceAlong(ctx, value, axis, 0, rest, 1);
        if (failed(head))
          return failure();
        copies.push_back(*head);
      }
      if (copies.size() == 1)
        return copies.front();
      return ctx.createInferred<graph::ConcatOp>(ValueRange(copies), axis);
    }
    // reflect: before = x[count], ..., x[1]; after = x[size-2], ..., x[size-1-count]
    return atStart ? sliceAlong(ctx, value, axis, count, count, -1)
                   : sliceAlong(ctx, value, axis, size - 2, count, -1);
  };
  SmallVector<Value> pieces;
  if (before > 0) {
    FailureOr<Value> piece = part(before, true);
    if (failed(piece))
      return failure();
    pieces.push_back(*piece);
  }
  pieces.push_back(value);
  if (after > 0) {
    FailureOr<Value> piece = part(after, false);
    if (failed(piece))
      return failure();
    pieces.push_back(*piece);
  }
  return ctx.createInferred<graph::ConcatOp>(ValueRange(pieces), axis);
}

/// Pads from opset 11 take pads (and the constant) as inputs; before, as
/// attributes. From opset 18 an optional axes input names the axes the pads
/// are for. Each axis is padded in turn.
LogicalResult convertPad(NodeContext &ctx) {
  if (failed(ctx.requireInputs(1)))
    return failure();
  std::string mode = ctx.getString("mode", "constant");
  RankedTensorType type = ctx.inputType(0);
  int64_t rank = type.getRank();
  SmallVector<int64_t> pads;
  Value padValue = ctx.scalar(0, type.getElementType());
  if (ctx.opset >= 11) {
    FailureOr<SmallVector<int64_t>> values = ctx.requireIntegerInput(1, "pads");
    if (failed(values))
      return failure();
    pads = *values;
    if (ctx.hasInput(2)) {
      std::optional<HostTensor> constant = ctx.hostInput(2);
      if (!constant || constant->size() != 1) {
        ctx.emitError() << "the constant_value must be a scalar constant known at import time";
        return failure();
      }
      padValue = ctx.scalar(constant->floatAt(0), type.getElementType());
    }
  } else {
    if (std::optional<SmallVector<int64_t>> values = ctx.getInts("pads"))
      pads = *values;
    padValue = ctx.scalar(ctx.getFloat("value", 0.0f), type.getElementType());
  }
  if (ctx.hasFailed())
    return failure();
  if (mode != "constant" && mode != "edge" && mode != "reflect" &&
      !(mode == "wrap" && ctx.opset >= 19)) {
    ctx.emitError() << "unknown mode '" << mode << "'";
    return failure();
  }
  if (ctx.opset >= 18 && ctx.hasInput(3)) {
    FailureOr<SmallVector<int64_t>> axes = ctx.requireIntegerInput(3, "axes");
    if (failed(axes))
      return failure();
    if (pads.size() != 2 * axes->size()) {
      ctx.emitError() << "expects " << 2 * axes->size() << " pads for " << axes->size()
                      << " axes, got " << pads.size();
      return failure();
    }
    SmallVector<int64_t> full(2 * rank, 0);
    SmallVector<bool> seen(rank, false);
    for (auto [i, axis] : llvm::enumerate(*axes)) {
      FailureOr<int64_t> normalized = ctx.normalizeAxis(axis, rank, "axes");
      if (failed(normalized))
        return failure();
      if (seen[*normalized]) {
        ctx.emitError() << "axis " << *normalized << " is listed twice in axes";
        return failure();
      }
      seen[*normalized] = true;
      full[*normalized] = pads[i];
      full[*normalized + rank] = pads[i + axes->size()];
    }
    pads = full;
  }
  if ((int64_t)pads.size() != 2 * rank) {
    ctx.emitError() << "expects " << 2 * rank << " pads for a rank-" << rank << " input, got "
                    << pads.size();
    return failure();
  }
  Value value = ctx.input(0);
  for (int64_t axis = 0; axis < rank; ++axis) {
    FailureOr<Value> padded =
        padAxis(ctx, value, axis, pads[axis], pads[axis + rank], mode, padValue);
    if (failed(padded))
      return failure();
    value = *padded;
  }
  ctx.setOutput(0, value);
  return success();
}

/// CenterCropPad (opset 18): each listed axis (all by default) cropped or
/// zero-padded to the given size about its centre; where the difference is
/// odd, the extra element is cropped from or padded at the end.
LogicalResult convertCenterCropPad(NodeContext &ctx) {
  if (failed(ctx.requireInputs(2)))
    return failure();
  RankedTensorType type = ctx.inputType(0);
  int64_t rank = type.getRank();
  FailureOr<SmallVector<int64_t>> shape = ctx.requireIntegerInput(1, "shape");
  if (failed(shape))
    return failure();
  SmallVector<int64_t> axes = llvm::to_vector(llvm::seq<int64_t>(0, rank));
  if (std::optional<SmallVector<int64_t>> given = ctx.getInts("axes"))
    axes = *given;
  if (ctx.hasFailed())
    return failure();
  if (shape->size() != axes.size()) {
    ctx.emitError() << "expects " << axes.size() << " sizes in shape, got " << shape->size();
    return failure();
  }
  Value value = ctx.input(0);
  Value zero = ctx.scalar(0, type.getElementType());
  for (auto [axis, size] : llvm::zip(axes, *shape)) {
    FailureOr<int64_t> normalized = ctx.normalizeAxis(axis, rank, "axes");
    if (failed(normalized))
      return failure();
    if (size < 0) {
      ctx.emitError() << "shape " << size << " for axis " << *normalized << " is negative";
      return failure();
    }
    int64_t current = cast<RankedTensorType>(value.getType()).getDimSize(*normalized);
    FailureOr<Value> resized = value;
    if (size < current)
      resized = sliceAlong(ctx, value, *normalized, (current - size) / 2, size, 1);
    else if (size > current)
      resized = padAxis(ctx, value, *normalized, (size - current) / 2,
                        size - current - (size - current) / 2, "constant", zero);
    if (failed(resized))
      return failure();
    value = *resized;
  }
  ctx.setOutput(0, value);
  return success();
}

} // namespace

void registerIndexingConverters(llvm::StringMap<Converter> &converters) {
  converters["ArgMax"] = convertArgReduce<graph::ArgMaxOp>;
  converters["ArgMin"] = convertArgReduce<graph::ArgMinOp>;
  converters["GatherElements"] = convertGatherElements;
  converters["GatherND"] = convertGatherND;
  converters["ScatterElements"] = [](NodeContext &ctx) { return convertScatter(ctx, true); };
  converters["Scatter"] = [](NodeContext &ctx) { return convertScatter(ctx, true); };
  converters["ScatterND"] = [](NodeContext &ctx) { return convertScatter(ctx, false); };
  converters["Mod"] = convertMod;
  converters["Pad"] = convertPad;
  converters["CenterCropPad"] = convertCenterCropPad;
}

} // namespace smelt::onnx_frontend
