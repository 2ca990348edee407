//===- Registration.h - Everything Smelt's tools register -------*- C++ -*-===//
#ifndef SMELT_TOOLS_REGISTRATION_H
#define SMELT_TOOLS_REGISTRATION_H

namespace mlir {
class DialectRegistry;
}

namespace smelt {
/// Smelt's dialects and the upstream dialects its pipelines use.
void registerAllDialects(mlir::DialectRegistry &registry);
/// Smelt's passes and the upstream passes its pipelines use.
void registerAllPasses();
} // namespace smelt

#endif
