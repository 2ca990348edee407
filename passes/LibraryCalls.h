//===- LibraryCalls.h - which graph ops a vendor library can compute -----===//
//
// Kernel formation offers a kernel to vendor libraries, with the generated
// kernel as the fallback, when its group is one of these shapes; the params
// are those of smelt/plugin.h's library ops, checked again when an artifact
// is read.
//
//===----------------------------------------------------------------------===//
#ifndef SMELT_PASSES_LIBRARYCALLS_H
#define SMELT_PASSES_LIBRARYCALLS_H

#include "mlir/IR/Operation.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"

#include <optional>

namespace smelt::library {

/// [batch, M, N, K, B's batch stride] of a matmul a library GEMM computes.
std::optional<llvm::SmallVector<int64_t>> gemmParameters(mlir::Operation *op);

/// A matmul with the epilogue a library GEMM fuses (bias row, relu): the
/// 7 gemm params and the library's operands (A, B, [bias]).
struct GemmCall {
  llvm::SmallVector<int64_t> params;
  llvm::SmallVector<mlir::Value> operands;
};
std::optional<GemmCall> gemmCall(llvm::ArrayRef<mlir::Operation *> group);

/// A convolution with the epilogue a library fuses: the conv2d params and the
/// library's operands (input, weight, [bias], [residual]).
struct ConvCall {
  llvm::SmallVector<int64_t> params;
  llvm::SmallVector<mlir::Value> operands;
};
std::optional<ConvCall> convCall(llvm::ArrayRef<mlir::Operation *> group);

/// Whether `op` is a library convolution or part of the epilogue one takes.
bool epilogueOfLibraryConv(mlir::Operation *op);

/// The pool2d params of a lone pooling a library computes.
std::optional<llvm::SmallVector<int64_t>> poolCall(llvm::ArrayRef<mlir::Operation *> group);

} // namespace smelt::library

#endif // SMELT_PASSES_LIBRARYCALLS_H
