//===- TensorIOTest.cpp - .npy, input specs, random tensors, printing
//------===//
#include "tools/tensorio/TensorIO.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <unistd.h>

using namespace smelt::tensorio;
using ::testing::HasSubstr;

namespace {

std::string fixture(const std::string &name) {
  return std::string(SMELT_TENSORIO_TEST_DATA) + "/" + name;
}

std::vector<uint8_t> readBytes(const std::string &path) {
  std::ifstream file(path, std::ios::binary);
  EXPECT_TRUE(file) << path;
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(file), {});
}

template <typename T> std::vector<T> valuesOf(const HostTensor &tensor) {
  std::vector<T> values(tensor.bytes.size() / sizeof(T));
  std::memcpy(values.data(), tensor.bytes.data(), tensor.bytes.size());
  return values;
}

HostTensor parseOrDie(const std::string &spec) {
  HostTensor tensor;
  std::string error;
  EXPECT_TRUE(parseInputSpec(spec, tensor, error)) << spec << ": " << error;
  return tensor;
}

std::string specError(const std::string &spec) {
  HostTensor tensor;
  std::string error;
  EXPECT_FALSE(parseInputSpec(spec, tensor, error)) << spec;
  return error;
}

//===--------------------------------------------------------------- .npy ===//

TEST(Npy, RoundTripsEveryDType) {
  for (int value = SMELT_F32; value <= SMELT_BOOL; ++value) {
    auto dtype = static_cast<smelt_dtype_t>(value);
    if (dtype == SMELT_BF16)
      continue;
    for (std::vector<int64_t> shape :
         {std::vector<int64_t>{}, {5}, {2, 3, 4}, {0, 3}}) {
      HostTensor original;
      std::string error;
      ASSERT_TRUE(makeRandomTensor(dtype, shape, 42, original, error)) << error;
      std::vector<uint8_t> bytes;
      ASSERT_TRUE(encodeNpy(original, bytes, error)) << error;
      HostTensor decoded;
      ASSERT_TRUE(decodeNpy(bytes.data(), bytes.size(), decoded, error))
          << smelt_dtype_name(dtype) << ": " << error;
      EXPECT_EQ(decoded.dtype, dtype);
      EXPECT_EQ(decoded.shape, shape);
      EXPECT_EQ(decoded.bytes, original.bytes) << smelt_dtype_name(dtype);
      // NumPy's layout: data starts 64-byte aligned.
      EXPECT_EQ((bytes.size() - original.bytes.size()) % 64, 0u);
    }
  }
}

TEST(Npy, RoundTripsThroughAFile) {
  HostTensor tensor = parseOrDie("2x2xi16=1,-2,3,-4");
  std::string path =
      "/tmp/smelt-tensorio-" + std::to_string(::getpid()) + ".npy";
  std::string error;
  ASSERT_TRUE(writeNpyFile(path, tensor, error)) << error;
  HostTensor read;
  ASSERT_TRUE(readNpyFile(path, read, error)) << error;
  EXPECT_EQ(valuesOf<int16_t>(read), (std::vector<int16_t>{1, -2, 3, -4}));
  std::remove(path.c_str());
  EXPECT_FALSE(readNpyFile(path, read, error));
  EXPECT_THAT(error, HasSubstr("No such file"));
}

TEST(Npy, ReadsFilesWrittenByNumPy) {
  HostTensor tensor;
  std::string error;
  ASSERT_TRUE(readNpyFile(fixture("f32_2x3.npy"), tensor, error)) << error;
  EXPECT_EQ(tensor.dtype, SMELT_F32);
  EXPECT_EQ(tensor.shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(valuesOf<float>(tensor),
            (std::vector<float>{-1, -0.5, 0, 0.5, 1, 1.5}));

  ASSERT_TRUE(readNpyFile(fixture("i64_scalar.npy"), tensor, error)) << error;
  EXPECT_EQ(tensor.dtype, SMELT_I64);
  EXPECT_TRUE(tensor.shape.empty());
  EXPECT_EQ(valuesOf<int64_t>(tensor), std::vector<int64_t>{-7});

  ASSERT_TRUE(readNpyFile(fixture("bool_5.npy"), tensor, error)) << error;
  EXPECT_EQ(tensor.dtype, SMELT_BOOL);
  EXPECT_EQ(valuesOf<uint8_t>(tensor), (std::vector<uint8_t>{1, 0, 1, 1, 0}));

  ASSERT_TRUE(readNpyFile(fixture("f16_2x2.npy"), tensor, error)) << error;
  EXPECT_EQ(tensor.dtype, SMELT_F16);
  EXPECT_EQ(elementAsDouble(tensor, 0), 0.5);
  EXPECT_EQ(elementAsDouble(tensor, 1), -2.0);
  EXPECT_EQ(elementAsDouble(tensor, 2), 65504.0);
  EXPECT_EQ(elementAsDouble(tensor, 3), std::ldexp(2.0, -24)); // 1e-7 rounded

  ASSERT_TRUE(readNpyFile(fixture("u16_3.npy"), tensor, error)) << error;
  EXPECT_EQ(valuesOf<uint16_t>(tensor), (std::vector<uint16_t>{0, 1, 65535}));

  ASSERT_TRUE(readNpyFile(fixture("i32_2x2_v2.npy"), tensor, error)) << error;
  EXPECT_EQ(tensor.dtype, SMELT_I32);
  EXPECT_EQ(valuesOf<int32_t>(tensor), (std::vector<int32_t>{1, -2, 3, -4}));
}

TEST(Npy, WritesWhatNumPyWrites) {
  // Byte for byte, so NumPy reads our files as surely as we read its.
  for (const char *name : {"f32_2x3.npy", "i64_scalar.npy", "bool_5.npy",
                           "f16_2x2.npy", "u16_3.npy"}) {
    std::vector<uint8_t> numpyBytes = readBytes(fixture(name));
    HostTensor tensor;
    std::string error;
    ASSERT_TRUE(decodeNpy(numpyBytes.data(), numpyBytes.size(), tensor, error));
    std::vector<uint8_t> ours;
    ASSERT_TRUE(encodeNpy(tensor, ours, error)) << error;
    EXPECT_EQ(ours, numpyBytes) << name;
  }
}

TEST(Npy, RejectsWhatItCannotRepresent) {
  HostTensor tensor;
  std::string error;
  EXPECT_FALSE(readNpyFile(fixture("fortran_2x3.npy"), tensor, error));
  EXPECT_THAT(error, HasSubstr("Fortran-order (column-major) .npy arrays are "
                               "not supported"));
  EXPECT_FALSE(readNpyFile(fixture("big_endian_f4.npy"), tensor, error));
  EXPECT_THAT(error, HasSubstr("big-endian .npy dtype '>f4' is not supported"));

}

TEST(Npy, WritesBf16AsItsUint16BitPatterns) {
  // NumPy has no bfloat16; ONNX's numpy_helper and PyTorch hand over the bits.
  HostTensor bf16;
  std::string error;
  ASSERT_TRUE(HostTensor::create(SMELT_BF16, {2}, bf16, error));
  bf16.bytes = {0x80, 0x3f, 0x00, 0xc0}; // 1.0, -2.0
  std::vector<uint8_t> bytes;
  ASSERT_TRUE(encodeNpy(bf16, bytes, error)) << error;
  HostTensor back;
  ASSERT_TRUE(decodeNpy(bytes.data(), bytes.size(), back, error)) << error;
  EXPECT_EQ(back.dtype, SMELT_U16);
  EXPECT_EQ(back.bytes, bf16.bytes);
}

TEST(Npy, RejectsMalformedFiles) {
  std::vector<uint8_t> good = readBytes(fixture("f32_2x3.npy"));
  auto decodeError = [](std::vector<uint8_t> bytes) {
    HostTensor tensor;
    std::string error;
    EXPECT_FALSE(decodeNpy(bytes.data(), bytes.size(), tensor, error));
    return error;
  };
  auto withHeader = [&](const std::string &dict) {
    std::vector<uint8_t> bytes(good.begin(), good.begin() + 8);
    bytes.push_back(uint8_t(dict.size()));
    bytes.push_back(0);
    bytes.insert(bytes.end(), dict.begin(), dict.end());
    return bytes;
  };

  EXPECT_EQ(decodeError({'n', 'o', 'p', 'e'}), "not a .npy file (bad magic)");
  std::vector<uint8_t> truncated(good.begin(), good.end() - 4);
  EXPECT_EQ(decodeError(truncated), "truncated .npy data: shape (2, 3) <f4 "
                                    "needs 24 bytes, the file has 20");
  std::vector<uint8_t> headerCut(good.begin(), good.begin() + 40);
  EXPECT_THAT(decodeError(headerCut), HasSubstr("truncated .npy header"));
  std::vector<uint8_t> version9 = good;
  version9[6] = 9;
  EXPECT_EQ(decodeError(version9), "unsupported .npy format version 9.0 "
                                   "(reads 1.0, 2.0 and 3.0)");
  EXPECT_THAT(decodeError(withHeader("{'descr': '<c8', 'fortran_order': "
                                     "False, 'shape': (1,), }")),
              HasSubstr("unsupported .npy dtype '<c8'"));
  EXPECT_THAT(decodeError(withHeader("{'descr': [('a', '<f4')], "
                                     "'fortran_order': False, 'shape': (), }")),
              HasSubstr("structured .npy dtypes are not supported"));
  EXPECT_THAT(decodeError(withHeader("{'descr': '<f4', 'shape': (1,), }")),
              HasSubstr("lacks"));
  EXPECT_THAT(decodeError(withHeader("{'descr': '<f4', 'fortran_order': "
                                     "False, 'shape': (1, -2), }")),
              HasSubstr("'shape' is not a tuple of non-negative integers"));
  EXPECT_THAT(decodeError(withHeader("{'descr': '<f4' 'fortran_order'")),
              HasSubstr("malformed .npy header"));
}

TEST(Npy, SurvivesEveryTruncationAndFlippedByte) {
  std::vector<uint8_t> good = readBytes(fixture("i32_2x2_v2.npy"));
  HostTensor tensor;
  std::string error;
  for (size_t size = 0; size < good.size(); ++size)
    EXPECT_FALSE(decodeNpy(good.data(), size, tensor, error)) << size;
  for (size_t i = 0; i < good.size(); ++i) {
    std::vector<uint8_t> damaged = good;
    damaged[i] ^= 0xff;
    decodeNpy(damaged.data(), damaged.size(), tensor, error); // must not crash
  }
}

//===-------------------------------------------------------- input specs ===//

TEST(InputSpec, ParsesShapesDTypesAndValues) {
  HostTensor tensor = parseOrDie("2x3xf32=1,2,3,4,5,6");
  EXPECT_EQ(tensor.dtype, SMELT_F32);
  EXPECT_EQ(tensor.shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(valuesOf<float>(tensor), (std::vector<float>{1, 2, 3, 4, 5, 6}));

  tensor = parseOrDie("f32=5");
  EXPECT_TRUE(tensor.shape.empty());
  EXPECT_EQ(valuesOf<float>(tensor), std::vector<float>{5});

  tensor = parseOrDie("2x2xi64=1");
  EXPECT_EQ(valuesOf<int64_t>(tensor), (std::vector<int64_t>{1, 1, 1, 1}));

  tensor = parseOrDie("2x2xi32=[[1 -2] [+3, 4]]");
  EXPECT_EQ(valuesOf<int32_t>(tensor), (std::vector<int32_t>{1, -2, 3, 4}));

  tensor = parseOrDie("3xbool=true,0,True");
  EXPECT_EQ(valuesOf<uint8_t>(tensor), (std::vector<uint8_t>{1, 0, 1}));

  tensor = parseOrDie("2xf16=0.1,-inf");
  EXPECT_EQ(valuesOf<uint16_t>(tensor),
            (std::vector<uint16_t>{0x2e66, 0xfc00}));

  tensor = parseOrDie("1xbf16=1.00390625"); // halfway: rounds to even, 1.0
  EXPECT_EQ(valuesOf<uint16_t>(tensor), std::vector<uint16_t>{0x3f80});

  tensor = parseOrDie("2xu64=18446744073709551615,0");
  EXPECT_EQ(valuesOf<uint64_t>(tensor)[0], UINT64_MAX);

  tensor = parseOrDie("1xi8=-128");
  EXPECT_EQ(valuesOf<int8_t>(tensor), std::vector<int8_t>{-128});

  tensor = parseOrDie("2x3xf64");
  EXPECT_EQ(valuesOf<double>(tensor), std::vector<double>(6, 0.0));

  tensor = parseOrDie("0x3xf32=");
  EXPECT_EQ(tensor.elementCount(), 0);

  tensor = parseOrDie("@" + fixture("f32_2x3.npy"));
  EXPECT_EQ(tensor.shape, (std::vector<int64_t>{2, 3}));
}

TEST(InputSpec, ExplainsWhatIsWrong) {
  EXPECT_EQ(specError("2x3xf32=1,2,3"),
            "input spec '2x3xf32=1,2,3': 3 values for 2x3xf32 (6 elements); "
            "give 6 values, or 1 to fill it");
  EXPECT_EQ(specError("2x3xq7=1"),
            "input spec '2x3xq7=1': unknown dtype 'q7' (known: f32 f64 f16 "
            "bf16 i8 i16 i32 i64 u8 u16 u32 u64 bool)");
  EXPECT_EQ(specError("2x?xf32=1"),
            "input spec '2x?xf32=1': dimension '?' is not a non-negative "
            "integer");
  EXPECT_THAT(specError("2x-1xf32=1"), HasSubstr("dimension '-1'"));
  EXPECT_THAT(specError("2xxf32=1"), HasSubstr("dimension ''"));
  EXPECT_THAT(specError("2x3x=1"), HasSubstr("missing dtype"));
  EXPECT_THAT(specError("=1"), HasSubstr("missing type before '='"));
  EXPECT_THAT(specError(""), HasSubstr("missing type"));
  EXPECT_EQ(
      specError("2xf32=1,abc"),
      "input spec '2xf32=1,abc': value 'abc' is not a number (element 1)");
  EXPECT_EQ(
      specError("2xi32=1.5"), // one value fills: no element number
      "input spec '2xi32=1.5': value '1.5' is not an integer (dtype i32)");
  EXPECT_EQ(specError("2xu8=0,256"),
            "input spec '2xu8=0,256': value '256' is out of range for u8 "
            "(element 1)");
  EXPECT_THAT(specError("1xi8=-129"), HasSubstr("out of range for i8"));
  EXPECT_THAT(specError("1xu64=-1"), HasSubstr("not an integer in the range"));
  EXPECT_THAT(specError("1xbool=2"), HasSubstr("is not a bool"));
  EXPECT_THAT(specError("1x1x1x1x1x1x1x1x1x1x1x1x1x1x1x1x1xf32=1"),
              HasSubstr("rank 17 exceeds the maximum 16"));
  EXPECT_THAT(specError("99999999999x99999999999xf32"),
              HasSubstr("is too large"));
  EXPECT_EQ(specError("@"), "input spec '@': missing file name after '@'");
  EXPECT_THAT(specError("@/nonexistent/x.npy"),
              HasSubstr("cannot open '/nonexistent/x.npy'"));
}

//===------------------------------------------------ random and printing ===//

TEST(RandomTensor, IsSeededAndInRange) {
  HostTensor first, second, other;
  std::string error;
  ASSERT_TRUE(makeRandomTensor(SMELT_F32, {1000}, 7, first, error));
  ASSERT_TRUE(makeRandomTensor(SMELT_F32, {1000}, 7, second, error));
  ASSERT_TRUE(makeRandomTensor(SMELT_F32, {1000}, 8, other, error));
  EXPECT_EQ(first.bytes, second.bytes);
  EXPECT_NE(first.bytes, other.bytes);
  // Pinned: the same numbers on every platform and standard library.
  EXPECT_EQ(valuesOf<float>(first)[0], valuesOf<float>(second)[0]);

  for (int value = SMELT_F32; value <= SMELT_BOOL; ++value) {
    auto dtype = static_cast<smelt_dtype_t>(value);
    HostTensor tensor;
    ASSERT_TRUE(makeRandomTensor(dtype, {4096}, 1, tensor, error));
    bool isFloat = dtype == SMELT_F32 || dtype == SMELT_F64 ||
                   dtype == SMELT_F16 || dtype == SMELT_BF16;
    double low = isFloat ? -1 : 0, high = isFloat ? 1 : 10;
    if (dtype == SMELT_BOOL)
      high = 2;
    double minimum = 1e9, maximum = -1e9;
    for (int64_t i = 0; i < 4096; ++i) {
      double element = elementAsDouble(tensor, i);
      ASSERT_GE(element, low) << smelt_dtype_name(dtype);
      ASSERT_LT(element, high) << smelt_dtype_name(dtype);
      if (!isFloat) {
        ASSERT_EQ(element, std::floor(element));
      }
      minimum = std::min(minimum, element);
      maximum = std::max(maximum, element);
    }
    // Spread over the range, not stuck.
    if (isFloat) {
      EXPECT_LT(minimum, -0.9) << smelt_dtype_name(dtype);
      EXPECT_GT(maximum, 0.9) << smelt_dtype_name(dtype);
    } else {
      EXPECT_EQ(minimum, 0) << smelt_dtype_name(dtype);
      EXPECT_EQ(maximum, high - 1) << smelt_dtype_name(dtype);
    }
  }
}

TEST(Printer, SummarizesInOneLine) {
  HostTensor tensor = parseOrDie("2x3xf32=1,-2,3.5,4,5,6");
  EXPECT_EQ(summarizeTensor("logits", tensor, 4),
            "logits: 2x3xf32 min=-2 max=6 mean=2.91667 [1, -2, 3.5, 4, ...]");
  EXPECT_EQ(summarizeTensor("x", parseOrDie("i64=3")),
            "x: i64 min=3 max=3 mean=3 [3]");
  EXPECT_EQ(summarizeTensor("e", parseOrDie("0x2xu8")), "e: 0x2xu8 (empty)");
  EXPECT_EQ(summarizeTensor("n", parseOrDie("3xf32=nan,1,3")),
            "n: 3xf32 min=1 max=3 mean=2 nan=1 [nan, 1, 3]");
}

TEST(HalfFloat, ConvertsExactlyAndRoundsToNearestEven) {
  EXPECT_EQ(floatToHalf(1.0f), 0x3c00);
  EXPECT_EQ(floatToHalf(-2.0f), 0xc000);
  EXPECT_EQ(floatToHalf(65504.0f), 0x7bff);
  EXPECT_EQ(floatToHalf(65519.0f), 0x7bff);
  EXPECT_EQ(floatToHalf(65520.0f), 0x7c00);
  EXPECT_EQ(floatToHalf(std::ldexp(1.0f, -24)), 0x0001);
  EXPECT_EQ(floatToHalf(std::ldexp(1.0f, -25)), 0x0000); // tie to even (0)
  EXPECT_EQ(floatToHalf(std::ldexp(3.0f, -25)), 0x0002); // tie to even (2)
  EXPECT_EQ(floatToHalf(1.0f + std::ldexp(1.0f, -11)), 0x3c00); // tie, even
  EXPECT_EQ(floatToHalf(1.0f + std::ldexp(3.0f, -11)), 0x3c02); // tie, even
  EXPECT_EQ(floatToHalf(std::ldexp(1023.5f, -24)),
            0x0400); // to smallest normal
  EXPECT_TRUE(std::isnan(halfToFloat(floatToHalf(NAN))));
  // Every half survives half -> float -> half.
  for (uint32_t bits = 0; bits < 0x10000; ++bits) {
    if ((bits & 0x7c00) == 0x7c00 && (bits & 0x3ff))
      continue; // nan payloads need not survive
    ASSERT_EQ(floatToHalf(halfToFloat(uint16_t(bits))), bits) << bits;
  }
  EXPECT_EQ(floatToBfloat16(1.0f), 0x3f80);
  EXPECT_EQ(bfloat16ToFloat(0xc040), -3.0f);
}

} // namespace
