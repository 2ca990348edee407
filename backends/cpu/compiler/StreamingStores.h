//===- StreamingStores.h - Non-temporal stores of a kernel's outputs -------===//
#ifndef SMELT_BACKENDS_CPU_COMPILER_STREAMINGSTORES_H
#define SMELT_BACKENDS_CPU_COMPILER_STREAMINGSTORES_H

#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace smelt::cpu {

/// Rewrites the elementwise loop nests of `func` that write a kernel
/// argument so that, where the tile they write is aligned to `vectorBytes`
/// at run time, they store it with non-temporal vector stores (see
/// StreamingStores.cpp); elsewhere the loop nest is unchanged. Ends the
/// function with a store fence when anything was rewritten. `func` is a
/// kernel body over memrefs, before its linalg ops become loops; x86 only.
void streamOutputStores(mlir::func::FuncOp func, int64_t vectorBytes);

} // namespace smelt::cpu

#endif
