//===- Run.cpp - smelt run ------------------------------------------------===//
//
// Loads an artifact with the runtime's C API (nothing of the compiler), binds
// inputs from specs or .npy files (random ones when none are given), runs,
// prints each output's shape, dtype and a summary, and the time taken.
//
//===----------------------------------------------------------------------===//
#include "tools/smelt/Commands.h"

#include "smelt/runtime.h"
#include "tools/tensorio/TensorIO.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <memory>

namespace cl = llvm::cl;

namespace smelt::cli {
extern cl::SubCommand runCommand;

namespace {
cl::opt<std::string> artifactPath(cl::Positional, cl::desc("<model.smelt>"), cl::Required,
                                  cl::sub(runCommand));
cl::list<std::string> inputs(
    "input",
    cl::desc("An input, in signature order: @file.npy, or <shape>x<dtype>=<values> such as "
             "2x3xf32=1,2,3,4,5,6 (repeatable; none: random inputs)"),
    cl::value_desc("spec"), cl::sub(runCommand));
cl::list<std::string> outputs("output",
                              cl::desc("Where to write an output, in signature order: "
                                       "@file.npy (repeatable)"),
                              cl::value_desc("@file.npy"), cl::sub(runCommand));
cl::opt<std::string> device("device",
                            cl::desc("Device to run on: cpu, cuda:1, ... (default: "
                                     "SMELT_DEVICE, else the first accelerator the artifact "
                                     "has a plan for, else cpu)"),
                            cl::init(""), cl::sub(runCommand));
cl::list<std::string> plugins("plugin", cl::desc("Load this plugin library first (repeatable)"),
                              cl::value_desc("path"), cl::sub(runCommand));
cl::opt<bool> verbose("v", cl::desc("Say which device, plan and implementations were chosen"),
                      cl::sub(runCommand));
cl::list<std::string> libraries("library",
                                cl::desc("Where to load a vendor library from, or off: "
                                         "<name>=<path|off>, e.g. oneDNN=off (repeatable)"),
                                cl::value_desc("name=path"), cl::sub(runCommand));
cl::opt<int> threads("threads", cl::desc("Host threads (0: all hardware threads)"),
                     cl::init(0), cl::sub(runCommand));
cl::opt<int> repeat("repeat", cl::desc("Run this many times and report the timings"),
                    cl::init(1), cl::sub(runCommand));
cl::opt<int> warmup("warmup",
                    cl::desc("Untimed runs between the first run and the rest of --repeat "
                             "(a fresh process's first runs can be slower than later ones)"),
                    cl::init(0), cl::sub(runCommand));
cl::opt<bool> profile("profile",
                      cl::desc("Time every command of the plan and print the slowest when "
                               "done (the CPU driver's SMELT_PROFILE=1; =all lists all)"),
                      cl::sub(runCommand));
cl::opt<uint64_t> seed("seed", cl::desc("Seed of the random inputs"), cl::init(0),
                       cl::sub(runCommand));

int fail(const std::string &message) {
  llvm::errs() << "smelt: error: " << message << "\n";
  return 1;
}

/// Frees a runtime status and turns it into a message.
bool check(smelt_status_t status, std::string &message) {
  if (!status)
    return true;
  message = smelt_status_message(status);
  smelt_status_free(status);
  return false;
}

struct InstanceDeleter {
  void operator()(smelt_instance_t *instance) const { smelt_instance_release(instance); }
};
struct DeviceDeleter {
  void operator()(smelt_device_t *device) const { smelt_device_release(device); }
};
struct SessionDeleter {
  void operator()(smelt_session_t *session) const { smelt_session_release(session); }
};

std::vector<int64_t> shapeOf(const smelt_tensor_info_t &info) {
  return std::vector<int64_t>(info.shape, info.shape + info.rank);
}

} // namespace

int runRunCommand() {
  std::string message;
  if (profile && !std::getenv("SMELT_PROFILE"))
    setenv("SMELT_PROFILE", "1", /*overwrite=*/1);
  smelt_instance_t *rawInstance = nullptr;
  if (!check(createInstance(threads, {plugins.begin(), plugins.end()},
                            {libraries.begin(), libraries.end()}, &rawInstance),
             message))
    return fail(message);
  std::unique_ptr<smelt_instance_t, InstanceDeleter> instance(rawInstance);
  // The device: the one asked for; else SMELT_DEVICE; else the first
  // accelerator the artifact has a plan for, then the CPU (a CPU artifact
  // still runs on a machine with a GPU, a fat one runs on the GPU).
  std::vector<std::string> candidates;
  const char *fromEnvironment = std::getenv("SMELT_DEVICE");
  if (!device.empty() || (fromEnvironment && *fromEnvironment)) {
    candidates.push_back(device);
  } else {
    for (size_t i = 0; i < smelt_instance_device_count(instance.get()); ++i) {
      smelt_device_info_t info{};
      info.struct_size = sizeof(info);
      if (smelt_status_t status = smelt_instance_device_info(instance.get(), i, &info)) {
        smelt_status_free(status);
        continue;
      }
      std::string driver = info.driver ? info.driver : "";
      if (driver != "cpu" && driver != "null")
        candidates.push_back(info.uri);
    }
    candidates.push_back("cpu:0");
  }
  auto loadStart = std::chrono::steady_clock::now();
  std::unique_ptr<smelt_device_t, DeviceDeleter> openedDevice;
  std::unique_ptr<smelt_session_t, SessionDeleter> session;
  std::string refusals;
  for (size_t c = 0; c < candidates.size() && !session; ++c) {
    smelt_device_t *rawDevice = nullptr;
    if (!check(smelt_device_open(instance.get(), candidates[c].c_str(), &rawDevice), message))
      return fail(message);
    openedDevice.reset(rawDevice);
    smelt_session_t *rawSession = nullptr;
    smelt_status_t status = smelt_session_create_from_file(openedDevice.get(),
                                                           artifactPath.c_str(), nullptr,
                                                           &rawSession);
    if (!status) {
      session.reset(rawSession);
      break;
    }
    bool tryNext = smelt_status_code(status) == SMELT_UNSUPPORTED && c + 1 < candidates.size();
    if (!check(status, message) && !tryNext)
      return fail(refusals + message);
    refusals += message + "; ";
  }
  if (verbose)
    llvm::errs() << smelt_session_describe(session.get());
  double loadMs =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - loadStart)
          .count();

  size_t inputCount = smelt_session_input_count(session.get());
  size_t outputCount = smelt_session_output_count(session.get());
  if (!inputs.empty() && inputs.size() != inputCount)
    return fail("the model has " + std::to_string(inputCount) + " input(s), " +
                std::to_string(inputs.size()) + " --input given");
  if (outputs.size() > outputCount)
    return fail("the model has " + std::to_string(outputCount) + " output(s), " +
                std::to_string(outputs.size()) + " --output given");

  std::vector<tensorio::HostTensor> inputTensors(inputCount);
  for (size_t i = 0; i < inputCount; ++i) {
    smelt_tensor_info_t info{};
    info.struct_size = sizeof(info);
    if (!check(smelt_session_input_info(session.get(), i, &info), message))
      return fail(message);
    if (inputs.empty()) {
      std::vector<int64_t> shape = shapeOf(info);
      if (std::find(shape.begin(), shape.end(), -1) != shape.end())
        return fail("input '" + std::string(info.name) +
                    "' has dimensions compiled for several sizes; give the inputs with --input");
      if (!tensorio::makeRandomTensor(info.dtype, shapeOf(info), seed + i, inputTensors[i],
                                      message))
        return fail(message);
      llvm::outs() << "input '" << info.name << "': random "
                   << tensorio::formatTensorType(info.dtype, shapeOf(info)) << "\n";
    } else if (!tensorio::parseInputSpec(inputs[i], inputTensors[i], message)) {
      return fail("--input #" + std::to_string(i + 1) + " ('" + info.name + "'): " + message);
    }
    // NumPy has no bfloat16: a bf16 input comes as its uint16 bit patterns.
    if (info.dtype == SMELT_BF16 && inputTensors[i].dtype == SMELT_U16)
      inputTensors[i].dtype = SMELT_BF16;
  }

  std::vector<smelt_tensor_t> inputViews, outputViews;
  for (auto &tensor : inputTensors)
    inputViews.push_back(tensor.view());

  // The outputs' shapes for these inputs (they vary when the artifact was
  // compiled for several sizes).
  std::vector<smelt_tensor_t> resolved(outputCount);
  for (smelt_tensor_t &tensor : resolved)
    tensor.struct_size = sizeof(tensor);
  if (!check(smelt_session_resolve_outputs(session.get(), inputViews.data(), inputViews.size(),
                                           resolved.data(), resolved.size()),
             message))
    return fail(message);
  std::vector<tensorio::HostTensor> outputTensors(outputCount);
  std::vector<std::string> outputNames(outputCount);
  for (size_t i = 0; i < outputCount; ++i) {
    smelt_tensor_info_t info{};
    info.struct_size = sizeof(info);
    if (!check(smelt_session_output_info(session.get(), i, &info), message))
      return fail(message);
    outputNames[i] = info.name;
    std::vector<int64_t> shape(resolved[i].shape, resolved[i].shape + resolved[i].rank);
    if (!tensorio::HostTensor::create(info.dtype, shape, outputTensors[i], message))
      return fail(message);
  }
  for (auto &tensor : outputTensors)
    outputViews.push_back(tensor.view());

  if (warmup < 0 || repeat < 0)
    return fail("--repeat and --warmup must not be negative");
  std::vector<double> timesMs;
  auto runOnce = [&]() {
    return check(smelt_session_run(session.get(), inputViews.data(), inputViews.size(),
                                   outputViews.data(), outputViews.size()),
                 message);
  };
  for (int iteration = 0; iteration < std::max(1, repeat.getValue()); ++iteration) {
    // The warm-up runs come after the first (which is reported on its own).
    for (int w = 0; iteration == 1 && w < warmup; ++w)
      if (!runOnce())
        return fail(message);
    auto start = std::chrono::steady_clock::now();
    if (!runOnce())
      return fail(message);
    timesMs.push_back(std::chrono::duration<double, std::milli>(
                          std::chrono::steady_clock::now() - start)
                          .count());
  }

  for (size_t i = 0; i < outputCount; ++i)
    llvm::outs() << tensorio::summarizeTensor(outputNames[i], outputTensors[i]) << "\n";
  for (size_t i = 0; i < outputs.size(); ++i) {
    llvm::StringRef path = outputs[i];
    if (!path.consume_front("@"))
      return fail("--output '" + outputs[i] + "' must be @file.npy");
    if (!tensorio::writeNpyFile(path.str(), outputTensors[i], message))
      return fail(message);
  }
  llvm::outs() << llvm::format("loaded in %.1f ms; first run %.3f ms", loadMs, timesMs[0]);
  if (timesMs.size() > 1) {
    std::vector<double> rest(timesMs.begin() + 1, timesMs.end());
    std::sort(rest.begin(), rest.end());
    double sum = 0;
    for (double t : rest)
      sum += t;
    if (warmup > 0)
      llvm::outs() << llvm::format("; %d warm-up runs", warmup.getValue());
    llvm::outs() << llvm::format("; next %zu runs: mean %.3f ms, median %.3f ms, min %.3f ms",
                                 rest.size(), sum / rest.size(), rest[rest.size() / 2],
                                 rest.front());
  }
  llvm::outs() << "\n";
  return 0;
}

} // namespace smelt::cli
