//===- Compile.cpp - smelt compile ------------------------------------------===//
//
// import -> graph-to-plan pipeline -> CPU code generation -> artifact, with a
// line of progress per stage on stderr.
//
//===----------------------------------------------------------------------===//
#include "tools/smelt/Commands.h"

#include "backends/cpu/compiler/CpuCompiler.h"
#include "frontends/onnx/OnnxImporter.h"
#include "passes/EmitArtifact.h"
#include "passes/Pipeline.h"
#include "tools/common/Registration.h"
#include "tools/tensorio/TensorIO.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>

namespace cl = llvm::cl;
using namespace mlir;

namespace smelt::cli {
extern cl::SubCommand compileCommand;

namespace {
cl::opt<std::string> modelPath(cl::Positional, cl::desc("<model.onnx>"), cl::Required,
                               cl::sub(compileCommand));
cl::opt<std::string> outputPath("o", cl::desc("Output file (default: the model's name with "
                                              ".smelt, or stdout for --emit=<ir>)"),
                                cl::value_desc("path"), cl::sub(compileCommand));
cl::list<std::string> targetSpecs(
    "target",
    cl::desc("Device to compile for: cpu or cpu:<arch> (host, x86-64-v3, skylake-avx512, "
             "...); default cpu:host. Repeat for a fat artifact with one plan per target, "
             "most preferred first: the runtime loads the first one the device can run"),
    cl::value_desc("target"), cl::sub(compileCommand));
cl::list<std::string> inputShapes(
    "input-shape",
    cl::desc("Static shape for a model input with symbolic dimensions, name:d0xd1x... "
             "(repeatable)"),
    cl::value_desc("name:shape"), cl::sub(compileCommand));
cl::list<std::string> constantInputs(
    "constant-input",
    cl::desc("Freeze a model input to a value at compile time, name=@file.npy or "
             "name=<shape>x<dtype>=<values> (repeatable); for inputs that determine shapes, "
             "such as Reshape's shape or Slice's starts"),
    cl::value_desc("name=spec"), cl::sub(compileCommand));
cl::opt<int64_t> groups("groups",
                        cl::desc("Processors each kernel's grid should keep busy "
                                 "(0: this host's hardware threads)"),
                        cl::init(0), cl::sub(compileCommand));
cl::opt<bool> fusion("fusion",
                     cl::desc("Fuse operators into shared kernels (--fusion=false: one "
                              "kernel per operator)"),
                     cl::init(true), cl::sub(compileCommand));
cl::opt<int64_t> vectorWidth("vector-width",
                             cl::desc("f32 lanes for register tiling of matmul/conv "
                                      "(0: no register tiling)"),
                             cl::init(16), cl::sub(compileCommand));
enum class Emit { Artifact, Graph, Plan, LLVM };
cl::opt<Emit> emit(
    "emit", cl::desc("What to write"), cl::init(Emit::Artifact),
    cl::values(clEnumValN(Emit::Artifact, "artifact", "the .smelt artifact (default)"),
               clEnumValN(Emit::Graph, "graph", "the imported graph-dialect module"),
               clEnumValN(Emit::Plan, "plan", "kernels and host plan after scheduling"),
               clEnumValN(Emit::LLVM, "llvm", "the CPU kernels in the LLVM dialect")),
    cl::sub(compileCommand));
cl::opt<bool> quiet("quiet", cl::desc("No progress lines"), cl::sub(compileCommand));

using Clock = std::chrono::steady_clock;

/// True while a progress line waits for its time: a diagnostic must start on
/// a line of its own.
bool progressLineOpen = false;

/// Progress on stderr: "[2/4] lowering to kernels ... 0.42 s".
class Progress {
public:
  explicit Progress(int total) : total_(total) {}
  void begin(llvm::StringRef what) {
    start_ = Clock::now();
    if (!quiet)
      llvm::errs() << "[" << ++step_ << "/" << total_ << "] " << what << " ... ";
    progressLineOpen = !quiet;
  }
  void end() {
    progressLineOpen = false;
    if (!quiet)
      llvm::errs() << llvm::format("%.2f s\n",
                                   std::chrono::duration<double>(Clock::now() - start_).count());
  }
  void abandon() {
    if (progressLineOpen)
      llvm::errs() << "failed\n";
    progressLineOpen = false;
  }

private:
  int total_;
  int step_ = 0;
  Clock::time_point start_;
};

/// Diagnostics as "file:line:col: error: message", or "error: message" when
/// the location has no file position (e.g. a node of a binary model).
void printDiagnostic(Diagnostic &diagnostic) {
  if (progressLineOpen) {
    llvm::errs() << "failed\n";
    progressLineOpen = false;
  }
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
  llvm::errs() << (position.empty() ? "" : position + ": ") << severity << ": " << diagnostic
               << "\n";
}

bool parseShape(llvm::StringRef text, std::vector<int64_t> &shape) {
  if (text.empty())
    return true; // a scalar
  llvm::SmallVector<llvm::StringRef> dims;
  text.split(dims, 'x');
  for (llvm::StringRef dim : dims) {
    int64_t value;
    if (dim.getAsInteger(10, value) || value < 0)
      return false;
    shape.push_back(value);
  }
  return true;
}

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

int fail(const llvm::Twine &message) {
  llvm::errs() << "smelt: error: " << message << "\n";
  return 1;
}

LogicalResult writeText(ModuleOp module, llvm::StringRef path) {
  std::string error;
  auto file = openOutputFile(path.empty() ? "-" : path, &error);
  if (!file) {
    llvm::errs() << "smelt: error: " << error << "\n";
    return failure();
  }
  module.print(file->os());
  file->os() << "\n";
  file->keep();
  return success();
}

} // namespace

int runCompileCommand() {
  std::vector<std::string> targets(targetSpecs.begin(), targetSpecs.end());
  if (targets.empty())
    targets.push_back("cpu:host");
  std::vector<std::string> cpuArchs;
  for (const std::string &spec : targets) {
    llvm::StringRef target = spec;
    if (!target.consume_front("cpu"))
      return fail("unsupported target '" + spec +
                  "': this build compiles for cpu or cpu:<arch> only");
    if (!target.empty() && !target.consume_front(":"))
      return fail("bad target '" + spec + "' (expected cpu or cpu:<arch>)");
    cpuArchs.push_back(target.str());
  }

  onnx_frontend::ImportOptions importOptions;
  for (const std::string &spec : inputShapes) {
    auto [name, shapeText] = llvm::StringRef(spec).rsplit(':');
    std::vector<int64_t> shape;
    if (shapeText.data() == nullptr || name.empty() || !parseShape(shapeText, shape))
      return fail("bad --input-shape '" + spec + "' (expected name:d0xd1x..., e.g. x:1x3x224x224)");
    importOptions.inputShapes[name.str()] = shape;
  }

  std::string error;
  std::vector<std::pair<std::string, tensorio::HostTensor>> frozenInputs;
  for (const std::string &spec : constantInputs) {
    auto [name, value] = llvm::StringRef(spec).split('=');
    tensorio::HostTensor tensor;
    if (name.empty() || value.empty())
      return fail("bad --constant-input '" + spec + "' (expected name=@file.npy or name=<spec>)");
    if (!tensorio::parseInputSpec(value.str(), tensor, error))
      return fail("--constant-input '" + name + "': " + error);
    frozenInputs.emplace_back(name.str(), std::move(tensor));
  }

  std::vector<cpu::CpuTarget> cpuTargets;
  for (const std::string &arch : cpuArchs) {
    FailureOr<cpu::CpuTarget> cpuTarget = cpu::resolveCpuTarget(arch, error);
    if (failed(cpuTarget))
      return fail(error);
    cpuTargets.push_back(*cpuTarget);
  }

  registerAllPasses(); // the CPU lowering parses a textual pipeline
  DialectRegistry registry;
  registerAllDialects(registry);
  MLIRContext context(registry);
  context.loadAllAvailableDialects();
  ScopedDiagnosticHandler handler(&context, [](Diagnostic &diagnostic) {
    printDiagnostic(diagnostic);
    return success();
  });

  std::string output = outputPath;
  if (output.empty() && emit == Emit::Artifact) {
    llvm::SmallString<128> path(modelPath.getValue());
    llvm::sys::path::replace_extension(path, "smelt");
    output = std::string(path);
  }

  for (auto &[name, tensor] : frozenInputs)
    importOptions.constantInputs[name] = toAttribute(context, tensor);

  auto started = Clock::now();
  Progress progress(emit == Emit::Graph ? 1
                    : emit == Emit::Plan ? 2
                                         : 3 + cpuTargets.size());
  progress.begin("importing " + modelPath);
  auto imported = onnx_frontend::importOnnxFile(context, modelPath, importOptions);
  if (failed(imported)) {
    progress.abandon();
    return 1;
  }
  OwningOpRef<ModuleOp> module = std::move(*imported);
  if (failed(verify(*module))) {
    progress.abandon();
    return fail("the imported model does not verify (an importer bug)");
  }
  progress.end();
  if (emit == Emit::Graph)
    return failed(writeText(*module, output)) ? 1 : 0;

  progress.begin("forming and scheduling kernels");
  PassManager pm(&context);
  PipelineOptions pipelineOptions;
  pipelineOptions.groups = groups;
  pipelineOptions.fuse = fusion;
  pipelineOptions.vectorWidth = vectorWidth;
  buildGraphToPlanPipeline(pm, pipelineOptions);
  if (failed(pm.run(*module))) {
    progress.abandon();
    return 1;
  }
  progress.end();
  if (emit == Emit::Plan)
    return failed(writeText(*module, output)) ? 1 : 0;

  if (emit == Emit::LLVM) {
    progress.begin("lowering kernels to LLVM");
    auto lowered = cpu::lowerKernelsToLLVMDialect(*module);
    if (failed(lowered)) {
      progress.abandon();
      return 1;
    }
    progress.end();
    return failed(writeText(lowered->get(), output)) ? 1 : 0;
  }

  // One code section and one plan per target; the plans differ only in the
  // section their kernels live in.
  std::vector<artifact::SectionDescription> sections;
  for (const cpu::CpuTarget &cpuTarget : cpuTargets) {
    progress.begin("generating CPU code for " + cpuTarget.cpu);
    FailureOr<std::vector<uint8_t>> code = cpu::compileKernels(*module, cpuTarget);
    if (failed(code)) {
      progress.abandon();
      return 1;
    }
    artifact::SectionDescription &section = sections.emplace_back();
    section.target = "cpu";
    section.format = "elf-shared-object";
    section.arch = cpuTarget.architectureTag();
    section.bytes = std::move(*code);
    progress.end();
  }

  progress.begin("writing " + output);
  FailureOr<artifact::ArtifactDescription> description = describeArtifact(*module);
  if (failed(description)) {
    progress.abandon();
    return 1;
  }
  description->sections = std::move(sections);
  artifact::PlanDescription generic = description->plans.front();
  description->plans.clear();
  for (uint32_t i = 0; i < description->sections.size(); ++i) {
    artifact::PlanDescription &plan = description->plans.emplace_back(generic);
    for (artifact::KernelDescription &kernel : plan.kernels)
      kernel.section = i;
  }
  if (!artifact::writeArtifactFile(output, *description, error)) {
    progress.abandon();
    return fail("cannot write '" + output + "': " + error);
  }
  progress.end();
  if (!quiet) {
    uint64_t size = 0;
    llvm::sys::fs::file_size(output, size);
    llvm::errs() << llvm::format(
        "compiled %zu kernels into %s (%.1f MB) in %.2f s\n", generic.kernels.size(),
        output.c_str(), size / 1e6,
        std::chrono::duration<double>(Clock::now() - started).count());
  }
  return 0;
}

} // namespace smelt::cli
