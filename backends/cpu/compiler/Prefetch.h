//===- Prefetch.h - The next step's input tiles, fetched during this one ---===//
#ifndef SMELT_BACKENDS_CPU_COMPILER_PREFETCH_H
#define SMELT_BACKENDS_CPU_COMPILER_PREFETCH_H

#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace smelt::cpu {

/// For every loop of `func` that steps through tiles of its inputs, spreads
/// prefetches of the next step's tiles over the rows of the step's heaviest
/// loop nest (see Prefetch.cpp). `func` is a kernel body over memrefs, before
/// its linalg ops become loops.
void prefetchNextSteps(mlir::func::FuncOp func);

} // namespace smelt::cpu

#endif
