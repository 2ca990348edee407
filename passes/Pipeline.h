//===- Pipeline.h - The compiler's pass pipeline --------------------------===//
//
// graph -> kernel + plan, shared by `smelt compile`, tests and (later) the
// Python bindings so that every entry point compiles the same way.
//
//===----------------------------------------------------------------------===//
#ifndef SMELT_PASSES_PIPELINE_H
#define SMELT_PASSES_PIPELINE_H

#include "dialects/kernel/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"

#include <cstdint>
#include <optional>
#include <string>

namespace smelt {

struct PipelineOptions {
  /// Processors each kernel's grid should keep busy; 0 = this host's threads.
  int64_t groups = 0;
  /// Fewest loop iterations worth a group of their own (0: the target's).
  int64_t minGroupWork = 0;
  /// Fuse producers into their consumers' kernels (false: one kernel per op).
  bool fuse = true;
  /// Offer vendor-library GEMM candidates for plain f32 matmuls.
  bool libraryCalls = true;
  /// Whose vendor libraries the library calls name: "cpu" (oneDNN,
  /// OpenBLAS), "cuda" (cuBLAS, cuDNN) or "rocm" (rocBLAS, MIOpen).
  std::string libraryDevice = "cpu";
  /// f32 lanes for register tiling of matmul/conv (0: no register tiling,
  /// -1: the target's vector register).
  int64_t vectorWidth = -1;
  /// The target the kernels are scheduled for (its backend's description);
  /// unset: this host's CPU.
  std::optional<kernel::TargetDescription> target;
  /// Register tiling and lane splitting for CPU vectors (kernel-vectorize);
  /// off for GPUs, whose lowering splits each op between a block's threads.
  bool cpuVectorize = true;
  /// Cost candidate schedules and keep the cheapest (false: the fixed rule).
  bool scheduleSearch = true;
};

/// From a module holding the graph-dialect func.func @main to kernel.func
/// ops (scheduled, bufferized, distributed) plus the host plan in
/// func.func @main, with its arena laid out.
void buildGraphToPlanPipeline(mlir::OpPassManager &pm, const PipelineOptions &options);

} // namespace smelt

#endif // SMELT_PASSES_PIPELINE_H
