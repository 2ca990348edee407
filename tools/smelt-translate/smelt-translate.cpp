//===- smelt-translate.cpp - Model formats to Smelt's graph dialect ---------===//
//
//   smelt-translate --import-onnx model.onnx [-o out.mlir]
//                   [--input-shape=name:1x3x224x224 ...]
//   smelt-translate --import-stablehlo program.mlir [-o out.mlir]
//                   [--split-input-file]
//
// Prints the imported module. On error, prints the diagnostics to stderr as
// "<file>: error: <message>" and exits with 1.
//
//===----------------------------------------------------------------------===//
#include "frontends/onnx/OnnxImporter.h"
#include "frontends/stablehlo/StablehloImporter.h"
#include "tools/common/Registration.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Support/ToolUtilities.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

static cl::opt<std::string> inputFilename(cl::Positional, cl::desc("<model file>"),
                                          cl::Required);
static cl::opt<bool> importOnnx("import-onnx",
                                cl::desc("Import an ONNX model (.onnx binary, or "
                                         ".onnxtxt textual syntax)"));
static cl::opt<bool> importStablehlo(
    "import-stablehlo",
    cl::desc("Import a StableHLO program (MLIR text, pretty or generic form)"));
static cl::opt<bool> splitInputFile(
    "split-input-file",
    cl::desc("With --import-stablehlo: import each '// -----' chunk on its own"));
static cl::opt<std::string> outputFilename("o", cl::desc("Output file"),
                                           cl::value_desc("filename"), cl::init("-"));
static cl::list<std::string>
    inputShapes("input-shape",
                cl::desc("Static shape of a model input: name:d0xd1x... (repeatable)"),
                cl::value_desc("name:shape"));

/// Parses "name:1x3x224x224". ONNX names may contain ':' (PyTorch exports
/// "onnx::Gemm_0"), so the shape follows the last one.
static bool parseInputShape(StringRef spec,
                            smelt::onnx_frontend::ImportOptions &options) {
  auto [name, dims] = spec.rsplit(':');
  if (name.empty() || dims.empty())
    return false;
  std::vector<int64_t> shape;
  // A rank-0 shape has no dims to write, so it is spelled "name:scalar".
  if (dims != "scalar") {
    SmallVector<StringRef> parts;
    dims.split(parts, 'x');
    for (StringRef part : parts) {
      int64_t dim;
      if (part.getAsInteger(10, dim) || dim < 0)
        return false;
      shape.push_back(dim);
    }
  }
  options.inputShapes[name.str()] = shape;
  return true;
}

/// Prints "<file>: error: <message>" (plus notes), using the file of the
/// first file location inside the diagnostic's location.
static void printDiagnostic(mlir::Diagnostic &diagnostic) {
  std::string file;
  diagnostic.getLocation()->walk([&](mlir::Location loc) {
    if (auto fileLoc = dyn_cast<mlir::FileLineColLoc>(loc)) {
      file = fileLoc.getFilename().str();
      return mlir::WalkResult::interrupt();
    }
    return mlir::WalkResult::advance();
  });
  raw_ostream &os = errs();
  if (!file.empty())
    os << file << ": ";
  switch (diagnostic.getSeverity()) {
  case mlir::DiagnosticSeverity::Error: os << "error: "; break;
  case mlir::DiagnosticSeverity::Warning: os << "warning: "; break;
  case mlir::DiagnosticSeverity::Note: os << "note: "; break;
  case mlir::DiagnosticSeverity::Remark: os << "remark: "; break;
  }
  os << diagnostic << "\n";
  for (mlir::Diagnostic &note : diagnostic.getNotes())
    os << "  note: " << note << "\n";
}

/// --import-stablehlo: diagnostics as MLIR prints them (file:line:col with
/// the source line), one module per chunk with --split-input-file.
static int translateStablehlo() {
  std::string error;
  std::unique_ptr<MemoryBuffer> input = mlir::openInputFile(inputFilename, &error);
  std::unique_ptr<ToolOutputFile> output = mlir::openOutputFile(outputFilename, &error);
  if (!input || !output) {
    errs() << "smelt-translate: " << error << "\n";
    return 1;
  }
  mlir::DialectRegistry registry;
  smelt::registerAllDialects(registry);
  auto processChunk = [&](std::unique_ptr<MemoryBuffer> chunk, raw_ostream &os) {
    mlir::MLIRContext context(registry);
    SourceMgr sources;
    sources.AddNewSourceBuffer(
        MemoryBuffer::getMemBufferCopy(
            smelt::stablehlo_frontend::normalizeStablehloText(chunk->getBuffer()),
            chunk->getBufferIdentifier()),
        SMLoc());
    mlir::SourceMgrDiagnosticHandler handler(sources, &context);
    auto program = smelt::stablehlo_frontend::parseStablehlo(context, sources);
    if (mlir::failed(program))
      return mlir::failure();
    auto module = smelt::stablehlo_frontend::convertToGraph(**program, {});
    if (mlir::failed(module))
      return mlir::failure();
    (*module)->print(os);
    os << "\n";
    return mlir::success();
  };
  if (mlir::failed(mlir::splitAndProcessBuffer(
          std::move(input),
          [&](std::unique_ptr<MemoryBuffer> chunk, raw_ostream &os) {
            return processChunk(std::move(chunk), os);
          },
          output->os(), splitInputFile ? mlir::kDefaultSplitMarker : "",
          splitInputFile ? mlir::kDefaultSplitMarker : "")))
    return 1;
  output->keep();
  return 0;
}

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  mlir::registerAsmPrinterCLOptions();
  mlir::registerMLIRContextCLOptions();
  cl::ParseCommandLineOptions(argc, argv, "Smelt model translator\n");

  if (importStablehlo)
    return translateStablehlo();
  if (!importOnnx) {
    errs() << "smelt-translate: choose a translation (--import-onnx, --import-stablehlo)\n";
    return 1;
  }
  smelt::onnx_frontend::ImportOptions options;
  for (const std::string &spec : inputShapes) {
    if (!parseInputShape(spec, options)) {
      errs() << "smelt-translate: bad --input-shape '" << spec
             << "' (expected name:d0xd1x..., e.g. input:1x3x224x224)\n";
      return 1;
    }
  }

  mlir::DialectRegistry registry;
  smelt::registerAllDialects(registry);
  mlir::MLIRContext context(registry);
  mlir::ScopedDiagnosticHandler handler(&context, [](mlir::Diagnostic &diagnostic) {
    printDiagnostic(diagnostic);
    return mlir::success();
  });

  auto module = smelt::onnx_frontend::importOnnxFile(context, inputFilename, options);
  if (mlir::failed(module))
    return 1;

  std::string error;
  std::unique_ptr<ToolOutputFile> output = mlir::openOutputFile(outputFilename, &error);
  if (!output) {
    errs() << "smelt-translate: " << error << "\n";
    return 1;
  }
  (*module)->print(output->os());
  output->os() << "\n";
  output->keep();
  return 0;
}
