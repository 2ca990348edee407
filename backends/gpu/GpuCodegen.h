//===- GpuCodegen.h - The steps of GPU code generation both backends take -===//
//
// CUDA and ROCm generate code the same way and differ in a pipeline string,
// the vendor dialect and the math they prepare: build the gpu.module
// (KernelToGpu), verify it, prepare math, run the vendor's conversion, name
// what it could not convert, then serialize with gpu-module-to-binary.
//
//===----------------------------------------------------------------------===//
#ifndef SMELT_BACKENDS_GPU_GPUCODEGEN_H
#define SMELT_BACKENDS_GPU_GPUCODEGEN_H

#include "backends/gpu/KernelToGpu.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include <functional>
#include <string>

namespace smelt::gpu {

struct VendorLowering {
  /// For messages: "CUDA backend", and "NVIDIA GPUs".
  std::string backend, gpus;
  /// Name of the gpu.module.
  std::string moduleName = "smelt_kernels";
  GpuLoweringOptions options;
  /// Rewrites math ops of the container before the conversion.
  std::function<void(mlir::ModuleOp)> prepareMath;
  /// Anchored on the container (builtin.module), without the wrapper:
  /// "nvvm-attach-target{...},gpu.module(...)".
  std::string pipeline;
  /// Runs on the container after the pipeline (may be empty).
  std::function<void(mlir::ModuleOp)> afterConversion;
  /// The dialect the conversion produces besides LLVM ("nvvm", "rocdl").
  std::string vendorDialect;
};

/// The container module holding the gpu.module of `module`'s kernels in the
/// LLVM and vendor dialects. Errors go to `module`'s context.
mlir::FailureOr<mlir::OwningOpRef<mlir::ModuleOp>> lowerToVendor(mlir::ModuleOp module,
                                                                 const VendorLowering &lowering);

/// Runs gpu-module-to-binary{format=isa} (with `toolkit` when not empty) on
/// `container` and returns the object's text (PTX, AMDGPU assembly).
mlir::FailureOr<std::string> serializeToIsa(mlir::ModuleOp module, mlir::ModuleOp container,
                                            llvm::StringRef toolkit, llvm::StringRef backend);

/// Writes `text` to `dir`/`name`; an error on `module` when it cannot.
mlir::LogicalResult writeDump(mlir::ModuleOp module, llvm::StringRef dir, llvm::StringRef name,
                              llvm::StringRef text);

} // namespace smelt::gpu

#endif // SMELT_BACKENDS_GPU_GPUCODEGEN_H
