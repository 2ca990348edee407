//===- TensorConversion.cpp - ONNX tensors and types to MLIR ----------------===//
#include "frontends/onnx/TensorConversion.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "llvm/Support/SwapByteOrder.h"

#include <cstring>
#include <iterator>

using namespace mlir;

namespace smelt::onnx_frontend {

Type convertElementType(MLIRContext *context, int32_t onnxDataType) {
  using onnx::TensorProto;
  auto integer = [&](unsigned width, bool isUnsigned) -> Type {
    return IntegerType::get(context, width,
                            isUnsigned ? IntegerType::Unsigned : IntegerType::Signless);
  };
  switch (onnxDataType) {
  case TensorProto::FLOAT: return Float32Type::get(context);
  case TensorProto::DOUBLE: return Float64Type::get(context);
  case TensorProto::FLOAT16: return Float16Type::get(context);
  case TensorProto::BFLOAT16: return BFloat16Type::get(context);
  case TensorProto::INT8: return integer(8, false);
  case TensorProto::INT16: return integer(16, false);
  case TensorProto::INT32: return integer(32, false);
  case TensorProto::INT64: return integer(64, false);
  case TensorProto::UINT8: return integer(8, true);
  case TensorProto::UINT16: return integer(16, true);
  case TensorProto::UINT32: return integer(32, true);
  case TensorProto::UINT64: return integer(64, true);
  case TensorProto::BOOL: return integer(1, false);
  default: return {};
  }
}

std::string onnxTypeName(int32_t onnxDataType) {
  if (onnx::TensorProto::DataType_IsValid(onnxDataType))
    return llvm::StringRef(onnx::TensorProto::DataType_Name(onnxDataType)).lower();
  // Types of ONNX releases after the 1.12 headers we build against.
  static const char *const later[] = {"float8e4m3fn", "float8e4m3fnuz", "float8e5m2",
                                      "float8e5m2fnuz", "uint4",       "int4",
                                      "float4e2m1"};
  if (onnxDataType >= 17 && onnxDataType < 17 + (int32_t)std::size(later))
    return later[onnxDataType - 17];
  return "data type " + std::to_string(onnxDataType);
}

namespace {

/// Appends the low `bytes` bytes of `value` in little-endian order, which is
/// both ONNX's raw_data layout and MLIR's raw buffer layout on the hosts we
/// build for (checked in convertTensor).
void appendLittleEndian(std::vector<char> &buffer, uint64_t value, unsigned bytes) {
  for (unsigned i = 0; i < bytes; ++i)
    buffer.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

/// The typed-field payload of `tensor`, re-encoded as a raw little-endian
/// buffer of `elementBytes` per element. ONNX stores narrow integers and the
/// 16-bit floats' bit patterns in int32_data, uint32/uint64 in uint64_data.
FailureOr<std::vector<char>> typedFieldBytes(const onnx::TensorProto &tensor,
                                             unsigned elementBytes, int64_t count,
                                             Location loc, StringRef what) {
  using onnx::TensorProto;
  std::vector<char> buffer;
  auto mismatch = [&](int64_t found) {
    emitError(loc) << what << " has " << found << " values but its dimensions hold "
                   << count;
    return failure();
  };
  switch (tensor.data_type()) {
  case TensorProto::FLOAT:
    if (tensor.float_data_size() != count)
      return mismatch(tensor.float_data_size());
    buffer.resize(count * sizeof(float));
    if (count)
      std::memcpy(buffer.data(), tensor.float_data().data(), buffer.size());
    return buffer;
  case TensorProto::DOUBLE:
    if (tensor.double_data_size() != count)
      return mismatch(tensor.double_data_size());
    buffer.resize(count * sizeof(double));
    if (count)
      std::memcpy(buffer.data(), tensor.double_data().data(), buffer.size());
    return buffer;
  case TensorProto::INT64:
    if (tensor.int64_data_size() != count)
      return mismatch(tensor.int64_data_size());
    for (int64_t value : tensor.int64_data())
      appendLittleEndian(buffer, static_cast<uint64_t>(value), 8);
    return buffer;
  case TensorProto::UINT32:
  case TensorProto::UINT64:
    if (tensor.uint64_data_size() != count)
      return mismatch(tensor.uint64_data_size());
    for (uint64_t value : tensor.uint64_data())
      appendLittleEndian(buffer, value, elementBytes);
    return buffer;
  default: // int8/16/32, uint8/16, bool, float16, bfloat16
    if (tensor.int32_data_size() != count)
      return mismatch(tensor.int32_data_size());
    for (int32_t value : tensor.int32_data())
      appendLittleEndian(buffer, static_cast<uint32_t>(value), elementBytes);
    return buffer;
  }
}

} // namespace

FailureOr<DenseElementsAttr> convertTensor(const onnx::TensorProto &tensor,
                                           Location loc, StringRef what) {
  if constexpr (!llvm::sys::IsLittleEndianHost) {
    return emitError(loc) << "the ONNX importer needs a little-endian host";
  }
  if (tensor.data_location() == onnx::TensorProto::EXTERNAL)
    return emitError(loc) << what
                          << " uses external data, which the importer does not support";
  if (tensor.has_segment())
    return emitError(loc) << what << " is segmented, which the importer does not support";

  MLIRContext *context = loc.getContext();
  Type elementType = convertElementType(context, tensor.data_type());
  if (!elementType)
    return emitError(loc) << what << " has unsupported element type "
                          << onnxTypeName(tensor.data_type());

  // Bound the element count so that a corrupt shape cannot overflow; the data
  // size check below rejects anything that large anyway.
  SmallVector<int64_t> shape;
  int64_t count = 1;
  for (int64_t dim : tensor.dims()) {
    if (dim < 0)
      return emitError(loc) << what << " has negative dimension " << dim;
    if (dim != 0 && count > (int64_t(1) << 48) / dim)
      return emitError(loc) << what << " is too large";
    count *= dim;
    shape.push_back(dim);
  }
  auto type = RankedTensorType::get(shape, elementType);

  // MLIR bit-packs i1 raw buffers while ONNX spends a byte per bool, so bools
  // are built from a bool array instead of a raw buffer.
  if (elementType.isInteger(1)) {
    SmallVector<char> bytes;
    if (tensor.has_raw_data()) {
      if ((int64_t)tensor.raw_data().size() != count)
        return emitError(loc) << what << " has " << tensor.raw_data().size()
                              << " bytes of raw data but its dimensions hold " << count
                              << " bools";
      bytes.assign(tensor.raw_data().begin(), tensor.raw_data().end());
    } else {
      if (tensor.int32_data_size() != count)
        return emitError(loc) << what << " has " << tensor.int32_data_size()
                              << " values but its dimensions hold " << count;
      for (int32_t value : tensor.int32_data())
        bytes.push_back(value != 0);
    }
    SmallVector<bool> values;
    for (char byte : bytes)
      values.push_back(byte != 0);
    return DenseElementsAttr::get(type, ArrayRef<bool>(values));
  }

  unsigned elementBytes = (elementType.getIntOrFloatBitWidth() + 7) / 8;
  std::vector<char> buffer;
  if (tensor.has_raw_data()) {
    if ((int64_t)tensor.raw_data().size() != count * (int64_t)elementBytes)
      return emitError(loc) << what << " has " << tensor.raw_data().size()
                            << " bytes of raw data but its dimensions need "
                            << count * elementBytes;
    buffer.assign(tensor.raw_data().begin(), tensor.raw_data().end());
  } else {
    FailureOr<std::vector<char>> typed =
        typedFieldBytes(tensor, elementBytes, count, loc, what);
    if (failed(typed))
      return failure();
    buffer = std::move(*typed);
  }
  if (count == 0)
    return DenseElementsAttr::get(type, ArrayRef<Attribute>());
  return DenseElementsAttr::getFromRawBuffer(type, buffer);
}

} // namespace smelt::onnx_frontend
