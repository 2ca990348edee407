//===- Schedule.cpp - Parallel strategy and tiling of kernels ---------------===//
//
// The strategy of a kernel: tile its root op along outer parallel loops so the
// grid has enough groups for the target's processors (times four, for load
// balance) while each group still gets `minGroupWork` loop iterations. The
// innermost parallel loop stays whole so each group's inner loop is long and
// contiguous (vectorizable). Producers are fused into the tile, so a group
// computes everything its output slice needs.
//
//===----------------------------------------------------------------------===//
#include "dialects/kernel/Transforms/Passes.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Interfaces/TilingInterface.h"
#include "mlir/IR/Iterators.h"
#include "mlir/Transforms/RegionUtils.h"

#include <thread>

using namespace mlir;
using namespace smelt::kernel;

namespace smelt::kernel {
#define GEN_PASS_DEF_KERNELSCHEDULE
#include "dialects/kernel/Transforms/Passes.h.inc"
} // namespace smelt::kernel

TargetDescription smelt::kernel::hostCpuDescription() {
  TargetDescription target;
  target.groups = std::max(1u, std::thread::hardware_concurrency());
  return target;
}

/// Tile sizes per loop of the root's iteration space (0 = untiled).
/// `work` is the loop iterations of the whole kernel (root and fused
/// producers alike: an epilogue's root has few iterations per output element,
/// the convolution fused into it has thousands).
static SmallVector<int64_t> chooseTileSizes(ArrayRef<int64_t> sizes,
                                            ArrayRef<utils::IteratorType> iterators,
                                            int64_t work,
                                            const TargetDescription &target) {
  SmallVector<int64_t> tiles(sizes.size(), 0);
  int64_t desired = std::min(work / std::max<int64_t>(target.minGroupWork, 1),
                             4 * target.groups);
  if (desired <= 1)
    return tiles;

  // Outer parallel loops first; the innermost one (the unit-stride loop the
  // code generator vectorizes) only when the others give too few groups.
  SmallVector<int64_t> parallelLoops;
  for (auto [loop, iterator] : llvm::enumerate(iterators))
    if (iterator == utils::IteratorType::parallel)
      parallelLoops.push_back(loop);

  int64_t groups = 1;
  for (int64_t loop : parallelLoops) {
    int64_t size = sizes[loop];
    if (size <= 1 || ShapedType::isDynamic(size))
      continue;
    int64_t remaining = llvm::divideCeil(desired, groups);
    if (loop == parallelLoops.back() && parallelLoops.size() > 1) {
      // Keep whole vectors: tiles of the innermost loop are multiples of 16.
      int64_t tile = llvm::alignTo(llvm::divideCeil(size, remaining), 16);
      if (tile >= size)
        break;
      tiles[loop] = tile;
      groups *= llvm::divideCeil(size, tile);
      break;
    }
    if (size <= remaining) {
      tiles[loop] = 1;
      groups *= size;
    } else {
      tiles[loop] = llvm::divideCeil(size, remaining);
      groups *= llvm::divideCeil(size, tiles[loop]);
    }
    if (groups >= desired)
      break;
  }
  return tiles;
}

static void setStrategy(FuncOp func, ArrayRef<int64_t> grid, ArrayRef<int64_t> tile) {
  func.setStrategyAttr(StrategyAttr::get(func.getContext(), grid, /*units=*/1, tile));
}

LogicalResult smelt::kernel::scheduleKernel(RewriterBase &rewriter, FuncOp func,
                                            const TargetDescription &target) {
  SmallVector<bufferization::MaterializeInDestinationOp> outputs;
  func.walk([&](bufferization::MaterializeInDestinationOp op) { outputs.push_back(op); });
  TilingInterface root;
  if (outputs.size() == 1)
    root = outputs.front().getSource().getDefiningOp<TilingInterface>();
  if (!root) {
    setStrategy(func, {1}, {});
    return success();
  }

  OpBuilder::InsertionGuard guard(rewriter);
  rewriter.setInsertionPoint(root);
  SmallVector<int64_t> sizes;
  for (Range range : root.getIterationDomain(rewriter)) {
    std::optional<int64_t> size = getConstantIntValue(range.size);
    sizes.push_back(size ? *size : ShapedType::kDynamic);
  }
  int64_t work = 0;
  func.walk([&](linalg::LinalgOp op) {
    int64_t iterations = 1;
    for (int64_t range : op.getStaticLoopRanges())
      iterations *= ShapedType::isDynamic(range) ? 1 : std::max<int64_t>(range, 1);
    work += iterations;
  });
  SmallVector<int64_t> tiles =
      chooseTileSizes(sizes, root.getLoopIteratorTypes(), work, target);
  if (llvm::all_of(tiles, [](int64_t t) { return t == 0; })) {
    computeEpiloguesInPlace(func);
    setStrategy(func, {1}, tiles);
    return success();
  }

  scf::SCFTilingOptions tiling;
  tiling.setTileSizes(getAsIndexOpFoldResult(func.getContext(), tiles));
  tiling.setLoopType(scf::SCFTilingOptions::LoopType::ForallOp);
  scf::SCFTileAndFuseOptions options;
  options.setTilingOptions(tiling);
  FailureOr<scf::SCFTileAndFuseResult> result =
      scf::tileConsumerAndFuseProducersUsingSCF(rewriter, root, options);
  if (failed(result))
    return func.emitError("could not tile the root of kernel ") << func.getSymName();
  for (OpResult value : root->getResults())
    rewriter.replaceAllUsesWith(value, result->replacements.lookup(value));

  // The untiled originals are dead now.
  (void)eraseUnreachableBlocks(rewriter, func->getRegions());
  func.walk<WalkOrder::PostOrder, mlir::ReverseIterator>([&](Operation *op) {
    if (op != func && isOpTriviallyDead(op))
      rewriter.eraseOp(op);
  });

  computeEpiloguesInPlace(func);

  SmallVector<int64_t> grid;
  for (auto [size, tile] : llvm::zip(sizes, tiles))
    if (tile > 0)
      grid.push_back(llvm::divideCeil(size, tile));
  setStrategy(func, grid, tiles);
  return success();
}

namespace {
struct KernelSchedulePass
    : public smelt::kernel::impl::KernelScheduleBase<KernelSchedulePass> {
  using Base::Base;

  void runOnOperation() override {
    TargetDescription target = hostCpuDescription();
    if (groups > 0)
      target.groups = groups;
    target.minGroupWork = minGroupWork;
    IRRewriter rewriter(&getContext());
    for (auto func : getOperation().getOps<FuncOp>()) {
      if (func.getStrategyAttr())
        continue;
      if (failed(scheduleKernel(rewriter, func, target)))
        return signalPassFailure();
    }
  }
};
} // namespace
