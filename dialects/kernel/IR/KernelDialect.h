//===- KernelDialect.h - The kernel dialect ---------------------*- C++ -*-===//
#ifndef SMELT_DIALECTS_KERNEL_IR_KERNELDIALECT_H
#define SMELT_DIALECTS_KERNEL_IR_KERNELDIALECT_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/IR/OpImplementation.h"

#include "dialects/kernel/IR/KernelEnums.h.inc"
#include "dialects/kernel/IR/KernelDialect.h.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/kernel/IR/KernelAttrs.h.inc"

namespace smelt::kernel {
/// The memory space attribute `#kernel.space<space>`.
MemorySpaceAttr getMemorySpace(mlir::MLIRContext *context, MemorySpace space);

/// On a linalg.generic that pads its input (the padding of a convolution or
/// pooling window): the padding before each dim, as a DenseI64ArrayAttr. The
/// generic reads the input with tensor.extract at clamped coordinates and
/// yields the pad value outside it; the scheduler turns each tile of it into
/// a fill plus a copy of the input window (stagePaddedTiles).
inline constexpr llvm::StringLiteral kPadLowAttrName = "smelt.pad_low";

/// On a bufferization.materialize_in_destination of a kernel body: the value
/// it stores is a side output, an intermediate of the fused group that other
/// kernels read too. The scheduler tiles the root (the output without this
/// mark) and has the tile loops yield each side output's tiles as well.
inline constexpr llvm::StringLiteral kSideOutputAttrName = "smelt.side_output";

/// On a kernel.func (unit attribute, set by kernel-schedule): the kernel
/// moves more through device memory than the target's largest shared cache
/// holds, so what it writes would be evicted before anything reads it
/// again; a backend may store it past the caches (x86: non-temporal
/// stores, which also skip reading each line before writing it).
inline constexpr llvm::StringLiteral kStreamingStoresAttrName = "smelt.streaming_stores";

/// On a linalg op of a scheduled kernel that reduces or broadcasts: a
/// #kernel.scope, the units that compute and share the reduced (broadcast)
/// values (see ScopeAttr in KernelDialect.td).
inline constexpr llvm::StringLiteral kScopeAttrName = "kernel.scope";

/// Whether `op` reduces (has reduction loops) or broadcasts (reads an operand
/// along a loop longer than one that does not index it): the ops that carry
/// a `kernel.scope`.
bool reducesOrBroadcasts(mlir::linalg::LinalgOp op);
} // namespace smelt::kernel

#endif
