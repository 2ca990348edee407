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
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Interfaces/TilingInterface.h"
#include "mlir/IR/Iterators.h"
#include "mlir/Transforms/CSE.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
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

/// Whether merging the producer of `operand` into its consumer's loop costs
/// no recomputation: every consumer iteration reads a different producer
/// element (each consumer loop longer than one is an index of the operand on
/// its own). A reduction consumer qualifies (each input element is folded in
/// once); a contraction does not (a matmul reads each element of A once per
/// column of B, a convolution reads its input at oh + kh), nor does a
/// broadcast.
static bool mergesWithoutRecomputation(OpOperand *operand) {
  auto consumer = dyn_cast<linalg::GenericOp>(operand->getOwner());
  if (!consumer || !consumer.isDpsInput(operand))
    return false;
  AffineMap map = consumer.getMatchingIndexingMap(operand);
  llvm::SmallBitVector indexed(consumer.getNumLoops());
  for (AffineExpr expr : map.getResults())
    if (auto dim = dyn_cast<AffineDimExpr>(expr))
      indexed.set(dim.getPosition());
  for (auto [loop, range] : llvm::enumerate(consumer.getStaticLoopRanges()))
    if (range != 1 && !indexed.test(loop))
      return false;
  return true;
}

namespace {
/// Merges an elementwise producer into the loop of its consumer (linalg
/// elementwise fusion) where `mergesWithoutRecomputation` allows it. Other
/// users of the producer keep reading the producer.
struct MergeProducerLoop : public OpRewritePattern<linalg::GenericOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(linalg::GenericOp consumer,
                                PatternRewriter &rewriter) const override {
    for (OpOperand &operand : consumer->getOpOperands()) {
      if (!linalg::areElementwiseOpsFusable(&operand) || !mergesWithoutRecomputation(&operand))
        continue;
      FailureOr<linalg::ElementwiseOpFusionResult> merged =
          linalg::fuseElementwiseOps(rewriter, &operand);
      if (failed(merged))
        continue;
      // The producer's other users keep reading the producer (the merged
      // loop comes after them); its results the merged loop also yields are
      // dropped as unused.
      rewriter.replaceOp(consumer,
                         merged->fusedOp->getResults().take_back(consumer->getNumResults()));
      return success();
    }
    return failure();
  }
};
} // namespace

void smelt::kernel::mergeElementwiseLoops(FuncOp func) {
  MLIRContext *context = func.getContext();
  IRRewriter rewriter(context);
  DominanceInfo dominance;
  // Tile-and-fuse clones a producer into the tile once per use; identical
  // clones become one.
  eliminateCommonSubExpressions(rewriter, dominance, func);
  RewritePatternSet patterns(context);
  patterns.add<MergeProducerLoop>(context);
  linalg::populateEraseUnusedOperandsAndResultsPatterns(patterns);
  (void)applyPatternsGreedily(func, std::move(patterns));
  eliminateCommonSubExpressions(rewriter, dominance, func);
}

bool smelt::kernel::writeChainInto(Value value, Value destination) {
  Value current = value;
  while (auto result = dyn_cast<OpResult>(current)) {
    auto dps = dyn_cast<DestinationStyleOpInterface>(result.getOwner());
    if (!dps)
      return false;
    OpOperand *init = dps.getTiedOpOperand(result);
    if (!init)
      return false;
    if (auto empty = init->get().getDefiningOp<tensor::EmptyOp>()) {
      if (empty.getType() != destination.getType())
        return false;
      init->set(destination);
      return true;
    }
    current = init->get();
  }
  return false;
}

/// Canonicalization may have removed the op that wrote the kernel's output
/// in place (x * 1 folds to x); the new last op of the chain writes there.
static void writeOutputInPlace(bufferization::MaterializeInDestinationOp output) {
  auto buffer = dyn_cast<TypedValue<MemRefType>>(output.getDest());
  if (!buffer || !isa<BlockArgument>(buffer))
    return;
  OpBuilder b = OpBuilder::atBlockBegin(buffer.getParentBlock());
  auto tensorType = cast<RankedTensorType>(output.getSource().getType());
  auto destination = bufferization::ToTensorOp::create(b, output.getLoc(), tensorType, buffer,
                                                       /*restrict=*/true, /*writable=*/true);
  if (!writeChainInto(output.getSource(), destination))
    destination.erase();
}

static void setStrategy(FuncOp func, ArrayRef<int64_t> grid, ArrayRef<int64_t> tile) {
  func.setStrategyAttr(StrategyAttr::get(func.getContext(), grid, /*units=*/1, tile));
}

LogicalResult smelt::kernel::scheduleKernel(RewriterBase &rewriter, FuncOp func,
                                            const TargetDescription &target) {
  SmallVector<bufferization::MaterializeInDestinationOp> outputs;
  func.walk([&](bufferization::MaterializeInDestinationOp op) { outputs.push_back(op); });
  TilingInterface root;
  if (outputs.size() == 1) {
    writeOutputInPlace(outputs.front());
    root = outputs.front().getSource().getDefiningOp<TilingInterface>();
  }
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
    mergeElementwiseLoops(func);
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

  mergeElementwiseLoops(func);
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
