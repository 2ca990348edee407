//===- FusionRules.cpp - Which producers join their consumers' kernels ----===//
//
// The rules kernel formation (GraphToKernel.cpp) applies to each edge of the
// graph; see FusionRules.h.
//
//===----------------------------------------------------------------------===//
#include "passes/FusionRules.h"
#include "dialects/graph/IR/GraphOps.h"
#include "passes/GraphToLinalgInternal.h"

using namespace mlir;

namespace smelt::fusion {

bool isReduction(Operation *op) {
  return isa<graph::ReduceSumOp, graph::ReduceMeanOp, graph::ReduceMaxOp, graph::ReduceMinOp,
             graph::ReduceProdOp>(op);
}

/// Whether `producer` may be computed inside the tiles of `consumer`, which
/// reads it as `operand`.
///  - an elementwise consumer reading the producer at its own shape: every
///    tile needs its own slice (matmul/conv epilogues, elementwise chains);
///  - an elementwise consumer reading a keep-dims value (a reduction, or what
///    is computed from one) broadcast along its size-1 dims (x - mean(x)):
///    tiles split rows, rows are whole;
///  - a reduction or softmax consuming an elementwise producer (sum(x*x)).
bool fusibleEdge(Operation *producer, Operation *consumer, Value operand) {
  auto producedType = cast<RankedTensorType>(operand.getType());
  if (lowering::isElementwiseGraphOp(consumer)) {
    auto consumerType = cast<RankedTensorType>(consumer->getResult(0).getType());
    if (producedType.getShape() == consumerType.getShape())
      return true;
    // Keep-dims shapes (a reduction and what is computed from it) broadcast
    // along their size-1 dims, which the scheduler tiles last.
    if (producedType.getRank() == consumerType.getRank())
      return llvm::all_of(llvm::seq<int64_t>(0, producedType.getRank()), [&](int64_t d) {
        return producedType.getDimSize(d) == consumerType.getDimSize(d) ||
               producedType.getDimSize(d) == 1;
      });
    return false;
  }
  if (isReduction(consumer) || isa<graph::SoftmaxOp>(consumer))
    return lowering::isElementwiseGraphOp(producer) && consumer->getOperand(0) == operand;
  return false;
}

/// Whether `op` works on whole rows of a tensor of rank `rank`: elementwise,
/// or a reduction or softmax over the last axis only. A group made of such
/// ops computes each element of a value of the root's shape exactly once when
/// the scheduler splits rows (and never the last axis), which a side output
/// needs.
bool isRowLocal(Operation *op, int64_t rank) {
  if (lowering::isElementwiseGraphOp(op))
    return true;
  auto lastAxisOnly = [&](int64_t axis, Value input) {
    int64_t inputRank = cast<RankedTensorType>(input.getType()).getRank();
    return inputRank == rank && (axis < 0 ? axis + inputRank : axis) == rank - 1;
  };
  if (auto softmax = dyn_cast<graph::SoftmaxOp>(op))
    return lastAxisOnly(softmax.getAxis(), softmax.getInput());
  if (isReduction(op)) {
    auto axes = cast<DenseI64ArrayAttr>(op->getAttr("axes")).asArrayRef();
    auto keepDims = cast<BoolAttr>(op->getAttr("keep_dims")).getValue();
    return keepDims && axes.size() == 1 && lastAxisOnly(axes.front(), op->getOperand(0));
  }
  return false;
}

/// The compute op a value comes from, looking through reshapes (views); null
/// for arguments and constants.
Operation *computeOpOf(Value value) {
  while (auto reshape = value.getDefiningOp<graph::ReshapeOp>())
    value = reshape.getInput();
  Operation *def = value.getDefiningOp();
  return def && !isa<graph::ConstantOp>(def) ? def : nullptr;
}

} // namespace smelt::fusion
