//===- Bufferize.cpp - One-Shot bufferization of kernel bodies --------------===//
#include "dialects/kernel/Transforms/Passes.h"

#include "mlir/Dialect/Bufferization/IR/BufferizableOpInterface.h"
#include "mlir/Dialect/Bufferization/Transforms/OneShotAnalysis.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

using namespace mlir;
using namespace smelt::kernel;

namespace smelt::kernel {
#define GEN_PASS_DEF_KERNELBUFFERIZE
#include "dialects/kernel/Transforms/Passes.h.inc"
} // namespace smelt::kernel

namespace {

/// The op at the bottom of the destination chain of `value` (linalg ops
/// writing into their init, e.g. fill then matmul) and the operand that
/// provides the chain's fresh tensor (a tensor.empty or a slice of one).
std::pair<Operation *, OpOperand *> freshDestinationOf(Value value) {
  Operation *bottom = nullptr;
  OpOperand *fresh = nullptr;
  while (auto linalgOp = value.getDefiningOp<linalg::LinalgOp>()) {
    if (linalgOp.getNumDpsInits() != 1)
      return {nullptr, nullptr};
    bottom = linalgOp;
    fresh = linalgOp.getDpsInitOperand(0);
    value = fresh->get();
  }
  if (auto slice = value.getDefiningOp<tensor::ExtractSliceOp>())
    value = slice.getSource();
  if (!bottom || !value.getDefiningOp<tensor::EmptyOp>())
    return {nullptr, nullptr};
  return {bottom, fresh};
}

/// Whether `op` can move before `point` (same block, operands available).
bool canHoistBefore(Operation *op, Operation *point) {
  if (op->getBlock() != point->getBlock())
    return false;
  return llvm::all_of(op->getOperands(), [&](Value operand) {
    if (auto argument = dyn_cast<BlockArgument>(operand))
      return argument.getOwner()->getParentOp()->isAncestor(point);
    Operation *def = operand.getDefiningOp();
    return def->getBlock() != point->getBlock() || def->isBeforeInBlock(point);
  });
}

/// An elementwise op that reads, at its own shape, a value only it uses (an
/// epilogue reading the accumulator of a fused matmul/conv, or the next op of
/// an elementwise chain) computes in place: the producer's chain writes
/// straight into the elementwise op's destination (the output tile) instead
/// of a temporary, and the elementwise op updates it there.
} // namespace

void smelt::kernel::computeEpiloguesInPlace(FuncOp func) {
  SmallVector<linalg::GenericOp> candidates;
  func.walk([&](linalg::GenericOp generic) { candidates.push_back(generic); });
  IRRewriter rewriter(func.getContext());
  for (linalg::GenericOp generic : candidates) {
    if (generic.getNumDpsInits() != 1 || generic.getNumReductionLoops() != 0 ||
        !generic.getMatchingIndexingMap(generic.getDpsInitOperand(0)).isIdentity())
      continue;
    Value destination = generic.getDpsInitOperand(0)->get();
    Type resultType = generic.getResult(0).getType();
    std::optional<unsigned> reused;
    std::pair<Operation *, OpOperand *> chain;
    for (OpOperand *input : generic.getDpsInputOperands()) {
      Value value = input->get();
      if (value.getType() != resultType || !value.hasOneUse() ||
          !generic.getMatchingIndexingMap(input).isIdentity())
        continue;
      chain = freshDestinationOf(value);
      if (!chain.first)
        continue;
      Operation *destinationDef = destination.getDefiningOp();
      if (destinationDef && !destinationDef->isBeforeInBlock(chain.first) &&
          !canHoistBefore(destinationDef, chain.first))
        continue;
      if (destinationDef && !destinationDef->isBeforeInBlock(chain.first))
        rewriter.moveOpBefore(destinationDef, chain.first);
      reused = input->getOperandNumber();
      break;
    }
    if (!reused)
      continue;
    // Only a fresh tensor of exactly the destination's type can be replaced.
    if (chain.second->get().getType() != destination.getType())
      continue;
    rewriter.modifyOpInPlace(chain.first, [&] { chain.second->set(destination); });

    unsigned inputCount = generic.getNumDpsInputs();
    SmallVector<Value> inputs;
    SmallVector<AffineMap> maps;
    for (OpOperand *input : generic.getDpsInputOperands())
      if (input->getOperandNumber() != *reused) {
        inputs.push_back(input->get());
        maps.push_back(generic.getMatchingIndexingMap(input));
      }
    maps.push_back(generic.getMatchingIndexingMap(generic.getDpsInitOperand(0)));
    rewriter.setInsertionPoint(generic);
    auto inPlace = linalg::GenericOp::create(
        rewriter, generic.getLoc(), generic.getResultTypes(), inputs,
        ValueRange{generic.getOperand(*reused)}, maps, generic.getIteratorTypesArray());
    rewriter.inlineRegionBefore(generic.getRegion(), inPlace.getRegion(),
                                inPlace.getRegion().end());
    // Block arguments: [inputs..., out] -> [inputs without the reused one, out]
    // where the new out is the reused input's element.
    Block &body = inPlace.getRegion().front();
    BlockArgument reusedArg = body.getArgument(*reused);
    BlockArgument oldOut = body.getArgument(inputCount);
    BlockArgument newOut = body.addArgument(reusedArg.getType(), reusedArg.getLoc());
    reusedArg.replaceAllUsesWith(newOut);
    oldOut.replaceAllUsesWith(newOut);
    body.eraseArgument(inputCount);
    body.eraseArgument(*reused);
    rewriter.replaceOp(generic, inPlace.getResults());
  }
}

/// Temporaries of a sequential loop inside a group (row steps) are allocated
/// once per group, before the outermost such loop, instead of once per step
/// (each step writes them before reading them; on a CPU a stack allocation
/// per step would grow the stack with the step count).
/// A buffer a loop yields (directly or through a view) carries a value into
/// the next step and must stay per step.
static bool isYielded(Value buffer) {
  SmallVector<Value> worklist = {buffer};
  while (!worklist.empty()) {
    Value value = worklist.pop_back_val();
    for (Operation *user : value.getUsers()) {
      if (isa<scf::YieldOp>(user))
        return true;
      if (isa<ViewLikeOpInterface>(user))
        llvm::append_range(worklist, user->getResults());
    }
  }
  return false;
}

static void hoistLoopAllocations(FuncOp func) {
  SmallVector<memref::AllocOp> allocations;
  func.walk([&](memref::AllocOp alloc) {
    if (alloc->getNumOperands() == 0 && isa<scf::ForOp>(alloc->getParentOp()) &&
        !isYielded(alloc.getResult()))
      allocations.push_back(alloc);
  });
  for (memref::AllocOp alloc : allocations) {
    Operation *outermost = alloc->getParentOp();
    while (isa<scf::ForOp>(outermost->getParentOp()))
      outermost = outermost->getParentOp();
    alloc->moveBefore(outermost);
  }
}

/// The memory level of a buffer (no memory space: global).
static MemorySpace levelOf(Value buffer) {
  auto space =
      dyn_cast_or_null<MemorySpaceAttr>(cast<MemRefType>(buffer.getType()).getMemorySpace());
  return space ? space.getValue() : MemorySpace::Global;
}

/// Copies between memory levels become kernel.copy (the whole group stages
/// the tile); a copy of a buffer onto itself (what bufferization leaves of a
/// tile written in place) goes.
static bool sameBuffer(Value a, Value b) {
  if (a == b)
    return true;
  auto viewA = a.getDefiningOp<memref::SubViewOp>(), viewB = b.getDefiningOp<memref::SubViewOp>();
  return viewA && viewB &&
         OperationEquivalence::isEquivalentTo(viewA, viewB,
                                              OperationEquivalence::IgnoreLocations);
}

static void markTransfersBetweenLevels(FuncOp func) {
  SmallVector<memref::CopyOp> copies;
  func.walk([&](memref::CopyOp copy) { copies.push_back(copy); });
  IRRewriter rewriter(func.getContext());
  for (memref::CopyOp copy : copies) {
    if (sameBuffer(copy.getSource(), copy.getTarget())) {
      rewriter.eraseOp(copy);
      continue;
    }
    if (levelOf(copy.getSource()) == levelOf(copy.getTarget()))
      continue;
    rewriter.setInsertionPoint(copy);
    rewriter.replaceOpWithNewOp<CopyOp>(
        copy, copy.getSource(), copy.getTarget(),
        ScopeAttr::get(func.getContext(), Scope::Group));
  }
}

LogicalResult smelt::kernel::bufferizeKernel(FuncOp func) {
  bufferization::OneShotBufferizationOptions options;
  options.bufferizeFunctionBoundaries = false;
  // Loops over whole tensors (while, sort passes) may yield new buffers.
  options.allowReturnAllocsFromLoops = true;
  // Temporaries belong to the group that computes them.
  Attribute local = getMemorySpace(func.getContext(), MemorySpace::Local);
  options.defaultMemorySpaceFn = [local](TensorType) -> std::optional<Attribute> {
    return local;
  };
  bufferization::BufferizationState state;
  if (failed(bufferization::runOneShotBufferize(func, options, state)))
    return failure();
  hoistLoopAllocations(func);
  markTransfersBetweenLevels(func);
  return success();
}

namespace {
struct KernelBufferizePass
    : public smelt::kernel::impl::KernelBufferizeBase<KernelBufferizePass> {
  void runOnOperation() override {
    for (auto func : getOperation().getOps<FuncOp>())
      if (failed(bufferizeKernel(func)))
        return signalPassFailure();
  }
};
} // namespace
