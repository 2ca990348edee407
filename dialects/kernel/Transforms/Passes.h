//===- Passes.h - Passes on the kernel dialect ------------------*- C++ -*-===//
#ifndef SMELT_DIALECTS_KERNEL_TRANSFORMS_PASSES_H
#define SMELT_DIALECTS_KERNEL_TRANSFORMS_PASSES_H

#include "dialects/kernel/IR/KernelOps.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Pass/Pass.h"

namespace smelt::kernel {

/// What the passes know about a target. Each backend supplies one.
struct TargetDescription {
  /// Processors that run groups concurrently (cores, SMs, NPU cores).
  int64_t groups = 1;
  /// Units per group (1 on CPU: one thread runs a group).
  int64_t unitsPerGroup = 1;
  /// Bytes one unit processes per instruction (CPU vector width).
  int64_t simdBytes = 32;
  /// Capacity of the group-private memory level (CPU: L2 per core).
  int64_t localMemoryBytes = 1 << 20;
  /// Fewest loop iterations worth a group of their own.
  int64_t minGroupWork = 16384;
};

/// The description of this host CPU (threads from oneTBB's view of the machine
/// is the runtime's business; here: hardware threads).
TargetDescription hostCpuDescription();

/// Points the chain of destination operands that computes `value` (linalg
/// ops writing into their init, down to a tensor.empty of `destination`'s
/// type) at `destination`, so the chain writes its result there in place.
/// Returns whether it did.
bool writeChainInto(mlir::Value value, mlir::Value destination);

/// Tiles the root op of `func` into an scf.forall over groups and sets its
/// strategy. Kernels whose root cannot be tiled get a one-group grid.
llvm::LogicalResult scheduleKernel(mlir::RewriterBase &rewriter, FuncOp func,
                                   const TargetDescription &target);

/// Merges chains of elementwise ops in a kernel into their consumers' loops
/// (linalg elementwise fusion) where that recomputes nothing, after removing
/// duplicate producers: intermediates stay in registers instead of local
/// buffers. Run on tensors, after tiling.
void mergeElementwiseLoops(FuncOp func);

/// Register tiling and vectorization of the kernel's f32 multiply-accumulate
/// ops (tensor semantics, after scheduling).
void vectorizeKernel(FuncOp func, int64_t vectorWidth);

/// Whether every operand of `generic` is either independent of `loop` or
/// reads consecutive elements along it (its innermost index advances by one
/// per iteration): vector loads along `loop` stay plain loads.
bool unitStrideAlong(mlir::linalg::GenericOp generic, unsigned loop);

/// Epilogues read their fused producer's accumulator in place (see
/// Bufferize.cpp); run after scheduling, before vectorization.
void computeEpiloguesInPlace(FuncOp func);

/// One-shot bufferization of one kernel body.
llvm::LogicalResult bufferizeKernel(FuncOp func);

/// Replaces the kernel's scf.forall by its body for one group.
llvm::LogicalResult distributeKernel(mlir::RewriterBase &rewriter, FuncOp func);

#define GEN_PASS_DECL
#include "dialects/kernel/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "dialects/kernel/Transforms/Passes.h.inc"

} // namespace smelt::kernel

#endif
