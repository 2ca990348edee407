//===- CudaCompiler.h - Scheduled kernels to PTX and cubin ------*- C++ -*-===//
//
// The compiler half of the CUDA backend. Input: a module whose kernel.func
// ops are scheduled (for describeTarget's GPU), bufferized and distributed.
// Output: PTX for the target's sm_XY (one .entry per kernel, named as the
// kernel, taking one pointer per buffer, with `.reqntid` giving its block
// size), and, when ptxas is found, the cubin ptxas assembles from it.
//
// Lowering: backends/gpu/KernelToGpu (groups -> thread blocks, units ->
// warps, shuffles for row reductions, vector loads on aligned rows), then
// MLIR's gpu -> nvvm conversion and its NVPTX serializer; f32 exp, tanh, erf
// and logarithms become polynomials (shared with the CPU backend), other math
// calls libdevice, which is linked from the CUDA toolkit (an error names the
// function when no toolkit is found).
//
//===----------------------------------------------------------------------===//
#ifndef SMELT_BACKENDS_CUDA_COMPILER_CUDACOMPILER_H
#define SMELT_BACKENDS_CUDA_COMPILER_CUDACOMPILER_H

#include "dialects/kernel/Transforms/Passes.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/LLVM.h"

#include <cstdint>
#include <string>
#include <vector>

namespace smelt::cuda {

/// A compute capability code is generated for.
struct CudaTarget {
  std::string chip; // "sm_90"
  int major = 9, minor = 0;
  /// Streaming multiprocessors and the memory system of the GPU the schedule
  /// is tuned for (the common data-centre part of that capability).
  int64_t multiprocessors = 132;
  double memoryBytesPerNs = 3350; // HBM bandwidth
  int64_t l2Bytes = 50 << 20;
  /// The most shared memory one block may use (with the opt-in beyond 48 KiB).
  int64_t sharedMemoryPerBlock = 227 << 10;
  std::string description; // "H100 SXM"
};

/// `spec` is "" (sm_90) or sm_80, sm_86, sm_89, sm_90. Fails with a message
/// listing the supported ones.
mlir::FailureOr<CudaTarget> resolveCudaTarget(llvm::StringRef spec, std::string &error);

/// What the kernel passes know about `target`: thread blocks of 8 warps,
/// several resident per SM, HBM, L2 and 48 KiB of shared memory per block.
kernel::TargetDescription describeTarget(const CudaTarget &target);

/// Where the CUDA toolkit is: $CUDA_HOME, $CUDA_PATH, /usr/local/cuda
/// (empty when none holds bin/ptxas or nvvm/libdevice).
std::string findCudaToolkit();

struct CudaCode {
  std::string ptx;
  /// Empty when ptxas was not found (`note` says so).
  std::vector<uint8_t> cubin;
  std::string note;
};

/// Compiles every kernel.func of `module` (not modified). Diagnostics go to
/// the module's context. With `dumpDir`, also writes kernels.ptx there.
mlir::FailureOr<CudaCode> compileKernels(mlir::ModuleOp module, const CudaTarget &target,
                                         llvm::StringRef dumpDir = {});

/// The kernels of `module` as a gpu.module in the NVVM/LLVM dialects (for
/// --emit=llvm and tests).
mlir::FailureOr<mlir::OwningOpRef<mlir::ModuleOp>>
lowerKernelsToNvvm(mlir::ModuleOp module, const CudaTarget &target);

} // namespace smelt::cuda

#endif // SMELT_BACKENDS_CUDA_COMPILER_CUDACOMPILER_H
