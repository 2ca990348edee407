//===- Compile.cpp - smelt compile ------------------------------------------===//
//
// import -> graph-to-plan pipeline -> CPU code generation -> artifact, with a
// line of progress per stage on stderr.
//
//===----------------------------------------------------------------------===//
#include "tools/smelt/Commands.h"

#include "runtime/src/ArtifactWriter.h"
#include "tools/common/CompileModel.h"
#include "tools/tensorio/TensorIO.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/Support/FileUtilities.h"
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
using smelt::CompileObserver;
using smelt::CompileRequest;
using smelt::CompileResult;
using smelt::CompileStop;

namespace {
cl::opt<std::string> modelPath(cl::Positional, cl::desc("<model.onnx | program.mlir>"),
                               cl::Required, cl::sub(compileCommand));
cl::opt<std::string> inputType(
    "input-type",
    cl::desc("What the model is: onnx or stablehlo (MLIR text, pretty or generic form); "
             "default: stablehlo for .mlir files, onnx otherwise"),
    cl::value_desc("onnx|stablehlo"), cl::sub(compileCommand));
cl::opt<std::string> outputPath("o", cl::desc("Output file (default: the model's name with "
                                              ".smelt, or stdout for --emit=<ir>)"),
                                cl::value_desc("path"), cl::sub(compileCommand));
cl::list<std::string> targetSpecs(
    "target",
    cl::desc("Device to compile for: cpu or cpu:<arch> (host, x86-64-v3, skylake-avx512, "
             "...), cuda or cuda:sm_XY (sm_80, sm_86, sm_89, sm_90; cuda is sm_90), rocm or "
             "rocm:gfxNNN (gfx90a, gfx942; rocm is gfx942); default "
             "cpu:host. Repeat for a fat artifact with one plan per target, most preferred "
             "first: the runtime loads the first one the device can run"),
    cl::value_desc("target"), cl::sub(compileCommand));
cl::list<std::string> inputShapes(
    "input-shape",
    cl::desc("Static shape for a model input with symbolic dimensions, name:d0xd1x... "
             "(repeatable)"),
    cl::value_desc("name:shape"), cl::sub(compileCommand));
cl::list<std::string> dims(
    "dim",
    cl::desc("Sizes of a symbolic dimension of the inputs, name=s1,s2,... (repeatable): the "
             "artifact runs every combination of the sizes given, chosen at run time by the "
             "inputs' shapes"),
    cl::value_desc("name=sizes"), cl::sub(compileCommand));
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
                             cl::desc("f32 lanes of the vectors of every kernel, and of the "
                                      "register tiles of generated matmul/conv (0: no register "
                                      "tiling; default: the schedule search picks the target's "
                                      "widest vectors or half of them per kernel)"),
                             cl::init(-1), cl::sub(compileCommand));
enum class Emit { Artifact, Graph, Plan, LLVM, Assembly };
cl::opt<Emit> emit(
    "emit", cl::desc("What to write"), cl::init(Emit::Artifact),
    cl::values(clEnumValN(Emit::Artifact, "artifact", "the .smelt artifact (default)"),
               clEnumValN(Emit::Graph, "graph", "the imported graph-dialect module"),
               clEnumValN(Emit::Plan, "plan", "kernels and host plan after scheduling"),
               clEnumValN(Emit::LLVM, "llvm",
                          "the kernels in the LLVM dialect (NVVM for a cuda target, "
                          "ROCDL for a rocm one)"),
               clEnumValN(Emit::Assembly, "asm",
                          "the GPU assembly of the kernels: PTX for a cuda target, AMDGPU "
                          "assembly for a rocm one"),
               clEnumValN(Emit::Assembly, "ptx", "the same as asm (for a cuda target)")),
    cl::sub(compileCommand));
cl::opt<bool> quiet("quiet", cl::desc("No progress lines"), cl::sub(compileCommand));
cl::opt<std::string> dumpDir(
    "dump-dir",
    cl::desc("Write the IR after import and after every pass (NN-<pass>.mlir) and a fusion "
             "report (fusion-report.md/.json: kernels, the ops each fuses, bytes moved "
             "fused vs as separate operators) and the generated code (CPU: kernels.ll, "
             "kernels.s; cuda: kernels.ptx; rocm: kernels.s, kernels.hsaco, "
             "code-object.txt) into this directory"),
    cl::value_desc("dir"), cl::sub(compileCommand));
cl::opt<bool> scheduleSearch(
    "schedule-search",
    cl::desc("Cost candidate schedules of each kernel (grid, row steps, staging) with the "
             "cost model and keep the cheapest (default true; false: fixed rule)"),
    cl::init(true), cl::sub(compileCommand));
cl::opt<std::string> memoryLevels(
    "memory-levels",
    cl::desc("The memory hierarchy the schedule search costs with, outermost first: "
             "name:capacity-bytes:bytes-per-ns[:group],... (capacity 0: unbounded; group: "
             "private to a group), e.g. dram:0:40,l3:33554432:200,l2:1048576:192:group; "
             "default: the target's (caches from sysfs, nominal bandwidths)"),
    cl::value_desc("levels"), cl::sub(compileCommand));
cl::opt<bool> libraryCalls("library-calls",
                           cl::desc("Offer vendor-library GEMMs (oneDNN, OpenBLAS) for plain "
                                    "f32 matmuls, chosen at load time (default true)"),
                           cl::init(true), cl::sub(compileCommand));

using Clock = std::chrono::steady_clock;

/// Progress lines on stderr ("[2/4] forming and scheduling kernels ... 0.42 s")
/// and diagnostics, each starting on a line of its own.
class ConsoleObserver : public CompileObserver {
public:
  void stageBegin(int index, int total, const std::string &what) override {
    if (!quiet)
      llvm::errs() << "[" << index << "/" << total << "] " << what << " ... ";
    lineOpen_ = !quiet;
  }
  void stageEnd(double seconds) override {
    if (!quiet)
      llvm::errs() << llvm::format("%.2f s\n", seconds);
    lineOpen_ = false;
  }
  void stageFailed() override { closeLine(); }
  void diagnostic(Diagnostic &diagnostic) override {
    closeLine();
    llvm::errs() << formatDiagnostic(diagnostic) << "\n";
  }

private:
  void closeLine() {
    if (lineOpen_)
      llvm::errs() << "failed\n";
    lineOpen_ = false;
  }
  bool lineOpen_ = false;
};

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

int fail(const llvm::Twine &message) {
  llvm::errs() << "smelt: error: " << message << "\n";
  return 1;
}

LogicalResult writeText(const std::string &text, llvm::StringRef path) {
  std::string error;
  auto file = openOutputFile(path.empty() ? "-" : path, &error);
  if (!file) {
    llvm::errs() << "smelt: error: " << error << "\n";
    return failure();
  }
  file->os() << text;
  file->keep();
  return success();
}

} // namespace

int runCompileCommand() {
  CompileRequest request;
  request.modelPath = modelPath;
  request.inputType = inputType;
  request.targets.assign(targetSpecs.begin(), targetSpecs.end());
  for (const std::string &spec : inputShapes) {
    auto [name, shapeText] = llvm::StringRef(spec).rsplit(':');
    std::vector<int64_t> shape;
    if (shapeText.data() == nullptr || name.empty() || !parseShape(shapeText, shape))
      return fail("bad --input-shape '" + spec + "' (expected name:d0xd1x..., e.g. x:1x3x224x224)");
    request.inputShapes[name.str()] = shape;
  }
  for (const std::string &spec : dims) {
    auto [name, list] = llvm::StringRef(spec).split('=');
    std::vector<int64_t> sizes;
    llvm::SmallVector<llvm::StringRef> items;
    list.split(items, ',');
    bool valid = !name.empty() && !list.empty();
    for (llvm::StringRef item : items) {
      int64_t size;
      valid &= !item.getAsInteger(10, size) && size >= 0;
      if (valid)
        sizes.push_back(size);
    }
    if (!valid)
      return fail("bad --dim '" + spec + "' (expected name=size[,size...], e.g. batch=1,4,8)");
    auto &entry = request.dimSizes[name.str()];
    entry.insert(entry.end(), sizes.begin(), sizes.end());
  }
  std::string error;
  for (const std::string &spec : constantInputs) {
    auto [name, value] = llvm::StringRef(spec).split('=');
    tensorio::HostTensor tensor;
    if (name.empty() || value.empty())
      return fail("bad --constant-input '" + spec + "' (expected name=@file.npy or name=<spec>)");
    if (!tensorio::parseInputSpec(value.str(), tensor, error))
      return fail("--constant-input '" + name + "': " + error);
    request.constantInputs.emplace_back(name.str(), std::move(tensor));
  }
  request.groups = groups;
  request.fuse = fusion;
  request.vectorWidth = vectorWidth;
  request.libraryCalls = libraryCalls;
  request.scheduleSearch = scheduleSearch;
  request.memoryLevels = memoryLevels;
  request.dumpDir = dumpDir;
  request.stop = emit == Emit::Graph  ? CompileStop::Graph
                 : emit == Emit::Plan ? CompileStop::Plan
                 : emit == Emit::LLVM ? CompileStop::LLVM
                 : emit == Emit::Assembly ? CompileStop::Assembly
                                      : CompileStop::Artifact;

  std::string output = outputPath;
  if (output.empty() && emit == Emit::Artifact) {
    llvm::SmallString<128> path(modelPath.getValue());
    llvm::sys::path::replace_extension(path, "smelt");
    output = std::string(path);
  }

  auto started = Clock::now();
  ConsoleObserver observer;
  CompileResult result;
  if (!compileModel(request, observer, result, error))
    return error.empty() ? 1 : fail(error);
  if (emit != Emit::Artifact)
    return failed(writeText(result.irText, output)) ? 1 : 0;
  if (!artifact::writeArtifactBytes(output, result.artifact, error))
    return fail("cannot write '" + output + "': " + error);
  if (!quiet)
    llvm::errs() << llvm::format("compiled %zu kernels into %s (%.1f MB) in %.2f s\n",
                                 result.kernelCount, output.c_str(), result.artifact.size() / 1e6,
                                 std::chrono::duration<double>(Clock::now() - started).count());
  return 0;
}

} // namespace smelt::cli
