//===- StorageSize.h - Bytes an element takes in a buffer -------*- C++ -*-===//
//
// One rule for every place that sizes buffers (memory plan, artifact
// constants, stack buffers, cost model, fusion report): booleans and types
// narrower than a byte take a byte, complex numbers both their parts, index
// 8 bytes.
//
//===----------------------------------------------------------------------===//
#ifndef SMELT_DIALECTS_KERNEL_IR_STORAGESIZE_H
#define SMELT_DIALECTS_KERNEL_IR_STORAGESIZE_H

#include "mlir/IR/BuiltinTypes.h"

#include <algorithm>

namespace smelt {

inline int64_t elementStorageBytes(mlir::Type element) {
  if (auto complex = llvm::dyn_cast<mlir::ComplexType>(element))
    return 2 * elementStorageBytes(complex.getElementType());
  if (element.isIndex())
    return 8;
  if (element.isIntOrFloat())
    return std::max<int64_t>(1, (element.getIntOrFloatBitWidth() + 7) / 8);
  return 8;
}

/// All the elements of a static shaped type.
inline int64_t storageBytes(mlir::ShapedType type) {
  return type.getNumElements() * elementStorageBytes(type.getElementType());
}

} // namespace smelt

#endif
