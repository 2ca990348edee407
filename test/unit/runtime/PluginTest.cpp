//===- PluginTest.cpp - Plugins, devices, libraries, the API table --------===//
#include "TestArtifacts.h"

#include "smelt/plugin.h"
#include "smelt/runtime.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

using namespace smelt::artifact;
using namespace smelt::test;
using ::testing::HasSubstr;

namespace {

struct Status {
  explicit Status(smelt_status_t status) : raw(status) {}
  ~Status() { smelt_status_free(raw); }
  Status(const Status &) = delete;
  Status(Status &&other) noexcept : raw(other.raw) { other.raw = nullptr; }
  smelt_status_code_t code() const { return smelt_status_code(raw); }
  std::string message() const { return raw ? smelt_status_message(raw) : "OK"; }
  explicit operator bool() const { return raw != nullptr; }
  smelt_status_t raw;
};

using InstancePtr = std::unique_ptr<smelt_instance_t, void (*)(smelt_instance_t *)>;
using DevicePtr = std::unique_ptr<smelt_device_t, void (*)(smelt_device_t *)>;
using SessionPtr = std::unique_ptr<smelt_session_t, void (*)(smelt_session_t *)>;

std::string testPlugin(const std::string &name) {
  return std::string(SMELT_TEST_PLUGIN_DIR) + "/libsmelt_plugin_test_" + name + ".so";
}

/// An instance with `plugins` loaded explicitly and no discovery, unless
/// `discover`.
Status createInstance(InstancePtr &instance, std::vector<std::string> plugins,
                      bool discover = false) {
  std::vector<const char *> paths;
  for (const std::string &path : plugins)
    paths.push_back(path.c_str());
  smelt_instance_options_t options{};
  options.struct_size = sizeof(options);
  options.num_threads = 2;
  options.flags = discover ? 0 : SMELT_INSTANCE_NO_PLUGIN_DISCOVERY;
  options.plugin_paths = paths.data();
  options.plugin_path_count = paths.size();
  smelt_instance_t *raw = nullptr;
  Status status(smelt_instance_create(&options, &raw));
  instance.reset(raw);
  return status;
}

std::vector<std::string> deviceUris(smelt_instance_t *instance) {
  std::vector<std::string> uris;
  for (size_t i = 0; i < smelt_instance_device_count(instance); ++i) {
    smelt_device_info_t info{};
    info.struct_size = sizeof(info);
    Status status(smelt_instance_device_info(instance, i, &info));
    EXPECT_FALSE(status) << status.message();
    uris.emplace_back(info.uri);
  }
  return uris;
}

std::vector<smelt_driver_info_t> drivers(smelt_instance_t *instance) {
  std::vector<smelt_driver_info_t> result;
  for (size_t i = 0; i < smelt_instance_driver_count(instance); ++i) {
    smelt_driver_info_t info{};
    info.struct_size = sizeof(info);
    Status status(smelt_instance_driver_info(instance, i, &info));
    EXPECT_FALSE(status) << status.message();
    result.push_back(info);
  }
  return result;
}

Status openDevice(smelt_instance_t *instance, const char *uri, DevicePtr &device) {
  smelt_device_t *raw = nullptr;
  Status status(smelt_device_open(instance, uri, &raw));
  device.reset(raw);
  return status;
}

Status loadSession(smelt_device_t *device, const std::vector<uint8_t> &bytes,
                   SessionPtr &session) {
  smelt_session_t *raw = nullptr;
  Status status(smelt_session_create_from_memory(device, bytes.data(), bytes.size(), nullptr, &raw));
  session.reset(raw);
  return status;
}

/// makeCopyModel() with its plan for target `target`.
std::vector<uint8_t> copyModelFor(const std::string &target) {
  ArtifactDescription model = makeCopyModel();
  model.plans[0].target = target;
  return writeOrDie(model);
}

/// The copy model's 2x2 f32 input over `x` and its output over `y`.
void bindCopyTensors(std::vector<float> &x, std::vector<float> &y, smelt_tensor_t &input,
                     smelt_tensor_t &output) {
  input = smelt_tensor_t{};
  output = smelt_tensor_t{};
  input.struct_size = output.struct_size = sizeof(smelt_tensor_t);
  input.dtype = SMELT_F32;
  input.rank = 2;
  input.shape[0] = input.shape[1] = 2;
  input.data = x.data();
  input.byte_size = 16;
  output.data = y.data();
  output.byte_size = 16;
}

/// A session of the copy model on `uri` of the test plugin `plugin`.
struct CopySession {
  InstancePtr instance{nullptr, smelt_instance_release};
  DevicePtr device{nullptr, smelt_device_release};
  SessionPtr session{nullptr, smelt_session_release};

  /// The first failure, or none.
  Status open(const std::string &plugin, const std::string &uri, const std::string &target) {
    if (Status status = createInstance(instance, {testPlugin(plugin)}))
      return status;
    if (Status status = openDevice(instance.get(), uri.c_str(), device))
      return status;
    return loadSession(device.get(), copyModelFor(target), session);
  }
};

struct ScopedEnvironment {
  ScopedEnvironment(const char *name, const std::string &value) : name(name) {
    if (const char *old = std::getenv(name))
      previous = old, hadPrevious = true;
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnvironment() {
    if (hadPrevious)
      ::setenv(name, previous.c_str(), 1);
    else
      ::unsetenv(name);
  }
  const char *name;
  std::string previous;
  bool hadPrevious = false;
};

TEST(Plugins, TheCpuDriverIsBuiltInAndRegisteredThroughThePluginTable) {
  InstancePtr instance(nullptr, smelt_instance_release);
  ASSERT_FALSE(createInstance(instance, {}));
  std::vector<smelt_driver_info_t> list = drivers(instance.get());
  ASSERT_EQ(list.size(), 1u);
  EXPECT_STREQ(list[0].name, "cpu");
  EXPECT_STREQ(list[0].path, "built-in");
  EXPECT_EQ(list[0].abi_major, uint32_t(SMELT_PLUGIN_ABI_MAJOR));
  EXPECT_EQ(list[0].loaded, 1);
  EXPECT_EQ(deviceUris(instance.get()), std::vector<std::string>{"cpu:0"});
}

TEST(Plugins, LoadsTheNullBackendAndItAnswersUnimplemented) {
  InstancePtr instance(nullptr, smelt_instance_release);
  Status created = createInstance(instance, {SMELT_NULL_PLUGIN_PATH});
  ASSERT_FALSE(created) << created.message();
  EXPECT_EQ(deviceUris(instance.get()), (std::vector<std::string>{"cpu:0", "null:0"}));

  DevicePtr device(nullptr, smelt_device_release);
  ASSERT_FALSE(openDevice(instance.get(), "null", device));
  SessionPtr session(nullptr, smelt_session_release);
  // A plan for the CPU is not the null driver's ...
  Status status = loadSession(device.get(), copyModelFor("cpu"), session);
  EXPECT_EQ(status.code(), SMELT_UNSUPPORTED);
  EXPECT_EQ(status.message(),
            "no plan of this artifact runs on device 'null:0'; plan 0: it is for target 'cpu'");
  // ... and one for it is where the template stops.
  Status unimplemented = loadSession(device.get(), copyModelFor("null"), session);
  EXPECT_EQ(unimplemented.code(), SMELT_UNIMPLEMENTED);
  EXPECT_THAT(unimplemented.message(), HasSubstr("null driver is unimplemented"));
  EXPECT_EQ(session.get(), nullptr);
}

TEST(Plugins, RefusesAnotherAbiMajorNamingBothVersions) {
  InstancePtr instance(nullptr, smelt_instance_release);
  Status status = createInstance(instance, {testPlugin("abi2")});
  EXPECT_EQ(status.code(), SMELT_ABI_MISMATCH);
  EXPECT_THAT(status.message(), HasSubstr("was built for plugin ABI 2.0, but this runtime "
                                          "implements plugin ABI 1.2"));
  EXPECT_EQ(instance.get(), nullptr);
}

TEST(Plugins, RefusesLibrariesThatAreNotPluginsOrAreIncomplete) {
  InstancePtr instance(nullptr, smelt_instance_release);
  Status noEntry = createInstance(instance, {testPlugin("no_entry")});
  EXPECT_EQ(noEntry.code(), SMELT_NOT_FOUND);
  EXPECT_THAT(noEntry.message(),
              HasSubstr("is not a Smelt plugin: it does not export smelt_plugin_entry()"));

  Status incomplete = createInstance(instance, {testPlugin("incomplete")});
  EXPECT_EQ(incomplete.code(), SMELT_ABI_MISMATCH);
  EXPECT_THAT(incomplete.message(), HasSubstr("its driver table has no 'program_run'"));

  Status clash = createInstance(instance, {testPlugin("cpu_clash")});
  EXPECT_THAT(clash.message(),
              HasSubstr("provides driver 'cpu', which is already provided by 'built-in'"));

  Status failing = createInstance(instance, {testPlugin("failing")});
  EXPECT_EQ(failing.code(), SMELT_NOT_FOUND);
  EXPECT_THAT(failing.message(),
              HasSubstr("driver 'echo' failed to start: no such hardware here (test)"));

  Status missing = createInstance(instance, {"/nonexistent/libsmelt_plugin_x.so"});
  EXPECT_EQ(missing.code(), SMELT_NOT_FOUND);
  EXPECT_THAT(missing.message(), HasSubstr("cannot load plugin '/nonexistent/libsmelt_plugin_x.so'"));
}

TEST(Plugins, DiscoversThroughSmeltPluginPathAndReportsWhatItRefused) {
  ScopedEnvironment path("SMELT_PLUGIN_PATH", std::string("/nonexistent:") + SMELT_TEST_PLUGIN_DIR);
  InstancePtr instance(nullptr, smelt_instance_release);
  Status status = createInstance(instance, {}, /*discover=*/true);
  ASSERT_FALSE(status) << status.message();
  int refused = 0;
  bool echo = false;
  for (const smelt_driver_info_t &info : drivers(instance.get())) {
    if (info.loaded) {
      echo |= std::string(info.name) == "echo";
      continue;
    }
    EXPECT_NE(std::string(info.message), "") << info.path;
    // The build's own plugins (lib/smelt/plugins: cuda without a GPU) are
    // discovered too; count the test directory's.
    std::string where = info.path ? info.path : "";
    if (where.find(SMELT_TEST_PLUGIN_DIR) != std::string::npos ||
        where.find("/nonexistent") != std::string::npos)
      ++refused;
  }
  EXPECT_TRUE(echo); // the well-formed one is in use
  // "/nonexistent", abi2, no_entry, incomplete, cpu_clash, and failing:
  // files load in name order, so 'echo' comes first and 'failing' is refused
  // as a second 'echo'.
  EXPECT_EQ(refused, 6);
  std::vector<std::string> uris = deviceUris(instance.get());
  EXPECT_NE(std::find(uris.begin(), uris.end(), "echo:1"), uris.end());
}

TEST(Plugins, TheHostTellsTheRankAndBroadcasts) {
  // A lone process: rank 0 of 1, and the broadcast from rank 0 arrives as is
  // (two MPI ranks: test/e2e/test_collectives.py).
  InstancePtr instance(nullptr, smelt_instance_release);
  Status status = createInstance(instance, {testPlugin("job")});
  ASSERT_FALSE(status) << status.message();
  DevicePtr device(nullptr, smelt_device_release);
  ASSERT_FALSE(openDevice(instance.get(), "job:0", device));
  smelt_device_info_t info{};
  info.struct_size = sizeof(info);
  ASSERT_FALSE(Status(smelt_device_info(device.get(), &info)));
  EXPECT_STREQ(info.name, "rank 0 of 1 got 'hello from rank 0 of 1'");
}

TEST(Plugins, RunsThroughAPluginDriver) {
  InstancePtr instance(nullptr, smelt_instance_release);
  ASSERT_FALSE(createInstance(instance, {testPlugin("echo")}));
  DevicePtr device(nullptr, smelt_device_release);
  ASSERT_FALSE(openDevice(instance.get(), "echo:1", device));
  SessionPtr session(nullptr, smelt_session_release);
  Status loaded = loadSession(device.get(), copyModelFor("echo"), session);
  ASSERT_FALSE(loaded) << loaded.message();
  EXPECT_THAT(smelt_session_describe(session.get()), HasSubstr("echo: copies input 0"));
  std::vector<float> x = {1, 2, 3, 4}, y(4);
  smelt_tensor_t input, output;
  bindCopyTensors(x, y, input, output);
  Status ran(smelt_session_run(session.get(), &input, 1, &output, 1));
  ASSERT_FALSE(ran) << ran.message();
  EXPECT_EQ(y, x);
}

TEST(Plugins, PassesWhichTensorsAreInDeviceMemory) {
  CopySession copy;
  Status opened = copy.open("echo", "echo:1", "echo");
  ASSERT_FALSE(opened) << opened.message();
  smelt_session_t *session = copy.session.get();
  std::vector<float> x = {1, 2, 3, 4}, y(4);
  smelt_tensor_t input, output;
  bindCopyTensors(x, y, input, output);
  input.memory = SMELT_MEMORY_DEVICE;
  // The driver is told input 0 is on the device and output 0 is not.
  Status mixed(smelt_session_run(session, &input, 1, &output, 1));
  EXPECT_EQ(mixed.code(), SMELT_UNSUPPORTED);
  EXPECT_EQ(mixed.message(), "echo: input on device 1, output on device 0");
  output.memory = SMELT_MEMORY_DEVICE;
  Status ran(smelt_session_run(session, &input, 1, &output, 1));
  ASSERT_FALSE(ran) << ran.message();
  EXPECT_EQ(y, x);
  // A struct that ends before `memory` is host memory.
  input.struct_size = output.struct_size = offsetof(smelt_tensor_t, memory);
  std::fill(y.begin(), y.end(), 0.0f);
  Status host(smelt_session_run(session, &input, 1, &output, 1));
  ASSERT_FALSE(host) << host.message();
  EXPECT_EQ(y, x);
}

TEST(Plugins, AnEarlierMinorsDriverTableLoadsAndTakesHostMemoryOnly) {
  CopySession copy;
  Status opened = copy.open("echo11", "echo11:1", "echo11");
  ASSERT_FALSE(opened) << opened.message();
  smelt_session_t *session = copy.session.get();
  std::vector<float> x = {1, 2, 3, 4}, y(4);
  smelt_tensor_t input, output;
  bindCopyTensors(x, y, input, output);
  Status ran(smelt_session_run(session, &input, 1, &output, 1));
  ASSERT_FALSE(ran) << ran.message();
  EXPECT_EQ(y, x);
  output.memory = SMELT_MEMORY_DEVICE;
  Status resident(smelt_session_run(session, &input, 1, &output, 1));
  EXPECT_EQ(resident.code(), SMELT_UNSUPPORTED);
  EXPECT_THAT(resident.message(), HasSubstr("the 'echo11' driver takes tensors in host memory"));
}

TEST(Devices, ChoosesTheDefaultDeviceFromSmeltDevice) {
  InstancePtr instance(nullptr, smelt_instance_release);
  ASSERT_FALSE(createInstance(instance, {testPlugin("echo")}));
  DevicePtr device(nullptr, smelt_device_release);
  smelt_device_info_t info{};
  info.struct_size = sizeof(info);
  {
    // Without SMELT_DEVICE: the first accelerator.
    ScopedEnvironment unset("SMELT_DEVICE", "auto");
    ASSERT_FALSE(openDevice(instance.get(), nullptr, device));
    ASSERT_FALSE(Status(smelt_device_info(device.get(), &info)));
    EXPECT_STREQ(info.uri, "echo:0");
  }
  {
    ScopedEnvironment chosen("SMELT_DEVICE", "cpu");
    ASSERT_FALSE(openDevice(instance.get(), "", device));
    ASSERT_FALSE(Status(smelt_device_info(device.get(), &info)));
    EXPECT_STREQ(info.uri, "cpu:0");
    EXPECT_STREQ(info.driver, "cpu");
  }
  {
    ScopedEnvironment wrong("SMELT_DEVICE", "tpu:3");
    Status status = openDevice(instance.get(), "auto", device);
    EXPECT_EQ(status.code(), SMELT_NOT_FOUND);
    EXPECT_THAT(status.message(), HasSubstr("no device 'auto' ('tpu:3'); this instance has: "
                                            "cpu:0, echo:0, echo:1"));
  }
}

TEST(Devices, AFatArtifactLoadsTheFirstPlanTheDeviceRuns) {
  // Plan 0 needs a CPU extension no host has; plan 1 is portable.
  ArtifactDescription model = makeAddMultiplyModel(2);
  model.sections.push_back(model.sections[0]);
  model.sections[0].arch = "x86_64:future:+avx9000";
  model.plans.push_back(model.plans[0]);
  for (KernelDescription &kernel : model.plans[1].kernels)
    kernel.section = 1;
  model.plans.insert(model.plans.begin(), model.plans[0]);
  model.plans[0].target = "echo"; // and a plan for another driver first
  InstancePtr instance(nullptr, smelt_instance_release);
  ASSERT_FALSE(createInstance(instance, {}));
  DevicePtr device(nullptr, smelt_device_release);
  ASSERT_FALSE(openDevice(instance.get(), "cpu", device));
  SessionPtr session(nullptr, smelt_session_release);
  Status loaded = loadSession(device.get(), writeOrDie(model), session);
#if defined(__x86_64__)
  ASSERT_FALSE(loaded) << loaded.message();
  EXPECT_THAT(smelt_session_describe(session.get()), HasSubstr("plan 2 of 3 (target 'cpu')"));

  // With only the unrunnable plans left, the error lists why each was passed.
  model.plans.pop_back();
  Status refused = loadSession(device.get(), writeOrDie(model), session);
  EXPECT_EQ(refused.code(), SMELT_UNSUPPORTED);
  EXPECT_THAT(refused.message(),
              HasSubstr("plan 0: it is for target 'echo'; plan 1: section 0: it is compiled "
                        "for 'x86_64:future', which needs the CPU feature 'avx9000'"));
#endif
}

TEST(Sessions, OutliveTheirInstanceAndDeviceHandles) {
  InstancePtr instance(nullptr, smelt_instance_release);
  ASSERT_FALSE(createInstance(instance, {}));
  DevicePtr device(nullptr, smelt_device_release);
  ASSERT_FALSE(openDevice(instance.get(), "cpu", device));
  SessionPtr session(nullptr, smelt_session_release);
  ASSERT_FALSE(loadSession(device.get(), writeOrDie(makeAddMultiplyModel(3)), session));
  device.reset();
  instance.reset();
  std::vector<float> x(24, 1.0f), y(24, 2.0f), z(24), w(24);
  auto tensor = [](std::vector<float> &values, bool withShape) {
    smelt_tensor_t t{};
    t.struct_size = sizeof(t);
    t.dtype = SMELT_F32;
    if (withShape) {
      t.rank = 2;
      t.shape[0] = 3;
      t.shape[1] = kColumns;
    }
    t.data = values.data();
    t.byte_size = values.size() * sizeof(float);
    return t;
  };
  smelt_tensor_t inputs[] = {tensor(x, true), tensor(y, true)};
  smelt_tensor_t outputs[] = {tensor(z, false), tensor(w, false)};
  Status ran(smelt_session_run(session.get(), inputs, 2, outputs, 2));
  ASSERT_FALSE(ran) << ran.message();
  for (int64_t i = 0; i < 24; ++i)
    EXPECT_EQ(z[i], (1.0f + addMultiplyConstant(i)) * 2.0f);
}

TEST(Libraries, ListsEveryVendorLibraryAndHonoursOverrides) {
  ScopedEnvironment off("SMELT_OPENBLAS_PATH", "off");
  ScopedEnvironment elsewhere("SMELT_ONEDNN_PATH", "/nonexistent/libdnnl.so.3");
  InstancePtr instance(nullptr, smelt_instance_release);
  ASSERT_FALSE(createInstance(instance, {}));
  std::vector<std::string> names;
  for (size_t i = 0; i < smelt_instance_library_count(instance.get()); ++i) {
    smelt_library_info_t info{};
    info.struct_size = sizeof(info);
    Status status(smelt_instance_library_info(instance.get(), i, &info));
    ASSERT_FALSE(status) << status.message();
    names.emplace_back(info.name);
    EXPECT_NE(std::string(info.message), "") << info.name;
    if (info.found)
      EXPECT_NE(std::string(info.path), "") << info.name;
    if (names.back() == "OpenBLAS") {
      EXPECT_EQ(info.found, 0);
      EXPECT_STREQ(info.message, "disabled by SMELT_OPENBLAS_PATH=off");
    }
    if (names.back() == "oneDNN") {
      EXPECT_EQ(info.found, 0);
      EXPECT_THAT(info.message, HasSubstr("not loaded from SMELT_ONEDNN_PATH"));
    }
  }
  EXPECT_EQ(names,
            (std::vector<std::string>{"oneDNN", "OpenBLAS", "cuBLAS", "cuBLASLt", "cuDNN", "NCCL",
                                      "hipBLASLt", "rocBLAS", "MIOpen", "RCCL", "MPI"}));
}

TEST(Libraries, TheInstanceOptionWinsOverTheEnvironment) {
  ScopedEnvironment path("SMELT_MPI_PATH", "/nonexistent/libmpi.so.40");
  const char *overrides[] = {"MPI=off"};
  smelt_instance_options_t options{};
  options.struct_size = sizeof(options);
  options.flags = SMELT_INSTANCE_NO_PLUGIN_DISCOVERY;
  options.library_overrides = overrides;
  options.library_override_count = 1;
  smelt_instance_t *raw = nullptr;
  ASSERT_FALSE(Status(smelt_instance_create(&options, &raw)));
  InstancePtr instance(raw, smelt_instance_release);
  smelt_library_info_t info{};
  info.struct_size = sizeof(info);
  ASSERT_FALSE(Status(smelt_instance_library_info(raw, 10, &info)));
  EXPECT_STREQ(info.name, "MPI");
  EXPECT_STREQ(info.message, "disabled by library_overrides (MPI=off)");

  const char *bad[] = {"cuFFT=off"};
  options.library_overrides = bad;
  Status status(smelt_instance_create(&options, &raw));
  EXPECT_EQ(status.code(), SMELT_INVALID_ARGUMENT);
  EXPECT_THAT(status.message(), HasSubstr("library override 'cuFFT=off' is not <name>=<path "
                                          "or off> with a name of: oneDNN, OpenBLAS, cuBLAS, "
                                          "cuBLASLt"));
}

TEST(ApiTable, IsVersionedAndCallsTheSameFunctions) {
  EXPECT_EQ(smelt_get_api(0), nullptr);
  EXPECT_EQ(smelt_get_api(2), nullptr);
  const auto *api = static_cast<const smelt_api_v1_t *>(smelt_get_api(1));
  ASSERT_NE(api, nullptr);
  EXPECT_EQ(api->version, 1u);
  EXPECT_EQ(api->struct_size, sizeof(smelt_api_v1_t));
  smelt_instance_t *instance = nullptr;
  smelt_instance_options_t options{};
  options.struct_size = sizeof(options);
  options.flags = SMELT_INSTANCE_NO_PLUGIN_DISCOVERY;
  ASSERT_EQ(api->instance_create(&options, &instance), nullptr);
  smelt_device_t *device = nullptr;
  smelt_status_t status = api->device_open(instance, "gpu:7", &device);
  EXPECT_EQ(api->status_code(status), SMELT_NOT_FOUND);
  EXPECT_STREQ(api->status_code_name(api->status_code(status)), "NOT_FOUND");
  api->status_free(status);
  EXPECT_EQ(api->instance_device_count(instance), 1u);
  api->instance_release(instance);
}

} // namespace
