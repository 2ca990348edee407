//===- Prefetch.cpp - The next step's input tiles, fetched during this one -===//
//
// A group that steps through its rows (softmax's 8-row steps) reads each
// step's input tiles from DRAM at the start of the step and then computes
// on them without touching memory: while it computes, nothing streams in,
// and the next step starts by waiting for memory again. Here the step's
// heaviest loop nest (by its payload: exp, erf, divisions weigh most) gets
// one iteration per row, and each row iteration prefetches its share of the
// next step's input tiles, so the loads of the next step overlap this
// step's arithmetic. A prefetch of everything at the start of the step
// measured no gain (the burst stalls on the core's miss buffers); spread
// over the rows, the GPT-2-medium softmax ran about 25% faster on 2 threads
// from DRAM, and unchanged with its data in cache.
//
//===----------------------------------------------------------------------===//
#include "backends/cpu/compiler/Prefetch.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/TilingInterface.h"

using namespace mlir;

namespace {

constexpr int64_t kLineBytes = 64;

/// The arithmetic weight of one iteration of `generic`'s payload.
int64_t payloadWeight(linalg::GenericOp generic) {
  int64_t weight = 0;
  generic.getRegion().walk([&](Operation *op) {
    if (isa<math::ExpOp, math::ErfOp, math::TanhOp, math::LogOp, math::PowFOp>(op))
      weight += 20;
    else if (isa<arith::DivFOp, math::SqrtOp, math::RsqrtOp>(op))
      weight += 4;
    else if (!isa<linalg::YieldOp>(op))
      weight += 1;
  });
  return weight;
}

/// Whether `buffer` is only read: by linalg ops as an input, by loads and
/// vector reads, directly or through views.
bool isOnlyRead(Value buffer) {
  return llvm::all_of(buffer.getUsers(), [&](Operation *user) {
    if (isa<memref::ExpandShapeOp, memref::CollapseShapeOp, memref::SubViewOp>(user))
      return isOnlyRead(user->getResult(0));
    if (isa<memref::LoadOp, vector::TransferReadOp>(user))
      return true;
    auto linalgOp = dyn_cast<linalg::LinalgOp>(user);
    return linalgOp && llvm::none_of(linalgOp.getDpsInits(),
                                     [&](Value init) { return init == buffer; });
  });
}

/// A read-only tile of a kernel parameter that `loop` takes at each step:
/// a subview in the loop's body of a value defined outside it, whose
/// offsets depend on the induction variable, only read.
bool isSteppedInputTile(memref::SubViewOp subview, scf::ForOp loop) {
  if (subview->getParentOp() != loop.getOperation() ||
      !loop.isDefinedOutsideOfLoop(subview.getSource()) ||
      !subview.getType().hasStaticShape() || subview.getType().getRank() == 0)
    return false;
  bool dependsOnStep = llvm::any_of(subview.getOffsets(), [&](Value offset) {
    return offset == loop.getInductionVar();
  });
  if (!dependsOnStep ||
      !llvm::all_of(subview.getOffsets(), [&](Value offset) {
        return offset == loop.getInductionVar() || loop.isDefinedOutsideOfLoop(offset);
      }))
    return false;
  return isOnlyRead(subview.getResult());
}

void prefetchAcrossSteps(scf::ForOp loop) {
  std::optional<int64_t> step = getConstantIntValue(loop.getStep());
  std::optional<int64_t> lower = getConstantIntValue(loop.getLowerBound());
  std::optional<int64_t> upper = getConstantIntValue(loop.getUpperBound());
  if (!step || !lower || !upper || *upper - *lower <= *step)
    return;
  SmallVector<memref::SubViewOp> tiles;
  linalg::GenericOp host;
  int64_t hostCost = 0;
  for (Operation &op : loop.getBody()->without_terminator()) {
    auto subview = dyn_cast<memref::SubViewOp>(op);
    if (subview && isSteppedInputTile(subview, loop))
      tiles.push_back(subview);
    auto generic = dyn_cast<linalg::GenericOp>(op);
    if (!generic || generic.getNumLoops() < 2 || !generic.hasPureBufferSemantics())
      continue;
    SmallVector<int64_t> ranges = generic.getStaticLoopRanges();
    if (llvm::any_of(ranges, ShapedType::isDynamic))
      continue;
    int64_t iterations = 1;
    for (int64_t range : ranges)
      iterations *= range;
    int64_t cost = iterations * payloadWeight(generic);
    if (cost > hostCost) {
      host = generic;
      hostCost = cost;
    }
  }
  if (tiles.empty() || !host)
    return;
  // The host's loops but the innermost are its rows; they must be parallel
  // (a reduction row loop stays inside the generic).
  SmallVector<utils::IteratorType> iterators = host.getIteratorTypesArray();
  SmallVector<int64_t> ranges = host.getStaticLoopRanges();
  int64_t rows = 1;
  for (size_t d = 0; d + 1 < iterators.size(); ++d) {
    if (iterators[d] != utils::IteratorType::parallel)
      return;
    rows *= ranges[d];
  }
  if (rows < 2)
    return;

  MLIRContext *context = loop.getContext();
  IRRewriter rewriter(context);
  rewriter.setInsertionPoint(host);
  scf::SCFTilingOptions options;
  SmallVector<int64_t> sizes(iterators.size(), 1);
  sizes.back() = 0;
  options.setTileSizes(getAsIndexOpFoldResult(context, sizes));
  FailureOr<scf::SCFTilingResult> tiled =
      scf::tileUsingSCF(rewriter, cast<TilingInterface>(host.getOperation()), options);
  if (failed(tiled) || tiled->loops.empty())
    return;
  rewriter.eraseOp(host);

  // The row the innermost tile loop is at, linearized over the row loops.
  Location loc = loop.getLoc();
  auto innermost = cast<scf::ForOp>(tiled->loops.back().getOperation());
  rewriter.setInsertionPointToStart(innermost.getBody());
  Value row = arith::ConstantIndexOp::create(rewriter, loc, 0);
  for (LoopLikeOpInterface tileLoop : tiled->loops) {
    auto forOp = cast<scf::ForOp>(tileLoop.getOperation());
    std::optional<APInt> trips = forOp.getStaticTripCount();
    if (!trips)
      return;
    Value extent = arith::ConstantIndexOp::create(rewriter, loc, trips->getSExtValue());
    row = arith::AddIOp::create(rewriter, loc, arith::MulIOp::create(rewriter, loc, row, extent),
                                forOp.getInductionVar());
  }

  // Each tile of the next step (the last step prefetches its own), its
  // rows shared out over the host's rows.
  Value next = arith::MinSIOp::create(
      rewriter, loc,
      arith::AddIOp::create(rewriter, loc, loop.getInductionVar(), loop.getStep()),
      arith::ConstantIndexOp::create(rewriter, loc, *upper - *step));
  for (memref::SubViewOp tile : tiles) {
    IRMapping mapping;
    mapping.map(loop.getInductionVar(), next);
    auto nextTile = cast<memref::SubViewOp>(rewriter.clone(*tile, mapping));
    MemRefType type = nextTile.getType();
    ArrayRef<int64_t> shape = type.getShape();
    int64_t tileRows = 1;
    for (int64_t extent : shape.drop_back())
      tileRows *= extent;
    int64_t elementBytes = std::max<int64_t>(1, type.getElementTypeBitWidth() / 8);
    int64_t lineElements = std::max<int64_t>(1, kLineBytes / elementBytes);
    int64_t perRow = llvm::divideCeil(tileRows, rows);
    // Rows [row * perRow, min((row + 1) * perRow, tileRows)) of the tile.
    Value first = arith::MulIOp::create(rewriter, loc, row,
                                        arith::ConstantIndexOp::create(rewriter, loc, perRow));
    Value last = arith::MinSIOp::create(
        rewriter, loc,
        arith::AddIOp::create(rewriter, loc, first,
                              arith::ConstantIndexOp::create(rewriter, loc, perRow)),
        arith::ConstantIndexOp::create(rewriter, loc, tileRows));
    Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
    auto rowLoop = scf::ForOp::create(rewriter, loc, first, last, one);
    OpBuilder::InsertionGuard guard(rewriter);
    rewriter.setInsertionPointToStart(rowLoop.getBody());
    SmallVector<Value> indices;
    Value rest = rowLoop.getInductionVar();
    for (int64_t d = static_cast<int64_t>(shape.size()) - 2; d >= 0; --d) {
      Value extent = arith::ConstantIndexOp::create(rewriter, loc, shape[d]);
      indices.insert(indices.begin(), arith::RemUIOp::create(rewriter, loc, rest, extent));
      rest = arith::DivUIOp::create(rewriter, loc, rest, extent);
    }
    auto lineLoop = scf::ForOp::create(
        rewriter, loc, arith::ConstantIndexOp::create(rewriter, loc, 0),
        arith::ConstantIndexOp::create(rewriter, loc, shape.back()),
        arith::ConstantIndexOp::create(rewriter, loc, lineElements));
    rewriter.setInsertionPointToStart(lineLoop.getBody());
    indices.push_back(lineLoop.getInductionVar());
    memref::PrefetchOp::create(rewriter, loc, nextTile, indices, /*isWrite=*/false,
                               /*localityHint=*/3, /*isDataCache=*/true);
  }
}

} // namespace

void smelt::cpu::prefetchNextSteps(func::FuncOp func) {
  SmallVector<scf::ForOp> loops;
  func.walk([&](scf::ForOp loop) { loops.push_back(loop); });
  for (scf::ForOp loop : loops)
    prefetchAcrossSteps(loop);
}
