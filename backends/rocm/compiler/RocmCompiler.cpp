//===- RocmCompiler.cpp - Scheduled kernels to HSACO code objects ---------===//
#include "backends/rocm/compiler/RocmCompiler.h"

#include "backends/cpu/compiler/CpuCompiler.h"
#include "backends/cpu/compiler/Transcendentals.h"
#include "backends/gpu/GpuCodegen.h"
#include "backends/gpu/GpuMath.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/ROCDLDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Target/LLVM/ROCDL/Target.h"
#include "mlir/Target/LLVM/ROCDL/Utils.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/GPU/GPUToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/ROCDL/ROCDLToLLVMIRTranslation.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/BinaryFormat/AMDGPUMetadataVerifier.h"
#include "llvm/BinaryFormat/ELF.h"
#include "llvm/BinaryFormat/MsgPackDocument.h"
#include "llvm/Object/ELFObjectFile.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cstdlib>

using namespace mlir;

namespace smelt::rocm {
namespace {

constexpr const char *kGpuModuleName = "smelt_kernels";
constexpr int64_t kWavefront = 64;
constexpr int64_t kWorkgroup = 256;

gpu::GpuLoweringOptions loweringOptions(const RocmTarget &target) {
  gpu::GpuLoweringOptions options;
  options.chip = target.chip;
  options.subgroupSize = kWavefront;
  options.threadsPerBlock = kWorkgroup;
  // All LDS is static on AMD GPUs (no opt-in beyond a default): group
  // buffers beyond it go to device-memory scratch.
  options.sharedMemoryBytes = options.maxSharedMemoryBytes = target.ldsPerWorkgroup;
  options.vectorBytes = 16; // global_load_dwordx4
  // Empty: the known block size, which the ROCDL conversion turns into
  // reqd_work_group_size and amdgpu-flat-work-group-size 256,256.
  options.exactBlockSizeAttr.clear();
  return options;
}

void registerRocdl(MLIRContext *context) {
  DialectRegistry registry;
  ROCDL::registerROCDLTargetInterfaceExternalModels(registry);
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  registerGPUDialectTranslation(registry);
  registerROCDLDialectTranslation(registry);
  context->appendDialectRegistry(registry);
  context->loadDialect<::mlir::gpu::GPUDialect, ROCDL::ROCDLDialect, LLVM::LLVMDialect,
                       math::MathDialect, vector::VectorDialect>();
}

/// The container module with the gpu.module, lowered to ROCDL.
FailureOr<OwningOpRef<ModuleOp>> lower(ModuleOp module, const RocmTarget &target) {
  registerRocdl(module.getContext());
  gpu::VendorLowering lowering;
  lowering.backend = "ROCm backend";
  lowering.gpus = "AMD GPUs";
  lowering.moduleName = kGpuModuleName;
  lowering.options = loweringOptions(target);
  lowering.prepareMath = [](ModuleOp container) {
    cpu::approximateTranscendentals(container, /*hasAvx512=*/false);
    gpu::expandIntegerPowers(container);
    gpu::useLlvmMathIntrinsics(container);
    gpu::scalarizeVectorMath(container); // what is left calls ocml
  };
  // Code object v5 (ROCm 5.x and 6.x load it); wave64; IEEE denormals.
  lowering.pipeline = "rocdl-attach-target{chip=" + target.chip +
                      " abi=500 O=3},gpu.module(expand-strided-metadata,lower-affine,"
                      "convert-complex-to-standard,convert-scf-to-cf,"
                      "convert-gpu-to-rocdl{use-bare-ptr-memref-call-conv=1 chipset=" +
                      target.chip +
                      " runtime=HIP},convert-complex-to-llvm,"
                      "canonicalize,cse,reconcile-unrealized-casts)";
  lowering.afterConversion = [](ModuleOp container) {
    gpu::libmIntrinsicsAsOcmlCalls(container);
    gpu::ocmlCallsAsLlvmIntrinsics(container);
  };
  lowering.vendorDialect = "rocdl";
  return gpu::lowerToVendor(module, lowering);
}

bool exists(const std::string &path) { return llvm::sys::fs::exists(path); }

std::string chipOfFlags(unsigned flags) {
  switch (flags & llvm::ELF::EF_AMDGPU_MACH) {
  case llvm::ELF::EF_AMDGPU_MACH_AMDGCN_GFX90A: return "gfx90a";
  case llvm::ELF::EF_AMDGPU_MACH_AMDGCN_GFX942: return "gfx942";
  case llvm::ELF::EF_AMDGPU_MACH_AMDGCN_GFX908: return "gfx908";
  default: {
    char text[32];
    std::snprintf(text, sizeof(text), "mach 0x%x", flags & llvm::ELF::EF_AMDGPU_MACH);
    return text;
  }
  }
}

int64_t integer(llvm::msgpack::MapDocNode &map, llvm::StringRef key) {
  auto found = map.find(key);
  if (found == map.end())
    return 0;
  llvm::msgpack::DocNode &node = found->second;
  if (node.getKind() == llvm::msgpack::Type::Int)
    return node.getInt();
  if (node.getKind() == llvm::msgpack::Type::UInt)
    return int64_t(node.getUInt());
  return 0;
}

std::string string(llvm::msgpack::MapDocNode &map, llvm::StringRef key) {
  auto found = map.find(key);
  if (found == map.end() || found->second.getKind() != llvm::msgpack::Type::String)
    return {};
  return found->second.getString().str();
}

} // namespace

FailureOr<RocmTarget> resolveRocmTarget(StringRef spec, std::string &error) {
  struct Known {
    const char *chip;
    int64_t cus;
    double clock, bandwidth;
    int64_t l2;
    const char *part;
  };
  // Per device as HIP enumerates it: an MI250X is two gfx90a devices.
  static const Known known[] = {
      {"gfx90a", 110, 1.7, 1638, 8 << 20, "MI250X (one GCD)"},
      {"gfx942", 304, 2.1, 5300, 32 << 20, "MI300X"},
  };
  StringRef chip = spec.empty() ? StringRef("gfx942") : spec;
  for (const Known &entry : known)
    if (chip == entry.chip) {
      RocmTarget target;
      target.chip = entry.chip;
      target.computeUnits = entry.cus;
      target.clockGhz = entry.clock;
      target.memoryBytesPerNs = entry.bandwidth;
      target.l2Bytes = entry.l2;
      target.description = entry.part;
      return target;
    }
  error = "unknown ROCm target '" + chip.str() + "' (supported: gfx90a, gfx942)";
  return failure();
}

kernel::TargetDescription describeTarget(const RocmTarget &target) {
  kernel::TargetDescription description;
  // A group is a workgroup of 4 wavefronts; a CU keeps 8 of them resident
  // (32 wavefronts), which the grid should fill.
  description.groups = target.computeUnits * 8;
  description.unitsPerGroup = kWorkgroup / kWavefront;
  description.simdBytes = 16; // one lane's widest load
  description.levels = {
      {"hbm", 0, target.memoryBytesPerNs, false},
      {"l2", target.l2Bytes, target.memoryBytesPerNs * 2, false},
      // 128 bytes per clock per CU, shared by its 8 workgroups.
      {"lds", target.ldsPerWorkgroup, 128 * target.clockGhz / 8, true},
  };
  description.transferBytes = 64; // one cache line
  // A wavefront issues one instruction every 4 clocks per SIMD (16 lanes).
  description.vectorOpsPerNs = target.clockGhz * 64 / 4 / 2;
  description.groupOverheadNs = 300;
  description.loopStepNs = 2;
  description.groupSyncNs = 50;
  description.opOverheadNs = 25;
  description.minGroupWork = 2048;
  return description;
}

std::string findDeviceLibraries() {
  auto usable = [](const std::string &path) {
    return !path.empty() && exists(path + "/amdgcn/bitcode/ocml.bc");
  };
  for (const char *variable : {"ROCM_PATH", "ROCM_HOME"})
    if (const char *value = std::getenv(variable); value && usable(value))
      return value;
  for (const char *path : {"/opt/rocm", "/usr/lib/x86_64-linux-gnu"})
    if (usable(path))
      return path;
  return {};
}

FailureOr<CodeObjectInfo> readCodeObject(ArrayRef<uint8_t> elf, std::string &error) {
  llvm::MemoryBufferRef buffer(
      StringRef(reinterpret_cast<const char *>(elf.data()), elf.size()), "code object");
  auto object = llvm::object::ELF64LEObjectFile::create(buffer);
  if (!object) {
    error = "not an ELF64 file: " + llvm::toString(object.takeError());
    return failure();
  }
  const auto &file = object->getELFFile();
  const auto &header = file.getHeader();
  if (header.e_machine != llvm::ELF::EM_AMDGPU) {
    error = "not an AMDGPU ELF file (e_machine " + std::to_string(header.e_machine) + ")";
    return failure();
  }
  if (header.e_ident[llvm::ELF::EI_OSABI] != llvm::ELF::ELFOSABI_AMDGPU_HSA) {
    error = "not an HSA code object (OS ABI " +
            std::to_string(header.e_ident[llvm::ELF::EI_OSABI]) + ")";
    return failure();
  }
  CodeObjectInfo info;
  info.chip = chipOfFlags(header.e_flags);
  info.abiVersion = header.e_ident[llvm::ELF::EI_ABIVERSION];

  // The metadata note.
  std::string metadata;
  auto sections = file.sections();
  if (!sections) {
    error = llvm::toString(sections.takeError());
    return failure();
  }
  for (const auto &section : *sections) {
    if (section.sh_type != llvm::ELF::SHT_NOTE)
      continue;
    llvm::Error noteError = llvm::Error::success();
    for (const auto &note : file.notes(section, noteError))
      if (note.getType() == llvm::ELF::NT_AMDGPU_METADATA && note.getName() == "AMDGPU") {
        ArrayRef<uint8_t> desc = note.getDesc(section.sh_addralign);
        metadata.assign(desc.begin(), desc.end());
      }
    if (noteError) {
      error = "bad note section: " + llvm::toString(std::move(noteError));
      return failure();
    }
  }
  if (metadata.empty()) {
    error = "no AMDGPU metadata note (NT_AMDGPU_METADATA)";
    return failure();
  }
  llvm::msgpack::Document document;
  if (!document.readFromBlob(metadata, /*Multi=*/false)) {
    error = "the AMDGPU metadata note is not MessagePack";
    return failure();
  }
  llvm::AMDGPU::HSAMD::V3::MetadataVerifier verifier(/*Strict=*/true);
  if (!verifier.verify(document.getRoot())) {
    error = "the AMDGPU metadata does not follow the HSA metadata schema";
    return failure();
  }
  llvm::msgpack::MapDocNode &root = document.getRoot().getMap();
  auto kernels = root.find("amdhsa.kernels");
  if (kernels == root.end() || !kernels->second.isArray()) {
    error = "the AMDGPU metadata has no amdhsa.kernels";
    return failure();
  }
  for (llvm::msgpack::DocNode &node : kernels->second.getArray()) {
    if (!node.isMap())
      continue;
    llvm::msgpack::MapDocNode &map = node.getMap();
    CodeObjectKernel kernel;
    kernel.name = string(map, ".name");
    kernel.kernargBytes = integer(map, ".kernarg_segment_size");
    kernel.ldsBytes = integer(map, ".group_segment_fixed_size");
    kernel.privateBytes = integer(map, ".private_segment_fixed_size");
    kernel.wavefrontSize = integer(map, ".wavefront_size");
    kernel.maxWorkgroupSize = integer(map, ".max_flat_workgroup_size");
    kernel.vgprs = integer(map, ".vgpr_count");
    kernel.sgprs = integer(map, ".sgpr_count");
    // Explicit arguments: 8-byte global buffers at 8-byte steps (hidden
    // arguments, which HIP fills itself, are not counted).
    if (auto args = map.find(".args"); args != map.end() && args->second.isArray()) {
      int64_t expectedOffset = 0;
      for (llvm::msgpack::DocNode &arg : args->second.getArray()) {
        if (!arg.isMap())
          continue;
        llvm::msgpack::MapDocNode &argMap = arg.getMap();
        std::string kind = string(argMap, ".value_kind");
        if (llvm::StringRef(kind).starts_with("hidden_"))
          continue;
        if (kind != "global_buffer" || integer(argMap, ".size") != 8 ||
            integer(argMap, ".offset") != expectedOffset) {
          error = "kernel " + kernel.name + ": argument " + std::to_string(kernel.arguments) +
                  " is a " + kind + " of " + std::to_string(integer(argMap, ".size")) +
                  " bytes at offset " + std::to_string(integer(argMap, ".offset")) +
                  ", not a pointer at " + std::to_string(expectedOffset);
          return failure();
        }
        expectedOffset += 8;
        ++kernel.arguments;
      }
    }
    info.kernels[kernel.name] = kernel;
  }
  // Kernel descriptors.
  for (const llvm::object::ELFSymbolRef &symbol : object->symbols()) {
    llvm::Expected<StringRef> name = symbol.getName();
    if (!name) {
      llvm::consumeError(name.takeError());
      continue;
    }
    if (!name->ends_with(".kd") || symbol.getSize() != 64)
      continue;
    auto found = info.kernels.find(name->drop_back(3).str());
    if (found != info.kernels.end())
      found->second.hasDescriptor = true;
  }
  return info;
}

std::vector<std::string> validateCodeObject(const CodeObjectInfo &info, const RocmTarget &target,
                                            const std::vector<LaunchSignature> &launches) {
  std::vector<std::string> problems;
  if (info.chip != target.chip)
    problems.push_back("the code object is for " + info.chip + ", not " + target.chip);
  if (info.abiVersion != llvm::ELF::ELFABIVERSION_AMDGPU_HSA_V5)
    problems.push_back("the code object is not code object v5 (ABI version " +
                       std::to_string(info.abiVersion) + ")");
  for (const LaunchSignature &launch : launches) {
    auto found = info.kernels.find(launch.name);
    if (found == info.kernels.end()) {
      problems.push_back("kernel " + launch.name + " is not in the code object");
      continue;
    }
    const CodeObjectKernel &kernel = found->second;
    auto problem = [&](const std::string &text) {
      problems.push_back("kernel " + launch.name + ": " + text);
    };
    if (!kernel.hasDescriptor)
      problem("no 64-byte kernel descriptor " + launch.name + ".kd");
    if (kernel.arguments != launch.arguments)
      problem("takes " + std::to_string(kernel.arguments) + " arguments, the plan passes " +
              std::to_string(launch.arguments));
    if (kernel.kernargBytes < 8 * launch.arguments)
      problem("a kernarg segment of " + std::to_string(kernel.kernargBytes) + " bytes");
    if (kernel.wavefrontSize != kWavefront)
      problem("wavefronts of " + std::to_string(kernel.wavefrontSize) + ", not 64");
    if (kernel.maxWorkgroupSize != kWorkgroup)
      problem("a workgroup limit of " + std::to_string(kernel.maxWorkgroupSize) +
              ", the plan launches " + std::to_string(kWorkgroup));
    if (kernel.ldsBytes > target.ldsPerWorkgroup)
      problem(std::to_string(kernel.ldsBytes) + " bytes of LDS, more than " +
              std::to_string(target.ldsPerWorkgroup));
  }
  return problems;
}

std::string describeCodeObject(const CodeObjectInfo &info) {
  std::string text = "code object v" + std::to_string(info.abiVersion + 2) + " for " +
                     info.chip + ", " + std::to_string(info.kernels.size()) + " kernels\n";
  char line[512];
  for (const auto &[name, kernel] : info.kernels) {
    std::snprintf(line, sizeof(line),
                  "%s: %lld args, %lld VGPRs, %lld SGPRs, %lld bytes LDS, %lld bytes private%s\n",
                  name.c_str(), (long long)kernel.arguments, (long long)kernel.vgprs,
                  (long long)kernel.sgprs, (long long)kernel.ldsBytes,
                  (long long)kernel.privateBytes, kernel.hasDescriptor ? "" : ", NO DESCRIPTOR");
    text += line;
  }
  return text;
}

FailureOr<OwningOpRef<ModuleOp>> lowerKernelsToRocdl(ModuleOp module, const RocmTarget &target) {
  return lower(module, target);
}

FailureOr<RocmCode> compileKernels(ModuleOp module, const RocmTarget &target,
                                   StringRef dumpDir) {
  FailureOr<OwningOpRef<ModuleOp>> lowered = lower(module, target);
  if (failed(lowered))
    return failure();
  // Device-library calls need the bitcode.
  std::string libraries = findDeviceLibraries(), function;
  (*lowered)->walk([&](LLVM::LLVMFuncOp func) {
    if (func.isExternal() &&
        (func.getName().starts_with("__ocml_") || func.getName().starts_with("__ockl_")))
      function = func.getName().str();
  });
  if (!function.empty() && libraries.empty())
    return module.emitError("ROCm backend: the kernels call the device library's ")
           << function
           << ", and no amdgcn/bitcode/ocml.bc was found (install rocm-device-libs or set "
              "ROCM_PATH)";
  // What the plan launches: each kernel.func with its buffers, plus the
  // device scratch when the lowering published one.
  llvm::StringSet<> globals;
  (*lowered)->walk([&](LLVM::GlobalOp global) { globals.insert(global.getSymName()); });
  std::vector<LaunchSignature> launches;
  for (auto func : module.getOps<FunctionOpInterface>()) {
    if (func->getName().getStringRef() != "kernel.func")
      continue;
    LaunchSignature launch;
    launch.name = func.getName().str();
    launch.arguments = int64_t(func.getNumArguments()) +
                       (globals.contains(launch.name + "_smelt_global_scratch") ? 1 : 0);
    launches.push_back(launch);
  }

  FailureOr<std::string> isa = gpu::serializeToIsa(module, lowered->get(), libraries,
                                                   "ROCm backend");
  if (failed(isa))
    return failure();
  RocmCode code;
  code.assembly = std::move(*isa);
  if (!dumpDir.empty() && failed(gpu::writeDump(module, dumpDir, "kernels.s", code.assembly)))
    return failure();
  auto emitError = [&] { return module.emitError("ROCm backend: "); };
  FailureOr<SmallVector<char, 0>> object =
      ROCDL::assembleIsa(code.assembly, "amdgcn-amd-amdhsa", target.chip, "", emitError);
  if (failed(object))
    return failure();
  // The HSA code object is the object linked as a shared library.
  std::string error;
  FailureOr<std::vector<uint8_t>> linked =
      cpu::linkWithLld(StringRef(object->data(), object->size()), {}, error);
  if (failed(linked))
    return module.emitError("ROCm backend: ") << error;
  code.hsaco = std::move(*linked);

  FailureOr<CodeObjectInfo> info = readCodeObject(code.hsaco, error);
  if (failed(info))
    return module.emitError("ROCm backend: the linked code object is unusable: ") << error;
  code.info = std::move(*info);
  std::vector<std::string> problems = validateCodeObject(code.info, target, launches);
  if (!problems.empty()) {
    std::string text;
    for (const std::string &problem : problems)
      text += "\n  " + problem;
    return module.emitError("ROCm backend: the code object does not match the plan (a bug):")
           << text;
  }
  if (!dumpDir.empty()) {
    std::string bytes(code.hsaco.begin(), code.hsaco.end());
    if (failed(gpu::writeDump(module, dumpDir, "kernels.hsaco", bytes)) ||
        failed(gpu::writeDump(module, dumpDir, "code-object.txt", describeCodeObject(code.info))))
      return failure();
  }
  return code;
}

} // namespace smelt::rocm
