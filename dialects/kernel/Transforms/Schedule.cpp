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
#include "mlir/IR/Dominance.h"
#include "mlir/IR/Iterators.h"
#include "mlir/Transforms/CSE.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/TargetParser/Host.h"

#include <fstream>
#include <thread>

using namespace mlir;
using namespace smelt::kernel;

namespace smelt::kernel {
#define GEN_PASS_DEF_KERNELSCHEDULE
#include "dialects/kernel/Transforms/Passes.h.inc"
} // namespace smelt::kernel

/// The size of the data cache of `level` Linux reports for CPU 0, or 0.
static int64_t sysfsCacheBytes(int level) {
  for (int index = 0; index < 8; ++index) {
    std::string base = "/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(index) + "/";
    std::ifstream levelFile(base + "level"), typeFile(base + "type"), sizeFile(base + "size");
    int found = 0;
    std::string type, size;
    if (!(levelFile >> found) || !(typeFile >> type) || !(sizeFile >> size))
      continue;
    if (found != level || type == "Instruction" || size.empty())
      continue;
    int64_t bytes = std::atoll(size.c_str());
    char unit = size.back();
    return unit == 'K' ? bytes << 10 : unit == 'M' ? bytes << 20 : bytes;
  }
  return 0;
}

TargetDescription smelt::kernel::hostCpuDescription() {
  TargetDescription target;
  target.groups = std::max(1u, std::thread::hardware_concurrency());
  llvm::StringMap<bool> features = llvm::sys::getHostCPUFeatures();
  target.simdBytes = features.lookup("avx512f") ? 64 : features.lookup("avx") ? 32 : 16;
  // Nominal bandwidths of a current server core (bytes/ns): device memory
  // shared by all cores; the last-level cache shared in capacity, with a
  // core's worth of bandwidth per core; L2 and L1 per core.
  int64_t l1 = sysfsCacheBytes(1), l2 = sysfsCacheBytes(2), l3 = sysfsCacheBytes(3);
  target.levels = {{"dram", 0, 40, false},
                   {"l3", l3 ? l3 : 32 << 20, 100.0 * double(target.groups), false},
                   {"l2", l2 ? l2 : 1 << 20, 192, true},
                   {"l1", l1 ? l1 : 32 << 10, 384, true}};
  return target;
}

LogicalResult smelt::kernel::parseMemoryLevels(llvm::StringRef text,
                                               std::vector<MemoryLevel> &levels,
                                               std::string &error) {
  levels.clear();
  SmallVector<StringRef> entries;
  text.split(entries, ',', -1, /*KeepEmpty=*/false);
  for (StringRef entry : entries) {
    SmallVector<StringRef> fields;
    entry.trim().split(fields, ':');
    MemoryLevel level;
    int64_t bandwidth = 0;
    if (fields.size() < 3 || fields.size() > 4 || fields[0].empty() ||
        fields[1].getAsInteger(10, level.capacityBytes) || level.capacityBytes < 0 ||
        fields[2].getAsInteger(10, bandwidth) || bandwidth <= 0 ||
        (fields.size() == 4 && fields[3] != "group")) {
      error = "bad memory level '" + entry.str() +
              "' (expected name:capacity-bytes:bytes-per-ns[:group])";
      return failure();
    }
    level.name = fields[0].str();
    level.bytesPerNs = double(bandwidth);
    level.perGroup = fields.size() == 4;
    levels.push_back(level);
  }
  if (levels.empty()) {
    error = "no memory levels given";
    return failure();
  }
  return success();
}

/// Tile sizes per loop of the root's iteration space (0 = untiled).
/// `work` is the loop iterations of the whole kernel (root and fused
/// producers alike: an epilogue's root has few iterations per output element,
/// the convolution fused into it has thousands).
/// The grid aims at `groupsPerProcessor` groups per processor; the last
/// parallel loop is split only where `splitLastLoop` allows.
static SmallVector<int64_t> chooseTileSizes(ArrayRef<int64_t> sizes,
                                            ArrayRef<utils::IteratorType> iterators,
                                            int64_t work, const TargetDescription &target,
                                            int64_t groupsPerProcessor, bool splitLastLoop) {
  SmallVector<int64_t> tiles(sizes.size(), 0);
  int64_t desired = std::min(work / std::max<int64_t>(target.minGroupWork, 1),
                             groupsPerProcessor * target.groups);
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
      // A side output read by a row reduction would be computed, and
      // stored, by every tile of a row.
      if (!splitLastLoop)
        break;
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
  MergeProducerLoop(MLIRContext *context, bool stage)
      : OpRewritePattern(context), stage_(stage) {}
  LogicalResult matchAndRewrite(linalg::GenericOp consumer,
                                PatternRewriter &rewriter) const override {
    for (OpOperand &operand : consumer->getOpOperands()) {
      if (!linalg::areElementwiseOpsFusable(&operand) || !mergesWithoutRecomputation(&operand))
        continue;
      // Staging: a producer several ops read is computed once into a local
      // buffer rather than recomputed in each consumer's loop.
      if (stage_ && !llvm::all_of(operand.get().getUsers(),
                                  [&](Operation *user) { return user == consumer; }))
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
  bool stage_;
};
} // namespace

void smelt::kernel::mergeElementwiseLoops(FuncOp func, bool stage) {
  MLIRContext *context = func.getContext();
  IRRewriter rewriter(context);
  DominanceInfo dominance;
  // Tile-and-fuse clones a producer into the tile once per use; identical
  // clones become one.
  eliminateCommonSubExpressions(rewriter, dominance, func);
  RewritePatternSet patterns(context);
  patterns.add<MergeProducerLoop>(context, stage);
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

/// `units`: the target's units per group (a GPU block's warps; 1 on a CPU).
static void setStrategy(FuncOp func, int64_t units, ArrayRef<int64_t> grid,
                        ArrayRef<int64_t> tile, int64_t vectorBytes = 0) {
  func.setStrategyAttr(StrategyAttr::get(func.getContext(), grid, std::max<int64_t>(units, 1),
                                         tile, vectorBytes));
}

/// Marks each reduction and broadcast of a scheduled kernel with its scope:
/// with one unit per group (a CPU worker; every schedule so far) the unit
/// that computes a row reduces it and uses the result itself; with several,
/// the group's units split the rows' loops and share the values.
static void markScopes(FuncOp func) {
  StrategyAttr strategy = func.getStrategyAttr();
  Scope scope = strategy && strategy.getUnits() > 1 ? Scope::Group : Scope::Unit;
  auto attr = ScopeAttr::get(func.getContext(), scope);
  func.walk([&](linalg::LinalgOp op) {
    if (reducesOrBroadcasts(op))
      op->setAttr(kScopeAttrName, attr);
  });
}

SmallVector<int64_t> smelt::kernel::candidateVectorBytes(const TargetDescription &target) {
  SmallVector<int64_t> widths = {std::max<int64_t>(target.simdBytes, 1)};
  if (target.simdBytes >= 32)
    widths.push_back(target.simdBytes / 2);
  return widths;
}

static bool isSideOutput(bufferization::MaterializeInDestinationOp output) {
  return output->hasAttr(kSideOutputAttrName);
}

/// The kernel's stores of its outputs: the root's (`side` false) or the side
/// outputs'.
static SmallVector<bufferization::MaterializeInDestinationOp> outputsOf(FuncOp func, bool side) {
  SmallVector<bufferization::MaterializeInDestinationOp> outputs;
  func.walk([&](bufferization::MaterializeInDestinationOp op) {
    if (isSideOutput(op) == side)
      outputs.push_back(op);
  });
  return outputs;
}

/// The op that computes the kernel's single output (side outputs aside), or
/// null.
static TilingInterface rootOf(FuncOp func) {
  SmallVector<bufferization::MaterializeInDestinationOp> outputs = outputsOf(func, false);
  if (outputs.size() != 1)
    return nullptr;
  return outputs.front().getSource().getDefiningOp<TilingInterface>();
}

/// Whether `value` is stored as a side output: by the kernel body, or (inside
/// a tile loop) into the loop's result.
static bool storedAsSideOutput(Value value) {
  return llvm::any_of(value.getUsers(), [](Operation *user) {
    if (auto output = dyn_cast<bufferization::MaterializeInDestinationOp>(user))
      return isSideOutput(output);
    return isa<tensor::ParallelInsertSliceOp>(user);
  });
}

/// Static upper bounds of the loops of `op` (kDynamic where unknown).
static SmallVector<int64_t> loopSizes(RewriterBase &rewriter, TilingInterface op) {
  OpBuilder::InsertionGuard guard(rewriter);
  rewriter.setInsertionPoint(op);
  SmallVector<int64_t> sizes;
  for (Range range : op.getIterationDomain(rewriter))
    sizes.push_back(constantUpperBound(range.size).value_or(ShapedType::kDynamic));
  return sizes;
}

/// The "rows" of a root: its parallel loops but the innermost one, which
/// stays whole so each row is one long contiguous loop.
static SmallVector<unsigned> rowLoops(ArrayRef<utils::IteratorType> iterators) {
  SmallVector<unsigned> rows;
  for (auto [loop, iterator] : llvm::enumerate(iterators))
    if (iterator == utils::IteratorType::parallel)
      rows.push_back(loop);
  if (!rows.empty())
    rows.pop_back();
  return rows;
}

/// Tiles `root` (and fuses its producers) with `tiles`, as `loopType` loops;
/// the loops' results replace the root's and the untiled ops are erased.
static LogicalResult tileAndFuse(RewriterBase &rewriter, FuncOp func, TilingInterface root,
                                 ArrayRef<int64_t> tiles,
                                 scf::SCFTilingOptions::LoopType loopType) {
  OpBuilder::InsertionGuard guard(rewriter);
  rewriter.setInsertionPoint(root);
  scf::SCFTilingOptions tiling;
  tiling.setTileSizes(getAsIndexOpFoldResult(func.getContext(), tiles));
  tiling.setLoopType(loopType);
  scf::SCFTileAndFuseOptions options;
  options.setTilingOptions(tiling);
  // A side output is fused like any producer, and the loops also yield the
  // tiles it computes (once: later copies of it in the same tile are only
  // read locally). The group's schedule computes each of its elements in
  // exactly one tile (row-local ops, rows split).
  llvm::SmallPtrSet<Operation *, 4> yielded;
  options.setFusionControlFn(
      [&](tensor::ExtractSliceOp, OpResult producer,
          bool isDestination) -> std::optional<scf::SCFTileAndFuseOptions::ControlFnResult> {
        scf::SCFTileAndFuseOptions::ControlFnResult control;
        control.yieldProducerReplacement = !isDestination && storedAsSideOutput(producer) &&
                                           yielded.insert(producer.getOwner()).second;
        return control;
      });
  FailureOr<scf::SCFTileAndFuseResult> result =
      scf::tileConsumerAndFuseProducersUsingSCF(rewriter, root, options);
  if (failed(result))
    return failure();
  for (OpResult value : root->getResults())
    rewriter.replaceAllUsesWith(value, result->replacements.lookup(value));
  // The side outputs' stores take the loops' results; the untiled
  // consumers of the side outputs die with the root.
  Operation *outermost = result->loops.empty() ? nullptr : result->loops.front().getOperation();
  DominanceInfo dominance;
  for (auto [original, replacement] : result->replacements) {
    if (original.getDefiningOp() == root.getOperation() || !outermost)
      continue;
    rewriter.replaceUsesWithIf(original, replacement, [&](OpOperand &use) {
      return dominance.properlyDominates(outermost, use.getOwner(), /*enclosingOpOk=*/false);
    });
  }
  // The untiled originals are dead now.
  (void)eraseUnreachableBlocks(rewriter, func->getRegions());
  func.walk<WalkOrder::PostOrder, mlir::ReverseIterator>([&](Operation *op) {
    if (op != func && isOpTriviallyDead(op))
      rewriter.eraseOp(op);
  });
  return success();
}

/// Inside the group's tile, a sequential loop over steps of `rows` rows of
/// `root` with all its producers fused: every op of the group runs on one
/// step's rows before the next step, so re-reads stay in the inner caches.
static LogicalResult stepRows(RewriterBase &rewriter, FuncOp func, TilingInterface root,
                              int64_t rows) {
  SmallVector<int64_t> sizes = loopSizes(rewriter, root);
  SmallVector<utils::IteratorType> iterators = root.getLoopIteratorTypes();
  SmallVector<int64_t> tiles(sizes.size(), 0);
  int64_t remaining = rows;
  SmallVector<unsigned> loops = rowLoops(iterators);
  for (unsigned loop : llvm::reverse(loops)) {
    int64_t size = sizes[loop];
    if (ShapedType::isDynamic(size))
      size = 1;
    if (remaining >= size) {
      tiles[loop] = 0; // whole
      remaining = llvm::divideCeil(remaining, std::max<int64_t>(size, 1));
      continue;
    }
    tiles[loop] = remaining;
    remaining = 1;
  }
  if (llvm::all_of(tiles, [](int64_t t) { return t == 0; }))
    return success(); // one step holds the whole tile
  return tileAndFuse(rewriter, func, root, tiles, scf::SCFTilingOptions::LoopType::ForOp);
}

LogicalResult smelt::kernel::applySchedule(RewriterBase &rewriter, FuncOp func,
                                           const ScheduleChoice &choice) {
  TilingInterface root = rootOf(func);
  if (!root) {
    setStrategy(func, choice.units, {1}, {});
    markScopes(func);
    return success();
  }
  SmallVector<int64_t> sizes = loopSizes(rewriter, root);
  bool tiled = llvm::any_of(choice.tile, [](int64_t t) { return t != 0; });
  if (tiled) {
    if (failed(tileAndFuse(rewriter, func, root, choice.tile,
                           scf::SCFTilingOptions::LoopType::ForallOp)))
      return func.emitError("could not tile the root of kernel ") << func.getSymName();
    root = nullptr;
    // The root's tile is the first one the loop stores (side outputs follow).
    func.walk([&](tensor::ParallelInsertSliceOp insert) {
      root = insert.getSource().getDefiningOp<TilingInterface>();
      return WalkResult::interrupt();
    });
  }
  if (choice.rowsPerStep > 0 && root && failed(stepRows(rewriter, func, root, choice.rowsPerStep)))
    return func.emitError("could not step the rows of kernel ") << func.getSymName();

  stagePaddedTiles(rewriter, func);
  mergeElementwiseLoops(func, choice.stage);
  computeEpiloguesInPlace(func);
  SmallVector<int64_t> grid;
  for (auto [size, tile] : llvm::zip(sizes, choice.tile))
    if (tile > 0)
      grid.push_back(llvm::divideCeil(size, tile));
  if (grid.empty())
    grid.push_back(1);
  setStrategy(func, choice.units, grid, tiled ? ArrayRef<int64_t>(choice.tile) : ArrayRef<int64_t>(),
              choice.vectorBytes);
  markScopes(func);
  return success();
}

/// Whether a sequential row loop inside the group can hold all of the
/// kernel's ops and may pay off: every op is no deeper than the root (row
/// reductions and elementwise ops; not a matmul or convolution with its own
/// reduction loops), there are several, and the root has rows.
static bool canStepRows(FuncOp func, TilingInterface root) {
  auto rootOp = dyn_cast<linalg::LinalgOp>(root.getOperation());
  if (!rootOp || rowLoops(root.getLoopIteratorTypes()).empty())
    return false;
  int computeOps = 0;
  WalkResult walk = func.walk([&](Operation *op) {
    if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op)) {
      if (linalgOp.getNumLoops() > rootOp.getNumLoops())
        return WalkResult::interrupt();
      if (!isa<linalg::FillOp>(op))
        ++computeOps;
    }
    if (isa<tensor::PadOp>(op))
      return WalkResult::interrupt();
    return WalkResult::advance();
  });
  // A single op reads its data once: steps would keep nothing in the caches.
  return !walk.wasInterrupted() && computeOps > 1;
}

static std::string describeChoice(const ScheduleChoice &choice) {
  std::string text = "tile [";
  for (auto [i, t] : llvm::enumerate(choice.tile))
    text += (i ? ", " : "") + std::to_string(t);
  text += "]";
  if (choice.rowsPerStep)
    text += ", " + std::to_string(choice.rowsPerStep) + " rows per step";
  if (choice.stage)
    text += ", shared intermediates staged";
  if (choice.vectorBytes)
    text += ", " + std::to_string(choice.vectorBytes) + "-byte vectors";
  return text;
}

static std::string describeCost(const KernelCost &cost, const TargetDescription &target) {
  std::string text = std::to_string(cost.groups) + " groups,";
  for (auto [level, bytes] : llvm::zip(target.levels, cost.bytesPerLevel))
    text += " " + level.name + " " + llvm::formatv("{0:F3}", double(bytes) / 1e6).str() + " MB";
  text += ", " + llvm::formatv("{0:F3}", cost.vectorOps / 1e6).str() + " M vector ops, est. " +
          llvm::formatv("{0:F1}", cost.nanoseconds / 1e3).str() + " us";
  return text;
}

LogicalResult smelt::kernel::scheduleKernel(RewriterBase &rewriter, FuncOp func,
                                            const TargetDescription &target,
                                            const ScheduleOptions &options) {
  SmallVector<bufferization::MaterializeInDestinationOp> outputs = outputsOf(func, false);
  SmallVector<bufferization::MaterializeInDestinationOp> sideOutputs = outputsOf(func, true);
  if (outputs.size() == 1)
    writeOutputInPlace(outputs.front());
  for (auto output : sideOutputs)
    writeOutputInPlace(output);
  TilingInterface root = rootOf(func);
  SmallVector<int64_t> sizes;
  if (root)
    sizes = loopSizes(rewriter, root);
  // A loop of no iterations (a reduction over an empty axis) leaves nothing
  // to split: the kernel runs as one group, untiled.
  if (!root || llvm::is_contained(sizes, 0)) {
    setStrategy(func, target.unitsPerGroup, {1}, {});
    markScopes(func);
    return success();
  }

  SmallVector<utils::IteratorType> iterators = root.getLoopIteratorTypes();
  int64_t work = 0;
  func.walk([&](linalg::LinalgOp op) {
    int64_t iterations = 1;
    for (int64_t range : op.getStaticLoopRanges())
      iterations *= ShapedType::isDynamic(range) ? 1 : std::max<int64_t>(range, 1);
    work += iterations;
  });

  // Candidates: grids of 4, 1, 2 and 8 groups per processor (the first is
  // the rule without search), each with and without row steps.
  SmallVector<ScheduleChoice> candidates;
  for (int64_t perProcessor : {4, 1, 2, 8}) {
    ScheduleChoice choice{chooseTileSizes(sizes, iterators, work, target, perProcessor,
                                          /*splitLastLoop=*/sideOutputs.empty()),
                          0, false};
    if (llvm::none_of(candidates, [&](const ScheduleChoice &c) { return c.tile == choice.tile; }))
      candidates.push_back(choice);
  }
  if (canStepRows(func, root)) {
    SmallVector<unsigned> loops = rowLoops(iterators);
    for (size_t i = 0, e = candidates.size(); i < e; ++i) {
      int64_t rows = 1;
      for (unsigned loop : loops) {
        int64_t size = ShapedType::isDynamic(sizes[loop]) ? 1 : sizes[loop];
        rows *= candidates[i].tile[loop] ? std::min(candidates[i].tile[loop], size) : size;
      }
      for (int64_t step : {1, 8, 64})
        if (step < rows)
          for (bool stage : {false, true})
            candidates.push_back({candidates[i].tile, step, stage});
    }
  }
  SmallVector<int64_t> widths = candidateVectorBytes(target);
  if (!options.search) {
    candidates.resize(1);
    widths = {0};
  }
  if (options.vectorBytes > 0)
    widths = {options.vectorBytes};

  // Each candidate is applied to a copy of the kernel and costed at each
  // vector width (the width changes the code generated, not the IR's
  // tiling); the cheapest copy's body replaces the kernel's.
  std::optional<KernelCost> bestCost;
  FuncOp best;
  int64_t bestWidth = 0;
  std::string bestText;
  int64_t costed = 0;
  for (ScheduleChoice choice : candidates) {
    choice.units = target.unitsPerGroup;
    auto copy = cast<FuncOp>(func->clone());
    {
      // Diagnostics of a failed candidate are not the user's business.
      ScopedDiagnosticHandler quiet(func.getContext(), [](Diagnostic &) { return success(); });
      if (failed(applySchedule(rewriter, copy, choice))) {
        copy.erase();
        continue;
      }
    }
    StrategyAttr applied = copy.getStrategyAttr();
    bool kept = false;
    for (int64_t width : widths) {
      choice.vectorBytes = width;
      copy.setStrategyAttr(StrategyAttr::get(func.getContext(), applied.getGrid(),
                                             applied.getUnits(), applied.getTile(), width));
      KernelCost cost = estimateKernelCost(copy, target);
      ++costed;
      if (options.report)
        func.emitRemark() << "candidate " << describeChoice(choice) << ": "
                          << describeCost(cost, target);
      if (!bestCost || cost.nanoseconds < bestCost->nanoseconds) {
        if (best && best != copy)
          best.erase();
        best = copy;
        bestCost = cost;
        bestWidth = width;
        bestText = describeChoice(choice);
        kept = true;
      }
    }
    if (!kept)
      copy.erase();
  }
  if (!best)
    return func.emitError("could not schedule kernel ") << func.getSymName();
  if (options.report)
    func.emitRemark() << "chosen " << bestText;
  func.getBody().takeBody(best.getBody());
  // The copy's strategy holds the last width costed, not necessarily its best.
  StrategyAttr chosen = best.getStrategyAttr();
  func.setStrategyAttr(StrategyAttr::get(func.getContext(), chosen.getGrid(), chosen.getUnits(),
                                         chosen.getTile(), bestWidth));
  best.erase();

  // The estimate, for the fusion report.
  Builder b(func.getContext());
  SmallVector<NamedAttribute> entries;
  for (auto [level, bytes] : llvm::zip(target.levels, bestCost->bytesPerLevel))
    entries.push_back(b.getNamedAttr(level.name + "_bytes", b.getI64IntegerAttr(bytes)));
  entries.push_back(b.getNamedAttr("vector_ops", b.getI64IntegerAttr(int64_t(bestCost->vectorOps))));
  entries.push_back(b.getNamedAttr("estimated_ns", b.getI64IntegerAttr(int64_t(bestCost->nanoseconds))));
  entries.push_back(b.getNamedAttr("candidates", b.getI64IntegerAttr(costed)));
  func->setAttr("smelt.cost", b.getDictionaryAttr(entries));

  // Streaming stores where the kernel moves more through device memory (the
  // estimate's bytes at the unbounded level: what it touches, not its
  // buffers' sizes, of which an embedding gather reads a few rows) than the
  // largest cache all groups share can hold: its output is evicted before
  // a consumer could read it from there.
  int64_t sharedCache = 0, deviceBytes = 0;
  for (auto [level, bytes] : llvm::zip(target.levels, bestCost->bytesPerLevel)) {
    if (level.capacityBytes == 0)
      deviceBytes = std::max<int64_t>(deviceBytes, bytes);
    else if (!level.perGroup)
      sharedCache = std::max(sharedCache, level.capacityBytes);
  }
  if (sharedCache > 0 && deviceBytes > sharedCache)
    func->setAttr(kStreamingStoresAttrName, b.getUnitAttr());
  return success();
}

namespace {
struct KernelSchedulePass
    : public smelt::kernel::impl::KernelScheduleBase<KernelSchedulePass> {
  using Base::Base;
  KernelSchedulePass(const TargetDescription &target, const ScheduleOptions &options)
      : given_(target) {
    minGroupWork = target.minGroupWork;
    search = options.search;
    report = options.report;
    vectorBytes = options.vectorBytes;
  }

  void runOnOperation() override {
    TargetDescription target = given_ ? *given_ : hostCpuDescription();
    if (groups > 0)
      target.groups = groups;
    if (simdBytes > 0)
      target.simdBytes = simdBytes;
    if (widestVectorCost > 0)
      target.widestVectorCost = widestVectorCost;
    target.minGroupWork = minGroupWork;
    if (!memoryLevels.empty()) {
      std::string error;
      if (failed(parseMemoryLevels(memoryLevels, target.levels, error))) {
        getOperation().emitError(error);
        return signalPassFailure();
      }
    }
    ScheduleOptions options;
    options.search = search;
    options.report = report;
    options.vectorBytes = vectorBytes;
    IRRewriter rewriter(&getContext());
    for (auto func : getOperation().getOps<FuncOp>()) {
      if (func.getStrategyAttr())
        continue;
      if (failed(scheduleKernel(rewriter, func, target, options)))
        return signalPassFailure();
    }
  }

  std::optional<TargetDescription> given_;
};
} // namespace

std::unique_ptr<Pass> smelt::kernel::createKernelSchedulePass(const TargetDescription &target,
                                                              const ScheduleOptions &options) {
  return std::make_unique<KernelSchedulePass>(target, options);
}
