//===- StablehloImporter.h - StableHLO programs to the graph dialect -*- C++ -*-===//
//
// Imports a StableHLO program (MLIR text, pretty or generic form, as JAX,
// TensorFlow/XLA and PyTorch/XLA export it) into a module holding one
// `func.func @main` of graph-dialect ops. MLIR's own parser reads the text
// into Smelt's definitions of the StableHLO, CHLO and check ops
// (StablehloOps.td); calls to private functions are inlined, tuples taken
// apart, and regions converted with the ops that own them.
//
// Errors never throw or abort: they are MLIR diagnostics at the program's
// file:line:col (unknown ops, malformed text, unsupported types or
// attributes) and the functions return failure. The caller owns the
// diagnostic handler.
//
// Thread-safety: no global state; concurrent imports need distinct contexts.
//
//===----------------------------------------------------------------------===//
#ifndef SMELT_FRONTENDS_STABLEHLO_STABLEHLOIMPORTER_H
#define SMELT_FRONTENDS_STABLEHLO_STABLEHLOIMPORTER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/OwningOpRef.h"
#include "mlir/Support/LLVM.h"
#include "llvm/ADT/StringRef.h"

#include <string>

namespace llvm {
class SourceMgr;
} // namespace llvm

namespace mlir::func {
class FuncOp;
} // namespace mlir::func

namespace smelt::stablehlo_frontend {

/// Adds the stablehlo, chlo, check and func dialects to `registry`.
void registerStablehloDialects(mlir::DialectRegistry &registry);

struct ImportOptions {
  /// The function to compile: `main`, or the only public function when the
  /// program has no `main`.
  std::string entry = "main";
};

/// `text` with boolean constants in the hex form StableHLO's tools write (a
/// byte per element) repacked as MLIR 22 reads them (a bit per element);
/// everything else, and every line number, unchanged.
std::string normalizeStablehloText(llvm::StringRef text);

/// Parses StableHLO text (every buffer of `sources`, usually one, after
/// normalizeStablehloText) into a module of StableHLO/CHLO/check/func ops,
/// verified.
mlir::FailureOr<mlir::OwningOpRef<mlir::ModuleOp>>
parseStablehlo(mlir::MLIRContext &context, llvm::SourceMgr &sources);

/// The function `options` selects in `program`, or null with an error.
mlir::func::FuncOp findEntry(mlir::ModuleOp program, const ImportOptions &options);

/// Converts the entry function of a parsed program into a new module with
/// `func.func @main` in the graph dialect. Arguments and results get
/// `smelt.name` ("arg0".., "output0"..).
mlir::FailureOr<mlir::OwningOpRef<mlir::ModuleOp>>
convertToGraph(mlir::ModuleOp program, const ImportOptions &options);

/// Parses and converts StableHLO text; `name` is the file name in locations.
mlir::FailureOr<mlir::OwningOpRef<mlir::ModuleOp>>
importStablehloBuffer(mlir::MLIRContext &context, llvm::StringRef text, llvm::StringRef name,
                      const ImportOptions &options);

/// Reads, parses and converts a StableHLO file.
mlir::FailureOr<mlir::OwningOpRef<mlir::ModuleOp>>
importStablehloFile(mlir::MLIRContext &context, llvm::StringRef path,
                    const ImportOptions &options);

/// Inlines every func.call and stablehlo.composite in `function` (and in the
/// functions it calls) at the StableHLO level. The conformance runner uses it
/// to see a program's inputs and checks in one function.
mlir::LogicalResult inlineCalls(mlir::func::FuncOp function, mlir::ModuleOp program);

/// Whether operand `index` of `op` must be a compile-time constant (it gives
/// a shape or padding) for the import to succeed.
bool requiresConstantOperand(mlir::Operation *op, unsigned index);

/// Whether `text` looks like MLIR (a StableHLO program) rather than a binary
/// ONNX model.
bool looksLikeMlirText(llvm::StringRef text);

} // namespace smelt::stablehlo_frontend

#endif
