//===- PlanMemory.cpp - Liveness-based arena planning -----------------------===//
//
// Scratch buffers live from their allocation to their last use (uses of a
// view count as uses of its source). Buffers are placed largest first at the
// lowest aligned offset that overlaps no placed buffer with an intersecting
// live range: simple, and close to optimal on the chains models produce.
//
//===----------------------------------------------------------------------===//
#include "passes/Passes.h"
#include "dialects/kernel/IR/StorageSize.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

using namespace mlir;
using namespace smelt;

namespace smelt {
#define GEN_PASS_DEF_PLANMEMORY
#include "passes/Passes.h.inc"
} // namespace smelt

namespace {

struct Interval {
  plan::AllocOp alloc;
  int64_t first, last, size, offset = -1;
};

int64_t byteSize(MemRefType type) { return storageBytes(type); }

struct PlanMemoryPass : public smelt::impl::PlanMemoryBase<PlanMemoryPass> {
  using Base::Base;

  void runOnOperation() override {
    for (auto func : getOperation().getOps<func::FuncOp>())
      planFunction(func);
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
      Interval interval{alloc, position[alloc], position[alloc],
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
    std::vector<Interval *> order;
    for (Interval &interval : intervals)
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
      interval->alloc.setOffsetAttr(
          IntegerAttr::get(IntegerType::get(&getContext(), 64), offset));
    }
    func->setAttr("plan.arena_size",
                  IntegerAttr::get(IntegerType::get(&getContext(), 64),
                                   (int64_t)llvm::alignTo(arenaSize, alignment)));
  }
};

} // namespace
