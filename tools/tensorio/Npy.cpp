//===- Npy.cpp - NumPy .npy read and write --------------------------------===//
//
// The format: "\x93NUMPY", major, minor, a little-endian header length (2 bytes
// in 1.0, 4 in 2.0/3.0), then a Python dict literal such as
//   {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
// padded with spaces and '\n' so the data starts 64-byte aligned.
//
//===----------------------------------------------------------------------===//
#include "TensorIO.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace smelt::tensorio {
namespace {

constexpr char kNpyMagic[] = "\x93NUMPY";
constexpr size_t kNpyMagicSize = 6;
constexpr size_t kMaxHeaderSize = 1 << 20;

/// NumPy's type code (without byte order) for each smelt dtype; bf16 has none.
struct NpyType {
  smelt_dtype_t dtype;
  const char *code;
};
constexpr NpyType kNpyTypes[] = {
    {SMELT_F16, "f2"}, {SMELT_F32, "f4"}, {SMELT_F64, "f8"}, {SMELT_I8, "i1"},
    {SMELT_I16, "i2"}, {SMELT_I32, "i4"}, {SMELT_I64, "i8"}, {SMELT_U8, "u1"},
    {SMELT_U16, "u2"}, {SMELT_U32, "u4"}, {SMELT_U64, "u8"}, {SMELT_BOOL, "b1"},
};
constexpr const char *kSupportedDescrs =
    "<f2 <f4 <f8 |i1 <i2 <i4 <i8 |u1 <u2 <u4 <u8 |b1";

struct NpyHeader {
  std::string descr;
  bool fortranOrder = false;
  std::vector<int64_t> shape;
  bool hasDescr = false, hasFortranOrder = false, hasShape = false;
};

/// Reads the dict literal NumPy writes (and nothing more general).
class HeaderParser {
public:
  explicit HeaderParser(std::string_view text) : text_(text) {}

  bool parse(NpyHeader &header, std::string &error) {
    if (!expect('{', error))
      return false;
    while (true) {
      skipSpace();
      if (consume('}'))
        break;
      std::string key;
      if (!parseString(key, error) || !expect(':', error))
        return false;
      bool ok;
      if (key == "descr") {
        skipSpace();
        if (peek() == '[') {
          error = "structured .npy dtypes are not supported";
          return false;
        }
        ok = parseString(header.descr, error);
        header.hasDescr = true;
      } else if (key == "fortran_order") {
        ok = parseBool(header.fortranOrder, error);
        header.hasFortranOrder = true;
      } else if (key == "shape") {
        ok = parseShape(header.shape, error);
        header.hasShape = true;
      } else {
        error = "unexpected key '" + key + "' in the .npy header";
        return false;
      }
      if (!ok)
        return false;
      skipSpace();
      if (consume('}'))
        break;
      if (!expect(',', error))
        return false;
    }
    if (!header.hasDescr || !header.hasFortranOrder || !header.hasShape) {
      error = "the .npy header lacks 'descr', 'fortran_order' or 'shape'";
      return false;
    }
    return true;
  }

private:
  char peek() const { return position_ < text_.size() ? text_[position_] : 0; }
  void skipSpace() {
    while (position_ < text_.size() &&
           (text_[position_] == ' ' || text_[position_] == '\t' ||
            text_[position_] == '\n' || text_[position_] == '\r'))
      ++position_;
  }
  bool consume(char c) {
    if (peek() != c)
      return false;
    ++position_;
    return true;
  }
  bool expect(char c, std::string &error) {
    skipSpace();
    if (consume(c))
      return true;
    error = std::string("malformed .npy header: expected '") + c +
            "' at offset " + std::to_string(position_) + " of \"" +
            std::string(text_) + "\"";
    return false;
  }
  bool parseString(std::string &value, std::string &error) {
    skipSpace();
    char quote = peek();
    if (quote != '\'' && quote != '"')
      return expect('\'', error);
    size_t end = text_.find(quote, position_ + 1);
    if (end == std::string_view::npos) {
      error = "malformed .npy header: unterminated string";
      return false;
    }
    value = std::string(text_.substr(position_ + 1, end - position_ - 1));
    position_ = end + 1;
    return true;
  }
  bool parseBool(bool &value, std::string &error) {
    skipSpace();
    for (auto [word, meaning] : {std::pair{"True", true}, {"False", false}}) {
      size_t length = std::strlen(word);
      if (text_.substr(position_, length) == word) {
        position_ += length;
        value = meaning;
        return true;
      }
    }
    error = "malformed .npy header: 'fortran_order' is not True or False";
    return false;
  }
  bool parseShape(std::vector<int64_t> &shape, std::string &error) {
    if (!expect('(', error))
      return false;
    while (true) {
      skipSpace();
      if (consume(')'))
        return true;
      if (peek() < '0' || peek() > '9') {
        error = "malformed .npy header: 'shape' is not a tuple of "
                "non-negative integers";
        return false;
      }
      int64_t dim = 0;
      while (peek() >= '0' && peek() <= '9') {
        if (dim > (int64_t(1) << 56)) {
          error = "malformed .npy header: a dimension is too large";
          return false;
        }
        dim = dim * 10 + (text_[position_++] - '0');
      }
      consume('L'); // Python 2 longs
      shape.push_back(dim);
      skipSpace();
      if (consume(')'))
        return true;
      if (!expect(',', error))
        return false;
    }
  }

  std::string_view text_;
  size_t position_ = 0;
};

bool dtypeFromDescr(const std::string &descr, smelt_dtype_t &dtype,
                    std::string &error) {
  if (descr.size() == 3) {
    const char order = descr[0];
    const std::string code = descr.substr(1);
    for (const NpyType &type : kNpyTypes) {
      if (code != type.code)
        continue;
      // Byte order does not matter for one byte; '=' is native order, which
      // is little-endian on every host this supports.
      const bool singleByte = code[1] == '1';
      const bool knownOrder =
          order == '<' || order == '=' || order == '|' || order == '>';
      if (singleByte ? knownOrder : order == '<' || order == '=') {
        dtype = type.dtype;
        return true;
      }
      if (order == '>') {
        error = "big-endian .npy dtype '" + descr +
                "' is not supported; save with arr.astype('<" + code + "')";
        return false;
      }
    }
  }
  error = "unsupported .npy dtype '" + descr +
          "' (supported: " + kSupportedDescrs + ")";
  return false;
}

std::string pythonShape(const std::vector<int64_t> &shape) {
  std::string text = "(";
  for (size_t i = 0; i < shape.size(); ++i)
    text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + (shape.size() == 1 ? ",)" : ")");
}

bool readWholeFile(const std::string &path, std::vector<uint8_t> &bytes,
                   std::string &error) {
  std::FILE *file = std::fopen(path.c_str(), "rb");
  if (!file) {
    error = "cannot open '" + path + "': " + std::strerror(errno);
    return false;
  }
  uint8_t chunk[1 << 16];
  size_t read;
  while ((read = std::fread(chunk, 1, sizeof(chunk), file)) > 0)
    bytes.insert(bytes.end(), chunk, chunk + read);
  bool failed = std::ferror(file);
  std::fclose(file);
  if (failed) {
    error = "cannot read '" + path + "'";
    return false;
  }
  return true;
}

} // namespace

bool decodeNpy(const uint8_t *data, size_t size, HostTensor &tensor,
               std::string &error) {
  if (size < kNpyMagicSize + 4 ||
      std::memcmp(data, kNpyMagic, kNpyMagicSize) != 0) {
    error = "not a .npy file (bad magic)";
    return false;
  }
  const uint8_t major = data[6], minor = data[7];
  size_t headerStart, headerSize;
  if (major == 1) {
    headerStart = 10;
    headerSize = data[8] | size_t(data[9]) << 8;
  } else if (major == 2 || major == 3) {
    if (size < 12) {
      error = "truncated .npy header";
      return false;
    }
    headerStart = 12;
    headerSize = data[8] | size_t(data[9]) << 8 | size_t(data[10]) << 16 |
                 size_t(data[11]) << 24;
  } else {
    error = "unsupported .npy format version " + std::to_string(major) + "." +
            std::to_string(minor) + " (reads 1.0, 2.0 and 3.0)";
    return false;
  }
  if (headerSize > kMaxHeaderSize || headerSize > size - headerStart) {
    error = "truncated .npy header: it claims " + std::to_string(headerSize) +
            " bytes, the file has " + std::to_string(size - headerStart);
    return false;
  }

  NpyHeader header;
  std::string_view text(reinterpret_cast<const char *>(data) + headerStart,
                        headerSize);
  if (!HeaderParser(text).parse(header, error))
    return false;
  smelt_dtype_t dtype;
  if (!dtypeFromDescr(header.descr, dtype, error))
    return false;
  if (header.fortranOrder) {
    error = "Fortran-order (column-major) .npy arrays are not supported; save "
            "with np.ascontiguousarray(arr)";
    return false;
  }
  HostTensor result;
  if (!HostTensor::create(dtype, header.shape, result, error)) {
    error = ".npy array " + pythonShape(header.shape) + " " + header.descr +
            ": " + error;
    return false;
  }
  const size_t dataStart = headerStart + headerSize;
  const size_t available = size - dataStart;
  if (available != result.bytes.size()) {
    error = std::string(available < result.bytes.size() ? "truncated"
                                                        : "oversized") +
            " .npy data: shape " + pythonShape(header.shape) + " " +
            header.descr + " needs " + std::to_string(result.bytes.size()) +
            " bytes, the file has " + std::to_string(available);
    return false;
  }
  if (available)
    std::memcpy(result.bytes.data(), data + dataStart, available);
  tensor = std::move(result);
  return true;
}

bool readNpyFile(const std::string &path, HostTensor &tensor,
                 std::string &error) {
  std::vector<uint8_t> bytes;
  if (!readWholeFile(path, bytes, error))
    return false;
  if (!decodeNpy(bytes.data(), bytes.size(), tensor, error)) {
    error = "'" + path + "': " + error;
    return false;
  }
  return true;
}

bool encodeNpy(const HostTensor &tensor, std::vector<uint8_t> &bytes,
               std::string &error) {
  const char *code = nullptr;
  for (const NpyType &type : kNpyTypes)
    if (type.dtype == tensor.dtype)
      code = type.code;
  // NumPy has no bfloat16: its bit patterns are written as uint16, the way
  // ONNX's numpy_helper and PyTorch's .view(torch.int16) hand them over.
  if (tensor.dtype == SMELT_BF16)
    code = "u2";
  if (!code) {
    error = std::string("dtype ") + smelt_dtype_name(tensor.dtype) +
            " has no NumPy equivalent and cannot be written as .npy";
    return false;
  }
  const bool singleByte = code[1] == '1';
  std::string header =
      std::string("{'descr': '") + (singleByte ? '|' : '<') + code +
      "', 'fortran_order': False, 'shape': " + pythonShape(tensor.shape) +
      ", }";
  // Pad so magic + version + length + header ends on a 64-byte boundary.
  const size_t prefix = kNpyMagicSize + 2 + 2;
  const size_t total = (prefix + header.size() + 1 + 63) / 64 * 64;
  header.append(total - prefix - header.size() - 1, ' ');
  header += '\n';

  try {
    bytes.clear();
    bytes.reserve(total + tensor.bytes.size());
    bytes.insert(bytes.end(), kNpyMagic, kNpyMagic + kNpyMagicSize);
    bytes.push_back(1);
    bytes.push_back(0);
    bytes.push_back(static_cast<uint8_t>(header.size() & 0xff));
    bytes.push_back(static_cast<uint8_t>(header.size() >> 8));
    bytes.insert(bytes.end(), header.begin(), header.end());
    bytes.insert(bytes.end(), tensor.bytes.begin(), tensor.bytes.end());
  } catch (const std::bad_alloc &) {
    error = "out of memory encoding .npy";
    return false;
  }
  return true;
}

bool writeNpyFile(const std::string &path, const HostTensor &tensor,
                  std::string &error) {
  std::vector<uint8_t> bytes;
  if (!encodeNpy(tensor, bytes, error))
    return false;
  std::FILE *file = std::fopen(path.c_str(), "wb");
  if (!file) {
    error = "cannot create '" + path + "': " + std::strerror(errno);
    return false;
  }
  bool written =
      std::fwrite(bytes.data(), 1, bytes.size(), file) == bytes.size();
  if (std::fclose(file) != 0)
    written = false;
  if (!written) {
    error = "cannot write '" + path + "': " + std::strerror(errno);
    return false;
  }
  return true;
}

} // namespace smelt::tensorio
