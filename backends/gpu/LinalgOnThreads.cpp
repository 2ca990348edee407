//===- LinalgOnThreads.cpp - One linalg op split between a block's threads -===//
//
// The per-op half of the GPU lowering (see KernelToGpu.h): elementwise ops one
// element or vector per thread, row reductions one or more warps per row with
// shuffles, other reductions one thread per output element.
//
//===----------------------------------------------------------------------===//
#include "backends/gpu/LinalgOnThreads.h"


#include "dialects/kernel/IR/KernelOps.h"
#include "dialects/kernel/IR/StorageSize.h"
#include "dialects/kernel/Transforms/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/AttrTypeSubElements.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ValueBoundsOpInterface.h"

#include <limits>

using namespace mlir;

namespace smelt::gpu::detail {

Value index(OpBuilder &b, Location loc, int64_t value) {
  return arith::ConstantIndexOp::create(b, loc, value);
}

/// Coordinates of `linear` over `extents` (row-major, the last fastest).
SmallVector<Value> delinearize(OpBuilder &b, Location loc, Value linear, ArrayRef<Value> extents) {
  SmallVector<Value> ids(extents.size());
  Value rest = linear;
  for (int64_t d = int64_t(extents.size()) - 1; d >= 0; --d) {
    if (d == 0) {
      ids[d] = rest;
      break;
    }
    ids[d] = arith::RemUIOp::create(b, loc, rest, extents[d]);
    rest = arith::DivUIOp::create(b, loc, rest, extents[d]);
  }
  return ids;
}

namespace {

Value product(OpBuilder &b, Location loc, ArrayRef<Value> values) {
  Value result = index(b, loc, 1);
  for (Value value : values)
    result = arith::MulIOp::create(b, loc, result, value);
  return result;
}

/// The indices `map` gives for loop indices `ivs`.
SmallVector<Value> indicesOf(OpBuilder &b, Location loc, AffineMap map, ArrayRef<Value> ivs) {
  SmallVector<Value> indices;
  for (AffineExpr expr : map.getResults()) {
    if (auto dim = dyn_cast<AffineDimExpr>(expr))
      indices.push_back(ivs[dim.getPosition()]);
    else if (auto constant = dyn_cast<AffineConstantExpr>(expr))
      indices.push_back(index(b, loc, constant.getValue()));
    else
      indices.push_back(affine::AffineApplyOp::create(
          b, loc, AffineMap::get(map.getNumDims(), map.getNumSymbols(), expr), ivs));
  }
  return indices;
}

/// A reduction's combiner: the payload op that folds a new value into the
/// output's accumulator (block argument `accumulator`), and which operand
/// that is.
struct Combiner {
  Operation *op = nullptr;
  unsigned accumulatorOperand = 0;
};

bool isCombinerKind(Operation *op) {
  return isa<arith::AddFOp, arith::MulFOp, arith::MaximumFOp, arith::MinimumFOp,
             arith::MaxNumFOp, arith::MinNumFOp, arith::AddIOp, arith::MulIOp,
             arith::MaxSIOp, arith::MinSIOp, arith::MaxUIOp, arith::MinUIOp, arith::AndIOp,
             arith::OrIOp, arith::XOrIOp>(op);
}

/// The value `combiner` leaves unchanged.
TypedAttr identityOf(Operation *combiner, Type type) {
  Builder b(type.getContext());
  if (auto floatType = dyn_cast<FloatType>(type)) {
    const llvm::fltSemantics &semantics = floatType.getFloatSemantics();
    if (isa<arith::AddFOp>(combiner))
      return b.getFloatAttr(type, llvm::APFloat::getZero(semantics, /*Negative=*/true));
    if (isa<arith::MulFOp>(combiner))
      return b.getFloatAttr(type, 1.0);
    if (isa<arith::MaximumFOp, arith::MaxNumFOp>(combiner))
      return b.getFloatAttr(type, llvm::APFloat::getInf(semantics, /*Negative=*/true));
    if (isa<arith::MinimumFOp, arith::MinNumFOp>(combiner))
      return b.getFloatAttr(type, llvm::APFloat::getInf(semantics, /*Negative=*/false));
    return {};
  }
  auto intType = dyn_cast<IntegerType>(type);
  if (!intType)
    return {};
  unsigned bits = intType.getWidth();
  auto make = [&](const llvm::APInt &value) { return b.getIntegerAttr(type, value); };
  if (isa<arith::AddIOp, arith::OrIOp, arith::XOrIOp, arith::MaxUIOp>(combiner))
    return make(llvm::APInt::getZero(bits));
  if (isa<arith::MulIOp>(combiner))
    return make(llvm::APInt(bits, 1));
  if (isa<arith::AndIOp, arith::MinUIOp>(combiner))
    return make(llvm::APInt::getAllOnes(bits));
  if (isa<arith::MaxSIOp>(combiner))
    return make(llvm::APInt::getSignedMinValue(bits));
  if (isa<arith::MinSIOp>(combiner))
    return make(llvm::APInt::getSignedMaxValue(bits));
  return {};
}

/// One combiner per output of `generic`, where each output's accumulator is
/// used by its combiner only and the value folded in does not depend on any
/// accumulator; empty otherwise.
SmallVector<Combiner> matchCombiners(linalg::GenericOp generic) {
  Block &body = *generic.getBlock();
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  unsigned inputs = generic.getNumDpsInputs();
  // Ops that depend on an accumulator.
  llvm::SmallPtrSet<Operation *, 8> dependent;
  for (unsigned o = 0; o < generic.getNumDpsInits(); ++o)
    for (Operation *user : body.getArgument(inputs + o).getUsers())
      dependent.insert(user);
  SmallVector<Combiner> combiners;
  for (unsigned o = 0; o < generic.getNumDpsInits(); ++o) {
    BlockArgument accumulator = body.getArgument(inputs + o);
    Operation *op = yield.getOperand(o).getDefiningOp();
    if (!op || op->getBlock() != &body || !isCombinerKind(op) || !accumulator.hasOneUse() ||
        accumulator.getUses().begin()->getOwner() != op)
      return {};
    unsigned position = op->getOperand(0) == accumulator ? 0 : 1;
    Value other = op->getOperand(1 - position);
    if (other == accumulator || !identityOf(op, accumulator.getType()))
      return {};
    // The folded-in value must not come from an accumulator.
    SmallVector<Value> work = {other};
    while (!work.empty()) {
      Value value = work.pop_back_val();
      if (auto arg = dyn_cast<BlockArgument>(value)) {
        if (arg.getOwner() == &body && arg.getArgNumber() >= inputs)
          return {};
        continue;
      }
      Operation *def = value.getDefiningOp();
      if (!def || def->getBlock() != &body)
        continue;
      if (dependent.contains(def) && isCombinerKind(def) && def != op)
        return {};
      for (Value operand : def->getOperands())
        work.push_back(operand);
    }
    combiners.push_back({op, position});
  }
  return combiners;
}

/// `combiner` applied to `accumulator` and `value` (scalars or vectors of one
/// type).
Value combine(OpBuilder &b, const Combiner &combiner, Value accumulator, Value value) {
  IRMapping mapping;
  mapping.map(combiner.op->getOperand(combiner.accumulatorOperand), accumulator);
  mapping.map(combiner.op->getOperand(1 - combiner.accumulatorOperand), value);
  Operation *clone = b.clone(*combiner.op, mapping);
  clone->getResult(0).setType(accumulator.getType());
  return clone->getResult(0);
}

/// Whether `generic`'s payload may be cloned per element on vectors (no
/// linalg.index, every op elementwise on scalars).
bool vectorizablePayload(linalg::GenericOp generic) {
  Block &body = *generic.getBlock();
  return kernel::isElementwisePayload(body) &&
         llvm::none_of(body.getOperations(), [](Operation &op) { return isa<linalg::IndexOp>(op); });
}

/// How a memref operand is read along the innermost loop `last`.
enum class Access { Invariant, Contiguous, Other };

Access accessAlong(AffineMap map, unsigned last) {
  if (!map.isFunctionOfDim(last))
    return Access::Invariant;
  unsigned results = map.getNumResults();
  if (results == 0 || map.getResult(results - 1) != getAffineDimExpr(last, map.getContext()))
    return Access::Other;
  for (unsigned r = 0; r + 1 < results; ++r)
    if (map.getResult(r).isFunctionOfDim(last))
      return Access::Other;
  return Access::Contiguous;
}

/// Lowers one linalg.generic (memref semantics) of a group body to loops
/// that split it between the block's threads.
class GenericLowering {
public:
  GenericLowering(linalg::GenericOp generic, const Threads &threads,
                  const GpuLoweringOptions &options, ::mlir::gpu::GPUFuncOp func)
      : generic_(generic), threads_(threads), options_(options), func_(func),
        loc_(generic.getLoc()) {}

  LogicalResult lower(OpBuilder &b);

private:
  /// Loads the operands of the payload for loop indices `ivs` (scalars), or
  /// `lanes`-wide vectors along the innermost loop when lanes > 1.
  void mapOperands(OpBuilder &b, ArrayRef<Value> ivs, int64_t lanes, IRMapping &mapping,
                   bool loadOutputs);
  /// Clones the payload; returns the yielded values.
  SmallVector<Value> clonePayload(OpBuilder &b, ArrayRef<Value> ivs, IRMapping &mapping,
                                  int64_t lanes, const SmallVector<Combiner> *skip = nullptr);
  /// Whether, at run time, every operand read along the innermost loop is
  /// contiguous there and aligned to `lanes` elements, and the innermost
  /// extent is a multiple of `lanes`.
  Value vectorCondition(OpBuilder &b, int64_t lanes, Value innermostExtent);
  /// Lanes of a vector of `options_.vectorBytes` over the operands' elements
  /// (0: not vectorizable).
  int64_t vectorLanes();

  void lowerElementwise(OpBuilder &b, ArrayRef<Value> sizes);
  void lowerElementwiseLoop(OpBuilder &b, ArrayRef<Value> sizes, int64_t lanes);
  void lowerRowReduction(OpBuilder &b, ArrayRef<Value> sizes,
                         const SmallVector<Combiner> &combiners);
  int64_t warpsPerRowOf(unsigned parallel);
  /// `partials`: one shared buffer of a value per warp for each combiner,
  /// when several warps share a row (empty otherwise).
  void lowerRowReductionBody(OpBuilder &b, ArrayRef<Value> sizes,
                             const SmallVector<Combiner> &combiners, int64_t lanes,
                             ArrayRef<Value> partials);
  void lowerPerOutput(OpBuilder &b, ArrayRef<Value> sizes);

  linalg::GenericOp generic_;
  const Threads &threads_;
  const GpuLoweringOptions &options_;
  ::mlir::gpu::GPUFuncOp func_;
  Location loc_;
};

int64_t GenericLowering::vectorLanes() {
  if (!vectorizablePayload(generic_) || generic_.getNumLoops() == 0)
    return 0;
  int64_t elementBytes = 0;
  unsigned last = generic_.getNumLoops() - 1;
  for (OpOperand &use : generic_->getOpOperands()) {
    Value operand = use.get();
    auto type = dyn_cast<MemRefType>(operand.getType());
    if (!type)
      continue;
    // Vector loads need a unit innermost stride the type states.
    if (accessAlong(generic_.getMatchingIndexingMap(&use), last) == Access::Contiguous &&
        !type.isLastDimUnitStride())
      return 0;
    Type element = type.getElementType();
    if (!element.isIntOrFloat() || element.getIntOrFloatBitWidth() % 8 != 0)
      return 0;
    int64_t bytes = element.getIntOrFloatBitWidth() / 8;
    if (elementBytes && elementBytes != bytes)
      return 0;
    elementBytes = bytes;
  }
  if (elementBytes == 0)
    return 0;
  int64_t lanes = options_.vectorBytes / elementBytes;
  // A row whose length is known not to be a multiple of the vector.
  int64_t innermost = generic_.getStaticLoopRanges()[last];
  if (!ShapedType::isDynamic(innermost) && innermost % std::max<int64_t>(lanes, 1) != 0)
    return 0;
  return lanes >= 2 ? lanes : 0;
}

Value GenericLowering::vectorCondition(OpBuilder &b, int64_t lanes, Value innermostExtent) {
  unsigned last = generic_.getNumLoops() - 1;
  Value zero = index(b, loc_, 0), one = index(b, loc_, 1);
  Value laneCount = index(b, loc_, lanes);
  auto isMultiple = [&](Value value, Value of) {
    return arith::CmpIOp::create(b, loc_, arith::CmpIPredicate::eq,
                                 arith::RemUIOp::create(b, loc_, value, of), zero);
  };
  Value ok = isMultiple(innermostExtent, laneCount);
  for (OpOperand &operand : generic_->getOpOperands()) {
    auto type = dyn_cast<MemRefType>(operand.get().getType());
    if (!type)
      continue;
    if (accessAlong(generic_.getMatchingIndexingMap(&operand), last) != Access::Contiguous)
      continue;
    int64_t elementBytes = type.getElementTypeBitWidth() / 8;
    auto metadata = memref::ExtractStridedMetadataOp::create(b, loc_, operand.get());
    Value base = memref::ExtractAlignedPointerAsIndexOp::create(b, loc_, operand.get());
    Value address = arith::AddIOp::create(
        b, loc_, base,
        arith::MulIOp::create(b, loc_, metadata.getOffset(), index(b, loc_, elementBytes)));
    ok = arith::AndIOp::create(b, loc_, ok,
                               isMultiple(address, index(b, loc_, lanes * elementBytes)));
    auto strides = metadata.getStrides();
    if (strides.empty())
      continue;
    ok = arith::AndIOp::create(
        b, loc_, ok,
        arith::CmpIOp::create(b, loc_, arith::CmpIPredicate::eq, strides.back(), one));
    for (size_t d = 0; d + 1 < strides.size(); ++d)
      ok = arith::AndIOp::create(b, loc_, ok, isMultiple(strides[d], laneCount));
  }
  return ok;
}

void GenericLowering::mapOperands(OpBuilder &b, ArrayRef<Value> ivs, int64_t lanes,
                                  IRMapping &mapping, bool loadOutputs) {
  Block &body = *generic_.getBlock();
  unsigned last = generic_.getNumLoops() - 1;
  for (OpOperand &operand : generic_->getOpOperands()) {
    BlockArgument arg = body.getArgument(operand.getOperandNumber());
    if (generic_.isDpsInit(&operand) && (!loadOutputs || arg.use_empty()))
      continue;
    if (!generic_.isDpsInit(&operand) && arg.use_empty())
      continue;
    Value value = operand.get();
    auto type = dyn_cast<MemRefType>(value.getType());
    if (!type) { // a scalar operand
      mapping.map(arg, lanes > 1 ? vector::BroadcastOp::create(
                                       b, loc_, VectorType::get({lanes}, value.getType()), value)
                                       .getResult()
                                 : value);
      continue;
    }
    AffineMap map = generic_.getMatchingIndexingMap(&operand);
    SmallVector<Value> indices = indicesOf(b, loc_, map, ivs);
    if (lanes > 1 && accessAlong(map, last) == Access::Contiguous) {
      auto vectorType = VectorType::get({lanes}, type.getElementType());
      int64_t alignment = lanes * type.getElementTypeBitWidth() / 8;
      mapping.map(arg, vector::LoadOp::create(b, loc_, vectorType, value, indices,
                                              /*nontemporal=*/false, llvm::MaybeAlign(alignment))
                           .getResult());
      continue;
    }
    Value scalar = memref::LoadOp::create(b, loc_, value, indices);
    mapping.map(arg, lanes > 1 ? vector::BroadcastOp::create(
                                     b, loc_, VectorType::get({lanes}, scalar.getType()), scalar)
                                     .getResult()
                               : scalar);
  }
}

SmallVector<Value> GenericLowering::clonePayload(OpBuilder &b, ArrayRef<Value> ivs,
                                                 IRMapping &mapping, int64_t lanes,
                                                 const SmallVector<Combiner> *skip) {
  Block &body = *generic_.getBlock();
  auto isSkipped = [&](Operation &op) {
    return skip && llvm::any_of(*skip, [&](const Combiner &c) { return c.op == &op; });
  };
  for (Operation &op : body.without_terminator()) {
    if (isSkipped(op))
      continue;
    if (auto indexOp = dyn_cast<linalg::IndexOp>(op)) {
      mapping.map(indexOp.getResult(), ivs[indexOp.getDim()]);
      continue;
    }
    if (lanes > 1)
      for (Value operand : op.getOperands())
        if (!mapping.contains(operand))
          mapping.map(operand, vector::BroadcastOp::create(
                                   b, loc_, VectorType::get({lanes}, operand.getType()), operand));
    Operation *clone = b.clone(op, mapping);
    if (lanes > 1)
      for (Value result : clone->getResults())
        result.setType(VectorType::get({lanes}, result.getType()));
  }
  SmallVector<Value> yielded;
  if (skip) // a reduction's combiners make its results
    return yielded;
  for (Value value : body.getTerminator()->getOperands()) {
    Value result = mapping.lookupOrDefault(value);
    // A value from above the payload (a constant) is the same in every lane.
    if (lanes > 1 && !isa<VectorType>(result.getType()))
      result = vector::BroadcastOp::create(b, loc_, VectorType::get({lanes}, result.getType()),
                                           result);
    yielded.push_back(result);
  }
  return yielded;
}

void GenericLowering::lowerElementwiseLoop(OpBuilder &b, ArrayRef<Value> sizes, int64_t lanes) {
  Value total = product(b, loc_, sizes);
  Value step = index(b, loc_, threads_.count);
  Value start = threads_.tid;
  if (lanes > 1)
    total = arith::DivUIOp::create(b, loc_, total, index(b, loc_, lanes));
  auto loop = scf::ForOp::create(b, loc_, start, total, step);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(loop.getBody()->getTerminator());
  Value linear = loop.getInductionVar();
  if (lanes > 1)
    linear = arith::MulIOp::create(b, loc_, linear, index(b, loc_, lanes));
  SmallVector<Value> ivs = delinearize(b, loc_, linear, sizes);
  IRMapping mapping;
  mapOperands(b, ivs, lanes, mapping, /*loadOutputs=*/true);
  SmallVector<Value> results = clonePayload(b, ivs, mapping, lanes);
  for (auto [value, init] : llvm::zip(results, generic_.getDpsInitsMutable())) {
    AffineMap map = generic_.getMatchingIndexingMap(&init);
    SmallVector<Value> indices = indicesOf(b, loc_, map, ivs);
    if (lanes > 1) {
      auto type = cast<MemRefType>(init.get().getType());
      vector::StoreOp::create(b, loc_, value, init.get(), indices, /*nontemporal=*/false,
                              llvm::MaybeAlign(lanes * type.getElementTypeBitWidth() / 8));
    } else {
      memref::StoreOp::create(b, loc_, value, init.get(), indices);
    }
  }
}

void GenericLowering::lowerElementwise(OpBuilder &b, ArrayRef<Value> sizes) {
  int64_t lanes = sizes.empty() ? 0 : vectorLanes();
  // Outputs must be written contiguously for vector stores, and no operand
  // may be read along the innermost loop other than contiguously.
  unsigned last = generic_.getNumLoops() ? generic_.getNumLoops() - 1 : 0;
  for (OpOperand &init : generic_.getDpsInitsMutable())
    if (lanes && accessAlong(generic_.getMatchingIndexingMap(&init), last) != Access::Contiguous)
      lanes = 0;
  for (OpOperand *input : generic_.getDpsInputOperands())
    if (lanes && isa<MemRefType>(input->get().getType()) &&
        accessAlong(generic_.getMatchingIndexingMap(input), last) == Access::Other)
      lanes = 0;
  if (lanes == 0) {
    lowerElementwiseLoop(b, sizes, 1);
    return;
  }
  Value condition = vectorCondition(b, lanes, sizes.back());
  auto branch = scf::IfOp::create(b, loc_, condition, /*withElseRegion=*/true);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(branch.thenBlock());
  lowerElementwiseLoop(b, sizes, lanes);
  b.setInsertionPointToStart(branch.elseBlock());
  lowerElementwiseLoop(b, sizes, 1);
}

/// Warps per row: where the group has fewer rows (known statically) than
/// warps, several warps share a row and combine their partial results in
/// shared memory.
int64_t GenericLowering::warpsPerRowOf(unsigned parallel) {
  int64_t warps = threads_.warps(), warpsPerRow = 1, rows = 1;
  for (int64_t size : ArrayRef<int64_t>(generic_.getStaticLoopRanges()).take_front(parallel))
    rows = ShapedType::isDynamic(size) || ShapedType::isDynamic(rows) ? ShapedType::kDynamic
                                                                     : rows * size;
  if (!ShapedType::isDynamic(rows) && rows > 0 && rows < warps)
    while (warpsPerRow * 2 * rows <= warps)
      warpsPerRow *= 2;
  return warpsPerRow;
}

void GenericLowering::lowerRowReductionBody(OpBuilder &b, ArrayRef<Value> sizes,
                                            const SmallVector<Combiner> &combiners,
                                            int64_t lanes, ArrayRef<Value> partials) {
  auto iterators = generic_.getIteratorTypesArray();
  unsigned parallel = 0;
  while (parallel < iterators.size() && iterators[parallel] == utils::IteratorType::parallel)
    ++parallel;
  ArrayRef<Value> rowSizes = sizes.take_front(parallel), reducedSizes = sizes.drop_front(parallel);
  Value rows = product(b, loc_, rowSizes);
  Value reduced = product(b, loc_, reducedSizes);
  Block &body = *generic_.getBlock();
  unsigned inputs = generic_.getNumDpsInputs();

  int64_t warps = threads_.warps();
  const int64_t warpsPerRow = partials.empty() ? 1 : warpsPerRowOf(parallel);

  Value zero = index(b, loc_, 0);
  Value isLaneZero =
      arith::CmpIOp::create(b, loc_, arith::CmpIPredicate::eq, threads_.lane, zero);
  Value wpr = index(b, loc_, warpsPerRow);
  Value firstRow = arith::DivUIOp::create(b, loc_, threads_.warp, wpr);
  Value part = arith::RemUIOp::create(b, loc_, threads_.warp, wpr);
  Value rowStep = index(b, loc_, warps / warpsPerRow);
  auto rowLoop = scf::ForOp::create(b, loc_, firstRow, rows, rowStep);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(rowLoop.getBody()->getTerminator());
  SmallVector<Value> rowIvs = delinearize(b, loc_, rowLoop.getInductionVar(), rowSizes);

  // Each lane folds its share of the row, `lanes` elements at a time.
  SmallVector<Value> identities;
  for (auto [o, combiner] : llvm::enumerate(combiners)) {
    Type type = body.getArgument(inputs + o).getType();
    Value identity = arith::ConstantOp::create(b, loc_, identityOf(combiner.op, type));
    if (lanes > 1)
      identity = vector::BroadcastOp::create(b, loc_, VectorType::get({lanes}, type), identity);
    identities.push_back(identity);
  }
  Value laneIndex = arith::AddIOp::create(
      b, loc_, threads_.lane,
      arith::MulIOp::create(b, loc_, part, index(b, loc_, threads_.subgroup)));
  Value first = arith::MulIOp::create(b, loc_, laneIndex, index(b, loc_, std::max<int64_t>(lanes, 1)));
  Value step = index(b, loc_, threads_.subgroup * warpsPerRow * std::max<int64_t>(lanes, 1));
  auto laneLoop = scf::ForOp::create(b, loc_, first, reduced, step, identities);
  {
    OpBuilder::InsertionGuard inner(b);
    b.setInsertionPointToStart(laneLoop.getBody());
    SmallVector<Value> ivs = rowIvs;
    llvm::append_range(ivs, delinearize(b, loc_, laneLoop.getInductionVar(), reducedSizes));
    IRMapping mapping;
    mapOperands(b, ivs, lanes, mapping, /*loadOutputs=*/false);
    clonePayload(b, ivs, mapping, lanes, &combiners);
    SmallVector<Value> next;
    for (auto [o, combiner] : llvm::enumerate(combiners)) {
      Value other = combiner.op->getOperand(1 - combiner.accumulatorOperand);
      Value folded = mapping.lookupOrNull(other);
      if (!folded) // a value from above the payload
        folded = lanes > 1 ? vector::BroadcastOp::create(
                                 b, loc_, VectorType::get({lanes}, other.getType()), other)
                                 .getResult()
                           : other;
      next.push_back(combine(b, combiner, laneLoop.getRegionIterArg(o), folded));
    }
    scf::YieldOp::create(b, loc_, next);
  }

  SmallVector<Value> totals;
  for (auto [o, combiner] : llvm::enumerate(combiners)) {
    Value total = laneLoop.getResult(o);
    if (lanes > 1) {
      Value scalar = vector::ExtractOp::create(b, loc_, total, ArrayRef<int64_t>{0});
      for (int64_t l = 1; l < lanes; ++l)
        scalar = combine(b, combiner, scalar,
                         vector::ExtractOp::create(b, loc_, total, ArrayRef<int64_t>{l}));
      total = scalar;
    }
    // Butterfly across the warp: every lane ends with the warp's total.
    for (int64_t offset = threads_.subgroup / 2; offset >= 1; offset /= 2) {
      auto shuffled = ::mlir::gpu::ShuffleOp::create(b, loc_, total, int32_t(offset),
                                                     int32_t(threads_.subgroup),
                                                     ::mlir::gpu::ShuffleMode::XOR);
      total = combine(b, combiner, total, shuffled.getShuffleResult());
    }
    totals.push_back(total);
  }

  auto storeTotals = [&](OpBuilder &sb, ArrayRef<Value> values) {
    for (auto [o, value] : llvm::enumerate(values)) {
      OpOperand *init = generic_.getDpsInitOperand(o);
      SmallVector<Value> indices =
          indicesOf(sb, loc_, generic_.getMatchingIndexingMap(init), rowIvs);
      Value previous = memref::LoadOp::create(sb, loc_, init->get(), indices);
      memref::StoreOp::create(sb, loc_, combine(sb, combiners[o], previous, value), init->get(),
                              indices);
    }
  };
  if (warpsPerRow == 1) {
    auto branch = scf::IfOp::create(b, loc_, isLaneZero, /*withElseRegion=*/false);
    OpBuilder sb = OpBuilder::atBlockBegin(branch.thenBlock());
    storeTotals(sb, totals);
    return;
  }
  // Partials of the row's warps through shared memory; the first of them adds
  // them up. With several warps per row each warp has at most one row, so
  // every warp meets the barrier after the row loop once.
  {
    auto branch = scf::IfOp::create(b, loc_, isLaneZero, /*withElseRegion=*/false);
    OpBuilder sb = OpBuilder::atBlockBegin(branch.thenBlock());
    for (auto [partial, total] : llvm::zip(partials, totals))
      memref::StoreOp::create(sb, loc_, total, partial, ValueRange{threads_.warp});
  }
  b.setInsertionPointAfter(rowLoop);
  ::mlir::gpu::BarrierOp::create(b, loc_);
  Value leads = arith::AndIOp::create(
      b, loc_,
      arith::AndIOp::create(
          b, loc_, arith::CmpIOp::create(b, loc_, arith::CmpIPredicate::eq, part, zero),
          arith::CmpIOp::create(b, loc_, arith::CmpIPredicate::eq, threads_.lane, zero)),
      arith::CmpIOp::create(b, loc_, arith::CmpIPredicate::ult, firstRow, rows));
  auto branch = scf::IfOp::create(b, loc_, leads, /*withElseRegion=*/false);
  OpBuilder sb = OpBuilder::atBlockBegin(branch.thenBlock());
  rowIvs = delinearize(sb, loc_, firstRow, rowSizes);
  SmallVector<Value> sums;
  for (auto [o, partial] : llvm::enumerate(partials)) {
    Value sum = memref::LoadOp::create(sb, loc_, partial, ValueRange{threads_.warp});
    for (int64_t k = 1; k < warpsPerRow; ++k)
      sum = combine(sb, combiners[o], sum,
                    memref::LoadOp::create(
                        sb, loc_, partial,
                        ValueRange{arith::AddIOp::create(sb, loc_, threads_.warp,
                                                         index(sb, loc_, k))}));
    sums.push_back(sum);
  }
  storeTotals(sb, sums);
}

void GenericLowering::lowerRowReduction(OpBuilder &b, ArrayRef<Value> sizes,
                                        const SmallVector<Combiner> &combiners) {
  // Vector loads along the row where its buffers allow.
  unsigned last = generic_.getNumLoops() - 1;
  int64_t lanes = vectorLanes();
  for (OpOperand *input : generic_.getDpsInputOperands())
    if (lanes && isa<MemRefType>(input->get().getType()) &&
        accessAlong(generic_.getMatchingIndexingMap(input), last) == Access::Other)
      lanes = 0;
  // The shared partials, once for the vector and the scalar branch.
  unsigned parallel = 0;
  for (utils::IteratorType iterator : generic_.getIteratorTypesArray()) {
    if (iterator != utils::IteratorType::parallel)
      break;
    ++parallel;
  }
  SmallVector<Value> partials;
  if (warpsPerRowOf(parallel) > 1) {
    Block &body = *generic_.getBlock();
    for (unsigned o = 0; o < combiners.size(); ++o)
      partials.push_back(func_.addWorkgroupAttribution(
          MemRefType::get({threads_.warps()},
                          body.getArgument(generic_.getNumDpsInputs() + o).getType(),
                          AffineMap(),
                          ::mlir::gpu::AddressSpaceAttr::get(
                              b.getContext(), ::mlir::gpu::AddressSpace::Workgroup)),
          loc_));
  }
  auto emit = [&](OpBuilder &eb, int64_t width) {
    lowerRowReductionBody(eb, sizes, combiners, width, partials);
  };
  if (lanes == 0) {
    emit(b, 1);
  } else {
    Value condition = vectorCondition(b, lanes, sizes.back());
    auto branch = scf::IfOp::create(b, loc_, condition, /*withElseRegion=*/true);
    OpBuilder tb = OpBuilder::atBlockBegin(branch.thenBlock());
    tb.setInsertionPoint(branch.thenBlock()->getTerminator());
    emit(tb, lanes);
    OpBuilder eb = OpBuilder::atBlockBegin(branch.elseBlock());
    eb.setInsertionPoint(branch.elseBlock()->getTerminator());
    emit(eb, 1);
  }
}

void GenericLowering::lowerPerOutput(OpBuilder &b, ArrayRef<Value> sizes) {
  auto iterators = generic_.getIteratorTypesArray();
  SmallVector<unsigned> parallelLoops, reductionLoops;
  for (auto [loop, iterator] : llvm::enumerate(iterators))
    (iterator == utils::IteratorType::parallel ? parallelLoops : reductionLoops).push_back(loop);
  SmallVector<Value> parallelSizes, reductionSizes;
  for (unsigned loop : parallelLoops)
    parallelSizes.push_back(sizes[loop]);
  for (unsigned loop : reductionLoops)
    reductionSizes.push_back(sizes[loop]);
  Value total = product(b, loc_, parallelSizes);
  auto loop = scf::ForOp::create(b, loc_, threads_.tid, total, index(b, loc_, threads_.count));
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(loop.getBody()->getTerminator());
  SmallVector<Value> ivs(iterators.size());
  for (auto [loop, value] :
       llvm::zip(parallelLoops, delinearize(b, loc_, loop.getInductionVar(), parallelSizes)))
    ivs[loop] = value;
  Block &body = *generic_.getBlock();
  unsigned inputs = generic_.getNumDpsInputs();
  SmallVector<Value> accumulators;
  SmallVector<SmallVector<Value>> outputIndices;
  for (OpOperand &init : generic_.getDpsInitsMutable()) {
    // Output maps index parallel loops only.
    outputIndices.push_back(indicesOf(b, loc_, generic_.getMatchingIndexingMap(&init), ivs));
    accumulators.push_back(memref::LoadOp::create(b, loc_, init.get(), outputIndices.back()));
  }
  // The reduction loops in order, the accumulators carried through.
  std::function<SmallVector<Value>(OpBuilder &, size_t, ValueRange)> nest =
      [&](OpBuilder &nb, size_t depth, ValueRange carried) -> SmallVector<Value> {
    if (depth == reductionLoops.size()) {
      IRMapping mapping;
      mapOperands(nb, ivs, 1, mapping, /*loadOutputs=*/false);
      for (unsigned o = 0; o < carried.size(); ++o)
        mapping.map(body.getArgument(inputs + o), carried[o]);
      return clonePayload(nb, ivs, mapping, 1);
    }
    auto inner = scf::ForOp::create(nb, loc_, index(nb, loc_, 0), reductionSizes[depth],
                                    index(nb, loc_, 1), carried);
    OpBuilder ib = OpBuilder::atBlockBegin(inner.getBody());
    ivs[reductionLoops[depth]] = inner.getInductionVar();
    SmallVector<Value> results = nest(ib, depth + 1, inner.getRegionIterArgs());
    scf::YieldOp::create(ib, loc_, results);
    return SmallVector<Value>(inner.getResults().begin(), inner.getResults().end());
  };
  SmallVector<Value> results = nest(b, 0, accumulators);
  for (auto [value, init, indices] :
       llvm::zip(results, generic_.getDpsInitsMutable(), outputIndices))
    memref::StoreOp::create(b, loc_, value, init.get(), indices);
}

LogicalResult GenericLowering::lower(OpBuilder &b) {
  for (Value operand : generic_->getOperands())
    if (auto type = dyn_cast<MemRefType>(operand.getType());
        type && type.getRank() > 0 && !type.getElementType().isIntOrFloat() &&
        !isa<ComplexType>(type.getElementType()))
      return generic_.emitError("GPU backend: buffers of ") << type.getElementType()
                                                           << " are not supported";
  SmallVector<Value> sizes;
  for (Range range : cast<linalg::LinalgOp>(generic_.getOperation()).createLoopRanges(b, loc_))
    sizes.push_back(getValueOrCreateConstantIndexOp(b, loc_, range.size));
  auto iterators = generic_.getIteratorTypesArray();
  bool hasReduction = llvm::any_of(
      iterators, [](utils::IteratorType t) { return t == utils::IteratorType::reduction; });
  if (!hasReduction) {
    lowerElementwise(b, sizes);
    return success();
  }
  // A row reduction: the reduction loops innermost, one combiner per output,
  // 32-bit accumulators (what one shuffle moves).
  unsigned parallel = 0;
  while (parallel < iterators.size() && iterators[parallel] == utils::IteratorType::parallel)
    ++parallel;
  bool trailing = llvm::all_of(llvm::drop_begin(iterators, parallel), [](utils::IteratorType t) {
    return t == utils::IteratorType::reduction;
  });
  SmallVector<Combiner> combiners = trailing ? matchCombiners(generic_) : SmallVector<Combiner>();
  bool shuffles = !combiners.empty() && llvm::all_of(generic_.getDpsInits(), [](Value init) {
    Type element = cast<MemRefType>(init.getType()).getElementType();
    return element.isIntOrFloat() && element.getIntOrFloatBitWidth() == 32;
  });
  if (shuffles) {
    lowerRowReduction(b, sizes, combiners);
    return success();
  }
  lowerPerOutput(b, sizes);
  return success();
}


} // namespace

LogicalResult lowerOnThreads(OpBuilder &b, linalg::GenericOp generic, const Threads &threads,
                             const GpuLoweringOptions &options, ::mlir::gpu::GPUFuncOp func) {
  GenericLowering lowering(generic, threads, options, func);
  return lowering.lower(b);
}

} // namespace smelt::gpu::detail
