//===- Transcendentals.h - f32 math functions as vectorizable arithmetic ---===//
#ifndef SMELT_BACKENDS_CPU_COMPILER_TRANSCENDENTALS_H
#define SMELT_BACKENDS_CPU_COMPILER_TRANSCENDENTALS_H

#include "mlir/IR/BuiltinOps.h"

namespace smelt::cpu {

/// Rewrites f32 exp, expm1, erf, tanh, log, log2, log1p in `code` as
/// arithmetic that LLVM vectorizes (see Transcendentals.cpp): erf as one
/// rational function; with `hasAvx512`, exp scaled by 2^k with llvm.ldexp
/// (vscalefps); the others MLIR's polynomial approximations.
void approximateTranscendentals(mlir::ModuleOp code, bool hasAvx512);

} // namespace smelt::cpu

#endif
