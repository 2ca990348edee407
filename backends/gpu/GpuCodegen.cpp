//===- GpuCodegen.cpp - The steps of GPU code generation both backends take ===//
#include "backends/gpu/GpuCodegen.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>

using namespace mlir;

namespace smelt::gpu {

FailureOr<OwningOpRef<ModuleOp>> lowerToVendor(ModuleOp module, const VendorLowering &lowering) {
  MLIRContext *context = module.getContext();
  OwningOpRef<ModuleOp> container = ModuleOp::create(module.getLoc());
  if (failed(buildGpuModule(module, *container, lowering.moduleName, lowering.options)))
    return failure();
  if (failed(verify(*container))) {
    if (std::getenv("SMELT_DEBUG_GPU"))
      container->print(llvm::errs(), OpPrintingFlags().assumeVerified());
    return module.emitError(lowering.backend)
           << ": the GPU lowering produced invalid IR (a bug; the verifier's message is above)";
  }
  if (lowering.prepareMath)
    lowering.prepareMath(*container);

  PassManager pm(context, ModuleOp::getOperationName());
  std::string pipelineError;
  llvm::raw_string_ostream errorStream(pipelineError);
  if (failed(parsePassPipeline(lowering.pipeline, pm, errorStream)))
    return module.emitError(lowering.backend) << ": bad lowering pipeline: " << pipelineError;
  if (failed(pm.run(*container)))
    return module.emitError(lowering.backend)
           << ": lowering the kernels to " << lowering.vendorDialect << " failed";
  if (lowering.afterConversion)
    lowering.afterConversion(*container);
  // What the conversion could not lower is named here rather than failing
  // later in the translation to LLVM IR.
  Operation *unconverted = nullptr;
  (*container)->walk([&](Operation *op) {
    if (!unconverted && op->getParentOfType<::mlir::gpu::GPUModuleOp>() &&
        !isa<LLVM::LLVMDialect>(op->getDialect()) &&
        op->getDialect()->getNamespace() != lowering.vendorDialect)
      unconverted = op;
  });
  if (unconverted)
    return module.emitError(lowering.backend)
           << ": " << unconverted->getName() << " has no lowering for " << lowering.gpus
           << " yet";
  return container;
}

FailureOr<std::string> serializeToIsa(ModuleOp module, ModuleOp container, StringRef toolkit,
                                      StringRef backend) {
  std::string serialize = "gpu-module-to-binary{format=isa" +
                          (toolkit.empty() ? std::string() : " toolkit=" + toolkit.str()) + "}";
  PassManager pm(module.getContext(), ModuleOp::getOperationName());
  std::string pipelineError;
  llvm::raw_string_ostream errorStream(pipelineError);
  if (failed(parsePassPipeline(serialize, pm, errorStream)))
    return module.emitError(backend) << ": bad pipeline: " << pipelineError;
  if (failed(pm.run(container)))
    return module.emitError(backend) << ": generating code failed";
  std::string text;
  for (auto op : container.getOps<::mlir::gpu::BinaryOp>())
    for (Attribute object : op.getObjects())
      text = cast<::mlir::gpu::ObjectAttr>(object).getObject().getValue().str();
  if (text.empty())
    return module.emitError(backend) << ": the serializer produced no code";
  return text;
}

LogicalResult writeDump(ModuleOp module, StringRef dir, StringRef name, StringRef text) {
  SmallString<128> path(dir);
  llvm::sys::path::append(path, name);
  std::error_code error;
  llvm::raw_fd_ostream stream(path, error);
  if (error)
    return module.emitError("cannot write '") << path << "': " << error.message();
  stream << text;
  return success();
}

} // namespace smelt::gpu
