//===- CompileModel.cpp - ONNX model to artifact, for the CLI and Python --===//
#include "tools/common/CompileModel.h"

#include "backends/cpu/compiler/CpuCompiler.h"
#include "frontends/onnx/OnnxImporter.h"
#include "passes/EmitArtifact.h"
#include "passes/Pipeline.h"
#include "tools/common/Registration.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <mutex>

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
  std::vector<cpu::CpuTarget> cpuTargets;
  for (const std::string &spec : targets) {
    llvm::StringRef target = spec;
    if (!target.consume_front("cpu")) {
      error = "unsupported target '" + spec + "': this build compiles for cpu or cpu:<arch> only";
      return false;
    }
    if (!target.empty() && !target.consume_front(":")) {
      error = "bad target '" + spec + "' (expected cpu or cpu:<arch>)";
      return false;
    }
    FailureOr<cpu::CpuTarget> cpuTarget = cpu::resolveCpuTarget(target, error);
    if (failed(cpuTarget))
      return false;
    cpuTargets.push_back(*cpuTarget);
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

  onnx_frontend::ImportOptions importOptions;
  importOptions.inputShapes = request.inputShapes;
  for (const auto &[name, tensor] : request.constantInputs)
    importOptions.constantInputs[name] = toAttribute(context, tensor);

  const int total = request.stop == CompileStop::Graph  ? 1
                    : request.stop == CompileStop::Plan ? 2
                    : request.stop == CompileStop::LLVM ? 3
                                                        : 3 + int(cpuTargets.size());
  Stages stages(observer, total);
  const std::string &name = request.modelPath.empty() ? request.modelName : request.modelPath;
  stages.begin("importing " + name);
  FailureOr<OwningOpRef<ModuleOp>> imported =
      request.modelPath.empty()
          ? onnx_frontend::importOnnxBuffer(context, request.modelBytes, request.modelName,
                                            /*isText=*/false, importOptions)
          : onnx_frontend::importOnnxFile(context, request.modelPath, importOptions);
  if (failed(imported))
    return stages.failed();
  OwningOpRef<ModuleOp> module = std::move(*imported);
  if (failed(verify(*module))) {
    stages.failed();
    error = "the imported model does not verify (an importer bug)";
    return false;
  }
  stages.end();
  if (request.stop == CompileStop::Graph) {
    result.irText = printed(*module);
    return true;
  }

  stages.begin("forming and scheduling kernels");
  PassManager pm(&context);
  PipelineOptions pipelineOptions;
  pipelineOptions.groups = request.groups;
  pipelineOptions.fuse = request.fuse;
  pipelineOptions.vectorWidth = request.vectorWidth;
  pipelineOptions.libraryCalls = request.libraryCalls;
  buildGraphToPlanPipeline(pm, pipelineOptions);
  if (failed(pm.run(*module)))
    return stages.failed();
  stages.end();
  if (request.stop == CompileStop::Plan) {
    result.irText = printed(*module);
    return true;
  }

  if (request.stop == CompileStop::LLVM) {
    stages.begin("lowering kernels to LLVM");
    auto lowered = cpu::lowerKernelsToLLVMDialect(*module);
    if (failed(lowered))
      return stages.failed();
    stages.end();
    result.irText = printed(lowered->get());
    return true;
  }

  // One code section and one plan per target; the plans differ only in the
  // section their kernels live in.
  std::vector<artifact::SectionDescription> sections;
  for (const cpu::CpuTarget &cpuTarget : cpuTargets) {
    stages.begin("generating CPU code for " + cpuTarget.cpu);
    FailureOr<std::vector<uint8_t>> code = cpu::compileKernels(*module, cpuTarget);
    if (failed(code))
      return stages.failed();
    artifact::SectionDescription &section = sections.emplace_back();
    section.target = "cpu";
    section.format = "elf-shared-object";
    section.arch = cpuTarget.architectureTag();
    section.bytes = std::move(*code);
    stages.end();
  }

  stages.begin("writing the artifact");
  FailureOr<artifact::ArtifactDescription> description = describeArtifact(*module);
  if (failed(description))
    return stages.failed();
  description->sections = std::move(sections);
  artifact::PlanDescription generic = description->plans.front();
  description->plans.clear();
  for (uint32_t i = 0; i < description->sections.size(); ++i) {
    artifact::PlanDescription &plan = description->plans.emplace_back(generic);
    for (artifact::KernelDescription &kernel : plan.kernels)
      kernel.section = i;
  }
  result.kernelCount = generic.kernels.size();
  if (!artifact::writeArtifact(*description, result.artifact, error)) {
    stages.failed();
    return false;
  }
  stages.end();
  return true;
}

} // namespace smelt
