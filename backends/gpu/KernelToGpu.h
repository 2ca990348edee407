//===- KernelToGpu.h - Scheduled kernels to gpu.func kernels ----*- C++ -*-===//
//
// The GPU lowering both GPU backends share (CUDA and ROCm differ only in the
// parameters below). Input: a module whose kernel.func ops are scheduled,
// bufferized and distributed (each body written for one group). Output: a
// gpu.module holding one `gpu.func` kernel per kernel.func:
//
//   - a group is one thread block (workgroup); the grid is one-dimensional
//     and block id x is delinearized over the kernel's strategy grid;
//   - a unit is one warp (wavefront): `kernel.unit_id` is the warp id;
//   - every linalg op of the group body is split between the block's
//     threads: elementwise ops one (vector of) element(s) per thread, row
//     reductions one warp per row with a butterfly of subgroup shuffles,
//     other reductions one thread per output element; a barrier follows each
//     op, so the next reads what every thread wrote;
//   - rows whose innermost extent is a multiple of the vector width and
//     whose buffers are aligned to it are read and written with vector
//     loads/stores of `vectorBytes` (ld.global.v4 on NVIDIA);
//   - boundary handling: every loop runs to its exact extent (odd sizes and
//     partial tiles take the scalar path);
//   - a group's local and shared buffers (the schedule's staging) live in
//     shared memory (LDS): static up to `sharedMemoryBytes`, dynamic (its
//     size in the global `<kernel>_smelt_dynamic_shared`, which the driver
//     reads at load time) up to `maxSharedMemoryBytes`; beyond that they are
//     slices of a device-memory scratch buffer, one per group, passed as the
//     kernel's last argument (its size in `<kernel>_smelt_global_scratch`,
//     which the driver allocates per run).
// Scalar stores at group level are made by thread 0.
//
//===----------------------------------------------------------------------===//
#ifndef SMELT_BACKENDS_GPU_KERNELTOGPU_H
#define SMELT_BACKENDS_GPU_KERNELTOGPU_H

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/LLVM.h"

#include <cstdint>
#include <string>

namespace smelt::gpu {

struct GpuLoweringOptions {
  /// Threads of one warp (NVIDIA) or wavefront (AMD).
  int64_t subgroupSize = 32;
  /// Threads of one block; a multiple of subgroupSize.
  int64_t threadsPerBlock = 256;
  /// Static shared memory one block may use; beyond it, up to
  /// `maxSharedMemoryBytes` of dynamic shared memory (see KernelToGpu.cpp).
  int64_t sharedMemoryBytes = 48 << 10;
  int64_t maxSharedMemoryBytes = 48 << 10;
  /// For messages: "sm_90", "gfx942".
  std::string chip;
  /// Bytes of the widest load or store one thread issues.
  int64_t vectorBytes = 16;
  /// The attribute that makes the target require exactly the block size
  /// ("nvvm.reqntid"); the kernels' loops stride by it.
  std::string exactBlockSizeAttr;
};

/// Appends to `container` a gpu.module named `name` with one kernel per
/// kernel.func of `module` (which is not modified), each with the known block
/// size of `options`. Errors go to the module's context.
mlir::FailureOr<mlir::gpu::GPUModuleOp>
buildGpuModule(mlir::ModuleOp module, mlir::ModuleOp container, llvm::StringRef name,
               const GpuLoweringOptions &options);

/// For tests of the lowering on the host: lowers every kernel.func of
/// `module` with buildGpuModule for blocks of one thread (warps of one lane,
/// so barriers are no-ops and no shuffles are made) and writes the result
/// back as the kernel.func's body, a group per call, which the CPU backend
/// compiles and runs. It checks the lowering's indexing, vector paths,
/// reduction combiners, partial tiles and group buffers numerically; not the
/// split between threads.
mlir::LogicalResult replaceKernelsWithGpuLowering(mlir::ModuleOp module);

} // namespace smelt::gpu

#endif // SMELT_BACKENDS_GPU_KERNELTOGPU_H
