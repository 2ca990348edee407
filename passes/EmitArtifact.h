//===- EmitArtifact.h - A compiled module to a .smelt description --------===//
//
// Reads the host plan (func.func @main of plan ops, after plan-memory) and the
// kernels' schedules, and describes them for the artifact writer: signature,
// buffers, constants, kernels and commands. The code sections come from the
// backends.
//
//===----------------------------------------------------------------------===//
#ifndef SMELT_PASSES_EMITARTIFACT_H
#define SMELT_PASSES_EMITARTIFACT_H

#include "runtime/src/ArtifactWriter.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/LLVM.h"

namespace smelt {

/// Fills everything but `sections` (and the kernels' `section` index, left 0)
/// from `module`. Fails with a diagnostic on ops it cannot describe.
mlir::FailureOr<artifact::ArtifactDescription> describeArtifact(mlir::ModuleOp module);

/// The runtime's dtype for an element type; failure for types it lacks.
mlir::FailureOr<smelt_dtype_t> dtypeOf(mlir::Type elementType);

} // namespace smelt

#endif // SMELT_PASSES_EMITARTIFACT_H
