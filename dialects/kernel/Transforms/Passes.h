//===- Passes.h - Passes on the kernel dialect ------------------*- C++ -*-===//
#ifndef SMELT_DIALECTS_KERNEL_TRANSFORMS_PASSES_H
#define SMELT_DIALECTS_KERNEL_TRANSFORMS_PASSES_H

#include "dialects/kernel/IR/KernelOps.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Pass/Pass.h"

#include <string>
#include <vector>

namespace smelt::kernel {

/// One level of a target's memory hierarchy as the cost model sees it.
struct MemoryLevel {
  /// "dram", "l3", "l2", "l1", "smem", ...
  std::string name;
  /// Bytes it holds; 0 = unbounded (device memory).
  int64_t capacityBytes = 0;
  /// Bytes per nanosecond it delivers.
  double bytesPerNs = 1;
  /// Whether capacity and bandwidth belong to one group (a core's private
  /// cache, a block's shared memory) or are shared by every group running at
  /// once (device memory, a last-level cache).
  bool perGroup = false;
};

/// What the passes know about a target. Each backend supplies one.
struct TargetDescription {
  /// Processors that run groups concurrently (cores, SMs, NPU cores).
  int64_t groups = 1;
  /// Units per group (1 on CPU: one thread runs a group).
  int64_t unitsPerGroup = 1;
  /// Bytes one unit processes per instruction (CPU vector width): the
  /// widest vectors the code may use.
  int64_t simdBytes = 32;
  /// Cost of one instruction on the widest vectors relative to one on half
  /// that width: 1 where the widest run at full rate, about 2 where they are
  /// split into halves or lower the clock (LLVM's "prefer-256-bit" CPUs).
  double widestVectorCost = 1;
  /// The memory hierarchy from device memory inwards (largest first).
  std::vector<MemoryLevel> levels;
  /// Bytes one transfer between levels moves (cache line, DMA burst).
  int64_t transferBytes = 64;
  /// Vector instructions one unit issues per nanosecond.
  double vectorOpsPerNs = 6;
  /// Cost of starting one group (a task on a CPU worker, a block launch).
  double groupOverheadNs = 300;
  /// Cost of one step of a sequential loop inside a group.
  double loopStepNs = 4;
  /// Cost of combining and sharing one value between the units of a group
  /// (a `#kernel.scope<group>` reduction or broadcast: shuffles or shared
  /// memory and a barrier); nothing on a CPU, where a group is one unit.
  double groupSyncNs = 0;
  /// Set-up of one op's loop nest (bounds, vector prologue and tail).
  double opOverheadNs = 8;
  /// Fewest loop iterations worth a group of their own.
  int64_t minGroupWork = 16384;

  /// Capacity of the largest group-private level (CPU: L2 per core).
  int64_t localMemoryBytes() const;
};

/// The description of this host CPU: hardware threads, caches as Linux
/// reports them (sysfs; typical sizes where it does not), `simdBytes` for the
/// widest vectors of the host. Bandwidths are nominal figures of a current
/// server core, not measurements: the cost model only ranks schedules.
TargetDescription hostCpuDescription();

/// Parses memory levels written `name:capacity-bytes:bytes-per-ns[:group]`,
/// comma-separated, outermost first (capacity 0 = unbounded; `group`: the
/// level belongs to one group).
llvm::LogicalResult parseMemoryLevels(llvm::StringRef text, std::vector<MemoryLevel> &levels,
                                      std::string &error);

/// The constant an index is at most, where the IR says: a constant, or the
/// smallest constant of an affine.min (tiling's partial tiles).
std::optional<int64_t> constantUpperBound(mlir::OpFoldResult value);

/// What a kernel's schedule is estimated to cost: bytes moved at each memory
/// level (all groups together; `levels` of the target, outermost first) and
/// vector operations, and the time they take on the target.
struct KernelCost {
  llvm::SmallVector<int64_t> bytesPerLevel;
  double vectorOps = 0;
  int64_t groups = 1;
  double nanoseconds = 0;
};

/// Reads a scheduled kernel (tensors, after kernel-schedule) and estimates
/// its cost on `target`: the bytes each linalg op moves, at the level its
/// group's working set fits in (first touches of kernel arguments and output
/// writes at device memory, re-reads and intermediates at the innermost level
/// that holds the working set of their loop), and its vector operations at
/// the width of its strategy's `vector_bytes` (the target's widest when
/// unset), a row's tail that fills no whole vector at half width or scalar.
KernelCost estimateKernelCost(FuncOp func, const TargetDescription &target);

/// One candidate schedule: the tile of the root's iteration space one group
/// computes (0 = whole loop; all zeros = one group), and the rows one step of
/// a sequential loop inside the group computes (0 = no such loop: the group
/// runs each fused op over its whole tile in turn).
struct ScheduleChoice {
  llvm::SmallVector<int64_t> tile;
  int64_t rowsPerStep = 0;
  /// Intermediates several fused ops read are computed once into a local
  /// buffer (one step's rows) instead of recomputed in each reader's loop.
  bool stage = false;
  /// Bytes of the vectors the kernel's code uses (0: the target's widest).
  int64_t vectorBytes = 0;
  /// Units per group (the target's unitsPerGroup).
  int64_t units = 1;
};

/// The vector widths the schedule search tries on `target`, widest first:
/// the widest and half of it (down to 16 bytes).
llvm::SmallVector<int64_t> candidateVectorBytes(const TargetDescription &target);

/// Options of scheduleKernel.
struct ScheduleOptions {
  /// Evaluate candidates with the cost model and keep the cheapest (false:
  /// the first candidate, the most groups-oriented rule).
  bool search = true;
  /// Emit a remark per candidate with its estimated cost.
  bool report = false;
  /// The vector width of every kernel, in bytes (0: searched; without
  /// search, left to the code generator's tuning for the target).
  int64_t vectorBytes = 0;
};

/// Points the chain of destination operands that computes `value` (linalg
/// ops writing into their init, down to a tensor.empty of `destination`'s
/// type) at `destination`, so the chain writes its result there in place.
/// Returns whether it did.
bool writeChainInto(mlir::Value value, mlir::Value destination);

/// Chooses the schedule of `func`: candidate group tiles and row steps are
/// each applied to a copy and costed with estimateKernelCost at each
/// candidate vector width; the cheapest
/// replaces the body, and the kernel gets its strategy and a `smelt.cost`
/// attribute. Kernels whose root cannot be tiled get a one-group grid.
llvm::LogicalResult scheduleKernel(mlir::RewriterBase &rewriter, FuncOp func,
                                   const TargetDescription &target,
                                   const ScheduleOptions &options = {});

/// Applies one candidate schedule to `func` (tensors, unscheduled).
llvm::LogicalResult applySchedule(mlir::RewriterBase &rewriter, FuncOp func,
                                  const ScheduleChoice &choice);

/// kernel-schedule for a given target description (the backend's).
std::unique_ptr<mlir::Pass> createKernelSchedulePass(const TargetDescription &target,
                                                     const ScheduleOptions &options);

/// Merges chains of elementwise ops in a kernel into their consumers' loops
/// (linalg elementwise fusion) where that recomputes nothing, after removing
/// duplicate producers: intermediates stay in registers instead of local
/// buffers. Run on tensors, after tiling. With `stage`, producers that
/// several ops read are left alone (computed once, kept in a local buffer).
void mergeElementwiseLoops(FuncOp func, bool stage = false);

/// Each tile of a padding generic (kPadLowAttrName) becomes a fill with the
/// pad value plus a copy of the input window that lies inside the input
/// (tensor.insert_slice of tensor.extract_slice; a kernel.copy once
/// bufferized). Run on tensors, after tiling.
void stagePaddedTiles(mlir::RewriterBase &rewriter, FuncOp func);

/// Register tiling and vectorization of the kernel's f32 multiply-accumulate
/// ops (tensor semantics, after scheduling).
void vectorizeKernel(FuncOp func, int64_t vectorWidth);

/// Whether every operand of `generic` is either independent of `loop` or
/// reads consecutive elements along it (its innermost index advances by one
/// per iteration): vector loads along `loop` stay plain loads.
bool unitStrideAlong(mlir::linalg::GenericOp generic, unsigned loop);

/// Whether every op of a linalg payload `body` but its terminator maps onto
/// vectors lane by lane (elementwise, on scalars, without regions).
bool isElementwisePayload(mlir::Block &body);

/// Clones the ops of `body` (isElementwisePayload) on vectors of `lanes`
/// elements, its block arguments mapped to vectors by `mapping`; values
/// from above are broadcast. Returns the vectors its terminator yields.
llvm::SmallVector<mlir::Value> clonePayloadOnVectors(mlir::OpBuilder &b, mlir::Location loc,
                                                     mlir::Block &body, mlir::IRMapping &mapping,
                                                     int64_t lanes);

/// The indices an indexing map gives for the loop indices `loops`, where its
/// results are loop dims or constants; failure otherwise.
llvm::FailureOr<llvm::SmallVector<mlir::Value>>
applyIndexMap(mlir::OpBuilder &b, mlir::Location loc, mlir::AffineMap map,
              llvm::ArrayRef<mlir::Value> loops);

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
