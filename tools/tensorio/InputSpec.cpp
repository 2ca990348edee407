//===- InputSpec.cpp - IREE-style input specs -----------------------------===//
//
// "<d0>x<d1>x...x<dtype>[=<values>]" or "@<file>.npy", as IREE's tools take
// them, so users can move command lines between the two.
//
//===----------------------------------------------------------------------===//
#include "TensorIO.h"

#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>

namespace smelt::tensorio {
namespace {

bool isSeparator(char c) {
  return c == ',' || c == ' ' || c == '\t' || c == '\n' || c == '[' || c == ']';
}

std::vector<std::string_view> splitValues(std::string_view text) {
  std::vector<std::string_view> values;
  size_t position = 0;
  while (position < text.size()) {
    while (position < text.size() && isSeparator(text[position]))
      ++position;
    size_t start = position;
    while (position < text.size() && !isSeparator(text[position]))
      ++position;
    if (position > start)
      values.push_back(text.substr(start, position - start));
  }
  return values;
}

template <typename T> bool parseWhole(std::string_view text, T &value) {
  // from_chars rejects a leading '+', which people write.
  if (!text.empty() && text[0] == '+')
    text.remove_prefix(1);
  auto [end, status] =
      std::from_chars(text.data(), text.data() + text.size(), value);
  return status == std::errc() && end == text.data() + text.size();
}

template <typename T> void storeAs(uint8_t *out, T value) {
  std::memcpy(out, &value, sizeof(T));
}

/// Parses one value of `dtype` into the element at `out`.
bool parseValue(std::string_view text, smelt_dtype_t dtype, uint8_t *out,
                std::string &error) {
  const std::string quoted = "'" + std::string(text) + "'";
  const char *dtypeName = smelt_dtype_name(dtype);
  switch (dtype) {
  case SMELT_F32:
  case SMELT_F64:
  case SMELT_F16:
  case SMELT_BF16: {
    double value;
    if (!parseWhole(text, value)) {
      error = "value " + quoted + " is not a number";
      return false;
    }
    if (dtype == SMELT_F64)
      storeAs<double>(out, value);
    else if (dtype == SMELT_F32)
      storeAs<float>(out, static_cast<float>(value));
    else if (dtype == SMELT_F16)
      storeAs<uint16_t>(out, floatToHalf(static_cast<float>(value)));
    else
      storeAs<uint16_t>(out, floatToBfloat16(static_cast<float>(value)));
    return true;
  }
  case SMELT_BOOL: {
    int value = -1;
    if (text == "1" || text == "true" || text == "True")
      value = 1;
    else if (text == "0" || text == "false" || text == "False")
      value = 0;
    if (value < 0) {
      error = "value " + quoted + " is not a bool (use 0, 1, true or false)";
      return false;
    }
    storeAs<uint8_t>(out, static_cast<uint8_t>(value));
    return true;
  }
  case SMELT_U64: {
    uint64_t value;
    if (text.empty() || text[0] == '-' || !parseWhole(text, value)) {
      error = "value " + quoted + " is not an integer in the range of u64";
      return false;
    }
    storeAs<uint64_t>(out, value);
    return true;
  }
  default: {
    int64_t value;
    if (!parseWhole(text, value)) {
      double ignored;
      error = "value " + quoted +
              (parseWhole(text, ignored) ? " is not an integer (dtype "
                                         : " is not a number (dtype ") +
              dtypeName + ")";
      return false;
    }
    const size_t size = smelt_dtype_size(dtype);
    const bool isSigned = dtype == SMELT_I8 || dtype == SMELT_I16 ||
                          dtype == SMELT_I32 || dtype == SMELT_I64;
    const int bits = static_cast<int>(size * 8);
    int64_t low = isSigned ? (bits == 64 ? std::numeric_limits<int64_t>::min()
                                         : -(int64_t(1) << (bits - 1)))
                           : 0;
    int64_t high = isSigned ? (bits == 64 ? std::numeric_limits<int64_t>::max()
                                          : (int64_t(1) << (bits - 1)) - 1)
                            : (int64_t(1) << bits) - 1; // u8..u32
    if (value < low || value > high) {
      error = "value " + quoted + " is out of range for " + dtypeName;
      return false;
    }
    std::memcpy(out, &value, size); // the low bytes, little-endian
    return true;
  }
  }
}

bool parseTensorType(std::string_view text, smelt_dtype_t &dtype,
                     std::vector<int64_t> &shape, std::string &error) {
  // Dtype names contain no 'x', so the last 'x'-separated part is the dtype.
  size_t dtypeStart = text.rfind('x');
  std::string_view dtypeText =
      dtypeStart == std::string_view::npos ? text : text.substr(dtypeStart + 1);
  if (dtypeText.empty()) {
    error = "missing dtype (expected e.g. 2x3xf32)";
    return false;
  }
  if (!parseDType(dtypeText, dtype)) {
    error = "unknown dtype '" + std::string(dtypeText) +
            "' (known: f32 f64 f16 bf16 i8 i16 i32 i64 u8 u16 u32 u64 bool)";
    return false;
  }
  if (dtypeStart == std::string_view::npos)
    return true; // a scalar
  std::string_view dims = text.substr(0, dtypeStart);
  size_t position = 0;
  while (true) {
    size_t end = dims.find('x', position);
    std::string_view dim = dims.substr(
        position, end == std::string_view::npos ? end : end - position);
    int64_t size;
    if (dim.empty() || dim[0] == '+' || dim[0] == '-' ||
        !parseWhole(dim, size)) {
      error =
          "dimension '" + std::string(dim) + "' is not a non-negative integer";
      return false;
    }
    shape.push_back(size);
    if (end == std::string_view::npos)
      return true;
    position = end + 1;
  }
}

} // namespace

bool parseInputSpec(std::string_view spec, HostTensor &tensor,
                    std::string &error) {
  const std::string context = "input spec '" + std::string(spec) + "': ";
  if (!spec.empty() && spec[0] == '@') {
    std::string path(spec.substr(1));
    if (path.empty()) {
      error = context + "missing file name after '@'";
      return false;
    }
    if (!readNpyFile(path, tensor, error)) {
      error = context + error;
      return false;
    }
    return true;
  }

  const size_t equals = spec.find('=');
  std::string_view typeText = spec.substr(0, equals);
  smelt_dtype_t dtype;
  std::vector<int64_t> shape;
  HostTensor result;
  if (typeText.empty()) {
    error =
        context + "missing type before '=' (expected e.g. 2x3xf32=1,2,3,4,5,6)";
    return false;
  }
  if (!parseTensorType(typeText, dtype, shape, error) ||
      !HostTensor::create(dtype, std::move(shape), result, error)) {
    error = context + error;
    return false;
  }
  if (equals == std::string_view::npos) {
    tensor = std::move(result); // no values: zeros
    return true;
  }

  const std::vector<std::string_view> values =
      splitValues(spec.substr(equals + 1));
  const int64_t count = result.elementCount();
  const size_t elementSize = smelt_dtype_size(dtype);
  uint8_t *bytes = result.bytes.data();
  if (values.size() == 1 && count > 0) {
    // One value fills the tensor.
    if (!parseValue(values[0], dtype, bytes, error)) {
      error = context + error;
      return false;
    }
    for (int64_t i = 1; i < count; ++i)
      std::memcpy(bytes + i * elementSize, bytes, elementSize);
  } else if (int64_t(values.size()) == count) {
    for (int64_t i = 0; i < count; ++i)
      if (!parseValue(values[i], dtype, bytes + i * elementSize, error)) {
        error = context + error + " (element " + std::to_string(i) + ")";
        return false;
      }
  } else {
    error = context + std::to_string(values.size()) + " values for " +
            formatTensorType(dtype, result.shape) + " (" +
            std::to_string(count) + " elements); give " +
            std::to_string(count) + (count ? " values, or 1 to fill it" : "");
    return false;
  }
  tensor = std::move(result);
  return true;
}

} // namespace smelt::tensorio
