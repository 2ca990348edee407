//===- ShapeConverters.cpp - Data movement and shape computation ------------===//
//
// Reshape-like ops, Transpose, Concat, Split, Gather, Slice, Expand, Tile, and the
// ops that produce shapes (Shape, Size, Constant, ConstantOfShape). Every one
// of them folds when its data input is a known constant: that is how shape
// subgraphs exported from PyTorch (Shape -> Gather -> Unsqueeze -> Concat ->
// Reshape) become constant shapes. Inputs that play an attribute's role
// (shape, axes, slice bounds, split sizes) must fold; a clear error names
// the node when they do not.
//
//===----------------------------------------------------------------------===//
#include "frontends/onnx/NodeContext.h"
#include "frontends/onnx/TensorConversion.h"

#include "dialects/graph/IR/GraphOps.h"

#include "llvm/ADT/STLExtras.h"

#include <algorithm>
#include <numeric>

using namespace mlir;

namespace smelt::onnx_frontend {
namespace {

/// Defines output `index` as input 0 with `shape`: a reshaped constant when
/// the input is one (cheap at any size: the data is shared), else graph.reshape.
LogicalResult defineReshaped(NodeContext &ctx, ArrayRef<int64_t> shape, int index = 0) {
  RankedTensorType input = ctx.inputType(0);
  RankedTensorType type = input.clone(shape);
  if (type.getNumElements() != input.getNumElements()) {
    ctx.emitError() << "cannot reshape " << input << " to " << type;
    return failure();
  }
  if (DenseElementsAttr constant = ctx.constantInput(0)) {
    ctx.setConstantOutput(index, constant.reshape(type));
    return success();
  }
  FailureOr<Value> result = ctx.reshape(ctx.input(0), shape);
  if (failed(result))
    return failure();
  ctx.setOutput(index, *result);
  return success();
}

/// Normalizes axes against `rank`, rejecting duplicates.
FailureOr<SmallVector<int64_t>> normalizeAxes(NodeContext &ctx, ArrayRef<int64_t> axes,
                                              int64_t rank) {
  SmallVector<int64_t> result;
  for (int64_t axis : axes) {
    FailureOr<int64_t> normalized = ctx.normalizeAxis(axis, rank, "axis");
    if (failed(normalized))
      return failure();
    if (llvm::is_contained(result, *normalized)) {
      ctx.emitError() << "axis " << axis << " is listed twice";
      return failure();
    }
    result.push_back(*normalized);
  }
  return result;
}

/// Axes of Squeeze/Unsqueeze: an attribute before opset 13, an input after.
FailureOr<std::optional<SmallVector<int64_t>>> readAxes(NodeContext &ctx, bool required) {
  if (ctx.opset >= 13) {
    if (!ctx.hasInput(1)) {
      if (required) {
        ctx.emitError() << "the axes input is missing";
        return failure();
      }
      return std::optional<SmallVector<int64_t>>();
    }
    FailureOr<SmallVector<int64_t>> axes = ctx.requireIntegerInput(1, "axes");
    if (failed(axes))
      return failure();
    return std::optional<SmallVector<int64_t>>(*axes);
  }
  std::optional<SmallVector<int64_t>> axes = ctx.getInts("axes");
  if (ctx.hasFailed())
    return failure();
  if (!axes && required) {
    ctx.emitError() << "requires the axes attribute";
    return failure();
  }
  return axes;
}

//===----------------------------------------------------------------------===//
// Reshape-like
//===----------------------------------------------------------------------===//

/// 0 copies the input dim (unless allowzero) and one -1 is inferred.
LogicalResult convertReshape(NodeContext &ctx) {
  if (failed(ctx.requireInputs(2)))
    return failure();
  FailureOr<SmallVector<int64_t>> requested = ctx.requireIntegerInput(1, "shape");
  if (failed(requested))
    return failure();
  bool allowZero = ctx.opset >= 14 && ctx.getInt("allowzero", 0) != 0;
  ArrayRef<int64_t> inputShape = ctx.inputType(0).getShape();
  SmallVector<int64_t> shape;
  int64_t inferred = -1, known = 1;
  for (auto [i, dim] : llvm::enumerate(*requested)) {
    if (dim == 0 && !allowZero) {
      if (i >= inputShape.size()) {
        ctx.emitError() << "shape entry " << i << " is 0 (copy the input dim) but the input "
                        << ctx.inputType(0) << " has no dim " << i;
        return failure();
      }
      dim = inputShape[i];
    } else if (dim == -1) {
      if (inferred >= 0) {
        ctx.emitError() << "shape has more than one -1";
        return failure();
      }
      inferred = i;
      shape.push_back(1);
      continue;
    } else if (dim < -1) {
      ctx.emitError() << "shape entry " << dim << " is invalid";
      return failure();
    }
    shape.push_back(dim);
    known *= dim;
  }
  int64_t total = ctx.inputType(0).getNumElements();
  if (inferred >= 0) {
    if (known == 0 || total % known != 0) {
      ctx.emitError() << "cannot infer the -1 in the shape: " << total
                      << " elements do not divide into the other dims";
      return failure();
    }
    shape[inferred] = total / known;
  }
  return defineReshaped(ctx, shape);
}

/// [d0 ... d(axis-1)] x [d(axis) ... dn] as a matrix.
LogicalResult convertFlatten(NodeContext &ctx) {
  if (failed(ctx.requireInputs(1)))
    return failure();
  ArrayRef<int64_t> shape = ctx.inputType(0).getShape();
  int64_t rank = shape.size();
  int64_t axis = ctx.getInt("axis", 1);
  if (axis < 0)
    axis += rank;
  if (axis < 0 || axis > rank) {
    ctx.emitError() << "axis " << ctx.getInt("axis", 1) << " is out of range for rank " << rank;
    return failure();
  }
  if (ctx.hasFailed())
    return failure();
  return defineReshaped(ctx, {ShapedType::getNumElements(shape.take_front(axis)),
                              ShapedType::getNumElements(shape.drop_front(axis))});
}

LogicalResult convertUnsqueeze(NodeContext &ctx) {
  if (failed(ctx.requireInputs(1)))
    return failure();
  FailureOr<std::optional<SmallVector<int64_t>>> axes = readAxes(ctx, /*required=*/true);
  if (failed(axes))
    return failure();
  ArrayRef<int64_t> inputShape = ctx.inputType(0).getShape();
  int64_t rank = inputShape.size() + (*axes)->size();
  FailureOr<SmallVector<int64_t>> normalized = normalizeAxes(ctx, **axes, rank);
  if (failed(normalized))
    return failure();
  SmallVector<int64_t> shape;
  const int64_t *next = inputShape.begin();
  for (int64_t i = 0; i < rank; ++i)
    shape.push_back(llvm::is_contained(*normalized, i) ? 1 : *next++);
  return defineReshaped(ctx, shape);
}

LogicalResult convertSqueeze(NodeContext &ctx) {
  if (failed(ctx.requireInputs(1)))
    return failure();
  FailureOr<std::optional<SmallVector<int64_t>>> axes = readAxes(ctx, /*required=*/false);
  if (failed(axes))
    return failure();
  ArrayRef<int64_t> inputShape = ctx.inputType(0).getShape();
  SmallVector<int64_t> squeezed;
  if (*axes) {
    FailureOr<SmallVector<int64_t>> normalized =
        normalizeAxes(ctx, **axes, inputShape.size());
    if (failed(normalized))
      return failure();
    squeezed = *normalized;
    for (int64_t axis : squeezed) {
      if (inputShape[axis] != 1) {
        ctx.emitError() << "cannot squeeze axis " << axis << " of size " << inputShape[axis];
        return failure();
      }
    }
  } else {
    for (auto [i, dim] : llvm::enumerate(inputShape))
      if (dim == 1)
        squeezed.push_back(i);
  }
  SmallVector<int64_t> shape;
  for (auto [i, dim] : llvm::enumerate(inputShape))
    if (!llvm::is_contained(squeezed, (int64_t)i))
      shape.push_back(dim);
  return defineReshaped(ctx, shape);
}

//===----------------------------------------------------------------------===//
// Transpose, Concat, Expand, Tile
//===----------------------------------------------------------------------===//

LogicalResult convertTranspose(NodeContext &ctx) {
  if (failed(ctx.requireInputs(1)))
    return failure();
  RankedTensorType type = ctx.inputType(0);
  int64_t rank = type.getRank();
  SmallVector<int64_t> perm = llvm::to_vector(llvm::reverse(llvm::seq<int64_t>(0, rank)));
  if (std::optional<SmallVector<int64_t>> given = ctx.getInts("perm"))
    perm = *given;
  if (ctx.hasFailed())
    return failure();
  SmallVector<int64_t> sorted(perm);
  llvm::sort(sorted);
  if (sorted != llvm::to_vector(llvm::seq<int64_t>(0, rank))) {
    ctx.emitError() << "perm is not a permutation of the " << rank << " dims";
    return failure();
  }
  if (std::optional<HostTensor> host = ctx.hostInput(0)) {
    SmallVector<int64_t> shape, strides = computeStrides(type.getShape());
    for (int64_t p : perm)
      shape.push_back(type.getDimSize(p));
    // Walk the result in row-major order; each step reads the source at the
    // permuted multi-index.
    SmallVector<int64_t> indices, position(rank, 0);
    for (int64_t flat = 0, e = type.getNumElements(); flat < e; ++flat) {
      int64_t source = 0;
      for (int64_t d = 0; d < rank; ++d)
        source += position[d] * strides[perm[d]];
      indices.push_back(source);
      for (int64_t d = rank - 1; d >= 0 && ++position[d] == shape[d]; --d)
        position[d] = 0;
    }
    ctx.setConstantOutput(0, host->take(type.clone(shape), indices).toAttr());
    return success();
  }
  FailureOr<Value> result =
      ctx.createInferred<graph::TransposeOp>(ctx.input(0), ArrayRef<int64_t>(perm));
  if (failed(result))
    return failure();
  ctx.setOutput(0, *result);
  return success();
}

LogicalResult convertConcat(NodeContext &ctx) {
  if (ctx.numInputs() < 1) {
    ctx.emitError() << "expects at least one input";
    return failure();
  }
  if (failed(ctx.requireInputs(ctx.numInputs())))
    return failure();
  RankedTensorType first = ctx.inputType(0);
  for (int i = 1; i < ctx.numInputs(); ++i) {
    if (ctx.inputType(i).getElementType() != first.getElementType() ||
        ctx.inputType(i).getRank() != first.getRank()) {
      ctx.emitError() << "inputs 0 and " << i << " differ in element type or rank: " << first
                      << " and " << ctx.inputType(i);
      return failure();
    }
  }
  if (!ctx.hasAttribute("axis")) {
    ctx.emitError() << "requires the axis attribute";
    return failure();
  }
  FailureOr<int64_t> axis = ctx.normalizeAxis(ctx.getInt("axis", 0), first.getRank(), "axis");
  if (failed(axis) || ctx.hasFailed())
    return failure();

  SmallVector<HostTensor> parts;
  for (int i = 0; i < ctx.numInputs(); ++i)
    if (std::optional<HostTensor> host = ctx.hostInput(i))
      parts.push_back(*host);
  if ((int)parts.size() == ctx.numInputs()) {
    ctx.setConstantOutput(0, HostTensor::concat(parts, *axis).toAttr());
    return success();
  }
  SmallVector<Value> inputs;
  for (int i = 0; i < ctx.numInputs(); ++i)
    inputs.push_back(ctx.input(i));
  FailureOr<Value> result =
      ctx.createInferred<graph::ConcatOp>(ValueRange(inputs), (uint64_t)*axis);
  if (failed(result))
    return failure();
  ctx.setOutput(0, *result);
  return success();
}

/// Expand broadcasts both ways: the result has the broadcast of the input
/// shape and the requested shape.
LogicalResult convertExpand(NodeContext &ctx) {
  if (failed(ctx.requireInputs(2)))
    return failure();
  FailureOr<SmallVector<int64_t>> requested = ctx.requireIntegerInput(1, "shape");
  if (failed(requested))
    return failure();
  RankedTensorType input = ctx.inputType(0);
  FailureOr<SmallVector<int64_t>> shape = graph::broadcastShapes(input.getShape(), *requested);
  if (failed(shape) || llvm::any_of(*requested, [](int64_t d) { return d < 0; })) {
    ctx.emitError() << "cannot expand " << input << " to shape ["
                    << llvm::make_range(requested->begin(), requested->end()) << "]";
    return failure();
  }
  RankedTensorType type = input.clone(*shape);
  if (type == input)
    return defineReshaped(ctx, *shape);
  if (DenseElementsAttr constant = ctx.constantInput(0); constant && constant.isSplat()) {
    ctx.setConstantOutput(0, DenseElementsAttr::get(type, constant.getSplatValue<Attribute>()));
    return success();
  }
  if (std::optional<HostTensor> host = ctx.hostInput(0);
      host && type.getNumElements() <= HostTensor::kMaxElements) {
    ctx.setConstantOutput(
        0, host->take(type, broadcastSourceIndices(input.getShape(), *shape)).toAttr());
    return success();
  }
  FailureOr<Value> result = ctx.create<graph::BroadcastOp>(type, ctx.input(0));
  if (failed(result))
    return failure();
  ctx.setOutput(0, *result);
  return success();
}

/// Tile is a broadcast in disguise: view [d0, d1, ...] as [1, d0, 1, d1, ...],
/// broadcast to [r0, d0, r1, d1, ...], and merge each (r, d) pair.
LogicalResult convertTile(NodeContext &ctx) {
  if (failed(ctx.requireInputs(2)))
    return failure();
  FailureOr<SmallVector<int64_t>> repeats = ctx.requireIntegerInput(1, "repeats");
  if (failed(repeats))
    return failure();
  RankedTensorType input = ctx.inputType(0);
  if ((int64_t)repeats->size() != input.getRank() ||
      llvm::any_of(*repeats, [](int64_t r) { return r < 0; })) {
    ctx.emitError() << "repeats must be " << input.getRank() << " non-negative numbers";
    return failure();
  }
  SmallVector<int64_t> interleaved, expanded, tiled;
  for (auto [dim, repeat] : llvm::zip(input.getShape(), *repeats)) {
    interleaved.append({1, dim});
    expanded.append({repeat, dim});
    tiled.push_back(repeat * dim);
  }
  RankedTensorType type = input.clone(tiled);
  if (std::optional<HostTensor> host = ctx.hostInput(0);
      host && type.getNumElements() <= HostTensor::kMaxElements) {
    SmallVector<int64_t> sources = broadcastSourceIndices(interleaved, expanded);
    ctx.setConstantOutput(0, host->take(type, sources).toAttr());
    return success();
  }
  FailureOr<Value> viewed = ctx.reshape(ctx.input(0), interleaved);
  if (failed(viewed))
    return failure();
  FailureOr<Value> broadcast = ctx.create<graph::BroadcastOp>(input.clone(expanded), *viewed);
  if (failed(broadcast))
    return failure();
  FailureOr<Value> result = ctx.reshape(*broadcast, tiled);
  if (failed(result))
    return failure();
  ctx.setOutput(0, *result);
  return success();
}

//===----------------------------------------------------------------------===//
// Slice, Split, Gather
//===----------------------------------------------------------------------===//

/// Defines output `index` as a strided slice of input 0, given normalized
/// per-dimension bounds (see graph.slice).
LogicalResult defineSlice(NodeContext &ctx, int index, ArrayRef<int64_t> starts,
                          ArrayRef<int64_t> limits, ArrayRef<int64_t> strides) {
  RankedTensorType input = ctx.inputType(0);
  if (std::optional<HostTensor> host = ctx.hostInput(0)) {
    int64_t rank = input.getRank();
    SmallVector<int64_t> shape, inputStrides = computeStrides(input.getShape());
    for (int64_t d = 0; d < rank; ++d) {
      int64_t step = strides[d];
      int64_t size = step > 0 ? (limits[d] - starts[d] + step - 1) / step
                              : (starts[d] - limits[d] - step - 1) / -step;
      shape.push_back(std::max<int64_t>(size, 0));
    }
    SmallVector<int64_t> indices, position(rank, 0);
    for (int64_t flat = 0, e = ShapedType::getNumElements(shape); flat < e; ++flat) {
      int64_t source = 0;
      for (int64_t d = 0; d < rank; ++d)
        source += (starts[d] + position[d] * strides[d]) * inputStrides[d];
      indices.push_back(source);
      for (int64_t d = rank - 1; d >= 0 && ++position[d] == shape[d]; --d)
        position[d] = 0;
    }
    ctx.setConstantOutput(index, host->take(input.clone(shape), indices).toAttr());
    return success();
  }
  FailureOr<Value> result = ctx.createInferred<graph::SliceOp>(ctx.input(0), starts, limits,
                                                               strides);
  if (failed(result))
    return failure();
  ctx.setOutput(index, *result);
  return success();
}

/// Bounds are attributes before opset 10 and inputs after. ONNX clamps
/// out-of-range bounds (INT64_MAX means "to the end"); they are normalized
/// here into graph.slice's exact form.
LogicalResult convertSlice(NodeContext &ctx) {
  if (failed(ctx.requireInputs(1)))
    return failure();
  RankedTensorType input = ctx.inputType(0);
  int64_t rank = input.getRank();
  SmallVector<int64_t> starts, ends, axes, steps;
  if (ctx.opset < 10) {
    std::optional<SmallVector<int64_t>> s = ctx.getInts("starts"), e = ctx.getInts("ends");
    if (!s || !e) {
      if (!ctx.hasFailed())
        ctx.emitError() << "requires the starts and ends attributes";
      return failure();
    }
    starts = *s;
    ends = *e;
    axes = ctx.getInts("axes").value_or(SmallVector<int64_t>());
  } else {
    if (failed(ctx.requireInputs(3)))
      return failure();
    FailureOr<SmallVector<int64_t>> s = ctx.requireIntegerInput(1, "starts");
    if (failed(s))
      return failure();
    FailureOr<SmallVector<int64_t>> e = ctx.requireIntegerInput(2, "ends");
    if (failed(e))
      return failure();
    starts = *s;
    ends = *e;
    for (auto [i, role, values] : {std::make_tuple(3, "axes", &axes),
                                   std::make_tuple(4, "steps", &steps)}) {
      if (!ctx.hasInput(i))
        continue;
      FailureOr<SmallVector<int64_t>> given = ctx.requireIntegerInput(i, role);
      if (failed(given))
        return failure();
      *values = *given;
    }
  }
  if (ctx.hasFailed())
    return failure();
  if (axes.empty())
    axes = llvm::to_vector(llvm::seq<int64_t>(0, starts.size()));
  if (steps.empty())
    steps.assign(starts.size(), 1);
  if (ends.size() != starts.size() || axes.size() != starts.size() ||
      steps.size() != starts.size()) {
    ctx.emitError() << "starts, ends, axes and steps must have the same length";
    return failure();
  }
  FailureOr<SmallVector<int64_t>> normalizedAxes = normalizeAxes(ctx, axes, rank);
  if (failed(normalizedAxes))
    return failure();

  SmallVector<int64_t> begin(rank, 0), limit(input.getShape()), stride(rank, 1);
  for (size_t i = 0; i < starts.size(); ++i) {
    int64_t axis = (*normalizedAxes)[i], dim = input.getDimSize(axis), step = steps[i];
    if (step == 0) {
      ctx.emitError() << "step must not be zero";
      return failure();
    }
    if (dim == 0) { // nothing to select, whatever the bounds say
      begin[axis] = limit[axis] = 0;
      stride[axis] = step;
      continue;
    }
    // Negative bounds count from the end; then clamp to the valid range for
    // the direction of travel.
    int64_t start = starts[i] < 0 ? starts[i] + dim : starts[i];
    int64_t end = ends[i] < 0 ? std::max(ends[i], INT64_MIN + dim) + dim : ends[i];
    if (step > 0) {
      start = std::clamp<int64_t>(start, 0, dim);
      end = std::clamp<int64_t>(end, 0, dim);
    } else {
      start = std::clamp<int64_t>(start, 0, dim - 1);
      end = std::clamp<int64_t>(end, -1, dim - 1);
    }
    begin[axis] = start;
    limit[axis] = end;
    stride[axis] = step;
  }
  return defineSlice(ctx, 0, begin, limit, stride);
}

/// Split sizes are an attribute before opset 13 and an optional input after;
/// without them the axis is split evenly across the outputs, or from opset 18
/// into num_outputs chunks of ceil(dim / num_outputs), the last smaller.
LogicalResult convertSplit(NodeContext &ctx) {
  if (failed(ctx.requireInputs(1)))
    return failure();
  RankedTensorType input = ctx.inputType(0);
  FailureOr<int64_t> axis = ctx.normalizeAxis(ctx.getInt("axis", 0), input.getRank(), "axis");
  if (failed(axis))
    return failure();
  int64_t dim = input.getDimSize(*axis);
  SmallVector<int64_t> sizes;
  if (ctx.opset >= 13 && ctx.hasInput(1)) {
    FailureOr<SmallVector<int64_t>> given = ctx.requireIntegerInput(1, "split");
    if (failed(given))
      return failure();
    sizes = *given;
  } else if (ctx.opset < 13) {
    sizes = ctx.getInts("split").value_or(SmallVector<int64_t>());
  }
  std::optional<int64_t> chunks;
  if (ctx.opset >= 18 && ctx.attribute("num_outputs"))
    chunks = ctx.getInt("num_outputs", 0);
  if (ctx.hasFailed())
    return failure();
  int64_t outputs = ctx.numOutputs();
  if (chunks) {
    if (!sizes.empty()) {
      ctx.emitError() << "takes either the split input or num_outputs, not both";
      return failure();
    }
    if (*chunks != outputs || *chunks < 1 || *chunks > std::max<int64_t>(dim, 1)) {
      ctx.emitError() << "num_outputs is " << *chunks << " for a node of " << outputs
                      << " outputs splitting a dim of size " << dim;
      return failure();
    }
    int64_t chunk = (dim + *chunks - 1) / *chunks;
    for (int64_t i = 0; i < *chunks; ++i)
      sizes.push_back(std::min(chunk, dim - i * chunk));
    if (llvm::any_of(sizes, [](int64_t s) { return s < 0; })) {
      ctx.emitError() << "cannot split a dim of size " << dim << " into " << *chunks
                      << " chunks of " << chunk;
      return failure();
    }
  }
  if (sizes.empty()) {
    if (outputs == 0 || dim % outputs != 0) {
      ctx.emitError() << "cannot split a dim of size " << dim << " evenly into " << outputs
                      << " outputs";
      return failure();
    }
    sizes.assign(outputs, dim / outputs);
  }
  if ((int64_t)sizes.size() != outputs ||
      llvm::any_of(sizes, [](int64_t s) { return s < 0; }) ||
      std::accumulate(sizes.begin(), sizes.end(), int64_t(0)) != dim) {
    ctx.emitError() << "split sizes must be " << outputs
                    << " non-negative numbers adding up to " << dim;
    return failure();
  }
  SmallVector<int64_t> begin(input.getRank(), 0), limit(input.getShape()),
      stride(input.getRank(), 1);
  int64_t offset = 0;
  for (int64_t i = 0; i < outputs; ++i) {
    begin[*axis] = offset;
    limit[*axis] = offset + sizes[i];
    offset += sizes[i];
    if (failed(defineSlice(ctx, i, begin, limit, stride)))
      return failure();
  }
  return success();
}

LogicalResult convertGather(NodeContext &ctx) {
  if (failed(ctx.requireInputs(2)))
    return failure();
  RankedTensorType data = ctx.inputType(0), indices = ctx.inputType(1);
  if (!indices.getElementType().isInteger(32) && !indices.getElementType().isInteger(64)) {
    ctx.emitError() << "indices must be int32 or int64, got " << indices;
    return failure();
  }
  FailureOr<int64_t> axis = ctx.normalizeAxis(ctx.getInt("axis", 0), data.getRank(), "axis");
  if (failed(axis) || ctx.hasFailed())
    return failure();
  std::optional<HostTensor> host = ctx.hostInput(0);
  std::optional<HostTensor> hostIndices = ctx.hostInput(1);
  if (host && hostIndices) {
    int64_t dim = data.getDimSize(*axis);
    int64_t inner = ShapedType::getNumElements(data.getShape().drop_front(*axis + 1));
    int64_t outer = ShapedType::getNumElements(data.getShape().take_front(*axis));
    SmallVector<int64_t> shape(data.getShape().take_front(*axis));
    llvm::append_range(shape, indices.getShape());
    llvm::append_range(shape, data.getShape().drop_front(*axis + 1));
    if (ShapedType::getNumElements(shape) <= HostTensor::kMaxElements) {
      SmallVector<int64_t> sources;
      for (int64_t o = 0; o < outer; ++o) {
        for (int64_t j = 0; j < hostIndices->size(); ++j) {
          int64_t index = hostIndices->intAt(j);
          if (index < -dim || index >= dim) {
            ctx.emitError() << "index " << index << " is out of range for a dim of size "
                            << dim;
            return failure();
          }
          index = index < 0 ? index + dim : index;
          for (int64_t k = 0; k < inner; ++k)
            sources.push_back((o * dim + index) * inner + k);
        }
      }
      ctx.setConstantOutput(0, host->take(data.clone(shape), sources).toAttr());
      return success();
    }
  }
  FailureOr<Value> result = ctx.createInferred<graph::GatherOp>(ctx.input(0), ctx.input(1),
                                                                (uint64_t)*axis);
  if (failed(result))
    return failure();
  ctx.setOutput(0, *result);
  return success();
}

//===----------------------------------------------------------------------===//
// Shape producers
//===----------------------------------------------------------------------===//

DenseElementsAttr int64Vector(MLIRContext *context, ArrayRef<int64_t> values) {
  auto type = RankedTensorType::get({(int64_t)values.size()}, IntegerType::get(context, 64));
  return DenseElementsAttr::get(type, values);
}

/// Shapes are static, so Shape is always a constant. Opset 15 added start and
/// end, which select a clamped range of dims.
LogicalResult convertShape(NodeContext &ctx) {
  if (failed(ctx.requireInputs(1)))
    return failure();
  ArrayRef<int64_t> shape = ctx.inputType(0).getShape();
  int64_t rank = shape.size();
  int64_t start = 0, end = rank;
  if (ctx.opset >= 15) {
    start = ctx.getInt("start", 0);
    end = ctx.getInt("end", rank);
  }
  if (ctx.hasFailed())
    return failure();
  start = std::clamp<int64_t>(start < 0 ? start + rank : start, 0, rank);
  end = std::clamp<int64_t>(end < 0 ? end + rank : end, 0, rank);
  ctx.setConstantOutput(
      0, int64Vector(ctx.getContext(), start < end ? shape.slice(start, end - start)
                                                   : ArrayRef<int64_t>()));
  return success();
}

LogicalResult convertSize(NodeContext &ctx) {
  if (failed(ctx.requireInputs(1)))
    return failure();
  auto type = RankedTensorType::get({}, IntegerType::get(ctx.getContext(), 64));
  ctx.setConstantOutput(
      0, DenseElementsAttr::get(type, ArrayRef<int64_t>{ctx.inputType(0).getNumElements()}));
  return success();
}

LogicalResult convertConstant(NodeContext &ctx) {
  if (ctx.node.attribute_size() != 1) {
    ctx.emitError() << "expects exactly one attribute holding the value";
    return failure();
  }
  const onnx::AttributeProto &attr = ctx.node.attribute(0);
  MLIRContext *context = ctx.getContext();
  auto vectorType = [&](int64_t size, Type element) {
    return RankedTensorType::get({size}, element);
  };
  auto scalarType = [&](Type element) { return RankedTensorType::get({}, element); };
  DenseElementsAttr value;
  if (attr.name() == "value" && attr.type() == onnx::AttributeProto::TENSOR) {
    FailureOr<DenseElementsAttr> tensor =
        convertTensor(attr.t(), ctx.loc, "the value of Constant node '" + ctx.name + "'");
    if (failed(tensor))
      return failure();
    value = *tensor;
  } else if (attr.name() == "value_float" && attr.type() == onnx::AttributeProto::FLOAT) {
    value = DenseElementsAttr::get(scalarType(Float32Type::get(context)), attr.f());
  } else if (attr.name() == "value_floats" && attr.type() == onnx::AttributeProto::FLOATS) {
    value = DenseElementsAttr::get(vectorType(attr.floats_size(), Float32Type::get(context)),
                                   ArrayRef<float>(attr.floats().data(), attr.floats_size()));
  } else if (attr.name() == "value_int" && attr.type() == onnx::AttributeProto::INT) {
    value = DenseElementsAttr::get(scalarType(IntegerType::get(context, 64)),
                                   ArrayRef<int64_t>{attr.i()});
  } else if (attr.name() == "value_ints" && attr.type() == onnx::AttributeProto::INTS) {
    value = DenseElementsAttr::get(vectorType(attr.ints_size(), IntegerType::get(context, 64)),
                                   ArrayRef<int64_t>(attr.ints().data(), attr.ints_size()));
  } else if (llvm::is_contained({"value", "value_float", "value_floats", "value_int",
                                  "value_ints"},
                                 attr.name())) {
    ctx.emitError() << "attribute '" << attr.name() << "' has the wrong type";
    return failure();
  } else {
    ctx.emitError() << "attribute '" << attr.name()
                    << "' is not supported (expected value, value_float(s) or value_int(s))";
    return failure();
  }
  ctx.setConstantOutput(0, value);
  return success();
}

/// A splat of `value` (a one-element tensor, float 0 by default).
LogicalResult convertConstantOfShape(NodeContext &ctx) {
  if (failed(ctx.requireInputs(1)))
    return failure();
  FailureOr<SmallVector<int64_t>> shape = ctx.requireIntegerInput(0, "shape");
  if (failed(shape))
    return failure();
  if (llvm::any_of(*shape, [](int64_t d) { return d < 0; })) {
    ctx.emitError() << "shape dims must be non-negative";
    return failure();
  }
  Attribute element = FloatAttr::get(Float32Type::get(ctx.getContext()), 0.0);
  if (const onnx::AttributeProto *attr = ctx.attribute("value")) {
    if (attr->type() != onnx::AttributeProto::TENSOR) {
      ctx.emitError() << "attribute 'value' must be a tensor";
      return failure();
    }
    FailureOr<DenseElementsAttr> tensor =
        convertTensor(attr->t(), ctx.loc, "the value of node '" + ctx.name + "'");
    if (failed(tensor))
      return failure();
    if (tensor->getNumElements() != 1) {
      ctx.emitError() << "attribute 'value' must hold one element, not "
                      << tensor->getNumElements();
      return failure();
    }
    element = *tensor->value_begin<Attribute>();
  }
  auto type = RankedTensorType::get(*shape, cast<TypedAttr>(element).getType());
  ctx.setConstantOutput(0, DenseElementsAttr::get(type, element));
  return success();
}

} // namespace

void registerShapeConverters(llvm::StringMap<Converter> &converters) {
  converters["Reshape"] = convertReshape;
  converters["Flatten"] = convertFlatten;
  converters["Unsqueeze"] = convertUnsqueeze;
  converters["Squeeze"] = convertSqueeze;
  converters["Transpose"] = convertTranspose;
  converters["Concat"] = convertConcat;
  converters["Expand"] = convertExpand;
  converters["Tile"] = convertTile;
  converters["Slice"] = convertSlice;
  converters["Split"] = convertSplit;
  converters["Gather"] = convertGather;
  converters["Shape"] = convertShape;
  converters["Size"] = convertSize;
  converters["Constant"] = convertConstant;
  converters["ConstantOfShape"] = convertConstantOfShape;
}

} // namespace smelt::onnx_frontend
