//===- CompileModel.cpp - Model to artifact, for the CLI and Python ---------===//
#include "tools/common/CompileModel.h"
#include "dialects/kernel/IR/StorageSize.h"
#include "dialects/kernel/Transforms/Passes.h"

#include "backends/cpu/compiler/CpuCompiler.h"
#include "backends/cuda/compiler/CudaCompiler.h"
#include "backends/rocm/compiler/RocmCompiler.h"
#include "backends/gpu/KernelToGpu.h"
#include "frontends/onnx/OnnxImporter.h"
#include "frontends/stablehlo/StablehloImporter.h"
#include "passes/EmitArtifact.h"
#include "passes/Pipeline.h"
#include "tools/common/Registration.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "dialects/kernel/IR/KernelOps.h"

#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassInstrumentation.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string_view>
#include <unordered_map>

using namespace mlir;

namespace smelt {
namespace {

using Clock = std::chrono::steady_clock;

/// The MLIR element type of a runtime dtype (unsigned integers as ui<N>).
Type elementTypeOf(MLIRContext &context, smelt_dtype_t dtype) {
  Builder b(&context);
  switch (dtype) {
  case SMELT_F32: return b.getF32Type();
  case SMELT_F64: return b.getF64Type();
  case SMELT_F16: return b.getF16Type();
  case SMELT_BF16: return b.getBF16Type();
  case SMELT_I8: return b.getIntegerType(8);
  case SMELT_I16: return b.getIntegerType(16);
  case SMELT_I32: return b.getIntegerType(32);
  case SMELT_I64: return b.getIntegerType(64);
  case SMELT_U8: return b.getIntegerType(8, /*isSigned=*/false);
  case SMELT_U16: return b.getIntegerType(16, false);
  case SMELT_U32: return b.getIntegerType(32, false);
  case SMELT_U64: return b.getIntegerType(64, false);
  case SMELT_BOOL: return b.getI1Type();
  }
  return Type();
}

DenseElementsAttr toAttribute(MLIRContext &context, const tensorio::HostTensor &tensor) {
  auto type = RankedTensorType::get(tensor.shape, elementTypeOf(context, tensor.dtype));
  if (tensor.dtype == SMELT_BOOL) {
    SmallVector<bool> bits(tensor.bytes.begin(), tensor.bytes.end());
    return DenseElementsAttr::get(type, ArrayRef<bool>(bits));
  }
  return DenseElementsAttr::getFromRawBuffer(
      type, ArrayRef<char>(reinterpret_cast<const char *>(tensor.bytes.data()),
                           tensor.bytes.size()));
}

std::string printed(Operation *op) {
  std::string text;
  llvm::raw_string_ostream os(text);
  op->print(os);
  os << "\n";
  return text;
}

/// Writes `text` to `directory/name`; false with `error` set on failure.
bool writeFile(const std::string &directory, const std::string &name, const std::string &text,
               std::string &error) {
  std::string path = directory + "/" + name;
  std::error_code code;
  llvm::raw_fd_ostream file(path, code);
  if (code) {
    error = "cannot write '" + path + "': " + code.message();
    return false;
  }
  file << text;
  return true;
}

/// Writes the module after every pass: NN-<pass argument>.mlir.
class DumpInstrumentation : public PassInstrumentation {
public:
  DumpInstrumentation(std::string directory, int first)
      : directory_(std::move(directory)), index_(first) {}
  void runAfterPass(Pass *pass, Operation *op) override {
    if (!isa<ModuleOp>(op))
      return;
    char number[8];
    std::snprintf(number, sizeof(number), "%02d", index_++);
    std::string error;
    writeFile(directory_, std::string(number) + "-" + pass->getArgument().str() + ".mlir",
              printed(op), error);
  }

private:
  std::string directory_;
  int index_;
};

/// fusion-report.md and .json from the kernels of a scheduled module.
bool writeFusionReport(ModuleOp module, const std::string &directory, std::string &error) {
  struct Row {
    std::string kernel;
    std::vector<std::string> ops;
    int64_t unfused = 0, fused = 0;
    /// The cost model's estimate for the chosen schedule (smelt.cost):
    /// bytes per memory level, vector ops, nanoseconds, candidates costed.
    std::vector<std::pair<std::string, int64_t>> estimate;
    /// Whether its outputs are stored past the caches (smelt.streaming_stores).
    bool streaming = false;
  };
  std::vector<Row> rows;
  for (auto kernelFunc : module.getOps<kernel::FuncOp>()) {
    Row row;
    row.kernel = kernelFunc.getSymName().str();
    if (auto ops = kernelFunc.getOpsAttr())
      for (Attribute name : ops)
        row.ops.push_back(cast<StringAttr>(name).str());
    if (auto unfused = kernelFunc->getAttrOfType<IntegerAttr>("smelt.unfused_bytes"))
      row.unfused = unfused.getInt();
    if (auto cost = kernelFunc->getAttrOfType<DictionaryAttr>("smelt.cost"))
      for (NamedAttribute entry : cost)
        if (auto value = dyn_cast<IntegerAttr>(entry.getValue()))
          row.estimate.emplace_back(entry.getName().str(), value.getInt());
    for (Type type : kernelFunc.getArgumentTypes()) {
      row.fused += storageBytes(cast<ShapedType>(type));
    }
    row.streaming = kernelFunc->hasAttr(kernel::kStreamingStoresAttrName);
    rows.push_back(std::move(row));
  }
  int64_t opsTotal = 0, unfusedTotal = 0, fusedTotal = 0;
  for (const Row &row : rows) {
    opsTotal += row.ops.size();
    unfusedTotal += row.unfused;
    fusedTotal += row.fused;
  }
  auto mb = [](int64_t bytes) { return llvm::formatv("{0:F2}", bytes / 1e6).str(); };
  auto estimated = [](const Row &row, llvm::StringRef key) -> int64_t {
    for (const auto &[name, value] : row.estimate)
      if (name == key)
        return value;
    return 0;
  };
  std::string md = "# Fusion report\n\nKernels: " + std::to_string(opsTotal) +
                   " operators before fusion, " + std::to_string(rows.size()) +
                   " kernels after. Bytes moved through memory (every kernel reads its "
                   "inputs and writes its outputs once): " + mb(unfusedTotal) + " MB as "
                   "separate operators, " + mb(fusedTotal) + " MB fused. The last columns "
                   "are the cost model's estimate for the schedule the search chose: "
                   "device-memory (DRAM) bytes and time on the target. Streaming: the "
                   "kernel moves more through DRAM than the shared cache holds, and stores "
                   "its outputs past the caches (x86 non-temporal stores, where the output "
                   "is aligned at run time).\n\n"
                   "| Kernel | Ops | Fused ops | MB unfused | MB fused | Est. DRAM MB | "
                   "Est. us | Candidates | Streaming |\n"
                   "|---|---|---|---|---|---|---|---|---|\n";
  std::string json = "{\"kernels\": [";
  for (size_t i = 0; i < rows.size(); ++i) {
    const Row &row = rows[i];
    std::string ops, quoted;
    for (size_t o = 0; o < row.ops.size(); ++o) {
      ops += (o ? ", " : "") + row.ops[o];
      std::string escaped;
      for (char ch : row.ops[o]) {
        if (ch == '"' || ch == '\\')
          escaped += '\\';
        escaped += ch;
      }
      quoted += std::string(o ? ", " : "") + "\"" + escaped + "\"";
    }
    md += "| " + row.kernel + " | " + ops + " | " + std::to_string(row.ops.size()) + " | " +
          mb(row.unfused) + " | " + mb(row.fused) + " | " +
          mb(estimated(row, "dram_bytes")) + " | " +
          llvm::formatv("{0:F1}", estimated(row, "estimated_ns") / 1e3).str() + " | " +
          std::to_string(estimated(row, "candidates")) + " | " +
          (row.streaming ? "yes" : "") + " |\n";
    std::string estimate;
    for (const auto &[name, value] : row.estimate)
      estimate += std::string(estimate.empty() ? "" : ", ") + "\"" + name +
                  "\": " + std::to_string(value);
    json += std::string(i ? ", " : "") + "{\"kernel\": \"" + row.kernel + "\", \"ops\": [" +
            quoted + "], \"bytes_unfused\": " + std::to_string(row.unfused) +
            ", \"bytes_fused\": " + std::to_string(row.fused) + ", \"estimate\": {" + estimate +
            "}, \"streaming_stores\": " + (row.streaming ? "true" : "false") + "}";
  }
  json += "], \"ops\": " + std::to_string(opsTotal) + ", \"kernel_count\": " +
          std::to_string(rows.size()) + ", \"bytes_unfused\": " + std::to_string(unfusedTotal) +
          ", \"bytes_fused\": " + std::to_string(fusedTotal) + "}\n";
  return writeFile(directory, "fusion-report.md", md, error) &&
         writeFile(directory, "fusion-report.json", json, error);
}

/// Times stages and tells the observer.
class Stages {
public:
  Stages(CompileObserver &observer, int total) : observer_(observer), total_(total) {}
  void begin(const std::string &what) {
    start_ = Clock::now();
    observer_.stageBegin(++index_, total_, what);
  }
  void end() {
    observer_.stageEnd(std::chrono::duration<double>(Clock::now() - start_).count());
  }
  bool failed() {
    observer_.stageFailed();
    return false;
  }

private:
  CompileObserver &observer_;
  int total_;
  int index_ = 0;
  Clock::time_point start_;
};

/// One artifact from the artifacts of several specializations of a model:
/// their plans side by side, each with its own shapes (when they differ),
/// sections appended, identical constants stored once.
artifact::ArtifactDescription
mergeSpecializations(std::vector<artifact::ArtifactDescription> parts) {
  if (parts.size() == 1)
    return std::move(parts.front());
  artifact::ArtifactDescription merged;
  merged.inputs = parts.front().inputs;
  merged.outputs = parts.front().outputs;
  // -1 where the specializations disagree.
  auto generalize = [&](std::vector<artifact::TensorDescription> &tensors, bool isInput) {
    for (size_t i = 0; i < tensors.size(); ++i)
      for (size_t d = 0; d < tensors[i].shape.size(); ++d)
        for (const auto &part : parts) {
          const auto &other = (isInput ? part.inputs : part.outputs)[i];
          if (other.shape.size() != tensors[i].shape.size() ||
              other.shape[d] != tensors[i].shape[d])
            tensors[i].shape[d] = -1;
        }
  };
  generalize(merged.inputs, true);
  generalize(merged.outputs, false);
  // Plans carry their static shapes only where the signature has -1 dims
  // (parts of one size for several targets do not).
  bool symbolic = false;
  for (const auto *tensors : {&merged.inputs, &merged.outputs})
    for (const auto &tensor : *tensors)
      symbolic |= std::find(tensor.shape.begin(), tensor.shape.end(), -1) != tensor.shape.end();

  // Constants: identical byte ranges are stored once.
  std::unordered_map<size_t, std::vector<uint64_t>> byHash;
  auto placeConstant = [&](const uint8_t *bytes, uint64_t size) -> uint64_t {
    std::string_view view(reinterpret_cast<const char *>(bytes), size);
    size_t hash = std::hash<std::string_view>()(view);
    for (uint64_t offset : byHash[hash])
      if (std::memcmp(merged.constants.data() + offset, bytes, size) == 0)
        return offset;
    uint64_t offset = (merged.constants.size() + 63) / 64 * 64;
    merged.constants.resize(offset);
    merged.constants.insert(merged.constants.end(), bytes, bytes + size);
    byHash[hash].push_back(offset);
    return offset;
  };

  for (auto &part : parts) {
    const uint32_t sectionBase = merged.sections.size();
    for (auto &section : part.sections)
      merged.sections.push_back(std::move(section));
    std::vector<std::vector<int64_t>> inputShapes, outputShapes;
    for (const auto &tensor : part.inputs)
      inputShapes.push_back(tensor.shape);
    for (const auto &tensor : part.outputs)
      outputShapes.push_back(tensor.shape);
    for (auto &plan : part.plans) {
      for (auto &kernel : plan.kernels)
        kernel.section += sectionBase;
      for (auto &buffer : plan.buffers)
        if (buffer.kind == artifact::BufferKindDescription::Constant)
          buffer.offset = placeConstant(part.constants.data() + buffer.offset, buffer.size);
      if (symbolic) {
        plan.inputShapes = inputShapes;
        plan.outputShapes = outputShapes;
      }
      merged.plans.push_back(std::move(plan));
    }
  }
  return merged;
}

} // namespace

std::string formatDiagnostic(Diagnostic &diagnostic) {
  std::string position;
  diagnostic.getLocation()->walk([&](Location location) {
    if (auto file = dyn_cast<FileLineColLoc>(location)) {
      position = file.getFilename().str();
      if (file.getLine() > 0)
        position += ":" + std::to_string(file.getLine()) + ":" +
                    std::to_string(file.getColumn());
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  const char *severity = diagnostic.getSeverity() == DiagnosticSeverity::Error     ? "error"
                         : diagnostic.getSeverity() == DiagnosticSeverity::Warning ? "warning"
                                                                                   : "note";
  return (position.empty() ? "" : position + ": ") + severity + ": " + diagnostic.str();
}

bool compileModel(const CompileRequest &request, CompileObserver &observer,
                  CompileResult &result, std::string &error) {
  // Targets first: a bad one is reported before any work.
  std::vector<std::string> targets = request.targets;
  if (targets.empty())
    targets.push_back("cpu:host");
  struct Target {
    bool cuda = false, rocm = false;
    cpu::CpuTarget cpu;
    cuda::CudaTarget gpu;
    rocm::RocmTarget amd;
    std::string name() const { return cuda ? gpu.chip : rocm ? amd.chip : cpu.cpu; }
    const char *device() const { return cuda ? "cuda" : rocm ? "rocm" : "cpu"; }
  };
  std::vector<Target> variants;
  for (const std::string &spec : targets) {
    llvm::StringRef target = spec;
    Target resolved;
    if (target.consume_front("cuda")) {
      if (!target.empty() && !target.consume_front(":")) {
        error = "bad target '" + spec + "' (expected cuda or cuda:sm_XY)";
        return false;
      }
      FailureOr<cuda::CudaTarget> cudaTarget = cuda::resolveCudaTarget(target, error);
      if (failed(cudaTarget))
        return false;
      resolved.cuda = true;
      resolved.gpu = *cudaTarget;
      variants.push_back(resolved);
      continue;
    }
    if (target.consume_front("rocm")) {
      if (!target.empty() && !target.consume_front(":")) {
        error = "bad target '" + spec + "' (expected rocm or rocm:gfxNNN)";
        return false;
      }
      FailureOr<rocm::RocmTarget> rocmTarget = rocm::resolveRocmTarget(target, error);
      if (failed(rocmTarget))
        return false;
      resolved.rocm = true;
      resolved.amd = *rocmTarget;
      variants.push_back(resolved);
      continue;
    }
    if (!target.consume_front("cpu")) {
      error = "unsupported target '" + spec +
              "': this build compiles for cpu, cpu:<arch>, cuda, cuda:sm_XY, rocm and "
              "rocm:gfxNNN";
      return false;
    }
    if (!target.empty() && !target.consume_front(":")) {
      error = "bad target '" + spec + "' (expected cpu or cpu:<arch>)";
      return false;
    }
    FailureOr<cpu::CpuTarget> cpuTarget = cpu::resolveCpuTarget(target, error);
    if (failed(cpuTarget))
      return false;
    resolved.cpu = *cpuTarget;
    variants.push_back(resolved);
  }

  std::string gpuOnCpu; // SMELT_GPU_LOWERING_ON_CPU: "", "cuda" or "rocm"
  if (const char *value = std::getenv("SMELT_GPU_LOWERING_ON_CPU"); value && *value &&
                                                                    std::string(value) != "0") {
    gpuOnCpu = value;
    if (gpuOnCpu == "1")
      gpuOnCpu = "cuda";
    if (gpuOnCpu != "cuda" && gpuOnCpu != "rocm") {
      error = "SMELT_GPU_LOWERING_ON_CPU is '" + gpuOnCpu + "'; expected 1 (or cuda), rocm or 0";
      return false;
    }
  }

  static std::once_flag passesRegistered;
  std::call_once(passesRegistered, [] { registerAllPasses(); }); // the CPU lowering parses a pipeline
  DialectRegistry registry;
  registerAllDialects(registry);
  MLIRContext context(registry);
  context.loadAllAvailableDialects();
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diagnostic) {
    observer.diagnostic(diagnostic);
    return success();
  });

  // One specialization per combination of the requested dim sizes.
  std::vector<std::map<std::string, int64_t>> specializations(1);
  for (const auto &[name, given] : request.dimSizes) {
    std::vector<int64_t> sizes = given;
    std::sort(sizes.begin(), sizes.end());
    sizes.erase(std::unique(sizes.begin(), sizes.end()), sizes.end());
    if (sizes.empty()) {
      error = "--dim " + name + " gives no sizes";
      return false;
    }
    std::vector<std::map<std::string, int64_t>> next;
    for (const auto &partial : specializations)
      for (int64_t size : sizes) {
        next.push_back(partial);
        next.back()[name] = size;
      }
    specializations = std::move(next);
  }
  if (request.stop != CompileStop::Artifact)
    specializations.resize(1); // IR is shown for the first sizes
  // Per specialization: import, then per target (each target's description
  // schedules its own kernels) forming/scheduling and code generation.
  const int perSpecialization = request.stop == CompileStop::Graph  ? 1
                                : request.stop == CompileStop::Plan ? 2
                                : request.stop == CompileStop::LLVM ? 3
                                : request.stop == CompileStop::Assembly ? 3
                                                                    : 1 + 2 * int(variants.size());
  Stages stages(observer, perSpecialization * int(specializations.size()) +
                              (request.stop == CompileStop::Artifact ? 1 : 0));
  const std::string &name = request.modelPath.empty() ? request.modelName : request.modelPath;
  std::string inputType = request.inputType;
  if (inputType.empty()) {
    llvm::StringRef path = request.modelPath;
    bool isMlir = request.modelPath.empty()
                      ? stablehlo_frontend::looksLikeMlirText(request.modelBytes)
                      : path.ends_with(".mlir") || path.ends_with(".stablehlo");
    inputType = isMlir ? "stablehlo" : "onnx";
  }
  if (inputType != "onnx" && inputType != "stablehlo") {
    error = "unknown input type '" + inputType + "' (expected onnx or stablehlo)";
    return false;
  }
  bool stablehlo = inputType == "stablehlo";
  if (stablehlo && (!request.inputShapes.empty() || !request.dimSizes.empty() ||
                    !request.constantInputs.empty())) {
    error = "--input-shape, --dim and --constant-input apply to ONNX models; a StableHLO "
            "program's shapes are static";
    return false;
  }

  std::vector<artifact::ArtifactDescription> parts;
  for (const auto &dims : specializations) {
    std::string label;
    for (const auto &[dim, size] : dims)
      label += (label.empty() ? " [" : ", ") + dim + "=" + std::to_string(size);
    if (!label.empty())
      label += "]";

    onnx_frontend::ImportOptions importOptions;
    importOptions.inputShapes = request.inputShapes;
    importOptions.dimValues = dims;
    for (const auto &[input, tensor] : request.constantInputs)
      importOptions.constantInputs[input] = toAttribute(context, tensor);

    stages.begin("importing " + name + label);
    FailureOr<OwningOpRef<ModuleOp>> imported = failure();
    if (stablehlo) {
      stablehlo_frontend::ImportOptions stablehloOptions;
      imported = request.modelPath.empty()
                     ? stablehlo_frontend::importStablehloBuffer(context, request.modelBytes,
                                                                 request.modelName,
                                                                 stablehloOptions)
                     : stablehlo_frontend::importStablehloFile(context, request.modelPath,
                                                               stablehloOptions);
    } else {
      imported = request.modelPath.empty()
                     ? onnx_frontend::importOnnxBuffer(context, request.modelBytes,
                                                       request.modelName, /*isText=*/false,
                                                       importOptions)
                     : onnx_frontend::importOnnxFile(context, request.modelPath, importOptions);
    }
    if (failed(imported))
      return stages.failed();
    OwningOpRef<ModuleOp> graph = std::move(*imported);
    if (failed(verify(*graph))) {
      stages.failed();
      error = "the imported model does not verify (an importer bug)";
      return false;
    }
    stages.end();
    if (request.stop == CompileStop::Graph) {
      result.irText = printed(*graph);
      return true;
    }
    // --dump-dir: one directory per specialisation when there are several
    // (the IR of the first target).
    std::string dumpDir = request.dumpDir;
    if (!dumpDir.empty() && specializations.size() > 1) {
      std::string name;
      for (const auto &[dim, size] : dims)
        name += (name.empty() ? "" : ",") + dim + "=" + std::to_string(size);
      dumpDir += "/" + name;
    }
    if (!dumpDir.empty()) {
      if (std::error_code code = llvm::sys::fs::create_directories(dumpDir)) {
        stages.failed();
        error = "cannot create '" + dumpDir + "': " + code.message();
        return false;
      }
      if (!writeFile(dumpDir, "00-import.mlir", printed(*graph), error))
        return stages.failed();
    }

    // One code section and one plan per target.
    for (size_t t = 0; t < variants.size(); ++t) {
      const Target &variant = variants[t];
      std::string forTarget = variants.size() > 1 ? " for " + variant.name() : "";
      OwningOpRef<ModuleOp> module =
          t + 1 == variants.size() ? std::move(graph) : OwningOpRef<ModuleOp>(graph->clone());
      stages.begin("forming and scheduling kernels" + forTarget + label);
      PassManager pm(&context);
      if (!dumpDir.empty() && t == 0)
        pm.addInstrumentation(std::make_unique<DumpInstrumentation>(dumpDir, 1));
      PipelineOptions pipelineOptions;
      pipelineOptions.groups = request.groups;
      pipelineOptions.fuse = request.fuse;
      pipelineOptions.vectorWidth = request.vectorWidth;
      pipelineOptions.libraryCalls = request.libraryCalls;
      pipelineOptions.scheduleSearch = request.scheduleSearch;
      // SMELT_GPU_LOWERING_ON_CPU=1 or cuda, or rocm (tests): a CPU target's
      // kernels are scheduled as for that GPU (sm_90, gfx942) and go through
      // the GPU lowering with one-thread blocks before the CPU backend
      // compiles them (gpu::replaceKernelsWithGpuLowering), so the lowering's
      // numerics can be checked without a GPU.
      const bool gpuLoweringOnCpu = !variant.cuda && !variant.rocm && !gpuOnCpu.empty();
      const bool asRocm = variant.rocm || (gpuLoweringOnCpu && gpuOnCpu == "rocm");
      if (variant.cuda || variant.rocm || gpuLoweringOnCpu) {
        // No CPU register tiling: the GPU lowering splits each op between
        // the threads of a block.
        pipelineOptions.vectorWidth = 0;
        pipelineOptions.cpuVectorize = false;
        pipelineOptions.libraryDevice = asRocm ? "rocm" : "cuda";
        std::string ignored;
        if (asRocm)
          pipelineOptions.target = rocm::describeTarget(
              variant.rocm ? variant.amd : *rocm::resolveRocmTarget("gfx942", ignored));
        else
          pipelineOptions.target = cuda::describeTarget(
              variant.cuda ? variant.gpu : *cuda::resolveCudaTarget("sm_90", ignored));
      } else {
        pipelineOptions.target = cpu::describeTarget(variant.cpu);
      }
      if (!request.memoryLevels.empty() &&
          failed(kernel::parseMemoryLevels(request.memoryLevels, pipelineOptions.target->levels,
                                           error))) {
        stages.failed();
        error = "bad --memory-levels '" + request.memoryLevels + "': " + error;
        return false;
      }
      buildGraphToPlanPipeline(pm, pipelineOptions);
      if (failed(pm.run(*module)))
        return stages.failed();
      if (!dumpDir.empty() && t == 0 && !writeFusionReport(*module, dumpDir, error))
        return stages.failed();
      stages.end();
      if (gpuLoweringOnCpu && failed(gpu::replaceKernelsWithGpuLowering(*module)))
        return stages.failed();
      if (request.stop == CompileStop::Plan) {
        result.irText = printed(*module);
        return true;
      }
      if (request.stop == CompileStop::LLVM) {
        stages.begin("lowering kernels to LLVM");
        auto lowered = variant.cuda   ? cuda::lowerKernelsToNvvm(*module, variant.gpu)
                       : variant.rocm ? rocm::lowerKernelsToRocdl(*module, variant.amd)
                                      : cpu::lowerKernelsToLLVMDialect(*module, variant.cpu);
        if (failed(lowered))
          return stages.failed();
        stages.end();
        result.irText = printed(lowered->get());
        return true;
      }

      FailureOr<artifact::ArtifactDescription> description = failure();
      if (variant.cuda) {
        stages.begin("generating CUDA code for " + variant.gpu.chip + label);
        FailureOr<cuda::CudaCode> code =
            cuda::compileKernels(*module, variant.gpu, t == 0 ? StringRef(dumpDir) : StringRef());
        if (failed(code))
          return stages.failed();
        if (request.stop == CompileStop::Assembly) {
          stages.end();
          result.irText = code->ptx;
          return true;
        }
        if (!code->note.empty())
          emitWarning(UnknownLoc::get(&context), code->note);
        description = describeArtifact(*module);
        if (failed(description))
          return stages.failed();
        description->plans.front().target = "cuda";
        artifact::SectionDescription &ptx = description->sections.emplace_back();
        ptx.target = "cuda";
        ptx.format = "ptx";
        ptx.arch = variant.gpu.chip;
        ptx.bytes.assign(code->ptx.begin(), code->ptx.end());
        if (!code->cubin.empty()) {
          artifact::SectionDescription &cubin = description->sections.emplace_back();
          cubin.target = "cuda";
          cubin.format = "cubin";
          cubin.arch = variant.gpu.chip;
          cubin.bytes = std::move(code->cubin);
        }
      } else if (variant.rocm) {
        stages.begin("generating ROCm code for " + variant.amd.chip + label);
        FailureOr<rocm::RocmCode> code =
            rocm::compileKernels(*module, variant.amd, t == 0 ? StringRef(dumpDir) : StringRef());
        if (failed(code))
          return stages.failed();
        if (request.stop == CompileStop::Assembly) {
          stages.end();
          result.irText = code->assembly;
          return true;
        }
        description = describeArtifact(*module);
        if (failed(description))
          return stages.failed();
        artifact::SectionDescription &hsaco = description->sections.emplace_back();
        hsaco.target = "rocm";
        hsaco.format = "hsaco";
        hsaco.arch = variant.amd.chip;
        hsaco.bytes = std::move(code->hsaco);
      } else {
        if (request.stop == CompileStop::Assembly) {
          error = "--emit=asm needs a cuda or rocm target (the CPU's assembly: --dump-dir)";
          return stages.failed();
        }
        stages.begin("generating CPU code for " + variant.cpu.cpu + label);
        FailureOr<std::vector<uint8_t>> code =
            cpu::compileKernels(*module, variant.cpu, t == 0 ? StringRef(dumpDir) : StringRef());
        if (failed(code))
          return stages.failed();
        description = describeArtifact(*module);
        if (failed(description))
          return stages.failed();
        artifact::SectionDescription &section = description->sections.emplace_back();
        section.target = "cpu";
        section.format = "elf-shared-object";
        section.arch = variant.cpu.architectureTag();
        section.bytes = std::move(*code);
      }
      for (artifact::PlanDescription &plan : description->plans) {
        plan.target = variant.device();
        for (artifact::KernelDescription &kernel : plan.kernels)
          kernel.section = 0;
      }
      stages.end();
      if (t == 0)
        result.kernelCount += description->plans.front().kernels.size();
      parts.push_back(std::move(*description));
    }
  }

  stages.begin("writing the artifact");
  artifact::ArtifactDescription merged = mergeSpecializations(std::move(parts));
  if (!artifact::writeArtifact(merged, result.artifact, error)) {
    stages.failed();
    return false;
  }
  stages.end();
  return true;
}

} // namespace smelt
