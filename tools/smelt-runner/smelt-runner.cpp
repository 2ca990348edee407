//===- smelt-runner.cpp - Runs an artifact with the runtime library only ---===//
//
// For machines that run models but do not compile them (a deployment host, a
// GPU machine without LLVM/MLIR): it links libsmelt_runtime.so and the tensor
// I/O library, nothing of MLIR or LLVM.
//
//   smelt-runner model.smelt [--device=cuda:0] [--input=@x.npy ...]
//                [--output=@y.npy ...] [--repeat=N] [--warmup=N] [-v]
//
// Inputs are .npy files or IREE-style specs, in signature order (random
// inputs where none are given). With --repeat it prints the median, mean and
// minimum time of the runs after the first (each run copies inputs in and
// outputs out; SMELT_PROFILE=1 prints device time per command).
//
//===----------------------------------------------------------------------===//
#include "smelt/runtime.h"
#include "tools/tensorio/TensorIO.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

int fail(const std::string &message) {
  std::fprintf(stderr, "smelt-runner: error: %s\n", message.c_str());
  return 1;
}

/// The message of `status` (freed), or empty for success.
std::string take(smelt_status_t status) {
  if (!status)
    return {};
  std::string message = smelt_status_message(status);
  smelt_status_free(status);
  return message;
}

bool startsWith(const std::string &text, const char *prefix) {
  return text.rfind(prefix, 0) == 0;
}

} // namespace

int main(int argc, char **argv) {
  std::string artifact, device;
  std::vector<std::string> inputs, outputs;
  int repeat = 1, warmup = 0;
  bool verbose = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (startsWith(arg, "--device="))
      device = arg.substr(9);
    else if (startsWith(arg, "--input="))
      inputs.push_back(arg.substr(8));
    else if (startsWith(arg, "--output="))
      outputs.push_back(arg.substr(9));
    else if (startsWith(arg, "--repeat="))
      repeat = std::atoi(arg.c_str() + 9);
    else if (startsWith(arg, "--warmup="))
      warmup = std::atoi(arg.c_str() + 9);
    else if (arg == "-v")
      verbose = true;
    else if (arg == "--help" || arg == "-h") {
      std::printf("usage: smelt-runner model.smelt [--device=URI] [--input=SPEC ...] "
                  "[--output=@file.npy ...] [--repeat=N] [--warmup=N] [-v]\n");
      return 0;
    } else if (!arg.empty() && arg[0] != '-' && artifact.empty())
      artifact = arg;
    else
      return fail("unknown argument '" + arg + "' (see --help)");
  }
  if (artifact.empty())
    return fail("give an artifact (see --help)");
  if (repeat < 1 || warmup < 0)
    return fail("--repeat must be at least 1 and --warmup at least 0");

  smelt_instance_options_t options{};
  options.struct_size = sizeof(options);
  smelt_instance_t *instance = nullptr;
  if (std::string error = take(smelt_instance_create(&options, &instance)); !error.empty())
    return fail(error);
  smelt_device_t *opened = nullptr;
  if (std::string error = take(smelt_device_open(instance, device.c_str(), &opened));
      !error.empty())
    return fail(error);
  smelt_session_t *session = nullptr;
  if (std::string error =
          take(smelt_session_create_from_file(opened, artifact.c_str(), nullptr, &session));
      !error.empty())
    return fail(error);
  if (verbose)
    std::fprintf(stderr, "%s\n", smelt_session_describe(session));

  const size_t inputCount = smelt_session_input_count(session);
  const size_t outputCount = smelt_session_output_count(session);
  if (!inputs.empty() && inputs.size() != inputCount)
    return fail("the model takes " + std::to_string(inputCount) + " inputs, " +
                std::to_string(inputs.size()) + " given");
  std::vector<smelt::tensorio::HostTensor> in(inputCount), out(outputCount);
  std::string error;
  for (size_t i = 0; i < inputCount; ++i) {
    smelt_tensor_info_t info{};
    info.struct_size = sizeof(info);
    if (std::string message = take(smelt_session_input_info(session, i, &info)); !message.empty())
      return fail(message);
    if (!inputs.empty()) {
      if (!smelt::tensorio::parseInputSpec(inputs[i], in[i], error))
        return fail("input " + std::to_string(i) + ": " + error);
      continue;
    }
    std::vector<int64_t> shape(info.shape, info.shape + info.rank);
    for (int64_t &dim : shape)
      if (dim < 0)
        return fail("input " + std::to_string(i) + " has a symbolic dim: give --input");
    if (!smelt::tensorio::makeRandomTensor(info.dtype, shape, i + 1, in[i], error))
      return fail(error);
  }
  std::vector<smelt_tensor_t> inputViews, outputViews(outputCount);
  for (auto &tensor : in)
    inputViews.push_back(tensor.view());
  for (size_t o = 0; o < outputCount; ++o) {
    outputViews[o] = smelt_tensor_t{};
    outputViews[o].struct_size = sizeof(smelt_tensor_t);
  }
  if (std::string message =
          take(smelt_session_resolve_outputs(session, inputViews.data(), inputCount,
                                             outputViews.data(), outputCount));
      !message.empty())
    return fail(message);
  for (size_t o = 0; o < outputCount; ++o) {
    std::vector<int64_t> shape(outputViews[o].shape, outputViews[o].shape + outputViews[o].rank);
    if (!smelt::tensorio::HostTensor::create(outputViews[o].dtype, shape, out[o], error))
      return fail(error);
    outputViews[o] = out[o].view();
  }

  std::vector<double> times;
  for (int r = 0; r < 1 + warmup + (repeat - 1); ++r) {
    auto start = std::chrono::steady_clock::now();
    if (std::string message = take(smelt_session_run(session, inputViews.data(), inputCount,
                                                     outputViews.data(), outputCount));
        !message.empty())
      return fail(message);
    double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
            .count();
    if (r == 0 || r > warmup)
      times.push_back(ms);
  }
  for (size_t o = 0; o < outputCount; ++o) {
    smelt_tensor_info_t info{};
    info.struct_size = sizeof(info);
    take(smelt_session_output_info(session, o, &info));
    std::printf("%s\n", smelt::tensorio::summarizeTensor(info.name ? info.name : "output", out[o],
                                                         8)
                            .c_str());
    if (o < outputs.size()) {
      std::string path = outputs[o];
      if (!path.empty() && path[0] == '@')
        path = path.substr(1);
      if (!smelt::tensorio::writeNpyFile(path, out[o], error))
        return fail(error);
    }
  }
  if (times.size() > 1) {
    std::vector<double> rest(times.begin() + 1, times.end());
    std::sort(rest.begin(), rest.end());
    double mean = 0;
    for (double t : rest)
      mean += t;
    mean /= rest.size();
    std::printf("first run %.3f ms; %zu more: median %.3f ms, mean %.3f ms, min %.3f ms\n",
                times[0], rest.size(), rest[rest.size() / 2], mean, rest.front());
  } else {
    std::printf("run %.3f ms\n", times[0]);
  }
  smelt_session_release(session);
  smelt_device_release(opened);
  smelt_instance_release(instance);
  return 0;
}
