//===- LossConverters.cpp - NegativeLogLikelihoodLoss, SoftmaxCrossEntropyLoss ===//
//
// Both decompose into graph ops: the per-element loss picks the target class
// with gather_elements along axis 1, weighted by a gather of the class
// weights, masked where the target is ignore_index, then reduced ("none",
// "sum", or "mean" = sum of losses / sum of the weights used).
//
//===----------------------------------------------------------------------===//
#include "frontends/onnx/NodeContext.h"

#include "dialects/graph/IR/GraphOps.h"

#include <onnx/onnx_pb.h>

using namespace mlir;

namespace smelt::onnx_frontend {
namespace {

/// Sum over every axis of `value`, as a scalar.
FailureOr<Value> sumAll(NodeContext &ctx, Value value) {
  int64_t rank = cast<RankedTensorType>(value.getType()).getRank();
  SmallVector<int64_t> axes = llvm::to_vector(llvm::seq<int64_t>(0, rank));
  return ctx.createInferred<graph::ReduceSumOp>(value, ArrayRef<int64_t>(axes), false);
}

/// The loss of log-probabilities `logProb` [N, C, d...] against `target`
/// [N, d...], optional class `weight` [C].
FailureOr<Value> negativeLogLikelihood(NodeContext &ctx, Value logProb, Value target,
                                       Value weight) {
  auto probType = cast<RankedTensorType>(logProb.getType());
  auto targetType = cast<RankedTensorType>(target.getType());
  Type element = probType.getElementType();
  if (probType.getRank() < 2 || targetType.getRank() != probType.getRank() - 1 ||
      !isa<IntegerType>(targetType.getElementType())) {
    ctx.emitError() << "expects input [N, C, d...] and integer target [N, d...], got "
                    << probType << " and " << targetType;
    return failure();
  }
  std::string reduction = ctx.getString("reduction", "mean");
  const onnx::AttributeProto *ignore = ctx.attribute("ignore_index");
  if (ctx.hasFailed())
    return failure();
  if (reduction != "none" && reduction != "sum" && reduction != "mean") {
    ctx.emitError() << "unknown reduction '" << reduction << "'";
    return failure();
  }

  // -input[n, target[n, d...], d...]
  SmallVector<int64_t> expanded(targetType.getShape());
  expanded.insert(expanded.begin() + 1, 1);
  FailureOr<Value> index = ctx.reshape(target, expanded);
  if (failed(index))
    return failure();
  FailureOr<Value> picked = ctx.createInferred<graph::GatherElementsOp>(logProb, *index, 1);
  if (failed(picked))
    return failure();
  FailureOr<Value> flat = ctx.reshape(*picked, targetType.getShape());
  if (failed(flat))
    return failure();
  FailureOr<Value> loss = ctx.create<graph::NegOp>(flat->getType(), *flat);
  if (failed(loss))
    return failure();

  // Weight of each element's class (1 without weights), 0 where ignored.
  Value used;
  if (weight) {
    FailureOr<Value> classWeight = ctx.createInferred<graph::GatherOp>(weight, target, 0);
    if (failed(classWeight))
      return failure();
    used = *classWeight;
    loss = ctx.createInferred<graph::MulOp>(*loss, used);
    if (failed(loss))
      return failure();
  }
  if (ignore) {
    Value ignored = ctx.scalar(ignore->i(), targetType.getElementType());
    FailureOr<Value> isIgnored = ctx.createInferred<graph::EqualOp>(target, ignored);
    if (failed(isIgnored))
      return failure();
    Value zero = ctx.scalar(0, element);
    loss = ctx.createInferred<graph::SelectOp>(*isIgnored, zero, *loss);
    if (failed(loss))
      return failure();
    FailureOr<Value> kept = ctx.createInferred<graph::SelectOp>(
        *isIgnored, zero, used ? used : ctx.scalar(1, element));
    if (failed(kept))
      return failure();
    used = *kept;
  }

  if (reduction == "none")
    return loss;
  FailureOr<Value> total = sumAll(ctx, *loss);
  if (failed(total) || reduction == "sum")
    return total;
  if (!used) {
    int64_t count = cast<RankedTensorType>(loss->getType()).getNumElements();
    return ctx.createInferred<graph::DivOp>(*total, ctx.scalar(count, element));
  }
  FailureOr<Value> weightSum = sumAll(ctx, used);
  if (failed(weightSum))
    return failure();
  return ctx.createInferred<graph::DivOp>(*total, *weightSum);
}

LogicalResult convertNegativeLogLikelihoodLoss(NodeContext &ctx) {
  if (failed(ctx.requireInputs(2)))
    return failure();
  Value weight = ctx.hasInput(2) ? ctx.input(2) : Value();
  FailureOr<Value> loss = negativeLogLikelihood(ctx, ctx.input(0), ctx.input(1), weight);
  if (failed(loss))
    return failure();
  ctx.setOutput(0, *loss);
  return success();
}

/// log_softmax over the classes (axis 1), then the negative log-likelihood;
/// the optional second output is the log-probabilities.
LogicalResult convertSoftmaxCrossEntropyLoss(NodeContext &ctx) {
  if (failed(ctx.requireInputs(2)))
    return failure();
  Value scores = ctx.input(0);
  if (!isa<FloatType>(ctx.inputElementType(0))) {
    ctx.emitError() << "expects float scores, got " << ctx.inputType(0);
    return failure();
  }
  FailureOr<Value> logProb =
      ctx.create<graph::SoftmaxOp>(scores.getType(), scores, /*axis=*/1, /*log=*/true);
  if (failed(logProb))
    return failure();
  Value weight = ctx.hasInput(2) ? ctx.input(2) : Value();
  FailureOr<Value> loss = negativeLogLikelihood(ctx, *logProb, ctx.input(1), weight);
  if (failed(loss))
    return failure();
  ctx.setOutput(0, *loss);
  if (ctx.numOutputs() > 1 && ctx.isOutputUsed(1))
    ctx.setOutput(1, *logProb);
  return success();
}

} // namespace

void registerLossConverters(llvm::StringMap<Converter> &converters) {
  converters["NegativeLogLikelihoodLoss"] = convertNegativeLogLikelihoodLoss;
  converters["SoftmaxCrossEntropyLoss"] = convertSoftmaxCrossEntropyLoss;
}

} // namespace smelt::onnx_frontend
