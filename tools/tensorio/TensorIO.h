//===- TensorIO.h - Host tensors: .npy files, input specs, printing -------===//
//
// What the CLI and tests need to get tensors in and out of the runtime:
//  - HostTensor, a dense row-major tensor owning 64-byte-aligned bytes;
//  - NumPy .npy read (format 1.0/2.0/3.0) and write (1.0);
//  - IREE-style input specs: "2x3xf32=1,2,3,4,5,6", "f32=5", "2x2xi64=1"
//    (one value fills the tensor), "@path.npy";
//  - seeded random tensors and a one-line summary printer.
// Depends on the C API header for the dtype enum and libsmelt_runtime for
// dtype names and sizes; no MLIR/LLVM.
//
// Fallible functions return false and set `error`; none throws.
//
//===----------------------------------------------------------------------===//
#ifndef SMELT_TOOLS_TENSORIO_TENSORIO_H
#define SMELT_TOOLS_TENSORIO_TENSORIO_H

#include "smelt/runtime.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <string>
#include <string_view>
#include <vector>

namespace smelt::tensorio {

/// Allocates 64-byte aligned memory, like the runtime's arena and constants,
/// so kernels see the same alignment for every buffer.
template <typename T> struct AlignedAllocator {
  using value_type = T;
  static constexpr std::align_val_t kAlignment{64};
  AlignedAllocator() = default;
  template <typename U> AlignedAllocator(const AlignedAllocator<U> &) {}
  // aligned_alloc, not operator new: the smelt CLI runs under LLVM's
  // new-handler, which aborts instead of throwing, and a tensor too large for
  // memory must be a clear error (HostTensor::create catches bad_alloc).
  T *allocate(size_t count) {
    size_t alignment = static_cast<size_t>(kAlignment);
    size_t bytes = (count * sizeof(T) + alignment - 1) / alignment * alignment;
    void *memory = std::aligned_alloc(alignment, bytes == 0 ? alignment : bytes);
    if (!memory)
      throw std::bad_alloc();
    return static_cast<T *>(memory);
  }
  void deallocate(T *pointer, size_t) { std::free(pointer); }
  template <typename U> bool operator==(const AlignedAllocator<U> &) const {
    return true;
  }
  template <typename U> bool operator!=(const AlignedAllocator<U> &) const {
    return false;
  }
};

using AlignedBytes = std::vector<uint8_t, AlignedAllocator<uint8_t>>;

/// A dense row-major tensor in host memory.
struct HostTensor {
  smelt_dtype_t dtype = SMELT_F32;
  std::vector<int64_t> shape; // empty for a scalar
  AlignedBytes bytes;         // elementCount() * element size

  /// A zero-filled tensor. Returns false (with `error`) for a negative or
  /// overflowing shape, a rank above SMELT_MAX_RANK or an invalid dtype.
  static bool create(smelt_dtype_t dtype, std::vector<int64_t> shape,
                     HostTensor &tensor, std::string &error);

  int64_t elementCount() const;

  /// A view for smelt_session_run (as input, or as output to fill).
  smelt_tensor_t view();
};

//===------------------------------------------------------- dtypes, shapes
//===//

/// "f32" -> SMELT_F32, ... (the names of smelt_dtype_name). False if unknown.
bool parseDType(std::string_view name, smelt_dtype_t &dtype);

/// "1x1000xf32" (IREE's spelling); "f32" for a scalar.
std::string formatTensorType(smelt_dtype_t dtype,
                             const std::vector<int64_t> &shape);

//===---------------------------------------------------------------- .npy ===//

/// Parses the bytes of a .npy file (versions 1.0, 2.0, 3.0; C order;
/// little-endian <f2 <f4 <f8 |i1 <i2 <i4 <i8 |u1 <u2 <u4 <u8 |b1).
bool decodeNpy(const uint8_t *data, size_t size, HostTensor &tensor,
               std::string &error);
bool readNpyFile(const std::string &path, HostTensor &tensor,
                 std::string &error);

/// Encodes as .npy version 1.0; bf16, which NumPy has no dtype for, is written
/// as its uint16 bit patterns.
bool encodeNpy(const HostTensor &tensor, std::vector<uint8_t> &bytes,
               std::string &error);
bool writeNpyFile(const std::string &path, const HostTensor &tensor,
                  std::string &error);

//===---------------------------------------------------------- input specs
//===//

/// Parses one IREE-style input spec:
///   "2x3xf32=1,2,3,4,5,6"  values separated by commas and/or spaces;
///                          brackets are ignored ("[[1,2],[3,4]]")
///   "f32=5"                a scalar
///   "2x2xi64=1"            a single value fills every element
///   "2x3xf32"              no values: zeros
///   "@path.npy"            the tensor in a .npy file
/// Bool takes 0/1/true/false; f16 and bf16 round to nearest even.
bool parseInputSpec(std::string_view spec, HostTensor &tensor,
                    std::string &error);

//===--------------------------------------------------- random and printing
//===//

/// A tensor of `dtype`/`shape` filled from a generator seeded with `seed`, the
/// same on every platform: floats uniform in [-1, 1), integers in [0, 10),
/// bool 0/1.
bool makeRandomTensor(smelt_dtype_t dtype, const std::vector<int64_t> &shape,
                      uint64_t seed, HostTensor &tensor, std::string &error);

/// The value of element `index` as a double (f16/bf16 widened exactly).
double elementAsDouble(const HostTensor &tensor, int64_t index);

/// "name: 1x1000xf32 min=-0.99 max=0.98 mean=0.0012 [0.5, -0.25, ...]" with at
/// most `maxValues` leading values.
std::string summarizeTensor(std::string_view name, const HostTensor &tensor,
                            size_t maxValues = 8);

/// IEEE half and bfloat16 conversions (round to nearest even).
float halfToFloat(uint16_t bits);
uint16_t floatToHalf(float value);
float bfloat16ToFloat(uint16_t bits);
uint16_t floatToBfloat16(float value);

} // namespace smelt::tensorio

#endif // SMELT_TOOLS_TENSORIO_TENSORIO_H
