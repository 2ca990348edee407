//===- PlanMemory.cpp - Liveness-based arena planning -----------------------===//
//
// Scratch buffers live from their allocation to their last use (uses of a
// view count as uses of its source). Buffers are placed largest first at the
// lowest aligned offset that overlaps no placed buffer with an intersecting
// live range: simple, and close to optimal on the chains models produce.
// A library convolution marked `residual_in_place` whose residual dies there
// writes its output over the residual (oneDNN's sum post-op accumulates onto
// its destination; otherwise the driver would copy the residual there first).
//
//===----------------------------------------------------------------------===//
#include "passes/Passes.h"
#include "dialects/kernel/IR/StorageSize.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include "llvm/ADT/STLExtras.h"

using namespace mlir;
using namespace smelt;

namespace smelt {
#define GEN_PASS_DEF_PLANMEMORY
#include "passes/Passes.h.inc"
} // namespace smelt

namespace {

struct Interval {
  SmallVector<plan::AllocOp, 2> allocs; // more than one: placed in place
  int64_t first, last, size, offset = -1;
};

int64_t byteSize(MemRefType type) { return storageBytes(type); }

struct PlanMemoryPass : public smelt::impl::PlanMemoryBase<PlanMemoryPass> {
  using Base::Base;

  void runOnOperation() override {
    for (auto func : getOperation().getOps<func::FuncOp>())
      planFunction(func);
  }

  /// Joins the output of each in-place residual convolution to its residual
  /// when the residual's last use is that call and the output is first
  /// written there (both plain allocs of one size): one interval, one offset.
  /// A merged interval keeps the allocs; the other is left empty.
  static void mergeInPlaceResiduals(func::FuncOp func,
                                    const DenseMap<Operation *, int64_t> &position,
                                    std::vector<Interval> &intervals) {
    DenseMap<Operation *, Interval *> byAlloc;
    for (Interval &interval : intervals)
      byAlloc[interval.allocs.front()] = &interval;
    for (auto call : func.getOps<plan::CallOp>()) {
      if (!call->hasAttr("residual_in_place") || call.getOperands().size() < 2)
        continue;
      auto libraryArgs = call->getAttrOfType<DenseI64ArrayAttr>("library_args");
      auto params = call->getAttrOfType<DenseI64ArrayAttr>("params");
      // conv2d's library operands: input, weight, [bias], residual, output.
      if (!libraryArgs || !params || params.size() != 21 || params[19] == 0 ||
          libraryArgs.size() != 4 + (params[18] != 0))
        continue;
      auto operandAt = [&](int64_t i) -> Value {
        int64_t at = libraryArgs[i];
        return at >= 0 && at < (int64_t)call->getNumOperands() ? call->getOperand(at) : Value();
      };
      Value residual = operandAt(libraryArgs.size() - 2), output = operandAt(libraryArgs.size() - 1);
      auto residualAlloc = residual ? residual.getDefiningOp<plan::AllocOp>() : nullptr;
      auto outputAlloc = output ? output.getDefiningOp<plan::AllocOp>() : nullptr;
      if (!residualAlloc || !outputAlloc || residualAlloc == outputAlloc ||
          !byAlloc.count(residualAlloc) || !byAlloc.count(outputAlloc))
        continue;
      Interval *from = byAlloc[residualAlloc], *to = byAlloc[outputAlloc];
      const int64_t at = position.lookup(call);
      // The output's first use must be this call, and the residual's last.
      bool outputFirstWrittenHere = llvm::all_of(output.getUsers(), [&](Operation *user) {
        return position.lookup(user) >= at;
      });
      // The residual must be nothing else of the call's (a convolution
      // whose input is its own residual reads it while writing the output).
      if (from == to || from->last != at || from->size != to->size ||
          !outputFirstWrittenHere || llvm::count(call->getOperands(), residual) != 1 ||
          llvm::count(libraryArgs.asArrayRef(), libraryArgs[libraryArgs.size() - 2]) != 1)
        continue;
      // Chains (a block's output the next block's residual) share one slot.
      from->last = std::max(from->last, to->last);
      from->first = std::min(from->first, to->first);
      for (plan::AllocOp alloc : to->allocs) {
        from->allocs.push_back(alloc);
        byAlloc[alloc] = from;
      }
      to->allocs.clear();
    }
  }

  void planFunction(func::FuncOp func) {
    if (func.getBody().empty())
      return;
    DenseMap<Operation *, int64_t> position;
    int64_t index = 0;
    for (Operation &op : func.getBody().front())
      position[&op] = index++;

    std::vector<Interval> intervals;
    for (auto alloc : func.getOps<plan::AllocOp>()) {
      Interval interval{{alloc}, position[alloc], position[alloc],
                        byteSize(alloc.getBuffer().getType())};
      SmallVector<Value> worklist = {alloc.getBuffer()};
      while (!worklist.empty()) {
        Value value = worklist.pop_back_val();
        for (Operation *user : value.getUsers()) {
          interval.last = std::max(interval.last, position.lookup(user));
          if (auto view = dyn_cast<plan::ViewOp>(user))
            worklist.push_back(view.getResult());
        }
      }
      intervals.push_back(interval);
    }
    mergeInPlaceResiduals(func, position, intervals);
    std::vector<Interval *> order;
    for (Interval &interval : intervals)
      if (!interval.allocs.empty())
        order.push_back(&interval);
    llvm::sort(order, [](Interval *a, Interval *b) {
      return a->size != b->size ? a->size > b->size : a->first < b->first;
    });

    int64_t arenaSize = 0;
    std::vector<Interval *> placed;
    for (Interval *interval : order) {
      // Candidate offsets: 0 and the end of every conflicting placed buffer.
      std::vector<std::pair<int64_t, int64_t>> busy;
      for (Interval *other : placed)
        if (other->first <= interval->last && interval->first <= other->last)
          busy.push_back({other->offset, other->offset + other->size});
      std::sort(busy.begin(), busy.end());
      int64_t offset = 0;
      for (auto [begin, end] : busy) {
        if (offset + interval->size <= begin)
          break;
        offset = std::max<int64_t>(offset, llvm::alignTo(end, alignment));
      }
      interval->offset = offset;
      placed.push_back(interval);
      arenaSize = std::max(arenaSize, offset + interval->size);
      for (plan::AllocOp alloc : interval->allocs)
        alloc.setOffsetAttr(IntegerAttr::get(IntegerType::get(&getContext(), 64), offset));
    }
    func->setAttr("plan.arena_size",
                  IntegerAttr::get(IntegerType::get(&getContext(), 64),
                                   (int64_t)llvm::alignTo(arenaSize, alignment)));
  }
};

} // namespace
