//===- Bufferize.cpp - One-Shot bufferization of kernel bodies --------------===//
#include "dialects/kernel/Transforms/Passes.h"

#include "mlir/Dialect/Bufferization/IR/BufferizableOpInterface.h"
#include "mlir/Dialect/Bufferization/Transforms/OneShotAnalysis.h"

using namespace mlir;
using namespace smelt::kernel;

namespace smelt::kernel {
#define GEN_PASS_DEF_KERNELBUFFERIZE
#include "dialects/kernel/Transforms/Passes.h.inc"
} // namespace smelt::kernel

LogicalResult smelt::kernel::bufferizeKernel(FuncOp func) {
  bufferization::OneShotBufferizationOptions options;
  options.bufferizeFunctionBoundaries = false;
  // Temporaries belong to the group that computes them.
  Attribute local = getMemorySpace(func.getContext(), MemorySpace::Local);
  options.defaultMemorySpaceFn = [local](TensorType) -> std::optional<Attribute> {
    return local;
  };
  bufferization::BufferizationState state;
  return bufferization::runOneShotBufferize(func, options, state);
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
