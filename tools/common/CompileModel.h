//===- CompileModel.h - Model to artifact, for the CLI and Python -----------===//
//
// The whole compile job behind `smelt compile` and `smelt.compile()`: import
// (ONNX or StableHLO),
// the graph-to-plan pipeline, code generation for each target, and the
// artifact. Progress and diagnostics go to an observer, so the CLI prints
// them as lines and the Python module collects them into its exception.
//
//===----------------------------------------------------------------------===//
#ifndef SMELT_TOOLS_COMMON_COMPILEMODEL_H
#define SMELT_TOOLS_COMMON_COMPILEMODEL_H

#include "tools/tensorio/TensorIO.h"

#include "mlir/IR/Diagnostics.h"

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace smelt {

/// Where the job stops: the artifact, or the IR after a stage, as text.
/// Assembly: the generated code as text (PTX for a cuda target, AMDGPU
/// assembly for a rocm one).
enum class CompileStop { Artifact, Graph, Plan, LLVM, Assembly };

struct CompileRequest {
  /// The model: a file (`modelPath`), or serialized bytes (`modelBytes`, with
  /// `modelName` for messages) when `modelPath` is empty.
  std::string modelPath;
  std::string modelBytes;
  std::string modelName = "<onnx-model>";
  /// "onnx", "stablehlo", or empty to tell by the file's extension (.mlir is
  /// StableHLO text) or, for bytes, by whether they read as MLIR text.
  std::string inputType;
  /// "cpu", "cpu:<arch>", "cuda", "cuda:sm_XY", "rocm" or "rocm:gfxNNN", most
  /// preferred first; empty
  /// means {"cpu:host"}.
  std::vector<std::string> targets;
  std::map<std::string, std::vector<int64_t>> inputShapes;
  /// Sizes for the model's symbolic dims by name ("batch" -> {1, 4, 8}). The
  /// artifact gets one plan per combination of sizes, chosen at run time by
  /// the inputs' shapes; the signature has -1 where the sizes differ.
  std::map<std::string, std::vector<int64_t>> dimSizes;
  std::vector<std::pair<std::string, tensorio::HostTensor>> constantInputs;
  int64_t groups = 0;      // 0: this host's hardware threads
  bool fuse = true;
  int64_t vectorWidth = -1; // -1: the target's vector register
  bool libraryCalls = true;
  bool scheduleSearch = true;
  /// The cost model's memory hierarchy, `name:capacity-bytes:bytes-per-ns[:group]`
  /// comma-separated, outermost first; empty: the target's own.
  std::string memoryLevels;
  CompileStop stop = CompileStop::Artifact;
  /// When set: the IR after import and after every pass of the pipeline
  /// (NN-<pass>.mlir), and fusion-report.{md,json}: each kernel, the ops it
  /// fuses, and the bytes it moves against the same ops as separate kernels.
  std::string dumpDir;
};

struct CompileResult {
  std::vector<uint8_t> artifact; // CompileStop::Artifact
  std::string irText;            // the other stops
  size_t kernelCount = 0;
};

/// Hears about the job as it goes.
class CompileObserver {
public:
  virtual ~CompileObserver() = default;
  /// Stage `index` of `total` starts ("importing model.onnx").
  virtual void stageBegin(int index, int total, const std::string &what) {}
  virtual void stageEnd(double seconds) {}
  /// The current stage failed (its diagnostics were reported before).
  virtual void stageFailed() {}
  virtual void diagnostic(mlir::Diagnostic &diagnostic) = 0;
};

/// Runs the job. On failure returns false with `error` set to a one-line
/// summary for problems that are not diagnostics (bad target, bad option);
/// errors with a location went to the observer, and `error` is then empty.
bool compileModel(const CompileRequest &request, CompileObserver &observer,
                  CompileResult &result, std::string &error);

/// "file:line:col: error: message", or "error: message" without a position.
std::string formatDiagnostic(mlir::Diagnostic &diagnostic);

} // namespace smelt

#endif // SMELT_TOOLS_COMMON_COMPILEMODEL_H
