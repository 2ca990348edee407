//===- Staging.cpp - Padded input tiles as explicit copies -----------------===//
//
// The padding of a convolution's or a pooling's input is a linalg.generic
// over the padded shape that reads the input at clamped coordinates and
// yields the pad value outside it (GraphToLinalgCompute.cpp, marked with
// kPadLowAttrName). Tiling fuses it into each group's tile, so every group
// builds its padded window. Computed element by element, with a clamp and a
// select per element, that loop does not vectorize (its loads are gathers).
// Here each tile of it becomes what it is: the tile filled with the pad
// value, then the part of the input window that lies inside the input copied
// in (tensor.insert_slice of a tensor.extract_slice). After bufferization the
// copy is a kernel.copy from global to local memory: explicit data movement
// that each backend lowers its own way (a vectorized loop on a CPU).
//
//===----------------------------------------------------------------------===//
#include "dialects/kernel/Transforms/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

using namespace mlir;
using namespace smelt::kernel;

namespace {

/// What a tiled pad generic reads and yields, when it has the shape
/// GraphToLinalgCompute.cpp builds: one tensor.extract of a value from
/// outside the body, and a select between it and a pad value.
struct PaddedTile {
  Value source;   // the unpadded input
  Value padValue; // defined outside the body or a constant (cloned)
  SmallVector<OpFoldResult> offsets; // of the tile in the padded tensor
  RankedTensorType paddedType;       // the whole padded tensor
};

/// The offsets of `init` in the tensor.empty it slices (a chain of unit-
/// stride, rank-preserving extract_slices), or failure; `fresh` is set to
/// that tensor.empty's type.
FailureOr<SmallVector<OpFoldResult>> offsetsInFreshTensor(OpBuilder &b, Location loc,
                                                          Value init,
                                                          RankedTensorType &fresh) {
  auto type = cast<RankedTensorType>(init.getType());
  SmallVector<OpFoldResult> offsets(type.getRank(), b.getIndexAttr(0));
  while (auto slice = init.getDefiningOp<tensor::ExtractSliceOp>()) {
    if (slice.getSourceType().getRank() != type.getRank() ||
        !llvm::all_of(slice.getMixedStrides(), isOneInteger))
      return failure();
    AffineExpr s0, s1;
    bindSymbols(b.getContext(), s0, s1);
    for (auto [offset, outer] : llvm::zip(offsets, slice.getMixedOffsets()))
      offset = affine::makeComposedFoldedAffineApply(b, loc, s0 + s1, {offset, outer});
    init = slice.getSource();
  }
  if (!init.getDefiningOp<tensor::EmptyOp>())
    return failure();
  fresh = cast<RankedTensorType>(init.getType());
  return offsets;
}

FailureOr<PaddedTile> matchPaddedTile(OpBuilder &b, linalg::GenericOp generic) {
  if (generic.getNumDpsInputs() != 0 || generic.getNumDpsInits() != 1 ||
      generic.getNumResults() != 1)
    return failure();
  Block &body = generic.getRegion().front();
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  auto select = yield.getOperand(0).getDefiningOp<arith::SelectOp>();
  if (!select)
    return failure();
  auto extract = select.getTrueValue().getDefiningOp<tensor::ExtractOp>();
  if (!extract || generic->isAncestor(extract.getTensor().getParentBlock()->getParentOp()))
    return failure();
  PaddedTile tile;
  tile.source = extract.getTensor();
  auto sourceType = cast<RankedTensorType>(tile.source.getType());
  auto resultType = cast<RankedTensorType>(generic.getResult(0).getType());
  if (!sourceType.hasStaticShape() || sourceType.getRank() != resultType.getRank())
    return failure();
  Value padValue = select.getFalseValue();
  if (Operation *def = padValue.getDefiningOp(); def && generic->isAncestor(def)) {
    if (!def->hasTrait<OpTrait::ConstantLike>())
      return failure();
    padValue = b.clone(*def)->getResult(0);
  } else if (!def && generic->isAncestor(padValue.getParentBlock()->getParentOp())) {
    return failure(); // a block argument of the body
  }
  tile.padValue = padValue;
  FailureOr<SmallVector<OpFoldResult>> offsets =
      offsetsInFreshTensor(b, generic.getLoc(), generic.getDpsInitOperand(0)->get(),
                           tile.paddedType);
  if (failed(offsets))
    return failure();
  tile.offsets = std::move(*offsets);
  return tile;
}

} // namespace

void smelt::kernel::stagePaddedTiles(RewriterBase &rewriter, FuncOp func) {
  SmallVector<linalg::GenericOp> generics;
  func.walk([&](linalg::GenericOp generic) {
    if (generic->hasAttr(kPadLowAttrName))
      generics.push_back(generic);
  });
  MLIRContext *context = func.getContext();
  for (linalg::GenericOp generic : generics) {
    auto low = dyn_cast<DenseI64ArrayAttr>(generic->getAttr(kPadLowAttrName));
    OpBuilder::InsertionGuard guard(rewriter);
    rewriter.setInsertionPoint(generic);
    Location loc = generic.getLoc();
    FailureOr<PaddedTile> tile = matchPaddedTile(rewriter, generic);
    auto resultType = cast<RankedTensorType>(generic.getResult(0).getType());
    if (!low || failed(tile) || int64_t(low.size()) != resultType.getRank())
      continue; // stays an element-by-element loop
    Value init = generic.getDpsInitOperand(0)->get();
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(rewriter, loc, init);
    auto sourceType = cast<RankedTensorType>(tile->source.getType());

    // Per dim: the tile covers padded [o, o + s), i.e. input [o - low, o -
    // low + s); its part inside the input, [lo, hi), lands at lo - (o - low)
    // in the tile. Both are clamped so that a tile wholly in the padding
    // copies nothing from within bounds.
    AffineExpr s0, s1, s2, s3;
    bindSymbols(context, s0, s1, s2, s3);
    auto map = [&](unsigned symbols, ArrayRef<AffineExpr> results) {
      return AffineMap::get(0, symbols, results, context);
    };
    SmallVector<OpFoldResult> sourceOffsets, windowSizes, tileOffsets;
    for (int64_t d = 0; d < resultType.getRank(); ++d) {
      int64_t before = low[d], extent = sourceType.getDimSize(d);
      OpFoldResult o = tile->offsets[d], size = sizes[d];
      if (before == 0 && tile->paddedType.getDimSize(d) == extent) {
        // Not padded: the tile's window is its own slice of the input.
        sourceOffsets.push_back(o);
        windowSizes.push_back(size);
        tileOffsets.push_back(rewriter.getIndexAttr(0));
        continue;
      }
      // lo = min(max(o - before, 0), extent)
      OpFoldResult lo = affine::makeComposedFoldedAffineMax(
          rewriter, loc, map(1, {s0 - before, rewriter.getAffineConstantExpr(0)}), {o});
      lo = affine::makeComposedFoldedAffineMin(
          rewriter, loc, map(1, {s0, rewriter.getAffineConstantExpr(extent)}), {lo});
      // hi = min(o - before + size, extent); length = max(hi - lo, 0)
      OpFoldResult hi = affine::makeComposedFoldedAffineMin(
          rewriter, loc, map(2, {s0 - before + s1, rewriter.getAffineConstantExpr(extent)}),
          {o, size});
      OpFoldResult length = affine::makeComposedFoldedAffineMax(
          rewriter, loc, map(2, {s0 - s1, rewriter.getAffineConstantExpr(0)}), {hi, lo});
      // at = min(lo - (o - before), size - length): inside the tile even
      // when nothing is copied.
      OpFoldResult at = affine::makeComposedFoldedAffineMin(
          rewriter, loc, map(4, {s0 - s1 + before, s2 - s3}), {lo, o, size, length});
      sourceOffsets.push_back(lo);
      windowSizes.push_back(length);
      tileOffsets.push_back(at);
    }
    SmallVector<OpFoldResult> ones(resultType.getRank(), rewriter.getIndexAttr(1));
    Value filled =
        linalg::FillOp::create(rewriter, loc, tile->padValue, init).getResult(0);
    Value window = tensor::ExtractSliceOp::create(rewriter, loc, tile->source, sourceOffsets,
                                                  windowSizes, ones);
    Value staged = tensor::InsertSliceOp::create(rewriter, loc, window, filled, tileOffsets,
                                                 windowSizes, ones);
    rewriter.replaceOp(generic, staged);
  }
}
