//===- TensorTypes.cpp - Element types and shapes
//--------------------------===//
#include "TensorTypes.h"

namespace smelt {
namespace {
struct DTypeInfo {
  const char *name;
  size_t byteSize;
};
// Indexed by smelt_dtype_t; the order is the C API's (and the index schema's).
constexpr DTypeInfo kDTypes[kDTypeCount] = {
    {"f32", 4}, {"f64", 8}, {"f16", 2},  {"bf16", 2}, {"i8", 1},
    {"i16", 2}, {"i32", 4}, {"i64", 8},  {"u8", 1},   {"u16", 2},
    {"u32", 4}, {"u64", 8}, {"bool", 1},
};
constexpr uint64_t kMaxTensorBytes = uint64_t(1) << 62;
} // namespace

bool isValidDType(int64_t value) { return value >= 0 && value < kDTypeCount; }

size_t dtypeByteSize(int64_t dtype) {
  return isValidDType(dtype) ? kDTypes[dtype].byteSize : 0;
}

const char *dtypeName(int64_t dtype) {
  return isValidDType(dtype) ? kDTypes[dtype].name : "invalid";
}

bool checkedElementCount(const int64_t *shape, size_t rank, uint64_t &count) {
  count = 1;
  for (size_t i = 0; i < rank; ++i) {
    if (shape[i] < 0)
      return false;
    uint64_t dim = static_cast<uint64_t>(shape[i]);
    if (dim != 0 && count > kMaxTensorBytes / dim)
      return false;
    count *= dim;
  }
  return true;
}

bool checkedByteSize(const int64_t *shape, size_t rank, smelt_dtype_t dtype,
                     uint64_t &bytes) {
  uint64_t count = 0;
  size_t elementBytes = dtypeByteSize(dtype);
  if (elementBytes == 0 || !checkedElementCount(shape, rank, count) ||
      count > kMaxTensorBytes / elementBytes)
    return false;
  bytes = count * elementBytes;
  return true;
}

std::string formatShape(const int64_t *shape, size_t rank) {
  if (rank == 0)
    return "scalar";
  std::string text;
  for (size_t i = 0; i < rank; ++i) {
    if (i)
      text += 'x';
    text += std::to_string(shape[i]);
  }
  return text;
}

std::string formatTensorType(const int64_t *shape, size_t rank,
                             smelt_dtype_t dtype) {
  return formatShape(shape, rank) + " " + dtypeName(dtype);
}

} // namespace smelt
