//===- Distribute.cpp - scf.forall over groups to single-group code ---------===//
#include "dialects/kernel/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

using namespace mlir;
using namespace smelt::kernel;

namespace smelt::kernel {
#define GEN_PASS_DEF_KERNELDISTRIBUTE
#include "dialects/kernel/Transforms/Passes.h.inc"
} // namespace smelt::kernel

LogicalResult smelt::kernel::distributeKernel(RewriterBase &rewriter, FuncOp func) {
  SmallVector<scf::ForallOp> loops;
  for (Operation &op : func.getBody().front())
    if (auto forall = dyn_cast<scf::ForallOp>(op))
      loops.push_back(forall);
  StrategyAttr strategy = func.getStrategyAttr();
  if (loops.empty()) {
    if (!strategy)
      func.setStrategyAttr(StrategyAttr::get(func.getContext(), {1}, 1, {}));
    return success();
  }
  if (loops.size() > 1)
    return func.emitError("a kernel distributes one scf.forall, found ") << loops.size();
  scf::ForallOp forall = loops.front();
  if (forall.getNumResults() != 0)
    return forall.emitError("distribute runs after bufferization (forall has results)");

  std::optional<SmallVector<int64_t>> lower = getConstantIntValues(forall.getMixedLowerBound());
  std::optional<SmallVector<int64_t>> upper = getConstantIntValues(forall.getMixedUpperBound());
  std::optional<SmallVector<int64_t>> steps = getConstantIntValues(forall.getMixedStep());
  if (!lower || !upper || !steps)
    return forall.emitError("kernel grids need static bounds");
  SmallVector<int64_t> grid;
  for (auto [lb, ub, step] : llvm::zip(*lower, *upper, *steps))
    grid.push_back(std::max<int64_t>(1, llvm::divideCeil(ub - lb, step)));
  ArrayRef<int64_t> tile = strategy ? strategy.getTile() : ArrayRef<int64_t>();
  int64_t vectorBytes = strategy ? strategy.getVectorBytes() : 0;
  int64_t units = strategy ? strategy.getUnits() : 1;
  func.setStrategyAttr(StrategyAttr::get(func.getContext(), grid, units, tile, vectorBytes));

  OpBuilder::InsertionGuard guard(rewriter);
  rewriter.setInsertionPoint(forall);
  Location loc = forall.getLoc();
  SmallVector<Value> inductionValues;
  for (auto [dim, bounds] : llvm::enumerate(llvm::zip(*lower, *steps))) {
    auto [lb, step] = bounds;
    Value group = GroupIdOp::create(rewriter, loc, dim);
    Value scaled = step == 1 ? group
                             : arith::MulIOp::create(
                                   rewriter, loc, group,
                                   arith::ConstantIndexOp::create(rewriter, loc, step))
                                   .getResult();
    inductionValues.push_back(
        lb == 0 ? scaled
                : arith::AddIOp::create(rewriter, loc, scaled,
                                        arith::ConstantIndexOp::create(rewriter, loc, lb))
                      .getResult());
  }
  Block *body = forall.getBody();
  rewriter.eraseOp(body->getTerminator());
  rewriter.inlineBlockBefore(body, forall, inductionValues);
  rewriter.eraseOp(forall);
  return success();
}

namespace {
struct KernelDistributePass
    : public smelt::kernel::impl::KernelDistributeBase<KernelDistributePass> {
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    for (auto func : getOperation().getOps<FuncOp>())
      if (failed(distributeKernel(rewriter, func)))
        return signalPassFailure();
  }
};
} // namespace
