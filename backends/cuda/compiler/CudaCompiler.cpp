//===- CudaCompiler.cpp - Scheduled kernels to PTX and cubin --------------===//
#include "backends/cuda/compiler/CudaCompiler.h"

#include "backends/cpu/compiler/Transcendentals.h"
#include "backends/gpu/GpuCodegen.h"
#include "backends/gpu/GpuMath.h"
#include "backends/gpu/KernelToGpu.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Target/LLVM/NVVM/Target.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/GPU/GPUToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/NVVM/NVVMToLLVMIRTranslation.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>

using namespace mlir;

namespace smelt::cuda {
namespace {

constexpr const char *kGpuModuleName = "smelt_kernels";

/// Math ops PTX has exact instructions for are emitted as those rather than
/// as libdevice calls (the conversion would call libdevice, whose default
/// sqrt is the approximate one): sqrt and rsqrt of f32/f64 scalars as
/// `sqrt.rn`, floor, ceil and round-to-even as `cvt.rmi/rpi/rni`, fabs and
/// copysign as `abs` and `copysign` (inline PTX; vectors are split into
/// scalars first). fma and trunc, which the conversion leaves alone, become
/// LLVM intrinsics the NVPTX back end selects (gpu::useLlvmMathIntrinsics).
void useNativeMath(Operation *root) {
  SmallVector<Operation *> ops;
  root->walk([&](Operation *op) {
    Type type = op->getNumResults() == 1 ? op->getResult(0).getType() : Type();
    bool scalarFloat = type && (type.isF32() || type.isF64());
    if (isa<math::SqrtOp, math::RsqrtOp, math::FloorOp, math::CeilOp, math::RoundEvenOp,
            math::AbsFOp, math::CopySignOp>(op) &&
        scalarFloat)
      ops.push_back(op);
  });
  for (Operation *op : ops) {
    OpBuilder b(op);
    Location loc = op->getLoc();
    Type type = op->getResult(0).getType();
    ValueRange in = op->getOperands();
    // One PTX instruction on f32 or f64: "sqrt.rn", "cvt.rmi", ...
    auto ptx = [&](StringRef instruction, ValueRange x) -> Value {
      bool f64 = type.isF64();
      std::string text = instruction.str() + (f64 ? ".f64" : ".f32");
      if (instruction.starts_with("cvt"))
        text += f64 ? ".f64" : ".f32";
      std::string constraints = f64 ? "=d" : "=f";
      text += " $0";
      for (size_t i = 0; i < x.size(); ++i) {
        text += ", $" + std::to_string(i + 1);
        constraints += f64 ? ",d" : ",f";
      }
      return LLVM::InlineAsmOp::create(
                 b, loc, type, x, b.getStringAttr(text + ";"),
                 b.getStringAttr(constraints), UnitAttr(), UnitAttr(),
                 LLVM::TailCallKindAttr::get(b.getContext(), LLVM::TailCallKind::None),
                 LLVM::AsmDialectAttr(), ArrayAttr())
          .getResult(0);
    };
    auto sqrt = [&](Value x) { return ptx("sqrt.rn", x); };
    Value result;
    if (isa<math::AbsFOp>(op)) {
      result = ptx("abs", in[0]);
    } else if (isa<math::CopySignOp>(op)) {
      // PTX's copysign takes the sign from its first operand.
      result = ptx("copysign", ValueRange{in[1], in[0]});
    } else if (isa<math::FloorOp>(op)) {
      result = ptx("cvt.rmi", in[0]);
    } else if (isa<math::CeilOp>(op)) {
      result = ptx("cvt.rpi", in[0]);
    } else if (isa<math::RoundEvenOp>(op)) {
      result = ptx("cvt.rni", in[0]);
    } else if (isa<math::SqrtOp>(op)) {
      result = sqrt(in[0]);
    } else {
      Value one = arith::ConstantOp::create(b, loc, type, b.getFloatAttr(type, 1.0));
      result = arith::DivFOp::create(b, loc, one, sqrt(in[0]));
    }
    op->getResult(0).replaceAllUsesWith(result);
    op->erase();
  }
}

gpu::GpuLoweringOptions loweringOptions(const CudaTarget &target) {
  gpu::GpuLoweringOptions options;
  options.chip = target.chip;
  options.maxSharedMemoryBytes = target.sharedMemoryPerBlock;
  options.subgroupSize = 32;
  options.threadsPerBlock = 256;
  options.sharedMemoryBytes = 48 << 10;
  options.vectorBytes = 16;
  options.exactBlockSizeAttr = "nvvm.reqntid";
  return options;
}

/// The container module with the gpu.module, lowered to NVVM.
FailureOr<OwningOpRef<ModuleOp>> lower(ModuleOp module, const CudaTarget &target) {
  MLIRContext *context = module.getContext();
  {
    DialectRegistry registry;
    NVVM::registerNVVMTargetInterfaceExternalModels(registry);
    registerBuiltinDialectTranslation(registry);
    registerLLVMDialectTranslation(registry);
    registerGPUDialectTranslation(registry);
    registerNVVMDialectTranslation(registry);
    context->appendDialectRegistry(registry);
  }
  context->loadDialect<::mlir::gpu::GPUDialect, NVVM::NVVMDialect, LLVM::LLVMDialect,
                       math::MathDialect, vector::VectorDialect>();
  gpu::VendorLowering lowering;
  lowering.backend = "CUDA backend";
  lowering.gpus = "NVIDIA GPUs";
  lowering.moduleName = kGpuModuleName;
  lowering.options = loweringOptions(target);
  lowering.prepareMath = [](ModuleOp container) {
    cpu::approximateTranscendentals(container, /*hasAvx512=*/false);
    gpu::scalarizeVectorMath(container);
    gpu::expandIntegerPowers(container);
    useNativeMath(container);
    gpu::useLlvmMathIntrinsics(container); // fma and trunc
  };
  lowering.pipeline = "nvvm-attach-target{chip=" + target.chip +
                      " features=+ptx80 O=3},gpu.module(expand-strided-metadata,lower-affine,"
                      "convert-complex-to-standard,convert-scf-to-cf,"
                      "convert-gpu-to-nvvm{use-bare-ptr-memref-call-conv=1},"
                      "convert-complex-to-llvm,"
                      "canonicalize,cse,reconcile-unrealized-casts)";
  lowering.vendorDialect = "nvvm";
  FailureOr<OwningOpRef<ModuleOp>> lowered = gpu::lowerToVendor(module, lowering);
  if (failed(lowered))
    return failure();
  OwningOpRef<ModuleOp> container = std::move(*lowered);
  // Dynamic shared memory is an external declaration in PTX (`.extern .shared
  // .b8 name[]`); the conversion leaves it an internal zero-length array,
  // which NVPTX would demote to a one-byte static variable.
  (*container)->walk([](LLVM::GlobalOp global) {
    if (global.getSymName().starts_with("__dynamic_shmem__") && !global.getValueOrNull() &&
        global.getInitializerRegion().empty())
      global.setLinkage(LLVM::Linkage::External);
  });
  return container;
}

bool exists(const std::string &path) { return llvm::sys::fs::exists(path); }

/// ptxas from the toolkit or PATH; empty when none.
std::string findPtxas(const std::string &toolkit) {
  if (!toolkit.empty() && exists(toolkit + "/bin/ptxas"))
    return toolkit + "/bin/ptxas";
  if (llvm::ErrorOr<std::string> found = llvm::sys::findProgramByName("ptxas"))
    return *found;
  return {};
}

/// Assembles `ptx` with ptxas for `chip`.
FailureOr<std::vector<uint8_t>> assemble(ModuleOp module, const std::string &ptxas,
                                         const std::string &ptx, const std::string &chip) {
  SmallString<128> input, output, log;
  int fd = -1;
  if (llvm::sys::fs::createTemporaryFile("smelt-kernels", "ptx", fd, input) ||
      llvm::sys::fs::createTemporaryFile("smelt-kernels", "cubin", output) ||
      llvm::sys::fs::createTemporaryFile("smelt-ptxas", "log", log))
    return module.emitError("CUDA backend: cannot create temporary files for ptxas");
  llvm::scope_exit cleanup([&] {
    llvm::sys::fs::remove(input);
    llvm::sys::fs::remove(output);
    llvm::sys::fs::remove(log);
  });
  {
    llvm::raw_fd_ostream stream(fd, /*shouldClose=*/true);
    stream << ptx;
  }
  std::string arch = "-arch=" + chip;
  SmallVector<StringRef> args = {ptxas, arch, "-O3", "-o", output, input};
  std::optional<StringRef> redirects[] = {std::nullopt, StringRef(log), StringRef(log)};
  std::string message;
  int status = llvm::sys::ExecuteAndWait(ptxas, args, std::nullopt, redirects, 0, 0, &message);
  if (status != 0) {
    std::string text;
    if (auto buffer = llvm::MemoryBuffer::getFile(log))
      text = (*buffer)->getBuffer().str();
    return module.emitError("CUDA backend: ptxas failed for ")
           << chip << (message.empty() ? "" : ": " + message) << "\n" << text;
  }
  auto buffer = llvm::MemoryBuffer::getFile(output, /*IsText=*/false);
  if (!buffer)
    return module.emitError("CUDA backend: ptxas wrote no cubin");
  StringRef bytes = (*buffer)->getBuffer();
  return std::vector<uint8_t>(bytes.begin(), bytes.end());
}

} // namespace

FailureOr<CudaTarget> resolveCudaTarget(StringRef spec, std::string &error) {
  struct Known {
    const char *chip;
    int major, minor;
    int64_t sms;
    double bandwidth;
    int64_t l2;
    int64_t shared; // most shared memory per block, with the opt-in
    const char *part;
  };
  static const Known known[] = {
      {"sm_80", 8, 0, 108, 2039, 40 << 20, 163 << 10, "A100 SXM 80 GB"},
      {"sm_86", 8, 6, 84, 936, 6 << 20, 99 << 10, "RTX 3090"},
      {"sm_89", 8, 9, 142, 864, 96 << 20, 99 << 10, "L40S"},
      {"sm_90", 9, 0, 132, 3350, 50 << 20, 227 << 10, "H100 SXM"},
  };
  StringRef chip = spec.empty() ? StringRef("sm_90") : spec;
  for (const Known &entry : known)
    if (chip == entry.chip) {
      CudaTarget target;
      target.chip = entry.chip;
      target.major = entry.major;
      target.minor = entry.minor;
      target.multiprocessors = entry.sms;
      target.memoryBytesPerNs = entry.bandwidth;
      target.l2Bytes = entry.l2;
      target.sharedMemoryPerBlock = entry.shared;
      target.description = entry.part;
      return target;
    }
  error = "unknown CUDA target '" + chip.str() + "' (supported: sm_80, sm_86, sm_89, sm_90)";
  return failure();
}

kernel::TargetDescription describeTarget(const CudaTarget &target) {
  kernel::TargetDescription description;
  // A group is a block of 8 warps; an SM keeps 8 of them resident (2048
  // threads), which the grid should fill.
  description.groups = target.multiprocessors * 8;
  description.unitsPerGroup = 8;
  description.simdBytes = 16; // one thread's widest load
  description.levels = {
      {"hbm", 0, target.memoryBytesPerNs, false},
      {"l2", target.l2Bytes, target.memoryBytesPerNs * 2.5, false},
      // 128 bytes per clock per SM at ~1.7 GHz, shared by its 8 blocks.
      {"smem", 48 << 10, 128 * 1.7 / 8, true},
  };
  description.transferBytes = 32; // one sector
  // A unit (warp) issues about one instruction per clock for its 32 lanes.
  description.vectorOpsPerNs = 1.7 * 32 / 8;
  description.groupOverheadNs = 200;
  description.loopStepNs = 2;
  description.groupSyncNs = 40;
  description.opOverheadNs = 20;
  description.minGroupWork = 2048;
  return description;
}

std::string findCudaToolkit() {
  auto usable = [](const std::string &path) {
    return !path.empty() &&
           (exists(path + "/bin/ptxas") || exists(path + "/nvvm/libdevice/libdevice.10.bc"));
  };
  for (const char *variable : {"CUDA_HOME", "CUDA_PATH"})
    if (const char *value = std::getenv(variable); value && usable(value))
      return value;
  if (usable("/usr/local/cuda"))
    return "/usr/local/cuda";
  return {};
}

FailureOr<OwningOpRef<ModuleOp>> lowerKernelsToNvvm(ModuleOp module, const CudaTarget &target) {
  return lower(module, target);
}

FailureOr<CudaCode> compileKernels(ModuleOp module, const CudaTarget &target,
                                   StringRef dumpDir) {
  std::string toolkit = findCudaToolkit();
  FailureOr<OwningOpRef<ModuleOp>> lowered = lower(module, target);
  if (failed(lowered))
    return failure();
  // Calls libdevice must resolve.
  bool needsLibdevice = false;
  std::string function;
  (*lowered)->walk([&](LLVM::LLVMFuncOp func) {
    if (func.isExternal() && func.getName().starts_with("__nv_")) {
      needsLibdevice = true;
      function = func.getName().str();
    }
  });
  if (needsLibdevice && (toolkit.empty() || !exists(toolkit + "/nvvm/libdevice/libdevice.10.bc")))
    return module.emitError("CUDA backend: the kernels call libdevice's ")
           << function
           << ", and no CUDA toolkit with nvvm/libdevice/libdevice.10.bc was found (set "
              "CUDA_HOME)";
  // NVVM to PTX.
  FailureOr<std::string> ptx =
      gpu::serializeToIsa(module, lowered->get(), toolkit, "CUDA backend");
  if (failed(ptx))
    return failure();
  CudaCode code;
  code.ptx = std::move(*ptx);
  if (!dumpDir.empty() && failed(gpu::writeDump(module, dumpDir, "kernels.ptx", code.ptx)))
    return failure();
  std::string ptxas = findPtxas(toolkit);
  if (ptxas.empty()) {
    code.note = "ptxas not found (set CUDA_HOME): the artifact holds PTX only, which the "
                "driver compiles when it loads it";
    return code;
  }
  FailureOr<std::vector<uint8_t>> cubin = assemble(module, ptxas, code.ptx, target.chip);
  if (failed(cubin))
    return failure();
  code.cubin = std::move(*cubin);
  return code;
}

} // namespace smelt::cuda
