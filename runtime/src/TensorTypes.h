//===- TensorTypes.h - Element types and shapes, shared by the runtime
//-----===//
//
// One place for what a dtype is (size, name) and for shape arithmetic, used by
// the artifact reader's checks and by the C API. No MLIR/LLVM here.
//
//===----------------------------------------------------------------------===//
#ifndef SMELT_RUNTIME_TENSORTYPES_H
#define SMELT_RUNTIME_TENSORTYPES_H

#include "smelt/runtime.h"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>

namespace smelt {

inline constexpr int kDTypeCount = SMELT_BOOL + 1;

/// True for the values of smelt_dtype_t (data read from a file may hold
/// others).
bool isValidDType(int64_t value);

/// The integer in a dtype field that C code filled: C lets it hold any value,
/// while reading an out-of-range value as the C++ enum is undefined behaviour.
inline int64_t rawDTypeValue(const smelt_dtype_t &field) {
  std::underlying_type_t<smelt_dtype_t> value;
  std::memcpy(&value, &field, sizeof(value));
  return static_cast<int64_t>(value);
}

/// Bytes of one element; 0 for an invalid dtype.
size_t dtypeByteSize(int64_t dtype);

/// "f32", "i64", "bool", ...; "invalid" for an invalid dtype.
const char *dtypeName(int64_t dtype);

/// Number of elements of `shape[0..rank)`. Returns false when a dimension is
/// negative or the product (times `elementBytes`, when given) overflows 2^62,
/// a bound no real tensor reaches, so callers can add sizes without overflow.
bool checkedElementCount(const int64_t *shape, size_t rank, uint64_t &count);
bool checkedByteSize(const int64_t *shape, size_t rank, smelt_dtype_t dtype,
                     uint64_t &bytes);

/// "1x3x224x224"; "scalar" for rank 0.
std::string formatShape(const int64_t *shape, size_t rank);

/// "1x3x224x224 f32" (the form used in the runtime's shape errors).
std::string formatTensorType(const int64_t *shape, size_t rank,
                             smelt_dtype_t dtype);

} // namespace smelt

#endif // SMELT_RUNTIME_TENSORTYPES_H
