//===- GpuDriver.cpp - What the CUDA and HIP driver plugins share ---------===//
#include "backends/gpu/runtime/GpuDriver.h"

#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>

namespace smelt::gpu {

void fail(smelt_status_code_t code, std::string message) {
  throw Failure{code, std::move(message)};
}

void setError(smelt_plugin_error_t *error, const std::string &message) {
  if (error && error->struct_size >= sizeof(smelt_plugin_error_t))
    std::snprintf(error->message, sizeof(error->message), "%s", message.c_str());
}

namespace {

uint64_t sizeClass(uint64_t bytes) {
  uint64_t size = 256;
  while (size < bytes)
    size *= 2;
  return size;
}

/// Whether `command` launches a kernel that library op `op` may replace.
bool isLibraryOp(const smelt_program_command_t &command, const char *op) {
  return command.kind == SMELT_COMMAND_LAUNCH && command.library_op &&
         std::strcmp(command.library_op, op) == 0;
}

/// Whether `command` offers its library op to `library` (null: none found).
bool offers(const smelt_program_command_t &command, const char *library) {
  for (uint32_t l = 0; library && l < command.library_count; ++l)
    if (std::strcmp(command.libraries[l], library) == 0)
      return true;
  return false;
}

/// The buffers `command`'s library op takes: its own list, else the
/// kernel's (as the artifact reader checked them).
const uint32_t *libraryArgs(const smelt_program_command_t &command, uint32_t &count) {
  count = command.library_arg_count ? command.library_arg_count : command.arg_count;
  return command.library_arg_count ? command.library_args : command.args;
}

/// What command `c` of `plan` is, for the profile.
std::string commandLabel(const Program &program, const char *blas, const char *dnn,
                         const char *epilogueGemm, uint32_t c) {
  const smelt_program_command_t &command = program.plan->commands[c];
  switch (command.kind) {
  case SMELT_COMMAND_LAUNCH: {
    const smelt_program_kernel_t &kernel = program.plan->kernels[command.kernel];
    std::string label = std::string(kernel.symbol) + " (" + kernel.description + ")";
    if (program.blasGemm[c])
      return "gemm through " + std::string(blas) + ", else " + label;
    if (program.dnnConv[c])
      return "conv2d through " + std::string(dnn) + ", else " + label;
    if (program.epilogueGemm[c])
      return "gemm with its epilogue through " + std::string(epilogueGemm) + ", else " + label;
    return label;
  }
  case SMELT_COMMAND_COPY: return "copy of " + std::to_string(command.size) + " bytes";
  case SMELT_COMMAND_ALL_REDUCE:
    return program.loneRank       ? "all-reduce (a device copy: one rank)"
           : program.communicator ? "all-reduce (through the collectives library)"
                                  : "all-reduce (through host memory)";
  }
  return "?";
}

void printProfile(const Program &program, const char *blas, const char *dnn,
                  const char *epilogueGemm) {
  if (!program.profile || program.timedRuns == 0)
    return;
  // The first run pays for the JIT, the library handles' warm-up and the
  // caches: it counts only when it is the only one.
  const bool firstOnly = program.runs == 0;
  const std::vector<double> &seconds = firstOnly ? program.firstRunSeconds : program.commandSeconds;
  double total = 0;
  for (double value : seconds)
    total += value;
  std::vector<size_t> order(seconds.size());
  for (size_t i = 0; i < order.size(); ++i)
    order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return seconds[a] > seconds[b]; });
  const double runs = firstOnly ? 1.0 : double(program.runs);
  std::fprintf(stderr,
               "smelt profile: %llu run(s)%s, %.3f ms per run in %zu commands (device time, "
               "without the copies of inputs and outputs)\n",
               static_cast<unsigned long long>(firstOnly ? 1 : program.runs),
               firstOnly ? " (the first only: cold, none after it)"
                         : " after the first (cold: left out)",
               total / runs * 1e3, seconds.size());
  std::fprintf(stderr, "  %9s %6s  %s\n", "ms/run", "share", "command");
  size_t lines = program.profileAll ? order.size() : 25;
  for (size_t rank = 0; rank < order.size() && rank < lines; ++rank) {
    size_t i = order[rank];
    std::fprintf(stderr, "  %9.3f %5.1f%%  %zu %s\n", seconds[i] / runs * 1e3,
                 total > 0 ? 100.0 * seconds[i] / total : 0.0, i,
                 commandLabel(program, blas, dnn, epilogueGemm, uint32_t(i)).c_str());
  }
  if (order.size() > lines)
    std::fprintf(stderr, "  ... %zu more (SMELT_PROFILE=all lists every command)\n",
                 order.size() - lines);
}

} // namespace

GpuDriver::~GpuDriver() = default;

Device &GpuDriver::device(uint32_t index) {
  if (index >= devices_.size())
    fail(SMELT_NOT_FOUND, std::string("no ") + vendor() + " device " + std::to_string(index));
  return devices_[index];
}

DevicePtr GpuDriver::allocate(Device &device, uint64_t bytes) {
  uint64_t size = sizeClass(bytes);
  {
    std::lock_guard<std::mutex> lock(cacheMutex_);
    auto &free = cache_[device.handle][size];
    if (!free.empty()) {
      DevicePtr pointer = free.back();
      free.pop_back();
      return pointer;
    }
  }
  std::string error;
  DevicePtr pointer = tryAllocate(size, error);
  if (!pointer) {
    trimCache(device); // give the cache back and try once more
    pointer = tryAllocate(size, error);
    if (!pointer)
      fail(SMELT_OUT_OF_MEMORY,
           "cannot allocate " + std::to_string(size) + " bytes of device memory: " + error);
  }
  return pointer;
}

void GpuDriver::releaseMemory(Device &device, DevicePtr pointer, uint64_t bytes) {
  if (!pointer)
    return;
  std::lock_guard<std::mutex> lock(cacheMutex_);
  cache_[device.handle][sizeClass(bytes)].push_back(pointer);
}

void GpuDriver::trimCache(Device &device) {
  std::lock_guard<std::mutex> lock(cacheMutex_);
  auto cached = cache_.find(device.handle);
  if (cached == cache_.end())
    return;
  for (auto &[size, pointers] : cached->second)
    for (DevicePtr pointer : pointers)
      freeMemory(pointer);
  cache_.erase(cached);
}

template <typename T> bool GpuDriver::readGlobal(Module module, const std::string &name, T &value) {
  DevicePtr pointer = 0;
  size_t bytes = 0;
  if (!global(module, name, pointer, bytes) || bytes != sizeof(T))
    return false;
  copyToHost(&value, pointer, sizeof(T), nullptr, "reading a module global");
  synchronize(nullptr, "reading a module global");
  return true;
}

Program *GpuDriver::load(uint32_t deviceIndex, const smelt_program_t &plan) {
  Device &dev = device(deviceIndex);
  makeCurrent(dev);
  auto program = std::make_unique<Program>();
  program->driver = this;
  program->device = &dev;
  program->plan = &plan;
  // A load that fails part-way gives back what it took (the module, the
  // constants, the prepared library calls).
  struct Undo {
    GpuDriver *driver;
    std::unique_ptr<Program> &program;
    ~Undo() {
      if (program) {
        try {
          driver->release(program.release());
        } catch (...) {
        }
      }
    }
  } undo{this, program};

  if (plan.kernel_count > 0) {
    const smelt_program_section_t &section = plan.sections[plan.kernels[0].section];
    for (uint32_t k = 1; k < plan.kernel_count; ++k)
      if (plan.kernels[k].section != plan.kernels[0].section)
        fail(SMELT_UNSUPPORTED,
             std::string("the ") + vendor() + " driver loads one code section per plan");
    program->module = loadModule(dev, plan, section, program->description);
    for (uint32_t k = 0; k < plan.kernel_count; ++k) {
      Kernel kernel;
      const std::string symbol = plan.kernels[k].symbol;
      kernel.function = function(program->module, symbol.c_str());
      kernel.block = std::max(maxThreadsPerBlock(kernel.function), 1u);
      kernel.grid = plan.kernels[k].grid;
      // Shared memory beyond the static limit and device scratch, as the
      // compiler published them in the module.
      uint32_t sharedBytes = 0;
      if (readGlobal(program->module, symbol + "_smelt_dynamic_shared", sharedBytes)) {
        allowDynamicShared(kernel.function, sharedBytes, dev, symbol);
        kernel.sharedBytes = sharedBytes;
      }
      if (readGlobal(program->module, symbol + "_smelt_global_scratch", kernel.scratchBytes))
        program->scratchBytes = std::max(program->scratchBytes, kernel.scratchBytes);
      if (kernel.grid == 0 || kernel.grid > 0x7fffffffu)
        fail(SMELT_UNSUPPORTED, "kernel '" + symbol + "' has a grid of " +
                                    std::to_string(kernel.grid) + " blocks, outside 1..2^31-1");
      program->kernels.push_back(kernel);
    }
  }

  // Signature sizes, from the buffers that refer to them.
  program->inputBytes.assign(plan.input_count, 0);
  program->outputBytes.assign(plan.output_count, 0);
  for (uint32_t b = 0; b < plan.buffer_count; ++b) {
    const smelt_program_buffer_t &buffer = plan.buffers[b];
    if (buffer.kind == SMELT_BUFFER_INPUT)
      program->inputBytes[buffer.index] =
          std::max(program->inputBytes[buffer.index], buffer.offset + buffer.size);
    if (buffer.kind == SMELT_BUFFER_OUTPUT)
      program->outputBytes[buffer.index] =
          std::max(program->outputBytes[buffer.index], buffer.offset + buffer.size);
  }

  // Constants, once.
  if (plan.constants_size > 0) {
    std::string error;
    program->constants = tryAllocate(plan.constants_size, error);
    if (!program->constants)
      fail(SMELT_OUT_OF_MEMORY, "cannot allocate " + std::to_string(plan.constants_size) +
                                    " bytes of device memory for the constants: " + error);
    copyToDevice(program->constants, plan.constants, plan.constants_size, nullptr,
                 "copying the constants");
    synchronize(nullptr, "copying the constants");
  }

  // Library calls.
  const char *blasName = blas_ ? blas_->name() : nullptr;
  program->blasGemm.assign(plan.command_count, false);
  int gemms = 0, bound = 0;
  bool blasRefused = false; // the library loaded but makes no handle
  for (uint32_t c = 0; c < plan.command_count; ++c) {
    const smelt_program_command_t &command = plan.commands[c];
    if (!isLibraryOp(command, "gemm") || command.library_param_count != 5)
      continue;
    ++gemms;
    if (offers(command, blasName) && !blasRefused) {
      if (!blasMakesHandles()) {
        blasRefused = true;
        continue;
      }
      program->blasGemm[c] = true;
      ++bound;
    }
  }
  if (gemms > 0)
    program->description +=
        "gemm: " + std::to_string(bound) + " of " + std::to_string(gemms) +
        (bound ? std::string(" through ") + blasName + " (" + blas_->entryPoint() + ")" : "") +
        (bound < gemms ? std::string(bound ? "; the rest" : "") + " as generated kernels" +
                             (blas_ && !blasRefused ? "" : " (" + blasMissing_ + ")")
                       : "") +
        "\n";
  bindConvolutions(*program);
  bindEpilogueGemms(*program);
  bool allReduces = false;
  for (uint32_t c = 0; c < plan.command_count; ++c)
    allReduces |= plan.commands[c].kind == SMELT_COMMAND_ALL_REDUCE;
  if (allReduces) {
    Collectives &collectives = collectivesFor(dev);
    program->loneRank = collectives.lone;
    program->communicator = collectives.communicator;
    program->description += "collectives: " + collectives.description + "\n";
  }
  if (const char *profile = std::getenv("SMELT_PROFILE"); profile && *profile &&
                                                          std::strcmp(profile, "0") != 0) {
    program->profile = true;
    program->profileAll = std::strcmp(profile, "all") == 0;
    program->commandSeconds.assign(plan.command_count, 0);
  }
  return program.release();
}

GpuDriver::Collectives &GpuDriver::collectivesFor(Device &device) {
  Collectives &state = collectives_[device.handle];
  if (state.decided)
    return state;
  const std::string staged = "staged through host memory";
  if (host_.struct_size < offsetof(smelt_host_t, broadcast) + sizeof(host_.broadcast)) {
    state.decided = true;
    state.description = staged + " (the runtime's host table predates plugin ABI 1.1)";
    return state;
  }
  smelt_plugin_error_t error{};
  error.struct_size = sizeof(error);
  int32_t rank = 0, size = 1;
  if (smelt_status_code_t code = host_.job(host_.context, &rank, &size, &error); code != SMELT_OK)
    fail(code, std::string("collectives: ") + error.message);
  if (size <= 1) {
    state.decided = state.lone = true;
    state.description = "a copy on the device (a lone process)";
    return state;
  }
  // Every rank must take the same path: agree on whether all have the
  // library before any sets up a communicator.
  int32_t everyone = ccl_ ? 1 : 0;
  if (smelt_status_code_t code = host_.all_reduce(host_.context, &everyone, &everyone, 1,
                                                  SMELT_I32, SMELT_REDUCE_MIN, &error);
      code != SMELT_OK)
    fail(code, std::string("collectives: ") + error.message);
  state.decided = true;
  if (!everyone) {
    state.description = staged + " (" +
                        (ccl_ ? "another rank has no " : "no ") + collectiveLibrary_ + ")";
    return state;
  }
  state.communicator = ccl_->communicator(host_, rank, size);
  state.description = collectiveLibrary_ + ", rank " + std::to_string(rank) + " of " +
                      std::to_string(size) + " (" + staged + " for types " +
                      collectiveLibrary_ + " lacks)";
  return state;
}

bool GpuDriver::blasMakesHandles() {
  std::lock_guard<std::mutex> lock(blasMutex_);
  if (!blasChecked_) {
    blasChecked_ = true;
    try {
      blas_->destroy(blas_->create(nullptr));
    } catch (const Failure &failure) {
      blasRefused_ = true;
      blasMissing_ = std::string(blas_->name()) + ": " + failure.message;
    }
  }
  return !blasRefused_;
}

void GpuDriver::releaseDeviceResources() {
  for (auto &[handle, state] : collectives_)
    if (state.communicator && ccl_) {
      ccl_->destroy(state.communicator);
      state.communicator = nullptr;
    }
  for (Device &device : devices_) {
    {
      std::lock_guard<std::mutex> lock(cacheMutex_);
      if (!cache_.count(device.handle))
        continue;
    }
    try {
      makeCurrent(device);
    } catch (...) {
      continue; // its memory goes with the process
    }
    trimCache(device);
  }
}

void GpuDriver::bindConvolutions(Program &program) {
  const smelt_program_t &plan = *program.plan;
  program.dnnConv.assign(plan.command_count, nullptr);
  int convs = 0, bound = 0;
  std::string perKernel; // what each convolution runs as
  void *handle = nullptr;
  std::string handleProblem; // why dnn_ made no handle
  for (uint32_t c = 0; c < plan.command_count; ++c) {
    const smelt_program_command_t &command = plan.commands[c];
    if (!isLibraryOp(command, "conv2d"))
      continue;
    ++convs;
    if (!offers(command, dnn_ ? dnn_->name() : nullptr) || command.library_param_count != 21)
      continue;
    // What the library refuses (a handle, a descriptor, an algorithm) runs
    // as the generated kernel, saying why; only running out of host memory
    // fails the load.
    std::string why;
    if (!handle && handleProblem.empty()) {
      try {
        handle = dnn_->create(nullptr); // preparing only; runs use their lane's
      } catch (const Failure &failure) {
        handleProblem = std::string(dnn_->name()) + ": " + failure.message;
      }
    }
    void *prepared = nullptr;
    if (handle) {
      try {
        prepared = dnn_->prepare(handle, command.library_params, why);
      } catch (const Failure &failure) {
        why = failure.message;
      } catch (...) {
        dnn_->destroy(handle);
        throw;
      }
    } else {
      why = handleProblem;
    }
    if (!prepared) {
      perKernel += "\n  kernel " + std::to_string(command.kernel) + " '" +
                   plan.kernels[command.kernel].symbol + "': generated kernel (" + why + ")";
      continue;
    }
    program.dnnConv[c] = prepared;
    ++bound;
    program.libraryWorkspace =
        std::max(program.libraryWorkspace, dnn_->workspaceBytes(prepared));
    program.dnnTemporary = std::max(program.dnnTemporary, dnn_->temporaryBytes(prepared));
    perKernel += "\n  kernel " + std::to_string(command.kernel) + " '" +
                 plan.kernels[command.kernel].symbol + "': " + dnn_->name() + " " +
                 dnn_->describe(prepared);
  }
  if (handle)
    dnn_->destroy(handle);
  if (convs > 0)
    program.description +=
        "conv2d: " + std::to_string(bound) + " of " + std::to_string(convs) +
        (bound ? std::string(" through ") + dnn_->name() + " (" + dnn_->entryPoint() + ")"
               : std::string(" as generated kernels") +
                     (dnn_ ? "" : " (" + dnnMissing_ + ")")) +
        perKernel + "\n";
}

void GpuDriver::bindEpilogueGemms(Program &program) {
  const smelt_program_t &plan = *program.plan;
  program.epilogueGemm.assign(plan.command_count, nullptr);
  int gemms = 0, bound = 0;
  std::string perKernel; // what each gemm runs as
  void *handle = nullptr;
  std::string handleProblem; // why epilogueGemm_ made no handle
  for (uint32_t c = 0; c < plan.command_count; ++c) {
    const smelt_program_command_t &command = plan.commands[c];
    if (!isLibraryOp(command, "gemm") || command.library_param_count != 7)
      continue;
    ++gemms;
    const std::string kernel = "\n  kernel " + std::to_string(command.kernel) + " '" +
                               plan.kernels[command.kernel].symbol + "': ";
    if (!offers(command, epilogueGemm_ ? epilogueGemm_->name() : nullptr)) {
      perKernel += kernel + "generated kernel (" +
                   (epilogueGemm_ ? std::string("the plan offers no ") + epilogueGemm_->name()
                                  : epilogueGemmMissing_) +
                   ")";
      continue;
    }
    // What the library may assume of its pointers: every base (cuMemAlloc,
    // hipMalloc, the caching allocator's size classes) is 256-byte aligned,
    // a buffer lies at its offset from one.
    uint32_t alignment = 256, count = 0;
    const uint32_t *ids = libraryArgs(command, count);
    for (uint32_t a = 0; a < count; ++a) {
      uint64_t offset = plan.buffers[ids[a]].offset;
      while (offset % alignment != 0)
        alignment /= 2;
    }
    if (!handle && handleProblem.empty()) {
      try {
        handle = epilogueGemm_->create(); // preparing only; runs use their lane's
      } catch (const Failure &failure) {
        handleProblem = std::string(epilogueGemm_->name()) + ": " + failure.message;
      }
    }
    std::string why = handleProblem;
    void *prepared = nullptr;
    if (handle) {
      try {
        prepared = epilogueGemm_->prepare(handle, command.library_params, alignment, why);
      } catch (const Failure &failure) {
        why = failure.message;
      } catch (...) {
        epilogueGemm_->destroy(handle);
        throw;
      }
    }
    if (!prepared) {
      perKernel += kernel + "generated kernel (" + why + ")";
      continue;
    }
    program.epilogueGemm[c] = prepared;
    ++bound;
    program.libraryWorkspace =
        std::max(program.libraryWorkspace, epilogueGemm_->workspaceBytes(prepared));
    perKernel += kernel + epilogueGemm_->name() + " " + epilogueGemm_->describe(prepared);
  }
  if (handle)
    epilogueGemm_->destroy(handle);
  if (gemms > 0)
    program.description +=
        "gemm with epilogue: " + std::to_string(bound) + " of " + std::to_string(gemms) +
        (bound ? std::string(" through ") + epilogueGemm_->name() + " (" +
                     epilogueGemm_->entryPoint() + ")"
               : std::string(" as generated kernels")) +
        perKernel + "\n";
}

Lane GpuDriver::acquireLane(Program &program) {
  {
    std::lock_guard<std::mutex> lock(program.lanesMutex);
    if (!program.idleLanes.empty()) {
      Lane lane = program.idleLanes.back();
      program.idleLanes.pop_back();
      return lane;
    }
  }
  Lane lane;
  lane.stream = createStream();
  // Library handles only for the libraries the program calls.
  auto calls = [](const auto &bound) {
    return std::any_of(bound.begin(), bound.end(), [](const auto &b) { return bool(b); });
  };
  try {
    if (blas_ && calls(program.blasGemm))
      lane.blas = blas_->create(lane.stream);
    if (dnn_ && calls(program.dnnConv))
      lane.dnn = dnn_->create(lane.stream);
    if (epilogueGemm_ && calls(program.epilogueGemm))
      lane.epilogueGemm = epilogueGemm_->create();
  } catch (...) {
    if (lane.blas)
      blas_->destroy(lane.blas);
    if (lane.dnn)
      dnn_->destroy(lane.dnn);
    destroyStream(lane.stream);
    throw;
  }
  std::lock_guard<std::mutex> lock(program.lanesMutex);
  program.allLanes.push_back(lane);
  return lane;
}

void GpuDriver::releaseLane(Program &program, Lane lane) {
  std::lock_guard<std::mutex> lock(program.lanesMutex);
  program.idleLanes.push_back(lane);
}

void GpuDriver::run(Program &program, const void *const *inputs, void *const *outputs,
                    const uint8_t *inputOnDevice, const uint8_t *outputOnDevice) {
  const smelt_program_t &plan = *program.plan;
  makeCurrent(*program.device);
  Lane lane = acquireLane(program);
  // Device buffers of this run, handed back to the cache at the end.
  struct Held {
    DevicePtr pointer;
    uint64_t bytes;
  };
  std::vector<Held> held;
  std::vector<Event> events;
  auto cleanup = [&] {
    for (Event event : events)
      destroyEvent(event);
    events.clear();
    for (const Held &h : held)
      releaseMemory(*program.device, h.pointer, h.bytes);
    releaseLane(program, lane);
  };
  try {
    auto take = [&](uint64_t bytes) {
      DevicePtr pointer = allocate(*program.device, std::max<uint64_t>(bytes, 1));
      held.push_back({pointer, std::max<uint64_t>(bytes, 1)});
      return pointer;
    };
    // The caller's device memory is used in place (plans never write their
    // inputs); host memory goes through buffers of this run. The kernels'
    // vector accesses and the libraries' algorithms were chosen for buffers
    // aligned as allocations are.
    auto resident = [&](const void *pointer, const char *what, uint32_t index) {
      auto address = static_cast<DevicePtr>(reinterpret_cast<uintptr_t>(pointer));
      if (address % kResidentAlignment != 0)
        fail(SMELT_INVALID_ARGUMENT,
             std::string(what) + " " + std::to_string(index) + " in device memory must be " +
                 std::to_string(kResidentAlignment) +
                 "-byte aligned (as device allocations are); its address is " +
                 std::to_string(address % kResidentAlignment) + " bytes past a boundary");
      return address;
    };
    std::vector<DevicePtr> in(plan.input_count), out(plan.output_count);
    for (uint32_t i = 0; i < plan.input_count; ++i) {
      if (inputOnDevice && inputOnDevice[i]) {
        in[i] = resident(inputs[i], "input", i);
        continue;
      }
      in[i] = take(program.inputBytes[i]);
      if (program.inputBytes[i])
        copyToDevice(in[i], inputs[i], program.inputBytes[i], lane.stream,
                     "copying an input to the device");
    }
    for (uint32_t o = 0; o < plan.output_count; ++o)
      out[o] = outputOnDevice && outputOnDevice[o] ? resident(outputs[o], "output", o)
                                                   : take(program.outputBytes[o]);
    DevicePtr arena = plan.arena_size ? take(plan.arena_size) : 0;
    DevicePtr scratch = program.scratchBytes ? take(program.scratchBytes) : 0;
    DevicePtr workspace = program.libraryWorkspace ? take(program.libraryWorkspace) : 0;
    DevicePtr dnnTemporary = program.dnnTemporary ? take(program.dnnTemporary) : 0;

    std::vector<DevicePtr> pointers(plan.buffer_count);
    for (uint32_t b = 0; b < plan.buffer_count; ++b) {
      const smelt_program_buffer_t &buffer = plan.buffers[b];
      switch (buffer.kind) {
      case SMELT_BUFFER_INPUT: pointers[b] = in[buffer.index] + buffer.offset; break;
      case SMELT_BUFFER_OUTPUT: pointers[b] = out[buffer.index] + buffer.offset; break;
      case SMELT_BUFFER_CONSTANT: pointers[b] = program.constants + buffer.offset; break;
      case SMELT_BUFFER_ARENA: pointers[b] = arena + buffer.offset; break;
      }
    }

    // Profiling: an event before the first command and after each one.
    if (program.profile) {
      for (uint32_t c = 0; c <= plan.command_count; ++c)
        events.push_back(createEvent());
      record(events[0], lane.stream);
    }
    std::vector<DevicePtr> arguments;
    std::vector<void *> parameters;
    for (uint32_t c = 0; c < plan.command_count; ++c) {
      const smelt_program_command_t &command = plan.commands[c];
      if (program.profile && c > 0)
        record(events[c], lane.stream);
      switch (command.kind) {
      case SMELT_COMMAND_LAUNCH: {
        if (program.blasGemm[c]) {
          const int64_t *p = command.library_params;
          blas_->sgemm(lane.blas, p[0], p[1], p[2], p[3],
                       reinterpret_cast<const float *>(pointers[command.args[0]]),
                       reinterpret_cast<const float *>(pointers[command.args[1]]), p[4],
                       reinterpret_cast<float *>(pointers[command.args[2]]));
          break;
        }
        if (program.dnnConv[c]) {
          // input, weight, [bias], [residual], output
          const int64_t *p = command.library_params;
          uint32_t count = 0;
          const uint32_t *ids = libraryArgs(command, count);
          auto buffer = [&](uint32_t i) { return reinterpret_cast<float *>(pointers[ids[i]]); };
          uint32_t next = 2;
          const float *bias = p[18] ? buffer(next++) : nullptr;
          const float *residual = p[19] ? buffer(next++) : nullptr;
          dnn_->run(lane.dnn, lane.stream, program.dnnConv[c], buffer(0), buffer(1), bias, residual,
                    buffer(next), reinterpret_cast<float *>(dnnTemporary),
                    reinterpret_cast<void *>(workspace));
          break;
        }
        if (program.epilogueGemm[c]) {
          // A, B, [bias], C
          uint32_t count = 0;
          const uint32_t *ids = libraryArgs(command, count);
          auto matrix = [&](uint32_t i) { return reinterpret_cast<float *>(pointers[ids[i]]); };
          const bool bias = command.library_params[5] != 0;
          epilogueGemm_->run(lane.epilogueGemm, lane.stream, program.epilogueGemm[c], matrix(0),
                             matrix(1), bias ? matrix(2) : nullptr, matrix(bias ? 3 : 2),
                             reinterpret_cast<void *>(workspace));
          break;
        }
        const Kernel &kernel = program.kernels[command.kernel];
        arguments.assign(command.arg_count, 0);
        for (uint32_t a = 0; a < command.arg_count; ++a)
          arguments[a] = pointers[command.args[a]];
        if (kernel.scratchBytes)
          arguments.push_back(scratch);
        parameters.assign(arguments.size(), nullptr);
        for (size_t a = 0; a < arguments.size(); ++a)
          parameters[a] = &arguments[a];
        launch(kernel.function, kernel.grid, kernel.block, kernel.sharedBytes, lane.stream,
               parameters.data(), plan.kernels[command.kernel].symbol);
        break;
      }
      case SMELT_COMMAND_COPY:
        if (command.size)
          copyOnDevice(pointers[command.destination], pointers[command.source], command.size,
                       lane.stream);
        break;
      case SMELT_COMMAND_ALL_REDUCE: {
        static const size_t widths[] = {4, 8, 2, 2, 1, 2, 4, 8, 1, 2, 4, 8, 1};
        size_t width = size_t(command.dtype) < sizeof(widths) / sizeof(widths[0])
                           ? widths[command.dtype]
                           : 4;
        if (program.loneRank) {
          // One rank: the reduction of one value is that value.
          if (pointers[command.destination] != pointers[command.source])
            copyOnDevice(pointers[command.destination], pointers[command.source],
                         command.count * width, lane.stream);
          break;
        }
        if (program.communicator && Nccl::supports(command.dtype, command.reduction)) {
          ccl_->allReduce(reinterpret_cast<const void *>(pointers[command.source]),
                          reinterpret_cast<void *>(pointers[command.destination]), command.count,
                          command.dtype, command.reduction, program.communicator, lane.stream);
          break;
        }
        // Through host memory and the host's communicator.
        std::vector<uint8_t> staging(command.count * width);
        copyToHost(staging.data(), pointers[command.source], staging.size(), lane.stream,
                   "staging an all-reduce");
        synchronize(lane.stream, "staging an all-reduce");
        smelt_plugin_error_t error{};
        error.struct_size = sizeof(error);
        if (smelt_status_code_t code =
                host_.all_reduce(host_.context, staging.data(), staging.data(), command.count,
                                 command.dtype, command.reduction, &error);
            code != SMELT_OK)
          fail(code, error.message);
        copyToDevice(pointers[command.destination], staging.data(), staging.size(), lane.stream,
                     "staging an all-reduce");
        synchronize(lane.stream, "staging an all-reduce");
        break;
      }
      }
    }
    if (program.profile && plan.command_count > 0)
      record(events[plan.command_count], lane.stream);
    for (uint32_t o = 0; o < plan.output_count; ++o)
      if (program.outputBytes[o] && !(outputOnDevice && outputOnDevice[o]))
        copyToHost(outputs[o], out[o], program.outputBytes[o], lane.stream,
                   "copying an output from the device");
    synchronize(lane.stream, "running the plan");
    if (program.profile && plan.command_count > 0) {
      std::vector<double> seconds(plan.command_count);
      for (uint32_t c = 0; c < plan.command_count; ++c)
        seconds[c] = elapsedSeconds(events[c], events[c + 1]);
      std::lock_guard<std::mutex> lock(program.profileMutex);
      if (program.timedRuns++ == 0) {
        program.firstRunSeconds = std::move(seconds);
      } else {
        for (uint32_t c = 0; c < plan.command_count; ++c)
          program.commandSeconds[c] += seconds[c];
        ++program.runs;
      }
    }
  } catch (...) {
    drain(lane.stream);
    cleanup();
    throw;
  }
  cleanup();
}

void GpuDriver::release(Program *program) {
  if (!program)
    return;
  printProfile(*program, blas_ ? blas_->name() : "", dnn_ ? dnn_->name() : "",
               epilogueGemm_ ? epilogueGemm_->name() : "");
  // Without its context current (a device lost) the vendor calls below fail
  // and say nothing; what lives on the host still goes.
  try {
    makeCurrent(*program->device);
  } catch (const Failure &) {
  }
  for (Lane &lane : program->allLanes) {
    if (lane.blas)
      blas_->destroy(lane.blas);
    if (lane.dnn)
      dnn_->destroy(lane.dnn);
    if (lane.epilogueGemm)
      epilogueGemm_->destroy(lane.epilogueGemm);
    destroyStream(lane.stream);
  }
  for (void *prepared : program->dnnConv)
    if (prepared)
      dnn_->release(prepared);
  for (void *prepared : program->epilogueGemm)
    if (prepared)
      epilogueGemm_->release(prepared);
  if (program->constants)
    freeMemory(program->constants);
  if (program->module)
    unloadModule(program->module);
  delete program;
}

} // namespace smelt::gpu
