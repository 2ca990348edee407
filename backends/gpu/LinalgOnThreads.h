//===- LinalgOnThreads.h - One linalg op split between a block's threads --===//
//
// The per-op half of the GPU lowering (KernelToGpu.cpp builds the kernels and
// calls it for every linalg.generic of a group body).
//
//===----------------------------------------------------------------------===//
#ifndef SMELT_BACKENDS_GPU_LINALGONTHREADS_H
#define SMELT_BACKENDS_GPU_LINALGONTHREADS_H

#include "backends/gpu/KernelToGpu.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Builders.h"

namespace smelt::gpu::detail {

/// The thread's position in its block, as index values.
struct Threads {
  mlir::Value tid, lane, warp;
  int64_t count = 256, subgroup = 32;
  int64_t warps() const { return count / subgroup; }
};

mlir::Value index(mlir::OpBuilder &b, mlir::Location loc, int64_t value);

/// Coordinates of `linear` over `extents` (row-major, the last fastest).
llvm::SmallVector<mlir::Value> delinearize(mlir::OpBuilder &b, mlir::Location loc,
                                           mlir::Value linear,
                                           llvm::ArrayRef<mlir::Value> extents);

/// Emits at `b` the loops that compute `generic` (memref
/// semantics) with the block's threads; the caller erases it and adds the
/// barrier after.
mlir::LogicalResult lowerOnThreads(mlir::OpBuilder &b, mlir::linalg::GenericOp generic,
                                   const Threads &threads, const GpuLoweringOptions &options,
                                   mlir::gpu::GPUFuncOp func);

} // namespace smelt::gpu::detail

#endif // SMELT_BACKENDS_GPU_LINALGONTHREADS_H
