//===- NeuralNetworkConverters.cpp - Linear algebra, conv, pooling, norms ---===//
//
// MatMul, Gemm, Conv (buildConv, which the integer convolutions of
// QuantizationConverters.cpp share), pooling, Batch/LayerNormalization,
// Softmax and the Reduce ops.
// ONNX spells window parameters with defaults and auto_pad; the graph dialect
// wants them all explicit, so they are resolved here against static shapes.
//
//===----------------------------------------------------------------------===//
#include "frontends/onnx/NodeContext.h"
#include "frontends/onnx/OpChain.h"

#include "dialects/graph/IR/GraphOps.h"

#include "llvm/ADT/STLExtras.h"

#include <cmath>
#include <type_traits>

using namespace mlir;

namespace smelt::onnx_frontend {
namespace {

LogicalResult requireFloatInput(NodeContext &ctx, int i) {
  if (isa<FloatType>(ctx.inputElementType(i)))
    return success();
  ctx.emitError() << "expects a float tensor but input " << i << " has element type "
                  << ctx.inputElementType(i);
  return failure();
}

LogicalResult requireMatchingTypes(NodeContext &ctx, ArrayRef<int> inputs) {
  for (int i : inputs) {
    if (!ctx.hasInput(i) || ctx.inputElementType(i) == ctx.inputElementType(inputs[0]))
      continue;
    ctx.emitError() << "inputs " << inputs[0] << " and " << i
                    << " must have the same element type, got "
                    << ctx.inputElementType(inputs[0]) << " and " << ctx.inputElementType(i);
    return failure();
  }
  return success();
}

//===----------------------------------------------------------------------===//
// MatMul and Gemm
//===----------------------------------------------------------------------===//

/// graph.matmul needs rank >= 2; ONNX MatMul follows numpy.matmul, which
/// promotes 1-D operands to matrices and drops the added dimension after.
LogicalResult convertMatMul(NodeContext &ctx) {
  if (failed(ctx.requireInputs(2)) || failed(requireMatchingTypes(ctx, {0, 1})))
    return failure();
  Value lhs = ctx.input(0), rhs = ctx.input(1);
  ArrayRef<int64_t> lhsShape = ctx.inputType(0).getShape();
  ArrayRef<int64_t> rhsShape = ctx.inputType(1).getShape();
  if (lhsShape.empty() || rhsShape.empty()) {
    ctx.emitError() << "operands must have rank >= 1";
    return failure();
  }
  bool vectorLhs = lhsShape.size() == 1, vectorRhs = rhsShape.size() == 1;
  if (vectorLhs) {
    FailureOr<Value> reshaped = ctx.reshape(lhs, {1, lhsShape[0]});
    if (failed(reshaped))
      return failure();
    lhs = *reshaped;
  }
  if (vectorRhs) {
    FailureOr<Value> reshaped = ctx.reshape(rhs, {rhsShape[0], 1});
    if (failed(reshaped))
      return failure();
    rhs = *reshaped;
  }
  FailureOr<Value> product = ctx.createInferred<graph::MatMulOp>(lhs, rhs);
  if (failed(product))
    return failure();
  Value result = *product;
  if (vectorLhs || vectorRhs) {
    SmallVector<int64_t> shape(cast<RankedTensorType>(result.getType()).getShape());
    if (vectorRhs)
      shape.pop_back();
    if (vectorLhs)
      shape.erase(shape.end() - 1 - (vectorRhs ? 0 : 1));
    FailureOr<Value> reshaped = ctx.reshape(result, shape);
    if (failed(reshaped))
      return failure();
    result = *reshaped;
  }
  ctx.setOutput(0, result);
  return success();
}

/// alpha * op(A) x op(B) + beta * C, with C broadcast to the product.
LogicalResult convertGemm(NodeContext &ctx) {
  if (failed(ctx.requireInputs(2)) || failed(requireMatchingTypes(ctx, {0, 1, 2})))
    return failure();
  float alpha = ctx.getFloat("alpha", 1.0f), beta = ctx.getFloat("beta", 1.0f);
  bool transA = ctx.getInt("transA", 0), transB = ctx.getInt("transB", 0);
  if (ctx.hasFailed())
    return failure();
  if (ctx.inputType(0).getRank() != 2 || ctx.inputType(1).getRank() != 2) {
    ctx.emitError() << "A and B must be matrices";
    return failure();
  }
  Type elementType = ctx.inputElementType(0);
  auto operand = [&](int i, bool transpose) -> FailureOr<Value> {
    if (!transpose)
      return ctx.input(i);
    return ctx.createInferred<graph::TransposeOp>(ctx.input(i), ArrayRef<int64_t>{1, 0});
  };
  FailureOr<Value> a = operand(0, transA), b = operand(1, transB);
  if (failed(a) || failed(b))
    return failure();
  FailureOr<Value> result = ctx.createInferred<graph::MatMulOp>(*a, *b);
  if (failed(result))
    return failure();
  if (alpha != 1.0f)
    result = ctx.createInferred<graph::MulOp>(*result, ctx.scalar(alpha, elementType));
  if (succeeded(result) && ctx.hasInput(2) && beta != 0.0f) {
    Value c;
    // Bias vectors are constants; fold beta into them rather than emit a mul.
    std::optional<HostTensor> hostC = ctx.hostInput(2);
    if (beta == 1.0f) {
      c = ctx.input(2);
    } else if (std::optional<HostTensor> folded =
                   hostC && hostC->isFloat()
                       ? evaluateBinary(BinaryFunction::Mul, *hostC,
                                        HostTensor::fromFloats(
                                            RankedTensorType::get({}, elementType), {beta}))
                       : std::nullopt) {
      c = ctx.constant(folded->toAttr());
    } else {
      FailureOr<Value> scaled =
          ctx.createInferred<graph::MulOp>(ctx.input(2), ctx.scalar(beta, elementType));
      if (failed(scaled))
        return failure();
      c = *scaled;
    }
    auto productType = cast<RankedTensorType>(result->getType());
    FailureOr<SmallVector<int64_t>> shape = graph::broadcastShapes(
        productType.getShape(), cast<RankedTensorType>(c.getType()).getShape());
    if (failed(shape) || ArrayRef<int64_t>(*shape) != productType.getShape()) {
      ctx.emitError() << "C of type " << c.getType() << " does not broadcast to the product "
                      << productType;
      return failure();
    }
    result = ctx.createInferred<graph::AddOp>(*result, c);
  }
  if (failed(result))
    return failure();
  ctx.setOutput(0, *result);
  return success();
}

//===----------------------------------------------------------------------===//
// Conv and pooling
//===----------------------------------------------------------------------===//

struct Window {
  SmallVector<int64_t> strides, dilations, pads;
};

/// Resolves strides, dilations and pads (begins then ends) for a window op
/// over `input` with `kernel`, applying ONNX defaults and auto_pad.
FailureOr<Window> resolveWindow(NodeContext &ctx, RankedTensorType input,
                                ArrayRef<int64_t> kernel, bool hasDilations) {
  int64_t spatial = input.getRank() - 2;
  Window window;
  window.strides = ctx.getInts("strides").value_or(SmallVector<int64_t>(spatial, 1));
  window.dilations = hasDilations
                         ? ctx.getInts("dilations").value_or(SmallVector<int64_t>(spatial, 1))
                         : SmallVector<int64_t>(spatial, 1);
  window.pads = ctx.getInts("pads").value_or(SmallVector<int64_t>(2 * spatial, 0));
  std::string autoPad = ctx.getString("auto_pad", "NOTSET");
  if (ctx.hasFailed())
    return failure();
  if ((int64_t)kernel.size() != spatial || (int64_t)window.strides.size() != spatial ||
      (int64_t)window.dilations.size() != spatial ||
      (int64_t)window.pads.size() != 2 * spatial) {
    ctx.emitError() << "expects " << spatial << " kernel sizes, strides and dilations and "
                    << 2 * spatial << " pads for a rank-" << input.getRank() << " input";
    return failure();
  }
  if (failed(checkWindowValues(ctx, kernel, window.strides, window.dilations, window.pads)))
    return failure();
  if (autoPad == "NOTSET")
    return window;
  if (autoPad == "VALID") {
    window.pads.assign(2 * spatial, 0);
    return window;
  }
  if (autoPad != "SAME_UPPER" && autoPad != "SAME_LOWER") {
    ctx.emitError() << "unknown auto_pad '" << autoPad << "'";
    return failure();
  }
  // SAME: output = ceil(input / stride); the odd cell of padding goes at the
  // end for SAME_UPPER and at the beginning for SAME_LOWER.
  for (int64_t i = 0; i < spatial; ++i) {
    int64_t size = input.getDimSize(i + 2), stride = window.strides[i];
    if (stride < 1) {
      ctx.emitError() << "strides must be positive";
      return failure();
    }
    int64_t output = (size + stride - 1) / stride;
    int64_t span = (kernel[i] - 1) * window.dilations[i] + 1;
    int64_t total = std::max<int64_t>(0, (output - 1) * stride + span - size);
    int64_t small = total / 2, large = total - total / 2;
    window.pads[i] = autoPad == "SAME_UPPER" ? small : large;
    window.pads[i + spatial] = autoPad == "SAME_UPPER" ? large : small;
  }
  return window;
}

LogicalResult requireSpatialInput(NodeContext &ctx) {
  if (ctx.inputType(0).getRank() >= 3)
    return success();
  ctx.emitError() << "input must have rank >= 3 (batch, channels, spatial...), got "
                  << ctx.inputType(0);
  return failure();
}

} // namespace

LogicalResult checkWindowValues(NodeContext &ctx, ArrayRef<int64_t> kernel,
                                ArrayRef<int64_t> strides, ArrayRef<int64_t> dilations,
                                ArrayRef<int64_t> pads) {
  constexpr int64_t kLimit = INT32_MAX;
  auto check = [&](ArrayRef<int64_t> values, StringRef what, int64_t least) {
    for (int64_t value : values)
      if (value < least || value > kLimit) {
        ctx.emitError() << what << " " << value << " is out of range (" << least << " to "
                        << kLimit << ")";
        return false;
      }
    return true;
  };
  return success(check(kernel, "kernel size", 1) && check(strides, "stride", 1) &&
                 check(dilations, "dilation", 1) && check(pads, "pad", 0));
}

/// graph.conv of `input` and `weight` (+ `bias`) with the node's
/// kernel_shape, strides, dilations, pads or auto_pad and group.
FailureOr<Value> buildConv(NodeContext &ctx, Value input, Value weight, Value bias) {
  auto inputType = cast<RankedTensorType>(input.getType());
  auto weightType = cast<RankedTensorType>(weight.getType());
  if (weightType.getRank() != inputType.getRank()) {
    ctx.emitError() << "weight " << weightType << " must have the rank of input " << inputType;
    return failure();
  }
  ArrayRef<int64_t> kernel = weightType.getShape().drop_front(2);
  if (std::optional<SmallVector<int64_t>> declared = ctx.getInts("kernel_shape")) {
    if (ArrayRef<int64_t>(*declared) != kernel) {
      ctx.emitError() << "kernel_shape does not match the weight " << weightType;
      return failure();
    }
  }
  int64_t group = ctx.getInt("group", 1);
  FailureOr<Window> window = resolveWindow(ctx, inputType, kernel, /*hasDilations=*/true);
  if (failed(window))
    return failure();
  return ctx.createInferred<graph::ConvOp>(
      input, weight, bias, ArrayRef<int64_t>(window->strides),
      ArrayRef<int64_t>(window->dilations), ArrayRef<int64_t>(window->pads),
      static_cast<uint64_t>(group));
}

namespace {

LogicalResult convertConv(NodeContext &ctx) {
  if (failed(ctx.requireInputs(2)) || failed(requireFloatInput(ctx, 0)) ||
      failed(requireMatchingTypes(ctx, {0, 1, 2})) || failed(requireSpatialInput(ctx)))
    return failure();
  FailureOr<Value> result = buildConv(ctx, ctx.input(0), ctx.input(1),
                                      ctx.hasInput(2) ? ctx.input(2) : Value());
  if (failed(result))
    return failure();
  ctx.setOutput(0, *result);
  return success();
}

/// MaxPool's Indices output: for every window cell in row-major window order,
/// the input cell it reads (gathered along each spatial axis, masked where
/// it falls in the padding) is compared with the pooled maximum; the first
/// cell that holds it gives the flat index into the input (row-major, or
/// column-major over the spatial dims with storage_order=1).
Value maxPoolIndices(NodeContext &ctx, Value pooled, ArrayRef<int64_t> kernel,
                     const Window &window, bool columnMajor) {
  OpChain chain(ctx);
  auto inputType = ctx.inputType(0);
  auto pooledType = cast<RankedTensorType>(pooled.getType());
  const int64_t rank = inputType.getRank(), spatial = rank - 2;
  MLIRContext *context = ctx.getContext();
  Type i64 = IntegerType::get(context, 64), i1 = IntegerType::get(context, 1);
  ArrayRef<int64_t> dims = inputType.getShape();
  // Flat strides of the spatial dims, and of one (n, c) plane.
  SmallVector<int64_t> spatialStride(spatial, 1);
  for (int64_t i = 0; i < spatial; ++i)
    for (int64_t j = 0; j < spatial; ++j)
      if (columnMajor ? j < i : j > i)
        spatialStride[i] *= dims[2 + j];
  int64_t plane = ShapedType::getNumElements(dims.drop_front(2));
  // (n * C + c) * plane, shaped [N, C, 1, ...].
  SmallVector<int64_t> baseShape(rank, 1);
  baseShape[0] = dims[0];
  baseShape[1] = dims[1];
  SmallVector<int64_t> baseValues;
  for (int64_t nc = 0; nc < dims[0] * dims[1]; ++nc)
    baseValues.push_back(nc * plane);
  Value base = ctx.constant(DenseElementsAttr::get(RankedTensorType::get(baseShape, i64),
                                                   ArrayRef<int64_t>(baseValues)));
  auto along = [&](int64_t i, ArrayRef<int64_t> values, Type element) {
    SmallVector<int64_t> shape(rank, 1);
    shape[2 + i] = values.size();
    auto type = RankedTensorType::get(shape, element);
    if (element == i1) {
      SmallVector<bool> bits(values.begin(), values.end());
      return ctx.constant(DenseElementsAttr::get(type, ArrayRef<bool>(bits)));
    }
    return ctx.constant(DenseElementsAttr::get(type, values));
  };

  SmallVector<int64_t> cell(spatial, 0);
  SmallVector<std::pair<Value, Value>> candidates; // (holds the max, flat index)
  const int64_t cells = ShapedType::getNumElements(kernel);
  for (int64_t k = 0; k < cells; ++k) {
    Value gathered = ctx.input(0), valid, index = base;
    for (int64_t i = 0; i < spatial; ++i) {
      int64_t outputs = pooledType.getDimSize(2 + i), size = dims[2 + i];
      SmallVector<int64_t> clamped, inside, position;
      for (int64_t o = 0; o < outputs; ++o) {
        int64_t p = o * window.strides[i] + cell[i] * window.dilations[i] - window.pads[i];
        inside.push_back(p >= 0 && p < size);
        clamped.push_back(std::clamp<int64_t>(p, 0, size - 1));
        position.push_back(std::clamp<int64_t>(p, 0, size - 1) * spatialStride[i]);
      }
      Value indices = ctx.constant(DenseElementsAttr::get(
          RankedTensorType::get({outputs}, i64), ArrayRef<int64_t>(clamped)));
      gathered = chain.make<graph::GatherOp>(gathered, indices, (int64_t)(2 + i));
      Value mask = along(i, inside, i1);
      valid = valid ? chain.make<graph::AndOp>(valid, mask) : mask;
      index = chain.make<graph::AddOp>(index, along(i, position, i64));
    }
    Value holds = chain.make<graph::AndOp>(chain.make<graph::EqualOp>(gathered, pooled), valid);
    candidates.emplace_back(holds, index);
    for (int64_t i = spatial - 1; i >= 0 && ++cell[i] == kernel[i]; --i)
      cell[i] = 0;
  }
  // The first cell (in window order) that holds the maximum wins.
  Value result = candidates.back().second;
  for (auto it = std::next(candidates.rbegin()); it != candidates.rend(); ++it)
    result = chain.make<graph::SelectOp>(it->first, it->second, result);
  return chain.hasFailed() ? Value() : result;
}

LogicalResult convertPool(NodeContext &ctx, bool isMax) {
  if (failed(ctx.requireInputs(1)))
    return failure();
  // MaxPool takes 8-bit integers too (opset 12).
  Type element = ctx.inputType(0).getElementType();
  bool integerMax = isMax && ctx.opset >= 12 && element.isInteger(8);
  if ((!integerMax && failed(requireFloatInput(ctx, 0))) || failed(requireSpatialInput(ctx)))
    return failure();
  std::optional<SmallVector<int64_t>> kernel = ctx.getInts("kernel_shape");
  if (!kernel) {
    if (!ctx.hasFailed())
      ctx.emitError() << "requires the kernel_shape attribute";
    return failure();
  }
  // Dilations arrived for MaxPool in opset 10; AveragePool has none before 19.
  FailureOr<Window> window =
      resolveWindow(ctx, ctx.inputType(0), *kernel, isMax && ctx.opset >= 10);
  if (failed(window))
    return failure();
  if (!isMax && ctx.opset >= 19) {
    std::optional<SmallVector<int64_t>> dilations = ctx.getInts("dilations");
    if (dilations && llvm::any_of(*dilations, [](int64_t d) { return d != 1; })) {
      ctx.emitError() << "AveragePool with dilations other than 1 (opset 19) is not supported";
      return failure();
    }
  }
  bool ceilMode = ctx.opset >= 10 && ctx.getInt("ceil_mode", 0);
  FailureOr<Value> result = failure();
  if (isMax) {
    result = ctx.createInferred<graph::MaxPoolOp>(
        ctx.input(0), ArrayRef<int64_t>(*kernel), ArrayRef<int64_t>(window->strides),
        ArrayRef<int64_t>(window->dilations), ArrayRef<int64_t>(window->pads), ceilMode);
    if (succeeded(result) && ctx.isOutputUsed(1)) {
      if (ShapedType::getNumElements(*kernel) > 64) {
        ctx.emitError() << "the Indices output is supported for windows of up to 64 cells";
        return failure();
      }
      Value indices = maxPoolIndices(ctx, *result, *kernel, *window,
                                     ctx.getInt("storage_order", 0) != 0);
      if (!indices)
        return failure();
      ctx.setOutput(1, indices);
    }
  } else {
    bool countIncludePad = ctx.getInt("count_include_pad", 0);
    result = ctx.createInferred<graph::AvgPoolOp>(
        ctx.input(0), ArrayRef<int64_t>(*kernel), ArrayRef<int64_t>(window->strides),
        ArrayRef<int64_t>(window->pads), ceilMode, countIncludePad);
  }
  if (failed(result) || ctx.hasFailed())
    return failure();
  ctx.setOutput(0, *result);
  return success();
}

/// Global pooling is a keep-dims reduction over every spatial axis.
template <typename ReduceOpTy>
LogicalResult convertGlobalPool(NodeContext &ctx) {
  if (failed(ctx.requireInputs(1)) || failed(requireFloatInput(ctx, 0)) ||
      failed(requireSpatialInput(ctx)))
    return failure();
  SmallVector<int64_t> axes =
      llvm::to_vector(llvm::seq<int64_t>(2, ctx.inputType(0).getRank()));
  FailureOr<Value> result =
      ctx.createInferred<ReduceOpTy>(ctx.input(0), ArrayRef<int64_t>(axes), true);
  if (failed(result))
    return failure();
  ctx.setOutput(0, *result);
  return success();
}

//===----------------------------------------------------------------------===//
// BatchNormalization
//===----------------------------------------------------------------------===//

/// Inference batch norm is the affine map x * s + b per channel, with
/// s = scale / sqrt(var + epsilon) and b = bias - mean * s. With constant
/// parameters (the usual case) s and b are computed here.
LogicalResult convertBatchNormalization(NodeContext &ctx) {
  if (failed(ctx.requireInputs(5)) || failed(requireFloatInput(ctx, 0)))
    return failure();
  float epsilon = ctx.getFloat("epsilon", 1e-5f);
  if (ctx.opset < 9 && ctx.getInt("spatial", 1) != 1) {
    ctx.emitError() << "spatial=0 (per-activation statistics) is not supported";
    return failure();
  }
  if (ctx.opset >= 14 && ctx.getInt("training_mode", 0) != 0) {
    ctx.emitError() << "training_mode=1 is not supported (inference only)";
    return failure();
  }
  for (int i = 1; i < ctx.numOutputs(); ++i) {
    if (ctx.isOutputUsed(i)) {
      ctx.emitError() << "output " << i << " (running statistics) is not supported";
      return failure();
    }
  }
  RankedTensorType input = ctx.inputType(0);
  if (input.getRank() < 2) {
    ctx.emitError() << "input must have rank >= 2, got " << input;
    return failure();
  }
  int64_t channels = input.getDimSize(1);
  for (int i = 1; i < 5; ++i) {
    RankedTensorType type = ctx.inputType(i);
    if (type.getRank() != 1 || type.getDimSize(0) != channels) {
      ctx.emitError() << "input " << i << " must have shape [" << channels << "], got "
                      << type;
      return failure();
    }
  }
  if (ctx.hasFailed())
    return failure();

  // Parameters broadcast against [N, C, D1...] as [C, 1, ...].
  SmallVector<int64_t> paramShape(input.getRank() - 1, 1);
  paramShape[0] = channels;
  Type elementType = input.getElementType();
  auto paramType = RankedTensorType::get(paramShape, elementType);
  Value scale, shift;

  std::optional<HostTensor> gamma = ctx.hostInput(1), beta = ctx.hostInput(2),
                            mean = ctx.hostInput(3), variance = ctx.hostInput(4);
  if (gamma && beta && mean && variance && gamma->isFloat() && beta->isFloat() &&
      mean->isFloat() && variance->isFloat()) {
    SmallVector<double> scales, shifts;
    for (int64_t c = 0; c < channels; ++c) {
      double s = gamma->floatAt(c) / std::sqrt(variance->floatAt(c) + (double)epsilon);
      scales.push_back(s);
      shifts.push_back(beta->floatAt(c) - mean->floatAt(c) * s);
    }
    scale = ctx.constant(HostTensor::fromFloats(paramType, scales).toAttr());
    shift = ctx.constant(HostTensor::fromFloats(paramType, shifts).toAttr());
  } else {
    if (failed(requireMatchingTypes(ctx, {0, 1, 2, 3, 4})))
      return failure();
    SmallVector<Value> params;
    for (int i = 1; i < 5; ++i) {
      FailureOr<Value> reshaped = ctx.reshape(ctx.input(i), paramShape);
      if (failed(reshaped))
        return failure();
      params.push_back(*reshaped);
    }
    FailureOr<Value> shifted =
        ctx.createInferred<graph::AddOp>(params[3], ctx.scalar(epsilon, elementType));
    if (failed(shifted))
      return failure();
    FailureOr<Value> deviation = ctx.create<graph::SqrtOp>(shifted->getType(), *shifted);
    if (failed(deviation))
      return failure();
    FailureOr<Value> s = ctx.createInferred<graph::DivOp>(params[0], *deviation);
    if (failed(s))
      return failure();
    FailureOr<Value> meanScaled = ctx.createInferred<graph::MulOp>(params[2], *s);
    if (failed(meanScaled))
      return failure();
    FailureOr<Value> b = ctx.createInferred<graph::SubOp>(params[1], *meanScaled);
    if (failed(b))
      return failure();
    scale = *s;
    shift = *b;
  }
  FailureOr<Value> scaled = ctx.createInferred<graph::MulOp>(ctx.input(0), scale);
  if (failed(scaled))
    return failure();
  FailureOr<Value> result = ctx.createInferred<graph::AddOp>(*scaled, shift);
  if (failed(result))
    return failure();
  ctx.setOutput(0, *result);
  return success();
}

/// LayerNormalization (opset 17) normalizes over the dims from `axis` on:
/// (x - mean) / sqrt(var + epsilon) * scale + bias. Its optional Mean and
/// InvStdDev outputs fall out of the same computation.
LogicalResult convertLayerNormalization(NodeContext &ctx) {
  if (failed(ctx.requireInputs(2)) || failed(requireFloatInput(ctx, 0)) ||
      failed(requireMatchingTypes(ctx, {0, 1, 2})))
    return failure();
  RankedTensorType type = ctx.inputType(0);
  FailureOr<int64_t> axis = ctx.normalizeAxis(ctx.getInt("axis", -1), type.getRank(), "axis");
  float epsilon = ctx.getFloat("epsilon", 1e-5f);
  if (failed(axis) || ctx.hasFailed())
    return failure();
  SmallVector<int64_t> axes = llvm::to_vector(llvm::seq<int64_t>(*axis, type.getRank()));
  Value x = ctx.input(0);
  FailureOr<Value> mean =
      ctx.createInferred<graph::ReduceMeanOp>(x, ArrayRef<int64_t>(axes), true);
  if (failed(mean))
    return failure();
  FailureOr<Value> centered = ctx.createInferred<graph::SubOp>(x, *mean);
  if (failed(centered))
    return failure();
  FailureOr<Value> squared = ctx.createInferred<graph::MulOp>(*centered, *centered);
  if (failed(squared))
    return failure();
  FailureOr<Value> variance =
      ctx.createInferred<graph::ReduceMeanOp>(*squared, ArrayRef<int64_t>(axes), true);
  if (failed(variance))
    return failure();
  FailureOr<Value> shifted = ctx.createInferred<graph::AddOp>(
      *variance, ctx.scalar(epsilon, type.getElementType()));
  if (failed(shifted))
    return failure();
  FailureOr<Value> deviation = ctx.create<graph::SqrtOp>(shifted->getType(), *shifted);
  if (failed(deviation))
    return failure();
  FailureOr<Value> result = ctx.createInferred<graph::DivOp>(*centered, *deviation);
  if (succeeded(result))
    result = ctx.createInferred<graph::MulOp>(*result, ctx.input(1));
  if (succeeded(result) && ctx.hasInput(2))
    result = ctx.createInferred<graph::AddOp>(*result, ctx.input(2));
  if (failed(result))
    return failure();
  if (result->getType() != type) {
    ctx.emitError() << "scale and bias must broadcast to the input " << type;
    return failure();
  }
  ctx.setOutput(0, *result);
  ctx.setOutput(1, *mean);
  if (ctx.isOutputUsed(2)) {
    FailureOr<Value> inverse = ctx.createInferred<graph::DivOp>(
        ctx.scalar(1.0, type.getElementType()), *deviation);
    if (failed(inverse))
      return failure();
    ctx.setOutput(2, *inverse);
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Softmax
//===----------------------------------------------------------------------===//

/// From opset 13 Softmax normalizes along one axis. Before, it flattened the
/// input to 2-D at `axis` and normalized each row over all trailing dims;
/// that is reproduced with reshapes, except when `axis` is the last dim and
/// both readings agree.
LogicalResult convertSoftmax(NodeContext &ctx, bool log) {
  if (failed(ctx.requireInputs(1)) || failed(requireFloatInput(ctx, 0)))
    return failure();
  RankedTensorType type = ctx.inputType(0);
  int64_t rank = type.getRank();
  if (rank == 0) {
    ctx.emitError() << "input must have rank >= 1";
    return failure();
  }
  FailureOr<int64_t> axis =
      ctx.normalizeAxis(ctx.getInt("axis", ctx.opset >= 13 ? -1 : 1), rank, "axis");
  if (failed(axis) || ctx.hasFailed())
    return failure();
  FailureOr<Value> result = failure();
  if (ctx.opset >= 13 || *axis == rank - 1) {
    result = ctx.create<graph::SoftmaxOp>(type, ctx.input(0), (uint64_t)*axis, log);
  } else {
    int64_t rows = ShapedType::getNumElements(type.getShape().take_front(*axis));
    int64_t columns = ShapedType::getNumElements(type.getShape().drop_front(*axis));
    FailureOr<Value> flat = ctx.reshape(ctx.input(0), {rows, columns});
    if (failed(flat))
      return failure();
    FailureOr<Value> normalized = ctx.create<graph::SoftmaxOp>(
        type.clone({rows, columns}), *flat, (uint64_t)1, log);
    if (failed(normalized))
      return failure();
    result = ctx.reshape(*normalized, type.getShape());
  }
  if (failed(result))
    return failure();
  ctx.setOutput(0, *result);
  return success();
}

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

/// Elementwise steps around a reduction (ReduceL2 = sqrt(sum(x * x)), ...).
enum class Around { None, Abs, Square, Exp };
enum class After { None, Sqrt, Log };

/// Axes are an attribute, except for ReduceSum from opset 13 and every
/// reduction from opset 18, where they are an optional input. Empty axes
/// reduce everything, or nothing when noop_with_empty_axes is set.
template <typename OpTy, Around before = Around::None, After after = After::None>
LogicalResult convertReduce(NodeContext &ctx) {
  if (failed(ctx.requireInputs(1)))
    return failure();
  bool axesFromInput = (ctx.opType() == "ReduceSum" && ctx.opset >= 13) || ctx.opset >= 18;
  SmallVector<int64_t> axes;
  if (axesFromInput) {
    if (ctx.hasInput(1)) {
      FailureOr<SmallVector<int64_t>> values = ctx.requireIntegerInput(1, "axes");
      if (failed(values))
        return failure();
      axes = *values;
    }
  } else if (std::optional<SmallVector<int64_t>> values = ctx.getInts("axes")) {
    axes = *values;
  }
  bool keepDims = ctx.getInt("keepdims", 1) != 0;
  bool noopWhenEmpty = ctx.getInt("noop_with_empty_axes", 0) != 0;
  if (ctx.hasFailed())
    return failure();

  int64_t rank = ctx.inputType(0).getRank();
  if (axes.empty()) {
    if (noopWhenEmpty) {
      ctx.setOutput(0, ctx.input(0));
      return success();
    }
    axes = llvm::to_vector(llvm::seq<int64_t>(0, rank));
  }
  for (int64_t &axis : axes) {
    FailureOr<int64_t> normalized = ctx.normalizeAxis(axis, rank, "axis");
    if (failed(normalized))
      return failure();
    axis = *normalized;
  }
  llvm::sort(axes);
  axes.erase(llvm::unique(axes), axes.end());
  Value input = ctx.input(0);
  FailureOr<Value> prepared = input;
  if (before == Around::Abs)
    prepared = ctx.create<graph::AbsOp>(input.getType(), input);
  else if (before == Around::Square)
    prepared = ctx.createInferred<graph::MulOp>(input, input);
  else if (before == Around::Exp)
    prepared = ctx.create<graph::ExpOp>(input.getType(), input);
  if (failed(prepared))
    return failure();
  // ReduceMax/ReduceMin take booleans from opset 20 (any/all): reduced as
  // 0/1 bytes, since the generic integer max of i1 is signed (true is -1).
  Type i1 = IntegerType::get(ctx.getContext(), 1);
  bool boolean = cast<RankedTensorType>(input.getType()).getElementType() == i1;
  if (boolean && (std::is_same_v<OpTy, graph::ReduceMaxOp> ||
                  std::is_same_v<OpTy, graph::ReduceMinOp>)) {
    auto bytes = RankedTensorType::get(ctx.inputType(0).getShape(),
                                       IntegerType::get(ctx.getContext(), 8,
                                                        IntegerType::Unsigned));
    prepared = ctx.create<graph::CastOp>(bytes, input);
    if (failed(prepared))
      return failure();
  }
  FailureOr<Value> result =
      ctx.createInferred<OpTy>(*prepared, ArrayRef<int64_t>(axes), keepDims);
  if (succeeded(result) && boolean && *prepared != input) {
    auto reducedType = cast<RankedTensorType>(result->getType());
    result = ctx.create<graph::CastOp>(reducedType.clone(i1), *result);
  }
  if (failed(result))
    return failure();
  if (after == After::Sqrt)
    result = ctx.create<graph::SqrtOp>(result->getType(), *result);
  else if (after == After::Log)
    result = ctx.create<graph::LogOp>(result->getType(), *result);
  if (failed(result))
    return failure();
  ctx.setOutput(0, *result);
  return success();
}

} // namespace

void registerNeuralNetworkConverters(llvm::StringMap<Converter> &converters) {
  converters["MatMul"] = convertMatMul;
  converters["Gemm"] = convertGemm;
  converters["Conv"] = convertConv;
  converters["MaxPool"] = [](NodeContext &ctx) { return convertPool(ctx, true); };
  converters["AveragePool"] = [](NodeContext &ctx) { return convertPool(ctx, false); };
  converters["GlobalAveragePool"] = convertGlobalPool<graph::ReduceMeanOp>;
  converters["GlobalMaxPool"] = convertGlobalPool<graph::ReduceMaxOp>;
  converters["BatchNormalization"] = convertBatchNormalization;
  converters["LayerNormalization"] = convertLayerNormalization;
  converters["Softmax"] = [](NodeContext &ctx) { return convertSoftmax(ctx, false); };
  converters["LogSoftmax"] = [](NodeContext &ctx) { return convertSoftmax(ctx, true); };
  converters["ReduceSum"] = convertReduce<graph::ReduceSumOp>;
  converters["ReduceMean"] = convertReduce<graph::ReduceMeanOp>;
  converters["ReduceMax"] = convertReduce<graph::ReduceMaxOp>;
  converters["ReduceMin"] = convertReduce<graph::ReduceMinOp>;
  converters["ReduceProd"] = convertReduce<graph::ReduceProdOp>;
  converters["ReduceL1"] = convertReduce<graph::ReduceSumOp, Around::Abs>;
  converters["ReduceL2"] = convertReduce<graph::ReduceSumOp, Around::Square, After::Sqrt>;
  converters["ReduceSumSquare"] = convertReduce<graph::ReduceSumOp, Around::Square>;
  converters["ReduceLogSum"] = convertReduce<graph::ReduceSumOp, Around::None, After::Log>;
  converters["ReduceLogSumExp"] = convertReduce<graph::ReduceSumOp, Around::Exp, After::Log>;
}

} // namespace smelt::onnx_frontend
