//===- CppApiTest.cpp - smelt/runtime.hpp over the C API ------------------===//
#include "TestArtifacts.h"

#include "smelt/runtime.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

using namespace smelt::test;
using ::testing::HasSubstr;

namespace {

TEST(CppApi, LoadsDescribesAndRuns) {
  smelt::Instance instance(2, {}, SMELT_INSTANCE_NO_PLUGIN_DISCOVERY);
  EXPECT_EQ(instance.deviceUris(), std::vector<std::string>{"cpu:0"});
  std::vector<uint8_t> bytes = writeOrDie(makeAddMultiplyModel(2));
  smelt::Session session(instance.device("cpu"), bytes.data(), bytes.size());
  ASSERT_EQ(session.inputs().size(), 2u);
  EXPECT_EQ(session.inputs()[1].name, "y");
  EXPECT_EQ(session.inputs()[1].shape, (std::vector<int64_t>{2, kColumns}));
  EXPECT_EQ(session.outputs()[0].byteSize(), 2 * kColumns * sizeof(float));
  EXPECT_THAT(session.describe(), HasSubstr("device cpu:0"));

  std::vector<float> x(16, 3.0f), y(16, -1.0f), z(16), w(16);
  std::vector<smelt::Tensor> outputs = {smelt::Tensor::of(z.data(), {2, kColumns}),
                                        smelt::Tensor::of(w.data(), {2, kColumns})};
  session.run({smelt::Tensor::of(x.data(), {2, kColumns}),
               smelt::Tensor::of(y.data(), {2, kColumns})},
              outputs);
  EXPECT_EQ(outputs[0].shape(), (std::vector<int64_t>{2, kColumns}));
  for (int64_t i = 0; i < 16; ++i) {
    EXPECT_EQ(w[i], 3.0f + addMultiplyConstant(i));
    EXPECT_EQ(z[i], -(3.0f + addMultiplyConstant(i)));
  }
}

TEST(CppApi, FailuresThrowErrorWithTheStatusCode) {
  smelt::Instance instance(1, {}, SMELT_INSTANCE_NO_PLUGIN_DISCOVERY);
  try {
    instance.device("cuda:3");
    FAIL() << "no exception";
  } catch (const smelt::Error &error) {
    EXPECT_EQ(error.code(), SMELT_NOT_FOUND);
    EXPECT_THAT(error.what(), HasSubstr("no device 'cuda:3'"));
  }
  std::vector<uint8_t> garbage(200, 7);
  try {
    smelt::Session session(instance.device(), garbage.data(), garbage.size());
    FAIL() << "no exception";
  } catch (const smelt::Error &error) {
    EXPECT_EQ(error.code(), SMELT_CORRUPT_ARTIFACT);
  }
  std::vector<uint8_t> bytes = writeOrDie(makeCopyModel());
  smelt::Session session(instance.device(), bytes.data(), bytes.size());
  std::vector<double> wrong(4);
  std::vector<float> out(4);
  try {
    session.run({smelt::Tensor::of(wrong.data(), {2, 2})}, {smelt::Tensor::of(out.data(), {2, 2})});
    FAIL() << "no exception";
  } catch (const smelt::Error &error) {
    EXPECT_EQ(error.code(), SMELT_INVALID_ARGUMENT);
    EXPECT_STREQ(error.what(), "input 0 ('x'): expected shape 2x2 f32, got 2x2 f64");
  }
}

} // namespace
