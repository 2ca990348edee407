//===- TestArtifacts.cpp - Small artifacts built for the runtime tests
//-----===//
#include "TestArtifacts.h"

#include "runtime/src/ArtifactFormat.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <unistd.h>

namespace smelt::test {

using namespace smelt::artifact;

namespace {
std::vector<uint8_t> readFile(const char *path) {
  std::ifstream file(path, std::ios::binary);
  EXPECT_TRUE(file) << "cannot open " << path;
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(file), {});
}
} // namespace

std::vector<uint8_t> readTestKernelObject() {
  return readFile(SMELT_TEST_KERNELS_PATH);
}

std::vector<uint8_t> readResidentKernelObject() {
  return readFile(SMELT_TEST_RESIDENT_KERNELS_PATH);
}

float addMultiplyConstant(int64_t i) { return 0.5f * float(i); }

ArtifactDescription makeAddMultiplyModel(int64_t rows) {
  const std::vector<int64_t> shape = {rows, kColumns};
  const uint64_t bytes = uint64_t(rows * kColumns) * sizeof(float);
  ArtifactDescription model;
  PlanDescription &plan = model.plans.emplace_back();
  model.inputs = {{"x", SMELT_F32, shape}, {"y", SMELT_F32, shape}};
  model.outputs = {{"z", SMELT_F32, shape}, {"w", SMELT_F32, shape}};

  std::vector<float> constant(rows * kColumns);
  for (int64_t i = 0; i < rows * kColumns; ++i)
    constant[i] = addMultiplyConstant(i);
  // Start the constant 64 bytes in, to exercise buffer offsets.
  model.constants.assign(64, 0);
  const auto *constantBytes =
      reinterpret_cast<const uint8_t *>(constant.data());
  model.constants.insert(model.constants.end(), constantBytes,
                         constantBytes + bytes);
  plan.arenaSize = 128 + bytes;

  using Kind = BufferKindDescription;
  plan.buffers = {
      {Kind::Input, 0, 0, bytes},     // 0: x
      {Kind::Input, 1, 0, bytes},     // 1: y
      {Kind::Constant, 0, 64, bytes}, // 2: c
      {Kind::Arena, 0, 128, bytes},   // 3: t
      {Kind::Output, 0, 0, bytes},    // 4: z
      {Kind::Output, 1, 0, bytes},    // 5: w
  };
  model.sections = {{"cpu", "elf-shared-object", "", readTestKernelObject()}};
  plan.kernels = {
      {"smelt_test_add_rows", uint64_t(rows), 0, "t = x + c"},
      {"smelt_test_multiply_rows", uint64_t(rows), 0, "z = t * y"},
  };
  plan.commands = {
      LaunchDescription{0, {0, 2, 3}},
      LaunchDescription{1, {3, 1, 4}},
      CopyDescription{3, 5, bytes},
  };
  return model;
}

ArtifactDescription makeCountIdsModel(int64_t grid, std::vector<uint8_t> code,
                                      std::string symbol) {
  const uint64_t bytes = uint64_t(grid) * sizeof(int32_t);
  ArtifactDescription model;
  PlanDescription &plan = model.plans.emplace_back();
  model.inputs = {{"start", SMELT_I32, {grid}}};
  model.outputs = {{"counts", SMELT_I32, {grid}}};
  using Kind = BufferKindDescription;
  plan.buffers = {{Kind::Input, 0, 0, bytes}, {Kind::Output, 0, 0, bytes}};
  if (code.empty())
    code = readTestKernelObject();
  model.sections = {{"cpu", "elf-shared-object", "", std::move(code)}};
  plan.kernels = {{std::move(symbol), uint64_t(grid), 0, "count ids"}};
  plan.commands = {CopyDescription{0, 1, bytes}, LaunchDescription{0, {1}}};
  return model;
}

ArtifactDescription makeCopyModel() {
  ArtifactDescription model;
  PlanDescription &plan = model.plans.emplace_back();
  model.inputs = {{"x", SMELT_F32, {2, 2}}};
  model.outputs = {{"y", SMELT_F32, {2, 2}}};
  using Kind = BufferKindDescription;
  plan.buffers = {{Kind::Input, 0, 0, 16}, {Kind::Output, 0, 0, 16}};
  plan.commands = {CopyDescription{0, 1, 16}};
  return model;
}

std::vector<uint8_t> writeOrDie(const ArtifactDescription &model) {
  std::vector<uint8_t> bytes;
  std::string error;
  EXPECT_TRUE(writeArtifact(model, bytes, error)) << error;
  return bytes;
}

void resealChecksum(std::vector<uint8_t> &bytes) {
  FileHeader header;
  std::memcpy(&header, bytes.data(), sizeof(header));
  unsigned int size = 0;
  ASSERT_EQ(EVP_Digest(bytes.data() + sizeof(header),
                       bytes.size() - sizeof(header), header.payloadSha256,
                       &size, EVP_sha256(), nullptr),
            1);
  std::memcpy(bytes.data(), &header, sizeof(header));
}

std::string temporaryPath(const std::string &name) {
  const char *directory = std::getenv("TMPDIR");
  return std::string(directory ? directory : "/tmp") + "/smelt-test-" +
         std::to_string(::getpid()) + "-" + name;
}

} // namespace smelt::test
