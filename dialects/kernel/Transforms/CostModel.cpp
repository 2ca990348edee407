//===- CostModel.cpp - Bytes per memory level of a scheduled kernel ---------===//
//
// The cost of a schedule read off the IR. One group's body (the scf.forall
// body, or the whole kernel for a one-group grid) is a sequence of linalg ops
// over tiles, possibly inside sequential loops. Each loop body is one scope:
// its ops run one after the other over the same tiles, so what they touch
// together (its working set) decides where re-reads are served. For each
// scope:
//   - the first read of a slice of a kernel argument comes from device
//     memory (or, for data every group reads, such as a broadcast mask, from
//     the shared cache after the first group brought it in);
//   - later reads of the same slice and every write and read of an
//     intermediate tile are served by the innermost level whose capacity (a
//     group's share of it) holds the scope's working set: the data it
//     touches more than once;
//   - writes of the output tile go to device memory.
// Time per group: moving those bytes (each level at its bandwidth, shared
// levels split between the groups running at once) and the vector operations
// of the payloads (at the strategy's vector width, with each row's tail),
// which overlap in part, plus the set-up of each op's loop nest, the steps of
// sequential loops and the group-scope reductions and broadcasts.
// The grid runs in waves of `groups`, with half a group's time of expected
// imbalance between workers and a start-up cost per group.
//
//===----------------------------------------------------------------------===//
#include "dialects/kernel/Transforms/Passes.h"
#include "dialects/kernel/IR/StorageSize.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

using namespace mlir;
using namespace smelt::kernel;

int64_t TargetDescription::localMemoryBytes() const {
  int64_t largest = 0;
  for (const MemoryLevel &level : levels)
    if (level.perGroup)
      largest = std::max(largest, level.capacityBytes);
  return largest;
}

namespace {

int64_t elementBytes(Type type) { return smelt::elementStorageBytes(type); }

} // namespace

std::optional<int64_t> smelt::kernel::constantUpperBound(OpFoldResult value) {
  if (std::optional<int64_t> constant = getConstantIntValue(value))
    return constant;
  auto dynamic = dyn_cast<Value>(value);
  if (!dynamic)
    return std::nullopt;
  auto min = dynamic.getDefiningOp<affine::AffineMinOp>();
  if (!min)
    return std::nullopt;
  std::optional<int64_t> bound;
  for (AffineExpr expr : min.getAffineMap().getResults())
    if (auto constant = dyn_cast<AffineConstantExpr>(expr))
      bound = bound ? std::min(*bound, constant.getValue()) : constant.getValue();
  return bound;
}

namespace {

/// An upper bound of dimension `dim` of the tensor `value` (1 where the IR
/// gives none).
int64_t dimUpperBound(Value value, int64_t dim) {
  auto type = cast<RankedTensorType>(value.getType());
  if (!type.isDynamicDim(dim))
    return type.getDimSize(dim);
  if (auto argument = dyn_cast<BlockArgument>(value)) {
    if (auto loop = dyn_cast<scf::ForOp>(argument.getOwner()->getParentOp()))
      if (OpOperand *init = loop.getTiedLoopInit(argument))
        return dimUpperBound(init->get(), dim);
    return 1;
  }
  Operation *def = value.getDefiningOp();
  if (auto slice = dyn_cast<tensor::ExtractSliceOp>(def)) {
    llvm::SmallBitVector dropped = slice.getDroppedDims();
    int64_t position = -1;
    for (auto [i, size] : llvm::enumerate(slice.getMixedSizes())) {
      if (dropped.test(i) || ++position != dim)
        continue;
      return constantUpperBound(size).value_or(1);
    }
    return 1;
  }
  if (auto empty = dyn_cast<tensor::EmptyOp>(def))
    return constantUpperBound(empty.getMixedSizes()[dim]).value_or(1);
  if (auto dps = dyn_cast<DestinationStyleOpInterface>(def))
    if (OpOperand *init = dps.getTiedOpOperand(cast<OpResult>(value)))
      return dimUpperBound(init->get(), dim);
  if (auto loop = dyn_cast<scf::ForOp>(def))
    return dimUpperBound(loop.getInits()[cast<OpResult>(value).getResultNumber()], dim);
  return 1;
}

int64_t footprintBytes(Value value) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  if (!type)
    return elementBytes(value.getType());
  int64_t elements = 1;
  for (int64_t dim = 0; dim < type.getRank(); ++dim)
    elements *= std::max<int64_t>(1, dimUpperBound(value, dim));
  return elements * elementBytes(type.getElementType());
}

/// Where the data a linalg op reads comes from: a kernel argument (its
/// buffer), a constant, or a tensor computed in the kernel.
struct Origin {
  enum Kind { Argument, Constant, Computed } kind;
  Value root;
};

Origin originOf(Value value) {
  while (true) {
    if (auto argument = dyn_cast<BlockArgument>(value)) {
      Operation *owner = argument.getOwner()->getParentOp();
      if (auto loop = dyn_cast<scf::ForOp>(owner)) {
        if (OpOperand *init = loop.getTiedLoopInit(argument)) {
          value = init->get();
          continue;
        }
      } else if (auto forall = dyn_cast<scf::ForallOp>(owner)) {
        if (OpOperand *init = forall.getTiedOpOperand(argument)) {
          value = init->get();
          continue;
        }
      }
      return {Origin::Argument, value};
    }
    Operation *def = value.getDefiningOp();
    if (auto slice = dyn_cast<tensor::ExtractSliceOp>(def)) {
      value = slice.getSource();
      continue;
    }
    if (isa<tensor::ExpandShapeOp, tensor::CollapseShapeOp>(def)) {
      value = def->getOperand(0);
      continue;
    }
    if (auto toTensor = dyn_cast<bufferization::ToTensorOp>(def))
      return {Origin::Argument, toTensor.getBuffer()};
    if (def->hasTrait<OpTrait::ConstantLike>())
      return {Origin::Constant, value};
    return {Origin::Computed, value};
  }
}

/// Whether `value` is (part of) what the kernel writes to its output.
bool reachesOutput(Value value) {
  for (OpOperand &use : value.getUses()) {
    Operation *user = use.getOwner();
    if (isa<tensor::ParallelInsertSliceOp, bufferization::MaterializeInDestinationOp,
            scf::YieldOp>(user))
      return true;
    if (auto insert = dyn_cast<tensor::InsertSliceOp>(user))
      if (reachesOutput(insert.getResult()))
        return true;
  }
  return false;
}

/// Vector operations of one iteration of a linalg op's payload, in units of
/// a simple arithmetic instruction (transcendentals are polynomials of a
/// dozen or more instructions, a division several).
double payloadWeight(linalg::LinalgOp op) {
  double weight = 0;
  for (Operation &inner : op->getRegion(0).front().without_terminator()) {
    if (isa<math::ExpOp, math::Exp2Op, math::ExpM1Op, math::LogOp, math::Log2Op,
            math::Log1pOp, math::TanhOp, math::ErfOp, math::SinOp, math::CosOp,
            math::PowFOp>(inner))
      weight += 16;
    else if (isa<arith::DivFOp, math::SqrtOp, math::RsqrtOp>(inner))
      weight += 4;
    else
      weight += 1;
  }
  return std::max(weight, 1.0);
}

/// Upper bounds of the loops of `op`: each bounded by the operand dims it
/// indexes (1 where none bounds it statically).
SmallVector<int64_t> loopBoundsOf(linalg::LinalgOp op) {
  SmallVector<int64_t> bounds(op.getNumLoops(), ShapedType::kDynamic);
  for (OpOperand &operand : op->getOpOperands()) {
    if (!isa<RankedTensorType>(operand.get().getType()))
      continue;
    AffineMap map = op.getMatchingIndexingMap(&operand);
    for (auto [dim, expr] : llvm::enumerate(map.getResults()))
      if (auto loop = dyn_cast<AffineDimExpr>(expr)) {
        int64_t bound = dimUpperBound(operand.get(), dim);
        int64_t &current = bounds[loop.getPosition()];
        current = ShapedType::isDynamic(current) ? bound : std::min(current, bound);
      }
  }
  for (int64_t &bound : bounds)
    bound = ShapedType::isDynamic(bound) ? 1 : std::max<int64_t>(bound, 1);
  return bounds;
}

/// Vector instructions for the iterations of `op` with `lanes` elements per
/// vector. The code generator vectorizes the innermost loop longer than one;
/// each of its runs takes n / lanes whole vectors, and its tail (n % lanes)
/// runs on vectors of half the width where a vector holds 16 elements or
/// more (LLVM's vectorized epilogue), otherwise one element at a time.
double vectorInstructions(linalg::LinalgOp op, int64_t lanes) {
  SmallVector<int64_t> bounds = loopBoundsOf(op);
  double outer = 1;
  int64_t inner = 1;
  for (int64_t bound : llvm::reverse(bounds)) {
    if (inner == 1)
      inner = bound;
    else
      outer *= double(bound);
  }
  int64_t tail = inner % lanes;
  int64_t half = lanes / 2;
  double tailOps = lanes >= 16 ? double(tail / half + tail % half) : double(tail);
  return outer * (double(inner / lanes) + tailOps);
}

std::optional<int64_t> tripCount(scf::ForOp loop) {
  std::optional<int64_t> lower = getConstantIntValue(loop.getLowerBound());
  std::optional<int64_t> upper = getConstantIntValue(loop.getUpperBound());
  std::optional<int64_t> step = getConstantIntValue(loop.getStep());
  if (!lower || !upper || !step || *step <= 0)
    return std::nullopt;
  return std::max<int64_t>(0, llvm::divideCeil(*upper - *lower, *step));
}

/// Costs of one group, accumulated over its scopes.
class GroupCost {
public:
  GroupCost(const TargetDescription &target, int64_t concurrent)
      : target_(target), concurrent_(concurrent), bytes_(target.levels.size(), 0) {}

  void addBlock(Block &block, double trips);

  const TargetDescription &target_;
  int64_t concurrent_;
  /// Bytes per level, argument first touches excluded (see argumentReads_).
  SmallVector<double> bytes_;
  /// First touches of each kernel argument's data (bytes, this group).
  llvm::MapVector<Value, double> argumentReads_;
  double vectorOps_ = 0;
  double loopSteps_ = 0;
  /// Reductions and broadcasts the units of the group share.
  double groupSyncs_ = 0;
  /// Linalg ops run (each a loop nest with its own set-up).
  double invocations_ = 0;

private:
  /// The innermost level whose share for one group holds `workingSet`.
  unsigned levelHolding(double workingSet) const {
    for (unsigned i = target_.levels.size(); i-- > 1;) {
      const MemoryLevel &level = target_.levels[i];
      double capacity = level.perGroup ? double(level.capacityBytes)
                                       : double(level.capacityBytes) / concurrent_;
      if (level.capacityBytes == 0 || workingSet <= capacity)
        return i;
    }
    return 0;
  }
};

void GroupCost::addBlock(Block &block, double trips) {
  // Every access of the scope's ops: the data (a slice of an argument, or a
  // value computed in the kernel), its bytes, and whether it is the output.
  struct Access {
    Value key;
    Value argument; // the buffer, for argument data
    double bytes;
    bool output;
  };
  SmallVector<Access> accesses;
  for (Operation &op : block) {
    if (auto loop = dyn_cast<scf::ForOp>(op)) {
      double count = double(tripCount(loop).value_or(1));
      loopSteps_ += trips * count;
      addBlock(*loop.getBody(), trips * count);
      continue;
    }
    if (auto insert = dyn_cast<tensor::InsertSliceOp>(op)) {
      // A staging copy (a padded window, see Staging.cpp): reads its source
      // window and writes it into the tile.
      if (reachesOutput(insert.getResult()))
        continue;
      Value window = insert.getSource();
      Origin origin = originOf(window);
      double bytes = double(footprintBytes(window));
      int64_t element = elementBytes(insert.getSourceType().getElementType());
      vectorOps_ += trips * bytes / double(std::max<int64_t>(element, target_.simdBytes));
      invocations_ += trips;
      if (origin.kind == Origin::Computed && origin.root.getParentBlock() == &block)
        accesses.push_back({origin.root, Value(), bytes, false});
      else if (origin.kind != Origin::Constant)
        accesses.push_back({window, origin.root, bytes, false});
      accesses.push_back({insert.getResult(), Value(), bytes, false});
      continue;
    }
    auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
    if (!linalgOp || !linalgOp.hasPureTensorSemantics())
      continue;
    Type element = getElementTypeOrSelf(linalgOp->getResult(0).getType());
    int64_t lanes = std::max<int64_t>(1, target_.simdBytes / elementBytes(element));
    vectorOps_ += trips * vectorInstructions(linalgOp, lanes) * payloadWeight(linalgOp);
    invocations_ += trips;
    if (auto scope = op.getAttrOfType<ScopeAttr>(kScopeAttrName);
        scope && scope.getValue() != Scope::Unit)
      groupSyncs_ += trips;
    if (isa<linalg::FillOp>(op) && !reachesOutput(op.getResult(0)))
      continue; // the initial value of an accumulator its consumer writes anyway

    for (OpOperand *input : linalgOp.getDpsInputOperands()) {
      Value value = input->get();
      if (!isa<RankedTensorType>(value.getType()))
        continue;
      Origin origin = originOf(value);
      if (origin.kind == Origin::Constant)
        continue;
      double bytes = double(footprintBytes(value));
      if (origin.kind == Origin::Computed && origin.root.getParentBlock() == &block)
        accesses.push_back({origin.root, Value(), bytes, false});
      else // data from outside the scope: an argument's (or an enclosing scope's)
        accesses.push_back({value, origin.root, bytes, false});
    }
    for (OpResult result : op.getResults())
      accesses.push_back({result, Value(), double(footprintBytes(result)), reachesOutput(result)});
  }

  // What the scope touches more than once must stay close while it runs:
  // its working set decides the level that serves those accesses.
  llvm::DenseMap<Value, int> uses;
  llvm::DenseMap<Value, double> sizes;
  for (const Access &access : accesses)
    if (!access.output) {
      ++uses[access.key];
      sizes[access.key] = std::max(sizes[access.key], access.bytes);
    }
  double workingSet = 0;
  for (auto [key, count] : uses)
    if (count > 1)
      workingSet += sizes[key];
  unsigned level = levelHolding(workingSet);

  llvm::DenseSet<Value> seen;
  for (const Access &access : accesses) {
    if (access.output)
      bytes_[0] += trips * access.bytes;
    else if (access.argument && seen.insert(access.key).second)
      argumentReads_[access.argument] += trips * access.bytes;
    else
      bytes_[level] += trips * access.bytes;
  }
}

int64_t bufferBytes(Value buffer) {
  auto type = dyn_cast<ShapedType>(buffer.getType());
  if (!type || !type.hasStaticShape())
    return 0;
  return type.getNumElements() * elementBytes(type.getElementType());
}

} // namespace

KernelCost smelt::kernel::estimateKernelCost(FuncOp func, const TargetDescription &target) {
  TargetDescription described = target;
  // The strategy's vector width; the widest may cost more per instruction.
  double vectorCost = 1;
  if (StrategyAttr strategy = func.getStrategyAttr();
      strategy && strategy.getVectorBytes() > 0 && strategy.getVectorBytes() < target.simdBytes)
    described.simdBytes = strategy.getVectorBytes();
  else
    vectorCost = target.widestVectorCost;
  if (described.levels.empty())
    described.levels.push_back({"memory", 0, 20, false});
  int64_t grid = 1;
  Block *groupBody = &func.getBody().front();
  for (Operation &op : func.getBody().front())
    if (auto forall = dyn_cast<scf::ForallOp>(op)) {
      std::optional<SmallVector<int64_t>> lower =
          getConstantIntValues(forall.getMixedLowerBound());
      std::optional<SmallVector<int64_t>> upper =
          getConstantIntValues(forall.getMixedUpperBound());
      std::optional<SmallVector<int64_t>> steps = getConstantIntValues(forall.getMixedStep());
      if (lower && upper && steps)
        for (auto [lb, ub, step] : llvm::zip(*lower, *upper, *steps))
          grid *= std::max<int64_t>(1, llvm::divideCeil(ub - lb, step));
      groupBody = forall.getBody();
      break;
    }

  int64_t concurrent = std::max<int64_t>(1, std::min(grid, described.groups));
  GroupCost group(described, concurrent);
  group.addBlock(*groupBody, 1);

  // Argument data: every group reads its share from device memory; data
  // several groups read (a broadcast operand) comes from device memory once
  // and from the shared cache after that, if the cache holds it.
  KernelCost cost;
  cost.groups = grid;
  cost.bytesPerLevel.assign(described.levels.size(), 0);
  double deviceReads = 0;
  int sharedCache = -1;
  for (unsigned i = 1; i < described.levels.size(); ++i)
    if (!described.levels[i].perGroup) {
      sharedCache = int(i);
      break;
    }
  // A buffer one group reads several times over (a broadcast operand read
  // at every step) comes from device memory once per group and from the
  // group's own cache after that, if that holds it.
  int localCache = -1;
  for (unsigned i = described.levels.size(); i-- > 1;)
    if (described.levels[i].perGroup && (localCache < 0 ||
                                         described.levels[i].capacityBytes >
                                             described.levels[localCache].capacityBytes))
      localCache = int(i);
  for (auto [buffer, bytes] : group.argumentReads_) {
    double distinct = double(bufferBytes(buffer));
    double perGroup = bytes;
    if (localCache >= 0 && distinct > 0 && perGroup > distinct &&
        distinct <= double(described.levels[localCache].capacityBytes)) {
      group.bytes_[localCache] += perGroup - distinct;
      perGroup = distinct;
    }
    double total = perGroup * double(grid);
    if (sharedCache >= 0 && distinct > 0 && total > distinct &&
        distinct <= double(described.levels[sharedCache].capacityBytes)) {
      deviceReads += distinct;
      cost.bytesPerLevel[sharedCache] += int64_t(total - distinct);
    } else {
      deviceReads += total;
    }
  }
  for (unsigned i = 0; i < described.levels.size(); ++i)
    cost.bytesPerLevel[i] += int64_t(group.bytes_[i] * double(grid));
  cost.bytesPerLevel[0] += int64_t(deviceReads);
  cost.vectorOps = group.vectorOps_ * double(grid);

  // One group's time: its bytes at each level's bandwidth (shared levels
  // split between the groups running at once) or its vector operations,
  // whichever is longer, plus its loop steps.
  double memoryNs = 0;
  for (unsigned i = 0; i < described.levels.size(); ++i) {
    const MemoryLevel &level = described.levels[i];
    double bandwidth = level.perGroup ? level.bytesPerNs : level.bytesPerNs / double(concurrent);
    memoryNs += double(cost.bytesPerLevel[i]) / double(grid) / std::max(bandwidth, 1e-9);
  }
  // Memory traffic and arithmetic overlap only in part: the longer of the
  // two plus half of the shorter.
  double computeNs = group.vectorOps_ * vectorCost / std::max(described.vectorOpsPerNs, 1e-9);
  double groupNs = std::max(memoryNs, computeNs) + std::min(memoryNs, computeNs) / 2 +
                   group.loopSteps_ * described.loopStepNs +
                   group.groupSyncs_ * described.groupSyncNs +
                   group.invocations_ * described.opOverheadNs;
  double waves = double(llvm::divideCeil(grid, std::max<int64_t>(1, described.groups)));
  cost.nanoseconds = waves * (groupNs + described.groupOverheadNs) + (grid > 1 ? groupNs / 2 : 0);
  return cost;
}
