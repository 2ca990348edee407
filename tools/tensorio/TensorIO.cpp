//===- TensorIO.cpp - Host tensors, dtypes, random fill, printing ---------===//
#include "TensorIO.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <random>

namespace smelt::tensorio {
namespace {

uint32_t floatBits(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  return bits;
}

float bitsToFloat(uint32_t bits) {
  float value;
  std::memcpy(&value, &bits, sizeof(value));
  return value;
}

template <typename T> T load(const uint8_t *bytes, int64_t index) {
  T value;
  std::memcpy(&value, bytes + index * sizeof(T), sizeof(T));
  return value;
}

template <typename T> void store(uint8_t *bytes, int64_t index, T value) {
  std::memcpy(bytes + index * sizeof(T), &value, sizeof(T));
}

std::string formatNumber(double value) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.6g", value);
  return text;
}

} // namespace

//===------------------------------------------------------------ HostTensor
//===//

bool HostTensor::create(smelt_dtype_t dtype, std::vector<int64_t> shape,
                        HostTensor &tensor, std::string &error) {
  size_t elementSize = smelt_dtype_size(dtype);
  if (elementSize == 0) {
    error = "invalid dtype " + std::to_string(static_cast<int>(dtype));
    return false;
  }
  if (shape.size() > SMELT_MAX_RANK) {
    error = "rank " + std::to_string(shape.size()) + " exceeds the maximum " +
            std::to_string(SMELT_MAX_RANK);
    return false;
  }
  // Bound the size so that byte counts never overflow and a typo in a shape
  // fails cleanly instead of trying to allocate exabytes.
  constexpr uint64_t kMaxBytes = uint64_t(1) << 48;
  uint64_t count = 1;
  for (int64_t dim : shape) {
    if (dim < 0) {
      error = "negative dimension " + std::to_string(dim) + " in shape " +
              formatTensorType(dtype, shape);
      return false;
    }
    if (dim != 0 && count > kMaxBytes / uint64_t(dim)) {
      error = "shape " + formatTensorType(dtype, shape) + " is too large";
      return false;
    }
    count *= uint64_t(dim);
  }
  if (count > kMaxBytes / elementSize) {
    error = "shape " + formatTensorType(dtype, shape) + " is too large";
    return false;
  }
  try {
    HostTensor result;
    result.dtype = dtype;
    result.shape = std::move(shape);
    result.bytes.assign(count * elementSize, 0);
    tensor = std::move(result);
  } catch (const std::bad_alloc &) {
    error = "out of memory allocating " + std::to_string(count * elementSize) +
            " bytes";
    return false;
  }
  return true;
}

int64_t HostTensor::elementCount() const {
  int64_t count = 1;
  for (int64_t dim : shape)
    count *= dim;
  return count;
}

smelt_tensor_t HostTensor::view() {
  smelt_tensor_t view{};
  view.struct_size = sizeof(view);
  view.dtype = dtype;
  view.rank = static_cast<int32_t>(shape.size());
  for (size_t i = 0; i < shape.size() && i < SMELT_MAX_RANK; ++i)
    view.shape[i] = shape[i];
  view.data = bytes.data();
  view.byte_size = bytes.size();
  return view;
}

//===-------------------------------------------------------- dtypes, shapes
//===//

bool parseDType(std::string_view name, smelt_dtype_t &dtype) {
  for (int value = SMELT_F32; value <= SMELT_BOOL; ++value) {
    auto candidate = static_cast<smelt_dtype_t>(value);
    if (name == smelt_dtype_name(candidate)) {
      dtype = candidate;
      return true;
    }
  }
  return false;
}

std::string formatTensorType(smelt_dtype_t dtype,
                             const std::vector<int64_t> &shape) {
  std::string text;
  for (int64_t dim : shape)
    text += std::to_string(dim) + "x";
  return text + smelt_dtype_name(dtype);
}

//===----------------------------------------------------- half and bfloat16
//===//

float halfToFloat(uint16_t bits) {
  const uint32_t sign = uint32_t(bits & 0x8000) << 16;
  const uint32_t exponent = (bits >> 10) & 0x1f;
  const uint32_t mantissa = bits & 0x3ff;
  if (exponent == 0) {
    // Zero or subnormal: mantissa * 2^-24, exact in float.
    float magnitude = std::ldexp(static_cast<float>(mantissa), -24);
    return sign ? -magnitude : magnitude;
  }
  if (exponent == 31)
    return bitsToFloat(sign | 0x7f800000 | (mantissa << 13));
  return bitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
}

uint16_t floatToHalf(float value) {
  uint32_t bits = floatBits(value);
  const uint16_t sign = (bits >> 16) & 0x8000;
  bits &= 0x7fffffff;
  if (bits >= 0x7f800000) // inf, or nan (kept quiet and non-zero)
    return sign | 0x7c00 |
           (bits > 0x7f800000 ? 0x200 | ((bits >> 13) & 0x3ff) : 0);
  if (bits >= 0x477ff000) // >= 65520 rounds past the largest half, 65504
    return sign | 0x7c00;
  if (bits < 0x38800000) {
    // Below the smallest normal half (2^-14): a subnormal count of 2^-24.
    // Scaling by 2^24 is exact; nearbyint rounds half to even, and 1024 is
    // correctly the encoding of the smallest normal.
    float scaled = bitsToFloat(bits) * 16777216.0f;
    return sign | static_cast<uint16_t>(std::nearbyint(scaled));
  }
  uint32_t half = ((((bits >> 23) - 127 + 15)) << 10) | ((bits >> 13) & 0x3ff);
  const uint32_t dropped = bits & 0x1fff;
  if (dropped > 0x1000 || (dropped == 0x1000 && (half & 1)))
    ++half; // a carry into the exponent is still the right encoding
  return sign | static_cast<uint16_t>(half);
}

float bfloat16ToFloat(uint16_t bits) {
  return bitsToFloat(uint32_t(bits) << 16);
}

uint16_t floatToBfloat16(float value) {
  uint32_t bits = floatBits(value);
  if ((bits & 0x7fffffff) > 0x7f800000)
    return static_cast<uint16_t>((bits >> 16) | 0x40); // quiet nan
  bits += 0x7fff + ((bits >> 16) & 1);
  return static_cast<uint16_t>(bits >> 16);
}

//===---------------------------------------------------------------- values
//===//

double elementAsDouble(const HostTensor &tensor, int64_t index) {
  const uint8_t *bytes = tensor.bytes.data();
  switch (tensor.dtype) {
  case SMELT_F32:
    return load<float>(bytes, index);
  case SMELT_F64:
    return load<double>(bytes, index);
  case SMELT_F16:
    return halfToFloat(load<uint16_t>(bytes, index));
  case SMELT_BF16:
    return bfloat16ToFloat(load<uint16_t>(bytes, index));
  case SMELT_I8:
    return load<int8_t>(bytes, index);
  case SMELT_I16:
    return load<int16_t>(bytes, index);
  case SMELT_I32:
    return load<int32_t>(bytes, index);
  case SMELT_I64:
    return static_cast<double>(load<int64_t>(bytes, index));
  case SMELT_U8:
  case SMELT_BOOL:
    return load<uint8_t>(bytes, index);
  case SMELT_U16:
    return load<uint16_t>(bytes, index);
  case SMELT_U32:
    return load<uint32_t>(bytes, index);
  case SMELT_U64:
    return static_cast<double>(load<uint64_t>(bytes, index));
  }
  return 0;
}

bool makeRandomTensor(smelt_dtype_t dtype, const std::vector<int64_t> &shape,
                      uint64_t seed, HostTensor &tensor, std::string &error) {
  HostTensor result;
  if (!HostTensor::create(dtype, shape, result, error))
    return false;
  // mt19937_64's output is fixed by the standard (its distributions are not),
  // so values are derived from raw bits to be the same everywhere. A float is
  // k * 2^(1-b) - 1 for a b-bit k, with b the type's precision: exactly
  // representable, and never rounds up to 1.
  std::mt19937_64 generator(seed);
  auto uniform = [&](int precisionBits) {
    uint64_t k = generator() >> (64 - precisionBits);
    return std::ldexp(static_cast<double>(k), 1 - precisionBits) - 1.0;
  };
  uint8_t *bytes = result.bytes.data();
  const int64_t count = result.elementCount();
  for (int64_t i = 0; i < count; ++i) {
    switch (dtype) {
    case SMELT_F32:
      store<float>(bytes, i, static_cast<float>(uniform(24)));
      break;
    case SMELT_F64:
      store<double>(bytes, i, uniform(53));
      break;
    case SMELT_F16:
      store<uint16_t>(bytes, i, floatToHalf(static_cast<float>(uniform(11))));
      break;
    case SMELT_BF16:
      store<uint16_t>(bytes, i,
                      floatToBfloat16(static_cast<float>(uniform(8))));
      break;
    case SMELT_BOOL:
      store<uint8_t>(bytes, i, generator() & 1);
      break;
    default: {
      // Small and non-negative fits every integer type, so indices and
      // gather/scatter positions drawn this way stay in range for small dims.
      uint64_t value = generator() % 10;
      size_t size = smelt_dtype_size(dtype);
      std::memcpy(bytes + i * size, &value, size); // little-endian low bytes
      break;
    }
    }
  }
  tensor = std::move(result);
  return true;
}

std::string summarizeTensor(std::string_view name, const HostTensor &tensor,
                            size_t maxValues) {
  std::string text =
      std::string(name) + ": " + formatTensorType(tensor.dtype, tensor.shape);
  const int64_t count = tensor.elementCount();
  if (count == 0)
    return text + " (empty)";
  double minimum = std::numeric_limits<double>::infinity();
  double maximum = -minimum;
  double sum = 0;
  int64_t nanCount = 0;
  for (int64_t i = 0; i < count; ++i) {
    double value = elementAsDouble(tensor, i);
    if (std::isnan(value)) {
      ++nanCount;
      continue;
    }
    minimum = std::min(minimum, value);
    maximum = std::max(maximum, value);
    sum += value;
  }
  if (nanCount < count)
    text += " min=" + formatNumber(minimum) + " max=" + formatNumber(maximum) +
            " mean=" + formatNumber(sum / double(count - nanCount));
  if (nanCount)
    text += " nan=" + std::to_string(nanCount);
  text += " [";
  const int64_t shown = std::min<int64_t>(count, int64_t(maxValues));
  for (int64_t i = 0; i < shown; ++i)
    text += (i ? ", " : "") + formatNumber(elementAsDouble(tensor, i));
  if (shown < count)
    text += shown ? ", ..." : "...";
  return text + "]";
}

} // namespace smelt::tensorio
