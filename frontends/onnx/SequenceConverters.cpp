//===- SequenceConverters.cpp - ONNX sequence ops, resolved at import -----===//
//
// A sequence whose structure is known at import time (how many tensors, in
// which order) is a list of graph values in the ValueTable; the sequence ops
// rearrange the list, and only its tensors reach the graph. Positions and
// split sizes must be constants (a model input can be frozen with
// --constant-input). Graph inputs and outputs of sequence type are not
// supported: compiled models take and return tensors.
//
//===----------------------------------------------------------------------===//
#include "dialects/graph/IR/GraphOps.h"
#include "frontends/onnx/NodeContext.h"
#include "frontends/onnx/TensorConversion.h"

#include "onnx/onnx_pb.h"

using namespace mlir;

namespace smelt::onnx_frontend {
namespace {

using Sequence = ValueTable::Sequence;

/// A position input (scalar int), normalized against `size`; `inclusiveEnd`
/// allows `size` itself (insertion at the end).
FailureOr<int64_t> position(NodeContext &ctx, int input, int64_t size, bool inclusiveEnd) {
  FailureOr<SmallVector<int64_t>> given = ctx.requireIntegerInput(input, "position");
  if (failed(given))
    return failure();
  if (given->size() != 1) {
    ctx.emitError() << "position must be a scalar";
    return failure();
  }
  int64_t at = given->front();
  int64_t limit = inclusiveEnd ? size : size - 1;
  if (at < -size || at > limit) {
    ctx.emitError() << "position " << at << " is out of range for a sequence of " << size
                    << " tensors";
    return failure();
  }
  return at < 0 ? at + size : at;
}

LogicalResult convertSequenceEmpty(NodeContext &ctx) {
  int64_t dtype = ctx.getInt("dtype", onnx::TensorProto::FLOAT);
  Type element = convertElementType(ctx.getContext(), static_cast<int32_t>(dtype));
  if (!element) {
    ctx.emitError() << "unsupported element type " << dtype;
    return failure();
  }
  ctx.setSequenceOutput(0, Sequence{{}, element});
  return success();
}

LogicalResult convertSequenceConstruct(NodeContext &ctx) {
  if (ctx.numInputs() < 1 || failed(ctx.requireInputs(ctx.numInputs())))
    return failure();
  Sequence sequence{{}, ctx.inputType(0).getElementType()};
  for (int i = 0; i < ctx.numInputs(); ++i) {
    if (ctx.inputType(i).getElementType() != sequence.elementType) {
      ctx.emitError() << "inputs 0 and " << i << " differ in element type";
      return failure();
    }
    sequence.elements.push_back(ctx.input(i));
  }
  ctx.setSequenceOutput(0, std::move(sequence));
  return success();
}

LogicalResult convertSequenceInsert(NodeContext &ctx) {
  const Sequence *input = ctx.sequenceInput(0);
  if (!input || failed(ctx.requireInputs(2)))
    return failure();
  Sequence sequence = *input;
  if (ctx.inputType(1).getElementType() != sequence.elementType) {
    ctx.emitError() << "the tensor's element type " << ctx.inputType(1).getElementType()
                    << " differs from the sequence's " << sequence.elementType;
    return failure();
  }
  int64_t size = sequence.elements.size();
  int64_t at = size;
  if (ctx.hasInput(2)) {
    FailureOr<int64_t> given = position(ctx, 2, size, /*inclusiveEnd=*/true);
    if (failed(given))
      return failure();
    at = *given;
  }
  sequence.elements.insert(sequence.elements.begin() + at, ctx.input(1));
  ctx.setSequenceOutput(0, std::move(sequence));
  return success();
}

LogicalResult convertSequenceErase(NodeContext &ctx) {
  const Sequence *input = ctx.sequenceInput(0);
  if (!input)
    return failure();
  Sequence sequence = *input;
  int64_t size = sequence.elements.size();
  if (size == 0) {
    ctx.emitError() << "cannot erase from an empty sequence";
    return failure();
  }
  int64_t at = size - 1;
  if (ctx.hasInput(1)) {
    FailureOr<int64_t> given = position(ctx, 1, size, /*inclusiveEnd=*/false);
    if (failed(given))
      return failure();
    at = *given;
  }
  sequence.elements.erase(sequence.elements.begin() + at);
  ctx.setSequenceOutput(0, std::move(sequence));
  return success();
}

LogicalResult convertSequenceAt(NodeContext &ctx) {
  const Sequence *sequence = ctx.sequenceInput(0);
  if (!sequence)
    return failure();
  FailureOr<int64_t> at =
      position(ctx, 1, static_cast<int64_t>(sequence->elements.size()), /*inclusiveEnd=*/false);
  if (failed(at))
    return failure();
  ctx.setOutput(0, sequence->elements[*at]);
  return success();
}

LogicalResult convertSequenceLength(NodeContext &ctx) {
  const Sequence *sequence = ctx.sequenceInput(0);
  if (!sequence)
    return failure();
  auto type = RankedTensorType::get({}, IntegerType::get(ctx.getContext(), 64));
  ctx.setConstantOutput(
      0, DenseElementsAttr::get(type, static_cast<int64_t>(sequence->elements.size())));
  return success();
}

LogicalResult convertConcatFromSequence(NodeContext &ctx) {
  const Sequence *sequence = ctx.sequenceInput(0);
  if (!sequence)
    return failure();
  if (sequence->elements.empty()) {
    ctx.emitError() << "cannot concatenate an empty sequence";
    return failure();
  }
  if (!ctx.hasAttribute("axis")) {
    ctx.emitError() << "requires the axis attribute";
    return failure();
  }
  bool newAxis = ctx.getInt("new_axis", 0) != 0;
  auto first = cast<RankedTensorType>(sequence->elements.front().getType());
  int64_t rank = first.getRank() + (newAxis ? 1 : 0);
  FailureOr<int64_t> axis = ctx.normalizeAxis(ctx.getInt("axis", 0), rank, "axis");
  if (failed(axis) || ctx.hasFailed())
    return failure();
  SmallVector<Value> parts;
  for (Value element : sequence->elements) {
    auto type = cast<RankedTensorType>(element.getType());
    if (type.getRank() != first.getRank()) {
      ctx.emitError() << "the sequence's tensors differ in rank";
      return failure();
    }
    if (newAxis) { // stack: each part gets a size-1 dim at `axis`
      SmallVector<int64_t> shape(type.getShape());
      shape.insert(shape.begin() + *axis, 1);
      FailureOr<Value> reshaped = ctx.reshape(element, shape);
      if (failed(reshaped))
        return failure();
      element = *reshaped;
    }
    parts.push_back(element);
  }
  if (parts.size() == 1) {
    ctx.setOutput(0, parts.front());
    return success();
  }
  FailureOr<Value> result = ctx.createInferred<graph::ConcatOp>(ValueRange(parts), (uint64_t)*axis);
  if (failed(result))
    return failure();
  ctx.setOutput(0, *result);
  return success();
}

/// Chunks along `axis`: of the sizes in `split` (a 1-D input), of `split`
/// elements each (a scalar; the last may be smaller), or of one element each
/// without it (then `keepdims=0` drops the axis).
LogicalResult convertSplitToSequence(NodeContext &ctx) {
  if (failed(ctx.requireInputs(1)))
    return failure();
  RankedTensorType input = ctx.inputType(0);
  FailureOr<int64_t> axis = ctx.normalizeAxis(ctx.getInt("axis", 0), input.getRank(), "axis");
  bool keepDims = ctx.getInt("keepdims", 1) != 0;
  if (failed(axis) || ctx.hasFailed())
    return failure();
  int64_t dim = input.getDimSize(*axis);
  SmallVector<int64_t> sizes;
  bool dropAxis = false;
  if (ctx.hasInput(1)) {
    DenseElementsAttr given = ctx.constantInput(1);
    FailureOr<SmallVector<int64_t>> values = ctx.requireIntegerInput(1, "split");
    if (failed(values))
      return failure();
    if (given.getType().getRank() == 0) {
      int64_t chunk = values->front();
      if (chunk <= 0) {
        ctx.emitError() << "split must be positive, got " << chunk;
        return failure();
      }
      for (int64_t offset = 0; offset < dim; offset += chunk)
        sizes.push_back(std::min(chunk, dim - offset));
    } else {
      sizes = *values;
      if (llvm::any_of(sizes, [](int64_t s) { return s < 0; }) ||
          std::accumulate(sizes.begin(), sizes.end(), int64_t(0)) != dim) {
        ctx.emitError() << "split sizes must be non-negative and add up to " << dim;
        return failure();
      }
    }
  } else {
    sizes.assign(dim, 1);
    dropAxis = !keepDims;
  }
  Sequence sequence{{}, input.getElementType()};
  Value source = ctx.input(0);
  SmallVector<int64_t> begin(input.getRank(), 0), limit(input.getShape()),
      stride(input.getRank(), 1);
  int64_t offset = 0;
  for (int64_t size : sizes) {
    begin[*axis] = offset;
    limit[*axis] = offset + size;
    offset += size;
    FailureOr<Value> part = ctx.createInferred<graph::SliceOp>(source, begin, limit, stride);
    if (failed(part))
      return failure();
    if (dropAxis) {
      SmallVector<int64_t> shape(input.getShape());
      shape.erase(shape.begin() + *axis);
      part = ctx.reshape(*part, shape);
      if (failed(part))
        return failure();
    }
    sequence.elements.push_back(*part);
  }
  ctx.setSequenceOutput(0, std::move(sequence));
  return success();
}

} // namespace

bool isSequenceOp(llvm::StringRef opType) {
  return llvm::is_contained({"SequenceEmpty", "SequenceConstruct", "SequenceInsert",
                             "SequenceErase", "SequenceAt", "SequenceLength",
                             "ConcatFromSequence", "SplitToSequence"},
                            opType);
}

void registerSequenceConverters(llvm::StringMap<Converter> &converters) {
  converters["SequenceEmpty"] = convertSequenceEmpty;
  converters["SequenceConstruct"] = convertSequenceConstruct;
  converters["SequenceInsert"] = convertSequenceInsert;
  converters["SequenceErase"] = convertSequenceErase;
  converters["SequenceAt"] = convertSequenceAt;
  converters["SequenceLength"] = convertSequenceLength;
  converters["ConcatFromSequence"] = convertConcatFromSequence;
  converters["SplitToSequence"] = convertSplitToSequence;
}

} // namespace smelt::onnx_frontend
