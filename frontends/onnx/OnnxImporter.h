//===- OnnxImporter.h - ONNX models to the graph dialect --------*- C++ -*-===//
//
// Imports an ONNX model (opsets 7 to 17 of the default domain) into a module
// holding one `func.func @main` made of graph-dialect ops. All shapes are
// static: symbolic input dimensions must be fixed through
// `ImportOptions::inputShapes`, and shape computations inside the model are
// folded at import time.
//
// Errors never throw or abort: they are emitted as MLIR diagnostics on the
// context (located at the model file, or at the ONNX node by name) and the
// functions return failure. The caller owns the diagnostic handler.
//
// Thread-safety: the functions keep no global state; concurrent calls need
// distinct MLIRContexts (or a context with threading-safe use of its own).
//
//===----------------------------------------------------------------------===//
#ifndef SMELT_FRONTENDS_ONNX_ONNXIMPORTER_H
#define SMELT_FRONTENDS_ONNX_ONNXIMPORTER_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "mlir/Support/LLVM.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace onnx {
class ModelProto;
} // namespace onnx

namespace smelt::onnx_frontend {

struct ImportOptions {
  /// Static shapes for graph inputs, by ONNX input name. An override replaces
  /// the declared shape and must keep its rank; it is required for every input
  /// whose declared shape has a symbolic or unknown dimension.
  std::map<std::string, std::vector<int64_t>> inputShapes;
  /// Sizes for symbolic dims by name ("batch" -> 4): every input dim with
  /// that dim_param gets the size (an inputShapes entry for the input wins).
  std::map<std::string, int64_t> dimValues;
  /// Graph inputs frozen to a value at compile time, as if they were
  /// initializers; the compiled model does not take them. This is how inputs
  /// that determine shapes (Reshape's shape, Slice's starts, reduction axes)
  /// are given, since shapes are fixed when compiling. Element type and any
  /// static dims must match the input's declaration.
  std::map<std::string, mlir::DenseElementsAttr> constantInputs;
  /// Name used for the file part of every location (the model path when
  /// importing a file). Empty means "<onnx-model>".
  std::string sourceName;
};

/// Imports an in-memory model. Returns a module with one `func.func @main`
/// whose arguments and results carry `smelt.name` (the ONNX value names).
mlir::FailureOr<mlir::OwningOpRef<mlir::ModuleOp>>
importOnnxModel(mlir::MLIRContext &context, const onnx::ModelProto &model,
                const ImportOptions &options);

/// Imports a serialized model: binary protobuf, or ONNX's textual syntax when
/// `isText`. `name` is used in diagnostics and locations.
mlir::FailureOr<mlir::OwningOpRef<mlir::ModuleOp>>
importOnnxBuffer(mlir::MLIRContext &context, llvm::StringRef data, llvm::StringRef name,
                 bool isText, const ImportOptions &options);

/// Reads and imports a model file: binary protobuf, or ONNX's textual syntax
/// when `path` ends in `.onnxtxt`.
mlir::FailureOr<mlir::OwningOpRef<mlir::ModuleOp>>
importOnnxFile(mlir::MLIRContext &context, llvm::StringRef path,
               const ImportOptions &options);

} // namespace smelt::onnx_frontend

#endif // SMELT_FRONTENDS_ONNX_ONNXIMPORTER_H
