//===- StressTest.cpp - Many concurrent runs on one session, under LSan ---===//
//
// 8 threads x 1000 runs of one session, each thread with its own inputs: every
// result must be exact, and LeakSanitizer (linked into this test) must find
// nothing when the process exits.
//
//===----------------------------------------------------------------------===//
#include "TestArtifacts.h"

#include "smelt/runtime.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

using namespace smelt::test;

namespace {

TEST(Stress, EightThreadsTimesAThousandRunsOnOneSession) {
  constexpr int kThreads = 8, kRuns = 1000;
  constexpr int64_t kRows = 16;
  smelt::Instance instance(4, {}, SMELT_INSTANCE_NO_PLUGIN_DISCOVERY);
  std::vector<uint8_t> bytes = writeOrDie(makeAddMultiplyModel(kRows));
  smelt::Session session(instance.device("cpu"), bytes.data(), bytes.size());

  std::atomic<int64_t> wrong{0}, failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      const int64_t n = kRows * kColumns;
      std::vector<float> x(n), y(n), z(n), w(n);
      for (int run = 0; run < kRuns; ++run) {
        for (int64_t i = 0; i < n; ++i) {
          x[i] = float((i + t + run) % 13);
          y[i] = float(1 + (i + t) % 3);
        }
        try {
          session.run({smelt::Tensor::of(x.data(), {kRows, kColumns}),
                       smelt::Tensor::of(y.data(), {kRows, kColumns})},
                      {smelt::Tensor::of(z.data(), {kRows, kColumns}),
                       smelt::Tensor::of(w.data(), {kRows, kColumns})});
        } catch (const smelt::Error &) {
          ++failures;
          continue;
        }
        for (int64_t i = 0; i < n; ++i) {
          float sum = x[i] + addMultiplyConstant(i);
          wrong += (w[i] != sum) + (z[i] != sum * y[i]);
        }
      }
    });
  for (std::thread &thread : threads)
    thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(wrong.load(), 0);
}

TEST(Stress, ManySessionsComeAndGoWithoutLeaking) {
  smelt::Instance instance(2, {}, SMELT_INSTANCE_NO_PLUGIN_DISCOVERY);
  std::vector<uint8_t> bytes = writeOrDie(makeAddMultiplyModel(2));
  for (int i = 0; i < 200; ++i) {
    smelt::Session session(instance.device(), bytes.data(), bytes.size());
    std::vector<uint8_t> broken = bytes;
    broken[broken.size() / 2] ^= 1;
    EXPECT_THROW(smelt::Session(instance.device(), broken.data(), broken.size()), smelt::Error);
  }
}

} // namespace
