//===- Vectorize.cpp - Register tiling of multiply-accumulate ops ----------===//
//
// Convolutions and matmuls (linalg.generic computing out += a * b with
// reduction loops) are tiled for registers and vectorized: a tile of the
// output, [block] x [vector] elements (e.g. 8 output channels x 16 pixels),
// stays in vector registers while the reduction loops run around it, one
// broadcast-times-vector FMA per block row and reduction step. The sum for
// each output element runs over the reduction loops in the same order as the
// scalar loops, so results are unchanged.
//
//===----------------------------------------------------------------------===//
#include "dialects/kernel/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/UB/IR/UBOps.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorTransforms.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/LoopInvariantCodeMotionUtils.h"

using namespace mlir;

namespace smelt::kernel {
#define GEN_PASS_DEF_KERNELVECTORIZE
#include "dialects/kernel/Transforms/Passes.h.inc"
} // namespace smelt::kernel

namespace {

/// out = out + a * b (either operand order), on f32.
bool isMultiplyAccumulate(linalg::GenericOp generic) {
  if (generic.getNumDpsInputs() != 2 || generic.getNumDpsInits() != 1)
    return false;
  Block &body = generic.getRegion().front();
  if (!body.getArgument(2).getType().isF32())
    return false;
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  auto add = yield.getOperand(0).getDefiningOp<arith::AddFOp>();
  if (!add || body.getOperations().size() != 3)
    return false;
  Value accumulator = body.getArgument(2);
  Value product = add.getLhs() == accumulator ? add.getRhs() : add.getLhs();
  if (add.getLhs() != accumulator && add.getRhs() != accumulator)
    return false;
  auto multiply = product.getDefiningOp<arith::MulFOp>();
  if (!multiply)
    return false;
  Value a = body.getArgument(0), b = body.getArgument(1);
  return (multiply.getLhs() == a && multiply.getRhs() == b) ||
         (multiply.getLhs() == b && multiply.getRhs() == a);
}

/// The combiner of a reduction generic (the op folding an element into the
/// accumulator), or null.
Operation *reductionCombiner(linalg::GenericOp generic) {
  if (generic.getNumReductionLoops() == 0 || generic.getNumDpsInits() != 1)
    return nullptr;
  Block &body = generic.getRegion().front();
  BlockArgument accumulator = body.getArguments().back();
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  Operation *combiner = yield.getOperand(0).getDefiningOp();
  if (!combiner || !llvm::is_contained(combiner->getOperands(), accumulator))
    return nullptr;
  return combiner;
}

/// A row reduction (its last loop `k`, along every operand's contiguous
/// dim) folded in vector registers, for the first `main` elements of each
/// row: a loop over the rows, and in it a loop over the row `lanes`
/// elements at a time whose accumulator is a vector of `lanes` elements
/// (several independent chains of the target's vectors) carried in
/// registers, then halved onto itself down to one element, which folds into
/// the row's entry of the output. The payload is cloned on vectors (every op
/// of it elementwise). The lanes loop as a linalg op stores its accumulators
/// back at every step, and LLVM keeps those stores (masked ones, once it
/// turns the maximum's select into a store of the larger elements).
/// Returns the output tensor, or failure where the payload or the maps do
/// not allow this.
FailureOr<Value> foldRowsInRegisters(RewriterBase &rewriter, linalg::GenericOp generic,
                                     Operation *combiner, int64_t lanes, int64_t main) {
  unsigned loops = generic.getNumLoops();
  unsigned k = loops - 1;
  Block &body = generic.getRegion().front();
  if (!smelt::kernel::isElementwisePayload(body))
    return failure();
  OpOperand *init = generic.getDpsInitOperand(0);
  auto outputType = cast<RankedTensorType>(init->get().getType());
  if (!outputType.hasStaticShape())
    return failure();
  // Static shapes of whole-byte elements (a vector of i1 read from memory
  // would be a bitmask, where a buffer of i1 holds a byte per element).
  for (OpOperand *operand : generic.getDpsInputOperands()) {
    auto type = cast<RankedTensorType>(operand->get().getType());
    if (!type.hasStaticShape() || !type.getElementType().isIntOrFloat() ||
        type.getElementTypeBitWidth() % 8 != 0)
      return failure();
  }
  SmallVector<int64_t> ranges = generic.getStaticLoopRanges();
  Location loc = generic.getLoc();
  Type element = outputType.getElementType();
  auto vectorType = VectorType::get({lanes}, element);
  auto flags = cast<arith::ArithFastMathInterface>(combiner).getFastMathFlagsAttr();
  const bool isMaximum = isa<arith::MaximumFOp>(combiner);
  auto combine = [&](Value x, Value y) -> Value {
    return isMaximum ? arith::MaximumFOp::create(rewriter, loc, x, y, flags).getResult()
                     : arith::MinimumFOp::create(rewriter, loc, x, y, flags).getResult();
  };
  auto index = [&](int64_t value) { return arith::ConstantIndexOp::create(rewriter, loc, value); };

  // One loop per row dim (every loop but k), the output carried through.
  SmallVector<Value> lower(k), upper(k), steps(k);
  for (unsigned d = 0; d < k; ++d) {
    lower[d] = index(0);
    upper[d] = index(ranges[d]);
    steps[d] = index(1);
  }
  bool failed = false;
  scf::LoopNest nest = scf::buildLoopNest(
      rewriter, loc, lower, upper, steps, ValueRange{init->get()},
      [&](OpBuilder &, Location, ValueRange rows, ValueRange carried) -> scf::ValueVector {
        Value identity = arith::ConstantOp::create(
            rewriter, loc,
            DenseElementsAttr::get(
                vectorType, cast<TypedAttr>(arith::getIdentityValueAttr(
                                isMaximum ? arith::AtomicRMWKind::maximumf
                                          : arith::AtomicRMWKind::minimumf,
                                element, rewriter, loc))));
        auto step = scf::ForOp::create(
            rewriter, loc, index(0), index(main), index(lanes), ValueRange{identity},
            [&](OpBuilder &, Location, Value offset, ValueRange accumulator) {
              SmallVector<Value> at(rows.begin(), rows.end());
              at.push_back(offset);
              IRMapping mapping;
              for (OpOperand *operand : generic.getDpsInputOperands()) {
                AffineMap map = generic.getMatchingIndexingMap(operand);
                FailureOr<SmallVector<Value>> indices =
                    smelt::kernel::applyIndexMap(rewriter, loc, map, at);
                if (::failed(indices)) {
                  failed = true;
                  break;
                }
                Type inputElement = getElementTypeOrSelf(operand->get().getType());
                auto inputVector = VectorType::get({lanes}, inputElement);
                Value value;
                if (map.isFunctionOfDim(k)) {
                  value = vector::TransferReadOp::create(
                      rewriter, loc, inputVector, operand->get(), *indices,
                      ub::PoisonOp::create(rewriter, loc, inputElement), ArrayRef<bool>{true});
                } else {
                  value = vector::BroadcastOp::create(
                      rewriter, loc, inputVector,
                      tensor::ExtractOp::create(rewriter, loc, operand->get(), *indices));
                }
                mapping.map(generic.getMatchingBlockArgument(operand), value);
              }
              mapping.map(body.getArguments().back(), accumulator.front());
              Value result = accumulator.front();
              if (!failed)
                result = smelt::kernel::clonePayloadOnVectors(rewriter, loc, body, mapping,
                                                              lanes)
                             .front();
              scf::YieldOp::create(rewriter, loc, result);
            });
        // The lanes halved onto themselves, down to one.
        Value folded = step.getResult(0);
        for (int64_t width = lanes / 2; width >= 1; width /= 2)
          folded = combine(vector::ExtractStridedSliceOp::create(rewriter, loc, folded, {0},
                                                                  {width}, {1}),
                           vector::ExtractStridedSliceOp::create(rewriter, loc, folded, {width},
                                                                  {width}, {1}));
        Value rowValue = vector::ExtractOp::create(rewriter, loc, folded, ArrayRef<int64_t>{0});
        FailureOr<SmallVector<Value>> outIndices =
            smelt::kernel::applyIndexMap(rewriter, loc, generic.getMatchingIndexingMap(init),
                                         llvm::to_vector(rows));
        if (::failed(outIndices)) {
          failed = true;
          return {carried.front()};
        }
        Value previous = tensor::ExtractOp::create(rewriter, loc, carried.front(), *outIndices);
        return {tensor::InsertOp::create(rewriter, loc, combine(previous, rowValue),
                                         carried.front(), *outIndices)};
      });
  if (failed) {
    for (scf::ForOp loop : llvm::reverse(nest.loops))
      rewriter.eraseOp(loop);
    return failure();
  }
  return nest.results.front();
}

/// How far `expr` moves when loop `dim` advances by one (other loops fixed);
/// nullopt when that is not a constant.
std::optional<int64_t> strideAlong(AffineExpr expr, unsigned dim, unsigned dimCount) {
  MLIRContext *context = expr.getContext();
  SmallVector<AffineExpr> at0(dimCount, getAffineConstantExpr(0, context));
  SmallVector<AffineExpr> at1 = at0;
  at1[dim] = getAffineConstantExpr(1, context);
  auto v0 = dyn_cast<AffineConstantExpr>(expr.replaceDimsAndSymbols(at0, {}));
  auto v1 = dyn_cast<AffineConstantExpr>(expr.replaceDimsAndSymbols(at1, {}));
  if (!v0 || !v1)
    return std::nullopt;
  return v1.getValue() - v0.getValue();
}

/// Largest divisor of `extent` that is at most `limit`.
int64_t largestDivisor(int64_t extent, int64_t limit) {
  for (int64_t candidate = std::min(extent, limit); candidate > 1; --candidate)
    if (extent % candidate == 0)
      return candidate;
  return 1;
}

/// Tile sizes for registers, or empty when the op does not fit the scheme:
/// reductions 1; the output's innermost dim up to `vectorWidth` lanes; one more
/// output dim (one the first operand does not depend on if possible, such as
/// a convolution's output channels) up to `blockRows`; other dims 1.
SmallVector<int64_t> registerTileSizes(linalg::GenericOp generic, int64_t vectorWidth,
                                       int64_t blockRows) {
  SmallVector<int64_t> ranges = generic.getStaticLoopRanges();
  if (llvm::any_of(ranges, ShapedType::isDynamic))
    return {};
  SmallVector<utils::IteratorType> iterators = generic.getIteratorTypesArray();
  AffineMap outputMap = generic.getMatchingIndexingMap(generic.getDpsInitOperand(0));
  AffineMap firstMap = generic.getMatchingIndexingMap(generic.getDpsInputOperand(0));
  if (!outputMap.isProjectedPermutation() || outputMap.getNumResults() == 0)
    return {};

  SmallVector<int64_t> tiles(ranges.size(), 1);
  unsigned innermost = cast<AffineDimExpr>(outputMap.getResults().back()).getPosition();
  if (!smelt::kernel::unitStrideAlong(generic, innermost))
    return {};
  tiles[innermost] = largestDivisor(ranges[innermost], vectorWidth);
  if (tiles[innermost] < 4)
    return {};

  std::optional<unsigned> rows;
  for (AffineExpr expr : outputMap.getResults().drop_back()) {
    unsigned dim = cast<AffineDimExpr>(expr).getPosition();
    if (ranges[dim] > 1 && !firstMap.isFunctionOfDim(dim)) {
      rows = dim;
      break;
    }
  }
  if (!rows)
    for (AffineExpr expr : outputMap.getResults().drop_back()) {
      unsigned dim = cast<AffineDimExpr>(expr).getPosition();
      if (!rows || ranges[dim] > ranges[*rows])
        rows = dim;
    }
  if (rows)
    tiles[*rows] = largestDivisor(ranges[*rows], blockRows);
  for (auto [loop, iterator] : llvm::enumerate(iterators))
    if (iterator == utils::IteratorType::reduction)
      tiles[loop] = 1;
  return tiles;
}

/// Marks the combiner of each float sum or product that is not a contraction
/// reassociable, so the target may keep one partial result per vector lane
/// and combine them at the end. Only the summation order changes, as in every
/// vectorized reduction; contractions keep theirs (their vector form comes
/// from register tiling, one accumulator per output element).
void allowReassociation(linalg::GenericOp generic) {
  Operation *combiner = reductionCombiner(generic);
  if (!combiner || isMultiplyAccumulate(generic) ||
      !isa<arith::AddFOp, arith::MulFOp>(combiner))
    return;
  auto fastMath = cast<arith::ArithFastMathInterface>(combiner);
  fastMath->setAttr(fastMath.getFastMathAttrName(),
                    arith::FastMathFlagsAttr::get(generic.getContext(),
                                                  fastMath.getFastMathFlagsAttr().getValue() |
                                                      arith::FastMathFlags::reassoc));
}

/// A maximum or minimum along a long contiguous innermost loop becomes one
/// over `lanes` interleaved partial results and a final reduction of the
/// lanes: loop k (extent K) becomes a reduction ko over K / lanes around a
/// parallel loop ki over the lanes, reading element ko * lanes + ki through
/// an expand_shape of each operand that depends on k. LLVM does not
/// vectorize a NaN-propagating maximum as a reduction, but does vectorize it
/// across parallel lanes; the result is exact (max and min do not round).
/// On 16-lane vectors (`vectorWidth`, AVX-512), up to four vectors of lanes
/// (64) are independent chains, so the compare-and-select chain of each
/// (about five cycles a step on x86) overlaps the others, and the lanes'
/// fill and final fold are explicit vector ops (whole-vector stores, and
/// halving steps over each row's lanes) where LLVM would vectorize their
/// scalar loops across rows with scatters and gathers. Narrower kernels keep
/// 16 lanes and scalar loops: explicit vectors wider than the kernel's width
/// would be legalized to the target's widest registers.
/// (linalg::splitReduction does the same for plain maps, but mistranslates
/// broadcast operands whose maps have constant indices.)
void splitIntoLanes(RewriterBase &rewriter, linalg::GenericOp generic, int64_t vectorWidth) {
  Operation *combiner = reductionCombiner(generic);
  if (!combiner || generic.getNumReductionLoops() != 1 || generic.getNumDpsInits() != 1 ||
      !isa<arith::MaximumFOp, arith::MinimumFOp>(combiner))
    return;
  unsigned loops = generic.getNumLoops();
  unsigned k = loops - 1;
  int64_t extent = generic.getStaticLoopRanges()[k];
  if (generic.getIteratorTypesArray()[k] != utils::IteratorType::reduction ||
      ShapedType::isDynamic(extent) || extent < 4 * 16 ||
      !smelt::kernel::unitStrideAlong(generic, k) || generic.hasIndexSemantics())
    return;
  // Up to four chains of 16 lanes, each still stepping at least four times.
  const bool wholeVectors = vectorWidth == 16;
  int64_t lanes = 16;
  while (wholeVectors && lanes < 64 && extent >= 4 * 2 * lanes)
    lanes *= 2;
  MLIRContext *context = generic.getContext();
  Location loc = generic.getLoc();
  rewriter.setInsertionPoint(generic);
  // The lanes cover the largest multiple of `lanes`; a remainder (ViT's 197
  // tokens) is folded in afterwards by the original op on the tail.
  int64_t main = extent - extent % lanes;
  auto sliceAlongK = [&](OpOperand *operand, int64_t offset, int64_t size) -> Value {
    Value value = operand->get();
    if (size == extent || !generic.getMatchingIndexingMap(operand).isFunctionOfDim(k))
      return value;
    auto type = cast<RankedTensorType>(value.getType());
    SmallVector<OpFoldResult> offsets(type.getRank(), rewriter.getIndexAttr(0));
    SmallVector<OpFoldResult> strides(type.getRank(), rewriter.getIndexAttr(1));
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(rewriter, loc, value);
    offsets.back() = rewriter.getIndexAttr(offset);
    sizes.back() = rewriter.getIndexAttr(size);
    return tensor::ExtractSliceOp::create(rewriter, loc, value, offsets, sizes, strides);
  };

  // Replaces the op by the folded lanes (`folded`) and the tail.
  auto foldTail = [&](Value folded) {
    if (main == extent) {
      rewriter.replaceOp(generic, folded);
      return;
    }
    SmallVector<Value> tailInputs;
    for (OpOperand *operand : generic.getDpsInputOperands())
      tailInputs.push_back(sliceAlongK(operand, main, extent - main));
    auto tail = linalg::GenericOp::create(rewriter, loc, TypeRange{folded.getType()}, tailInputs,
                                          folded, generic.getIndexingMapsArray(),
                                          generic.getIteratorTypesArray());
    IRMapping tailMapping;
    rewriter.cloneRegionBefore(generic.getRegion(), tail.getRegion(), tail.getRegion().begin(),
                               tailMapping);
    if (Attribute scope = generic->getAttr(smelt::kernel::kScopeAttrName))
      tail->setAttr(smelt::kernel::kScopeAttrName, scope);
    rewriter.replaceOp(generic, tail.getResults());
  };
  // On whole vectors, the rows fold in registers where the payload allows.
  if (wholeVectors) {
    FailureOr<Value> folded = foldRowsInRegisters(rewriter, generic, combiner, lanes, main);
    if (succeeded(folded)) {
      foldTail(*folded);
      return;
    }
  }

  // Loops of the split op: the original ones with k as ko, then ki.
  AffineExpr ko = getAffineDimExpr(k, context), ki = getAffineDimExpr(loops, context);
  SmallVector<Value> inputs;
  SmallVector<AffineMap> maps;
  for (OpOperand *operand : generic.getDpsInputOperands()) {
    AffineMap map = generic.getMatchingIndexingMap(operand);
    SmallVector<AffineExpr> exprs(map.getResults());
    if (map.isFunctionOfDim(k) &&
        (exprs.back() != ko ||
         cast<RankedTensorType>(operand->get().getType()).getShape().back() != extent))
      return; // unitStrideAlong: k is (only) the innermost index, advancing by one
    Value value = sliceAlongK(operand, 0, main);
    if (map.isFunctionOfDim(k)) {
      auto type = cast<RankedTensorType>(value.getType());
      SmallVector<int64_t> shape(type.getShape());
      shape.back() = main / lanes;
      shape.push_back(lanes);
      SmallVector<ReassociationIndices> groups;
      for (int64_t d = 0; d + 1 < type.getRank(); ++d)
        groups.push_back({d});
      groups.push_back({type.getRank() - 1, type.getRank()});
      value = tensor::ExpandShapeOp::create(
          rewriter, loc, RankedTensorType::get(shape, type.getElementType()), value, groups);
      exprs.push_back(ki);
    }
    inputs.push_back(value);
    maps.push_back(AffineMap::get(loops + 1, 0, exprs, context));
  }
  OpOperand *init = generic.getDpsInitOperand(0);
  AffineMap outputMap = generic.getMatchingIndexingMap(init);
  auto outputType = cast<RankedTensorType>(init->get().getType());
  SmallVector<AffineExpr> partialExprs(outputMap.getResults());
  partialExprs.push_back(ki);
  maps.push_back(AffineMap::get(loops + 1, 0, partialExprs, context));
  const bool isMaximum = isa<arith::MaximumFOp>(combiner);
  // The lanes fold with the combiner's flags (a softmax's NaN-free maximum).
  arith::FastMathFlags flags =
      cast<arith::ArithFastMathInterface>(combiner).getFastMathFlagsAttr().getValue();
  auto kind = isMaximum ? arith::AtomicRMWKind::maximumf : arith::AtomicRMWKind::minimumf;
  Value identity = arith::getIdentityValue(kind, outputType.getElementType(), rewriter, loc);
  // Row tiles at the end of the grid may be shorter (dynamic sizes).
  SmallVector<OpFoldResult> partialSizes = tensor::getMixedSizes(rewriter, loc, init->get());
  partialSizes.push_back(rewriter.getIndexAttr(lanes));
  Value partialInit =
      tensor::EmptyOp::create(rewriter, loc, partialSizes, outputType.getElementType());
  auto fill = linalg::FillOp::create(rewriter, loc, identity, partialInit);
  partialInit = fill.getResult(0);
  // Filled by whole-vector stores (LLVM would scatter its loop across rows).
  if (wholeVectors && cast<RankedTensorType>(partialInit.getType()).hasStaticShape()) {
    FailureOr<linalg::VectorizationResult> vectorized = linalg::vectorize(rewriter, fill);
    if (succeeded(vectorized)) {
      partialInit = vectorized->replacements.front();
      rewriter.replaceOp(fill, vectorized->replacements);
      rewriter.setInsertionPointAfterValue(partialInit);
    }
  }
  SmallVector<utils::IteratorType> iterators = generic.getIteratorTypesArray();
  iterators.push_back(utils::IteratorType::parallel);
  auto split = linalg::GenericOp::create(rewriter, loc, TypeRange{partialInit.getType()}, inputs,
                                         ValueRange{partialInit}, maps, iterators);
  IRMapping mapping;
  rewriter.cloneRegionBefore(generic.getRegion(), split.getRegion(), split.getRegion().begin(),
                             mapping);

  Value partial = split.getResult(0);

  // The split op reduces and shares what the original did.
  Attribute scope = generic->getAttr(smelt::kernel::kScopeAttrName);
  if (scope)
    split->setAttr(smelt::kernel::kScopeAttrName, scope);

  // The lanes of each row folded into the original accumulator: on whole
  // vectors by halving steps, the upper half onto the lower, down to one
  // (LLVM would vectorize the scalar loops across rows, with gathers, and
  // expands a vector.reduction of a NaN-propagating maximum largely lane by
  // lane); otherwise as a linalg reduction over the lanes.
  Value folded;
  auto partialType = cast<RankedTensorType>(partial.getType());
  if (wholeVectors && partialType.hasStaticShape() && outputType.hasStaticShape() &&
      outputType.getRank() > 0) {
    Type element = outputType.getElementType();
    int64_t rows = outputType.getNumElements();
    auto combineVectors = [&](Value x, Value y) -> Value {
      return isMaximum ? arith::MaximumFOp::create(rewriter, loc, x, y, flags).getResult()
                       : arith::MinimumFOp::create(rewriter, loc, x, y, flags).getResult();
    };
    Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
    Value padding = ub::PoisonOp::create(rewriter, loc, element);
    auto read = [&](Value tensor, RankedTensorType type) -> Value {
      SmallVector<Value> indices(type.getRank(), zero);
      SmallVector<bool> inBounds(type.getRank(), true);
      return vector::TransferReadOp::create(
          rewriter, loc, VectorType::get(type.getShape(), element), tensor, indices, padding,
          ArrayRef<bool>(inBounds));
    };
    auto shapeCast = [&](Value value, ArrayRef<int64_t> shape) -> Value {
      auto type = VectorType::get(shape, element);
      return value.getType() == type ? value
                                     : vector::ShapeCastOp::create(rewriter, loc, type, value);
    };
    Value lanesOfRows = shapeCast(read(partial, partialType), {rows, lanes});
    for (int64_t width = lanes / 2; width >= 1; width /= 2) {
      Value low = vector::ExtractStridedSliceOp::create(rewriter, loc, lanesOfRows, {0, 0},
                                                        {rows, width}, {1, 1});
      Value high = vector::ExtractStridedSliceOp::create(rewriter, loc, lanesOfRows,
                                                         {0, width}, {rows, width}, {1, 1});
      lanesOfRows = combineVectors(low, high);
    }
    Value reduced = shapeCast(lanesOfRows, outputType.getShape());
    reduced = combineVectors(read(init->get(), outputType), reduced);
    SmallVector<Value> indices(outputType.getRank(), zero);
    SmallVector<bool> inBounds(outputType.getRank(), true);
    folded = vector::TransferWriteOp::create(rewriter, loc, reduced, init->get(), indices,
                                             ArrayRef<bool>(inBounds))
                 .getResult();
  } else {
    unsigned outRank = outputType.getRank();
    SmallVector<AffineExpr> laneExprs;
    for (unsigned d = 0; d <= outRank; ++d)
      laneExprs.push_back(getAffineDimExpr(d, context));
    SmallVector<AffineMap> combineMaps = {
        AffineMap::get(outRank + 1, 0, laneExprs, context),
        AffineMap::get(outRank + 1, 0, ArrayRef(laneExprs).drop_back(), context)};
    SmallVector<utils::IteratorType> combineIterators(outRank, utils::IteratorType::parallel);
    combineIterators.push_back(utils::IteratorType::reduction);
    auto combined = linalg::GenericOp::create(
        rewriter, loc, TypeRange{outputType}, partial, init->get(), combineMaps, combineIterators,
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value lane = isMaximum
                           ? arith::MaximumFOp::create(b, l, args[1], args[0], flags).getResult()
                           : arith::MinimumFOp::create(b, l, args[1], args[0], flags).getResult();
          linalg::YieldOp::create(b, l, lane);
        });
    if (scope)
      combined->setAttr(smelt::kernel::kScopeAttrName, scope);
    folded = combined.getResult(0);
  }
  foldTail(folded);
}

} // namespace

bool smelt::kernel::isElementwisePayload(Block &body) {
  return llvm::all_of(body.without_terminator(), [](Operation &op) {
    return OpTrait::hasElementwiseMappableTraits(&op) && op.getNumRegions() == 0 &&
           llvm::all_of(op.getResultTypes(), [](Type type) { return type.isIntOrFloat(); });
  });
}

SmallVector<Value> smelt::kernel::clonePayloadOnVectors(OpBuilder &b, Location loc, Block &body,
                                                        IRMapping &mapping, int64_t lanes) {
  for (Operation &op : body.without_terminator()) {
    for (Value operand : op.getOperands())
      if (!mapping.contains(operand))
        mapping.map(operand, vector::BroadcastOp::create(
                                 b, loc, VectorType::get({lanes}, operand.getType()), operand));
    Operation *clone = b.clone(op, mapping);
    for (Value value : clone->getResults())
      value.setType(VectorType::get({lanes}, value.getType()));
  }
  return llvm::map_to_vector(body.getTerminator()->getOperands(),
                             [&](Value value) { return mapping.lookup(value); });
}

FailureOr<SmallVector<Value>> smelt::kernel::applyIndexMap(OpBuilder &b, Location loc,
                                                           AffineMap map, ArrayRef<Value> loops) {
  SmallVector<Value> indices;
  for (AffineExpr expr : map.getResults()) {
    if (auto dim = dyn_cast<AffineDimExpr>(expr))
      indices.push_back(loops[dim.getPosition()]);
    else if (auto constant = dyn_cast<AffineConstantExpr>(expr))
      indices.push_back(arith::ConstantIndexOp::create(b, loc, constant.getValue()));
    else
      return failure();
  }
  return indices;
}

bool smelt::kernel::unitStrideAlong(linalg::GenericOp generic, unsigned loop) {
  unsigned dimCount = generic.getNumLoops();
  for (OpOperand &operand : generic->getOpOperands()) {
    AffineMap map = generic.getMatchingIndexingMap(&operand);
    for (auto [position, expr] : llvm::enumerate(map.getResults())) {
      if (!expr.isFunctionOfDim(loop))
        continue;
      if (position + 1 != map.getNumResults() || strideAlong(expr, loop, dimCount) != 1)
        return false;
    }
  }
  return true;
}

void smelt::kernel::vectorizeKernel(FuncOp func, int64_t vectorWidth) {
  // The kernel's schedule may ask for narrower vectors than the target's.
  if (StrategyAttr strategy = func.getStrategyAttr();
      strategy && strategy.getVectorBytes() > 0 && vectorWidth > strategy.getVectorBytes() / 4)
    vectorWidth = std::max<int64_t>(1, strategy.getVectorBytes() / 4);
  {
    SmallVector<linalg::GenericOp> reductions;
    func.walk([&](linalg::GenericOp generic) {
      if (generic.hasPureTensorSemantics())
        reductions.push_back(generic);
    });
    IRRewriter rewriter(func.getContext());
    for (linalg::GenericOp generic : reductions) {
      allowReassociation(generic);
      splitIntoLanes(rewriter, generic, vectorWidth);
    }
  }
  if (vectorWidth <= 0)
    return;
  MLIRContext *context = func.getContext();
  SmallVector<linalg::GenericOp> contractions;
  func.walk([&](linalg::GenericOp generic) {
    if (generic.getNumReductionLoops() > 0 && generic.hasPureTensorSemantics() &&
        isMultiplyAccumulate(generic))
      contractions.push_back(generic);
  });
  if (contractions.empty())
    return;

  IRRewriter rewriter(context);
  for (linalg::GenericOp generic : contractions) {
    SmallVector<int64_t> tiles = registerTileSizes(generic, vectorWidth, /*blockRows=*/8);
    if (tiles.empty())
      continue;
    scf::SCFTilingOptions options;
    options.setTileSizes(getAsIndexOpFoldResult(context, tiles));
    rewriter.setInsertionPoint(generic);
    FailureOr<scf::SCFTilingResult> tiled =
        scf::tileUsingSCF(rewriter, cast<TilingInterface>(generic.getOperation()), options);
    if (failed(tiled) || tiled->tiledOps.size() != 1)
      continue;
    rewriter.replaceOp(generic, tiled->replacements);
    // The tile's unit loops (the reduction steps, batch, single rows) go away
    // through rank-reducing views, leaving [rows] x [lanes] with plain
    // (projected-permutation) maps, which the vectorizer accepts.
    auto tile = cast<linalg::GenericOp>(tiled->tiledOps.front());
    linalg::ControlDropUnitDims dropUnitDims;
    dropUnitDims.rankReductionStrategy =
        linalg::ControlDropUnitDims::RankReductionStrategy::ExtractInsertSlice;
    rewriter.setInsertionPoint(tile);
    FailureOr<linalg::DropUnitDimsResult> reduced =
        linalg::dropUnitDims(rewriter, tile, dropUnitDims);
    Operation *compact = tile;
    if (succeeded(reduced)) {
      rewriter.replaceOp(tile, reduced->replacements);
      compact = reduced->resultOp;
    }
    rewriter.setInsertionPoint(compact);
    FailureOr<linalg::VectorizationResult> vectorized = linalg::vectorize(rewriter, compact);
    if (succeeded(vectorized))
      rewriter.replaceOp(compact, vectorized->replacements);
  }

  // Unit dims away first, so the accumulator is read and written through one
  // transfer on the loop-carried tile.
  {
    RewritePatternSet patterns(context);
    vector::populateCastAwayVectorLeadingOneDimPatterns(patterns);
    vector::populateVectorTransferDropUnitDimsPatterns(patterns);
    vector::populateDropUnitDimWithShapeCastPatterns(patterns);
    vector::TransferReadOp::getCanonicalizationPatterns(patterns, context);
    vector::TransferWriteOp::getCanonicalizationPatterns(patterns, context);
    tensor::ExtractSliceOp::getCanonicalizationPatterns(patterns, context);
    (void)applyPatternsGreedily(func, std::move(patterns));
  }

  // The accumulator tile: read once before the reduction loops, written once
  // after them (innermost loops first, so the reads climb all the way out).
  SmallVector<LoopLikeOpInterface> loops;
  func.walk([&](LoopLikeOpInterface loop) { loops.push_back(loop); });
  for (LoopLikeOpInterface loop : loops)
    (void)hoistLoopInvariantSubsets(rewriter, loop);

  // Contractions as outer products (FMAs), transfers as plain vector loads
  // and stores.
  RewritePatternSet patterns(context);
  vector::populateCastAwayVectorLeadingOneDimPatterns(patterns);
  vector::populateVectorTransferDropUnitDimsPatterns(patterns);
  vector::populateDropUnitDimWithShapeCastPatterns(patterns);
  vector::populateVectorReductionToContractPatterns(patterns);
  vector::populateVectorContractLoweringPatterns(
      patterns, vector::VectorContractLowering::OuterProduct);
  vector::populateVectorMultiReductionLoweringPatterns(
      patterns, vector::VectorMultiReductionLowering::InnerParallel);
  vector::populateVectorTransferPermutationMapLoweringPatterns(patterns);
  vector::populateVectorBroadcastLoweringPatterns(patterns);
  vector::populateVectorShapeCastLoweringPatterns(patterns);
  vector::TransferReadOp::getCanonicalizationPatterns(patterns, context);
  vector::TransferWriteOp::getCanonicalizationPatterns(patterns, context);
  (void)applyPatternsGreedily(func, std::move(patterns));
}

namespace {
struct KernelVectorizePass
    : public smelt::kernel::impl::KernelVectorizeBase<KernelVectorizePass> {
  using KernelVectorizeBase::KernelVectorizeBase;
  void runOnOperation() override {
    for (auto func : getOperation().getOps<smelt::kernel::FuncOp>())
      smelt::kernel::vectorizeKernel(func, vectorWidth);
  }
};
} // namespace
