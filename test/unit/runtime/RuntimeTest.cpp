//===- RuntimeTest.cpp - The C API: load, validate, run
//--------------------===//
#include "TestArtifacts.h"

#include "runtime/src/ArtifactFormat.h"
#include "smelt/runtime.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <memory>
#include <thread>

using namespace smelt::artifact;
using namespace smelt::test;
using ::testing::HasSubstr;

namespace {

struct StatusDeleter {
  void operator()(smelt_status_s *status) const { smelt_status_free(status); }
};
using Status = std::unique_ptr<smelt_status_s, StatusDeleter>;

struct InstanceDeleter {
  void operator()(smelt_instance_t *instance) const {
    smelt_instance_release(instance);
  }
};
struct SessionDeleter {
  void operator()(smelt_session_t *session) const {
    smelt_session_release(session);
  }
};
struct DeviceDeleter {
  void operator()(smelt_device_t *device) const { smelt_device_release(device); }
};
using Instance = std::unique_ptr<smelt_instance_t, InstanceDeleter>;
using Device = std::unique_ptr<smelt_device_t, DeviceDeleter>;
using Session = std::unique_ptr<smelt_session_t, SessionDeleter>;

std::string messageOf(const Status &status) {
  return status ? smelt_status_message(status.get()) : "OK";
}

#define ASSERT_OK(expression)                                                  \
  do {                                                                         \
    Status status_(expression);                                                \
    ASSERT_FALSE(status_) << messageOf(status_);                               \
  } while (false)

smelt_tensor_t tensorOf(smelt_dtype_t dtype, std::vector<int64_t> shape,
                        void *data, size_t byteSize) {
  smelt_tensor_t tensor{};
  tensor.struct_size = sizeof(tensor);
  tensor.dtype = dtype;
  tensor.rank = static_cast<int32_t>(shape.size());
  std::copy(shape.begin(), shape.end(), tensor.shape);
  tensor.data = data;
  tensor.byte_size = byteSize;
  return tensor;
}

template <typename T>
smelt_tensor_t tensorOf(smelt_dtype_t dtype, std::vector<int64_t> shape,
                        std::vector<T> &values) {
  return tensorOf(dtype, std::move(shape), values.data(),
                  values.size() * sizeof(T));
}

class RuntimeTest : public ::testing::Test {
protected:
  void SetUp() override {
    smelt_instance_options_t options{};
    options.struct_size = sizeof(options);
    options.num_threads = 4;
    options.flags = SMELT_INSTANCE_NO_PLUGIN_DISCOVERY;
    smelt_instance_t *raw = nullptr;
    ASSERT_OK(smelt_instance_create(&options, &raw));
    instance.reset(raw);
    smelt_device_t *rawDevice = nullptr;
    ASSERT_OK(smelt_device_open(instance.get(), "cpu", &rawDevice));
    cpu.reset(rawDevice);
  }

  Status tryLoad(const std::vector<uint8_t> &bytes, Session &session,
                 const char *uri = "cpu") {
    smelt_device_t *rawDevice = nullptr;
    Status status(smelt_device_open(instance.get(), uri, &rawDevice));
    if (status)
      return status;
    Device device(rawDevice);
    smelt_session_t *raw = nullptr;
    status.reset(smelt_session_create_from_memory(
        device.get(), bytes.data(), bytes.size(), nullptr, &raw));
    session.reset(raw);
    if (status) {
      EXPECT_EQ(raw, nullptr);
    }
    return status;
  }

  Session load(const ArtifactDescription &model) {
    Session session;
    Status status = tryLoad(writeOrDie(model), session);
    EXPECT_FALSE(status) << messageOf(status);
    return session;
  }

  Instance instance;
  Device cpu;
};

/// Inputs and outputs of makeAddMultiplyModel(rows), with expectations.
struct AddMultiplyRun {
  AddMultiplyRun(int64_t rowCount, int seed)
      : rows(rowCount), x(rowCount * kColumns), y(rowCount * kColumns),
        z(rowCount * kColumns, -1.0f), w(rowCount * kColumns, -1.0f) {
    for (int64_t i = 0; i < rows * kColumns; ++i) {
      x[i] = float(i % 17) + float(seed);
      y[i] = float(2 - i % 3);
    }
  }
  Status run(smelt_session_t *session) {
    smelt_tensor_t inputs[] = {tensorOf(SMELT_F32, {rows, kColumns}, x),
                               tensorOf(SMELT_F32, {rows, kColumns}, y)};
    smelt_tensor_t outputs[] = {tensorOf(SMELT_F32, {}, z),
                                tensorOf(SMELT_F32, {}, w)};
    Status status(smelt_session_run(session, inputs, 2, outputs, 2));
    outputRank = outputs[0].rank;
    outputShape = {outputs[1].shape[0], outputs[1].shape[1]};
    return status;
  }
  /// Number of elements that differ from the exact expectation.
  int64_t mismatches() const {
    int64_t count = 0;
    for (int64_t i = 0; i < rows * kColumns; ++i) {
      float t = x[i] + addMultiplyConstant(i);
      count += (z[i] != t * y[i]) + (w[i] != t);
    }
    return count;
  }

  int64_t rows;
  std::vector<float> x, y, z, w;
  int32_t outputRank = -1;
  std::vector<int64_t> outputShape;
};

TEST_F(RuntimeTest, RunsLaunchesAndCopyWithExactResults) {
  Session session = load(makeAddMultiplyModel(4));
  ASSERT_TRUE(session);
  AddMultiplyRun run(4, 0);
  ASSERT_OK(run.run(session.get()).release());
  EXPECT_EQ(run.mismatches(), 0);
  // Spot values: t = x + 0.5 i, z = t * y.
  EXPECT_EQ(run.w[5], 5.0f + 2.5f);
  EXPECT_EQ(run.z[5], (5.0f + 2.5f) * 0.0f);
  EXPECT_EQ(run.z[31], (14.0f + 15.5f) * 1.0f);
  EXPECT_EQ(run.outputRank, 2);
  EXPECT_EQ(run.outputShape, (std::vector<int64_t>{4, kColumns}));
}

TEST_F(RuntimeTest, DescribesTheSignature) {
  Session session = load(makeAddMultiplyModel(3));
  ASSERT_TRUE(session);
  EXPECT_EQ(smelt_session_input_count(session.get()), 2u);
  EXPECT_EQ(smelt_session_output_count(session.get()), 2u);
  smelt_tensor_info_t info{};
  info.struct_size = sizeof(info);
  ASSERT_OK(smelt_session_output_info(session.get(), 1, &info));
  EXPECT_STREQ(info.name, "w");
  EXPECT_EQ(info.dtype, SMELT_F32);
  ASSERT_EQ(info.rank, 2);
  EXPECT_EQ(info.shape[0], 3);
  EXPECT_EQ(info.shape[1], kColumns);
  Status status(smelt_session_input_info(session.get(), 2, &info));
  EXPECT_EQ(smelt_status_code(status.get()), SMELT_INVALID_ARGUMENT);
  EXPECT_EQ(messageOf(status),
            "input index 2 is out of range (the model has 2)");
}

TEST_F(RuntimeTest, RunsEveryParallelIdExactlyOnce) {
  for (int64_t grid : {1, 2, 7, 1000, 100000}) {
    Session session = load(makeCountIdsModel(grid));
    ASSERT_TRUE(session);
    std::vector<int32_t> start(grid), counts(grid, -7);
    for (int64_t i = 0; i < grid; ++i)
      start[i] = int32_t(i % 5);
    smelt_tensor_t input = tensorOf(SMELT_I32, {grid}, start);
    smelt_tensor_t output = tensorOf(SMELT_I32, {grid}, counts);
    ASSERT_OK(smelt_session_run(session.get(), &input, 1, &output, 1));
    int64_t wrong = 0;
    for (int64_t i = 0; i < grid; ++i)
      wrong += counts[i] != start[i] + 1;
    EXPECT_EQ(wrong, 0) << "grid " << grid;
  }
}

TEST_F(RuntimeTest, RunsEmptyTensorsWithoutData) {
  Session session = load(makeCountIdsModel(0));
  ASSERT_TRUE(session);
  smelt_tensor_t input = tensorOf(SMELT_I32, {0}, nullptr, 0);
  smelt_tensor_t output = tensorOf(SMELT_I32, {0}, nullptr, 0);
  ASSERT_OK(smelt_session_run(session.get(), &input, 1, &output, 1));
}

TEST_F(RuntimeTest, ConcurrentRunsOnOneSessionAreIndependent) {
  constexpr int kThreads = 8, kRunsPerThread = 200;
  Session session = load(makeAddMultiplyModel(64));
  ASSERT_TRUE(session);
  std::atomic<int64_t> failedRuns{0}, wrongValues{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int r = 0; r < kRunsPerThread; ++r) {
        // Each thread has its own inputs, so mixing up runs would show.
        AddMultiplyRun run(64, t);
        if (run.run(session.get()))
          ++failedRuns;
        wrongValues += run.mismatches();
      }
    });
  for (std::thread &thread : threads)
    thread.join();
  EXPECT_EQ(failedRuns.load(), 0);
  EXPECT_EQ(wrongValues.load(), 0);
}

TEST_F(RuntimeTest, SessionsOfTheSameCodeLiveSideBySide) {
  ArtifactDescription model = makeAddMultiplyModel(4);
  Session first = load(model), second = load(model);
  first.reset();
  Session third = load(model);
  for (Session *session : {&second, &third}) {
    ASSERT_TRUE(*session);
    AddMultiplyRun run(4, 3);
    ASSERT_OK(run.run(session->get()).release());
    EXPECT_EQ(run.mismatches(), 0);
  }
}

TEST_F(RuntimeTest, LoadsItsOwnCodeWhenAnOldObjectStaysResident) {
  // The resident object keeps its "/proc/self/fd/N" name in the loader after
  // its session is gone; the next memfd gets the same N.
  Session resident = load(makeCountIdsModel(4, readResidentKernelObject(),
                                            "smelt_test_count_ids_resident"));
  ASSERT_TRUE(resident);
  resident.reset();
  Session session = load(makeAddMultiplyModel(4));
  ASSERT_TRUE(session);
  AddMultiplyRun run(4, 2);
  ASSERT_OK(run.run(session.get()).release());
  EXPECT_EQ(run.mismatches(), 0);
}

TEST_F(RuntimeTest, LoadsFromAFile) {
  std::string path = temporaryPath("session.smelt");
  std::string error;
  ASSERT_TRUE(writeArtifactFile(path, makeAddMultiplyModel(2), error)) << error;
  smelt_session_t *raw = nullptr;
  ASSERT_OK(
      smelt_session_create_from_file(cpu.get(), path.c_str(), nullptr, &raw));
  Session session(raw);
  AddMultiplyRun run(2, 1);
  ASSERT_OK(run.run(session.get()).release());
  EXPECT_EQ(run.mismatches(), 0);
  std::remove(path.c_str());

  Status missing(
      smelt_session_create_from_file(cpu.get(), path.c_str(), nullptr, &raw));
  EXPECT_EQ(smelt_status_code(missing.get()), SMELT_NOT_FOUND);
  EXPECT_THAT(messageOf(missing), HasSubstr("No such file"));
  EXPECT_EQ(raw, nullptr);
}

TEST_F(RuntimeTest, ReportsWrongInputsNamingExpectedAndGot) {
  Session session = load(makeAddMultiplyModel(4));
  ASSERT_TRUE(session);
  std::vector<float> x(32), y(32), z(32), w(32), small(16);
  std::vector<double> wide(32);
  smelt_tensor_t outputs[] = {tensorOf(SMELT_F32, {}, z),
                              tensorOf(SMELT_F32, {}, w)};
  auto runWith = [&](std::vector<smelt_tensor_t> inputs,
                     size_t outputCount = 2) {
    return Status(smelt_session_run(session.get(), inputs.data(), inputs.size(),
                                    outputs, outputCount));
  };
  smelt_tensor_t goodX = tensorOf(SMELT_F32, {4, 8}, x);
  smelt_tensor_t goodY = tensorOf(SMELT_F32, {4, 8}, y);

  Status status = runWith({goodX});
  EXPECT_EQ(smelt_status_code(status.get()), SMELT_INVALID_ARGUMENT);
  EXPECT_EQ(messageOf(status), "expected 2 inputs, got 1");

  EXPECT_EQ(messageOf(runWith({goodX, tensorOf(SMELT_F32, {4, 4}, small)})),
            "input 1 ('y'): expected shape 4x8 f32, got 4x4 f32");
  EXPECT_EQ(messageOf(runWith({tensorOf(SMELT_F64, {4, 8}, wide), goodY})),
            "input 0 ('x'): expected shape 4x8 f32, got 4x8 f64");
  EXPECT_EQ(messageOf(runWith({tensorOf(SMELT_F32, {32}, x), goodY})),
            "input 0 ('x'): expected shape 4x8 f32, got 32 f32");
  EXPECT_EQ(messageOf(runWith({goodX, tensorOf(SMELT_F32, {}, x)})),
            "input 1 ('y'): expected shape 4x8 f32, got scalar f32");
  EXPECT_EQ(
      messageOf(runWith({goodX, tensorOf(SMELT_F32, {4, 8}, nullptr, 128)})),
      "input 1 ('y'): data is NULL");
  EXPECT_EQ(
      messageOf(runWith({goodX, tensorOf(SMELT_F32, {4, 8}, y.data(), 100)})),
      "input 1 ('y'): byte_size is 100, but 4x8 f32 needs 128 bytes");
  smelt_tensor_t badDType = goodX;
  const int notADType = 99; // C callers can store anything in the enum
  std::memcpy(&badDType.dtype, &notADType, sizeof(notADType));
  EXPECT_EQ(messageOf(runWith({badDType, goodY})),
            "input 0 ('x'): expected shape 4x8 f32, got 4x8 <dtype 99>");
  smelt_tensor_t oldStruct = goodX;
  oldStruct.struct_size = 8;
  EXPECT_THAT(messageOf(runWith({oldStruct, goodY})),
              HasSubstr("input 0 ('x'): struct_size is 8"));

  smelt_tensor_t named = goodY;
  named.name = "x";
  EXPECT_EQ(messageOf(runWith({goodX, named})), "input 1: expected 'y', got 'x'");
  named.name = "y";
  EXPECT_EQ(messageOf(runWith({goodX, named})), "OK");

  // Device memory: the CPU driver takes host memory only; no other kind exists.
  smelt_tensor_t resident = goodX;
  resident.memory = SMELT_MEMORY_DEVICE;
  Status onDevice = runWith({resident, goodY});
  EXPECT_EQ(smelt_status_code(onDevice.get()), SMELT_UNSUPPORTED);
  EXPECT_EQ(messageOf(onDevice), "the 'cpu' driver takes tensors in host memory only "
                                 "(SMELT_MEMORY_HOST); device memory needs a session on a "
                                 "GPU device");
  smelt_tensor_t badMemory = goodX;
  const int notAMemory = 7;
  std::memcpy(&badMemory.memory, &notAMemory, sizeof(notAMemory));
  EXPECT_EQ(messageOf(runWith({badMemory, goodY})),
            "input 0 ('x'): unknown memory kind 7 (SMELT_MEMORY_HOST or SMELT_MEMORY_DEVICE)");

  EXPECT_EQ(messageOf(runWith({goodX, goodY}, 1)), "expected 2 outputs, got 1");
  outputs[1] = tensorOf(SMELT_F32, {}, w.data(), 8);
  EXPECT_EQ(messageOf(runWith({goodX, goodY})),
            "output 1 ('w'): byte_size is 8, but 4x8 f32 needs 128 bytes");
}

TEST_F(RuntimeTest, ReportsAMissingKernelSymbol) {
  ArtifactDescription model = makeAddMultiplyModel(2);
  model.plans[0].kernels[1].symbol = "no_such_kernel";
  Session session;
  Status status = tryLoad(writeOrDie(model), session);
  EXPECT_EQ(smelt_status_code(status.get()), SMELT_NOT_FOUND);
  EXPECT_EQ(messageOf(status), "device 'cpu:0': kernel 1 ('no_such_kernel'): symbol "
                               "'no_such_kernel' not found in the CPU code of "
                               "section 0");
}

TEST_F(RuntimeTest, RefusesCodeThisHostCannotRun) {
  Session session;
  ArtifactDescription model = makeAddMultiplyModel(2);
  model.sections[0].target = "cuda";
  Status status = tryLoad(writeOrDie(model), session);
  EXPECT_EQ(smelt_status_code(status.get()), SMELT_UNSUPPORTED);
  EXPECT_THAT(messageOf(status),
              HasSubstr("no plan of this artifact runs on device 'cpu:0'; "
                        "plan 0: section 0: it holds code for target 'cuda'"));

  model = makeAddMultiplyModel(2);
  model.sections[0].arch = "riscv64:generic";
  status = tryLoad(writeOrDie(model), session);
  EXPECT_EQ(smelt_status_code(status.get()), SMELT_UNSUPPORTED);
  EXPECT_THAT(messageOf(status), HasSubstr("compiled for 'riscv64:generic'"));

#if defined(__x86_64__)
  // A vector extension this CPU does not have (or the runtime does not know)
  // is refused before the code is loaded, never a SIGILL later.
  model = makeAddMultiplyModel(2);
  model.sections[0].arch = "x86_64:future:+sse4.2,+avx9000";
  status = tryLoad(writeOrDie(model), session);
  EXPECT_EQ(smelt_status_code(status.get()), SMELT_UNSUPPORTED);
  EXPECT_THAT(messageOf(status), HasSubstr("needs the CPU feature 'avx9000'"));
#endif

  model = makeAddMultiplyModel(2);
  model.sections[0].bytes.assign(300, 0x42);
  status = tryLoad(writeOrDie(model), session);
  EXPECT_EQ(smelt_status_code(status.get()), SMELT_UNSUPPORTED);
  EXPECT_THAT(messageOf(status),
              HasSubstr("cannot load the CPU code of section 0"));

  // Code for another target that no kernel uses is simply ignored.
  model = makeAddMultiplyModel(2);
  model.sections.push_back({"cuda", "ptx", "sm_90", {1, 2, 3}});
  EXPECT_FALSE(tryLoad(writeOrDie(model), session));
}

TEST_F(RuntimeTest, RejectsUnknownDevicesAndBadArguments) {
  Session session;
  std::vector<uint8_t> bytes = writeOrDie(makeCopyModel());
  Status status = tryLoad(bytes, session, "cuda:0");
  EXPECT_EQ(smelt_status_code(status.get()), SMELT_NOT_FOUND);
  EXPECT_THAT(messageOf(status),
              HasSubstr("no device 'cuda:0'; this instance has: cpu:0"));

  smelt_session_t *raw = nullptr;
  status.reset(smelt_session_create_from_memory(nullptr, bytes.data(),
                                                bytes.size(), nullptr, &raw));
  EXPECT_EQ(messageOf(status), "device is NULL");
  status.reset(
      smelt_session_create_from_memory(cpu.get(), nullptr, 10, nullptr, &raw));
  EXPECT_EQ(messageOf(status), "data is NULL");
  status.reset(smelt_session_create_from_memory(cpu.get(), bytes.data(),
                                                bytes.size(), nullptr, nullptr));
  EXPECT_EQ(messageOf(status), "out_session is NULL");
  status.reset(smelt_session_run(nullptr, nullptr, 0, nullptr, 0));
  EXPECT_EQ(messageOf(status), "session is NULL");

  smelt_instance_options_t options{};
  options.struct_size = sizeof(options);
  options.num_threads = -2;
  smelt_instance_t *badInstance = nullptr;
  status.reset(smelt_instance_create(&options, &badInstance));
  EXPECT_EQ(smelt_status_code(status.get()), SMELT_INVALID_ARGUMENT);
  EXPECT_EQ(badInstance, nullptr);

  smelt_session_release(nullptr);
  smelt_instance_release(nullptr);
  smelt_status_free(nullptr);
  EXPECT_STREQ(smelt_dtype_name(SMELT_BF16), "bf16");
  EXPECT_EQ(smelt_dtype_size(SMELT_I64), 8u);
  EXPECT_EQ(smelt_dtype_size(SMELT_BOOL), 1u);
}

TEST_F(RuntimeTest, RejectsEveryFlippedByteOnLoad) {
  std::vector<uint8_t> bytes = writeOrDie(makeAddMultiplyModel(2));
  for (size_t position = 0; position < bytes.size(); ++position) {
    bytes[position] ^= 0x10;
    Session session;
    Status status = tryLoad(bytes, session);
    bytes[position] ^= 0x10;
    ASSERT_TRUE(status) << "byte " << position << " was accepted";
    smelt_status_code_t code = smelt_status_code(status.get());
    ASSERT_TRUE(code == SMELT_CORRUPT_ARTIFACT || code == SMELT_UNSUPPORTED)
        << "byte " << position << ": " << messageOf(status);
  }
}

TEST_F(RuntimeTest, RunsOrRejectsEveryResealedDamagedIndexCleanly) {
  // Damage behind a valid checksum: the verifier and semantic checks must
  // either reject it or leave something that runs within its buffers.
  std::vector<uint8_t> bytes = writeOrDie(makeCopyModel());
  FileHeader header;
  std::memcpy(&header, bytes.data(), sizeof(header));
  int loaded = 0;
  for (size_t i = 0; i < header.indexSize; ++i) {
    for (uint8_t mask : {uint8_t(0x01), uint8_t(0x40), uint8_t(0xff)}) {
      std::vector<uint8_t> damaged = bytes;
      damaged[header.indexOffset + i] ^= mask;
      resealChecksum(damaged);
      Session session;
      Status status = tryLoad(damaged, session);
      if (status) {
        // Damage may also leave a valid index that names a target no
        // driver runs (the plan's target string): refused as unsupported.
        smelt_status_code_t code = smelt_status_code(status.get());
        EXPECT_TRUE(code == SMELT_CORRUPT_ARTIFACT || code == SMELT_UNSUPPORTED)
            << messageOf(status);
        continue;
      }
      ++loaded;
      std::vector<float> x = {1, 2, 3, 4}, y(4);
      smelt_tensor_t input = tensorOf(SMELT_F32, {2, 2}, x);
      smelt_tensor_t output = tensorOf(SMELT_F32, {}, y);
      Status ignored(smelt_session_run(session.get(), &input, 1, &output, 1));
    }
  }
  EXPECT_GT(loaded, 0); // damage to e.g. a kernel description is harmless
}

} // namespace
