//===- CudaDriver.cpp - The CUDA driver plugin ----------------------------===//
//
// Runs plans of target "cuda" on NVIDIA GPUs through the CUDA driver API,
// which it opens with dlopen (libcuda.so.1, or $SMELT_LIBCUDA_PATH); nothing
// of CUDA is linked. Per device: its primary context; per program: the
// module (the cubin for the device's sm_XY when the artifact has one, else
// the PTX, which the driver JIT-compiles), the kernels' functions and block
// sizes (the `.reqntid` the compiler put in the code), the constants copied
// to device memory once, and the vendor library calls bound at load time
// (gemm: cuBLAS's strided batched SGEMM). Per run: a stream and device
// buffers from a caching allocator (inputs, outputs, arena), inputs copied
// in, the commands issued in order, outputs copied back.
//
// Without libcuda.so.1 (or when cuInit fails: no GPU, a stub library) the
// driver does not start, and `smelt devices -v` lists it as refused with the
// reason.
//
//===----------------------------------------------------------------------===//
#include "backends/cuda/runtime/CudaApi.h"
#include "smelt/plugin.h"

#include <dlfcn.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace smelt::cuda {

namespace {

/// Thrown inside the driver, turned into a status at the ABI boundary.
struct Failure {
  smelt_status_code_t code;
  std::string message;
};

[[noreturn]] void fail(smelt_status_code_t code, std::string message) {
  throw Failure{code, std::move(message)};
}

void setError(smelt_plugin_error_t *error, const std::string &message) {
  if (error && error->struct_size >= sizeof(smelt_plugin_error_t))
    std::snprintf(error->message, sizeof(error->message), "%s", message.c_str());
}

template <typename Body> smelt_status_code_t guard(smelt_plugin_error_t *error, Body body) {
  try {
    body();
    return SMELT_OK;
  } catch (const Failure &failure) {
    setError(error, failure.message);
    return failure.code;
  } catch (const std::bad_alloc &) {
    setError(error, "out of host memory");
    return SMELT_OUT_OF_MEMORY;
  } catch (...) {
    setError(error, "unexpected error in the CUDA driver");
    return SMELT_INTERNAL;
  }
}

/// cuBLAS, resolved from the library the host opened.
struct Cublas {
  using Handle = void *;
  int (*create)(Handle *) = nullptr;
  int (*destroy)(Handle) = nullptr;
  int (*setStream)(Handle, CUstream) = nullptr;
  int (*sgemmStridedBatched)(Handle, int, int, int, int, int, const float *, const float *, int,
                             long long, const float *, int, long long, const float *, float *,
                             int, long long, int) = nullptr;
  bool bind(void *handle) {
    create = reinterpret_cast<decltype(create)>(::dlsym(handle, "cublasCreate_v2"));
    destroy = reinterpret_cast<decltype(destroy)>(::dlsym(handle, "cublasDestroy_v2"));
    setStream = reinterpret_cast<decltype(setStream)>(::dlsym(handle, "cublasSetStream_v2"));
    sgemmStridedBatched = reinterpret_cast<decltype(sgemmStridedBatched)>(
        ::dlsym(handle, "cublasSgemmStridedBatched"));
    return create && destroy && setStream && sgemmStridedBatched;
  }
};

struct Device {
  CUdevice handle = 0;
  CUcontext context = nullptr;
  std::string name, arch; // "NVIDIA H100 80GB HBM3", "sm_90"
  int major = 0, minor = 0, multiprocessors = 0;
  size_t memory = 0;
};

class Driver;

/// Device memory handed out again after it is freed (per driver), in
/// power-of-two size classes from 256 bytes.
class Allocator {
public:
  explicit Allocator(const CudaApi &api) : api_(api) {}
  ~Allocator() { trim(); }
  CUdeviceptr allocate(uint64_t bytes) {
    uint64_t size = sizeClass(bytes);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto &free = free_[size];
      if (!free.empty()) {
        CUdeviceptr pointer = free.back();
        free.pop_back();
        return pointer;
      }
    }
    CUdeviceptr pointer = 0;
    if (CUresult result = api_.cuMemAlloc(&pointer, size); result != CUDA_SUCCESS) {
      trim(); // give the cache back and try once more
      if (CUresult again = api_.cuMemAlloc(&pointer, size); again != CUDA_SUCCESS)
        fail(SMELT_OUT_OF_MEMORY, "cannot allocate " + std::to_string(size) +
                                      " bytes of device memory: " + api_.describe(again));
      (void)result;
    }
    return pointer;
  }
  void release(CUdeviceptr pointer, uint64_t bytes) {
    if (!pointer)
      return;
    std::lock_guard<std::mutex> lock(mutex_);
    free_[sizeClass(bytes)].push_back(pointer);
  }
  void trim() {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto &[size, pointers] : free_)
      for (CUdeviceptr pointer : pointers)
        api_.cuMemFree(pointer);
    free_.clear();
  }
  static uint64_t sizeClass(uint64_t bytes) {
    uint64_t size = 256;
    while (size < bytes)
      size *= 2;
    return size;
  }

private:
  const CudaApi &api_;
  std::mutex mutex_;
  std::map<uint64_t, std::vector<CUdeviceptr>> free_;
};

/// A stream and the library handles bound to it; one run uses one at a time.
struct Lane {
  CUstream stream = nullptr;
  Cublas::Handle cublas = nullptr;
};

struct Kernel {
  CUfunction function = nullptr;
  unsigned block = 256;
  uint64_t grid = 1;
  /// Dynamic shared memory per block (the kernel's
  /// <kernel>_smelt_dynamic_shared, 0 when it has none).
  unsigned sharedBytes = 0;
  /// Device-memory scratch for the group buffers that fit no shared memory
  /// (<kernel>_smelt_global_scratch): passed as an extra last argument.
  uint64_t scratchBytes = 0;
};

struct Program {
  Driver *driver = nullptr;
  const Device *device = nullptr;
  const smelt_program_t *plan = nullptr;
  CUmodule module = nullptr;
  std::vector<Kernel> kernels;
  /// Per command: whether it is a gemm bound to cuBLAS.
  std::vector<bool> cublasGemm;
  CUdeviceptr constants = 0;
  /// The largest scratch of its kernels: one buffer per run, which the
  /// kernels (run in order on the run's stream) take in turn.
  uint64_t scratchBytes = 0;
  std::vector<uint64_t> inputBytes, outputBytes;
  std::string description;
  std::mutex lanesMutex;
  std::vector<Lane> idleLanes;
  std::vector<Lane> allLanes;
  /// SMELT_PROFILE=1 (all): device time of each command over all runs,
  /// measured with events on the run's stream, printed at release.
  bool profile = false, profileAll = false;
  std::mutex profileMutex;
  std::vector<double> commandSeconds;
  uint64_t runs = 0;
};

class Driver {
public:
  Driver(const smelt_host_t &host) : host_(host), allocator_(api_) {}
  ~Driver() {
    allocator_.trim();
    for (Device &device : devices_)
      if (device.context)
        api_.cuDevicePrimaryCtxRelease(device.handle);
    // libcuda stays loaded: unloading the driver library while the process
    // runs is not supported by it.
  }

  void start() {
    const char *override = std::getenv("SMELT_LIBCUDA_PATH");
    std::string error;
    if (!api_.open(override ? override : "", error))
      fail(SMELT_NOT_FOUND, error);
    if (CUresult result = api_.cuInit(0); result != CUDA_SUCCESS)
      fail(SMELT_NOT_FOUND, "cuInit failed: " + api_.describe(result) +
                                (result == 34 ? "; libcuda.so.1 is the toolkit's stub, not a "
                                                "driver (no GPU here)"
                                              : ""));
    int count = 0;
    check(api_.cuDeviceGetCount(&count), "cuDeviceGetCount");
    for (int i = 0; i < count; ++i) {
      Device device;
      check(api_.cuDeviceGet(&device.handle, i), "cuDeviceGet");
      char name[256] = {};
      check(api_.cuDeviceGetName(name, sizeof(name) - 1, device.handle), "cuDeviceGetName");
      device.name = name;
      check(api_.cuDeviceGetAttribute(&device.major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR,
                                      device.handle),
            "cuDeviceGetAttribute");
      check(api_.cuDeviceGetAttribute(&device.minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR,
                                      device.handle),
            "cuDeviceGetAttribute");
      check(api_.cuDeviceGetAttribute(&device.multiprocessors,
                                      CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, device.handle),
            "cuDeviceGetAttribute");
      check(api_.cuDeviceTotalMem(&device.memory, device.handle), "cuDeviceTotalMem");
      device.arch = "sm_" + std::to_string(device.major) + std::to_string(device.minor);
      devices_.push_back(device);
    }
    // cuBLAS, when the host finds it.
    smelt_host_library_t library{};
    library.struct_size = sizeof(library);
    if (host_.open_library(host_.context, "cuBLAS", &library) == SMELT_OK && library.handle)
      cublasBound_ = cublas_.bind(library.handle);
  }

  void check(CUresult result, const char *what) const {
    if (result != CUDA_SUCCESS)
      fail(SMELT_INTERNAL, std::string(what) + " failed: " + api_.describe(result));
  }

  Device &device(uint32_t index) {
    if (index >= devices_.size())
      fail(SMELT_NOT_FOUND, "no CUDA device " + std::to_string(index));
    return devices_[index];
  }

  void makeCurrent(Device &device) {
    std::lock_guard<std::mutex> lock(contextMutex_);
    if (!device.context)
      check(api_.cuDevicePrimaryCtxRetain(&device.context, device.handle),
            "cuDevicePrimaryCtxRetain");
    check(api_.cuCtxSetCurrent(device.context), "cuCtxSetCurrent");
  }

  uint32_t deviceCount() const { return uint32_t(devices_.size()); }

  /// Whether `device` runs `section`: PTX for an sm_XY at most the device's,
  /// a cubin for exactly the device's.
  std::string sectionProblem(const Device &device, const smelt_program_section_t &section) const {
    if (std::strcmp(section.target, "cuda") != 0)
      return std::string("the CUDA driver runs sections of target 'cuda', not '") +
             section.target + "'";
    int major = 0, minor = 0;
    if (std::sscanf(section.arch, "sm_%1d%1d", &major, &minor) != 2)
      return std::string("unknown CUDA architecture '") + section.arch + "'";
    bool ptx = std::strcmp(section.format, "ptx") == 0;
    bool cubin = std::strcmp(section.format, "cubin") == 0;
    if (!ptx && !cubin)
      return std::string("unknown CUDA code format '") + section.format + "'";
    if (cubin && (major != device.major || minor > device.minor))
      return std::string("a cubin for ") + section.arch + " does not run on " + device.arch;
    if (ptx && major * 10 + minor > device.major * 10 + device.minor)
      return std::string("PTX for ") + section.arch + " does not run on " + device.arch + " (" +
             device.name + ")";
    return {};
  }

  Program *load(uint32_t deviceIndex, const smelt_program_t &plan);
  /// The value of `module`'s global `name` when it exists with T's size.
  template <typename T>
  bool readGlobal(CUmodule module, const std::string &name, T &value) const {
    CUdeviceptr global = 0;
    size_t bytes = 0;
    if (api_.cuModuleGetGlobal(&global, &bytes, module, name.c_str()) != CUDA_SUCCESS ||
        bytes != sizeof(T))
      return false;
    check(api_.cuMemcpyDtoHAsync(&value, global, sizeof(T), nullptr), "reading a module global");
    check(api_.cuStreamSynchronize(nullptr), "reading a module global");
    return true;
  }
  void run(Program &program, const void *const *inputs, void *const *outputs);
  void release(Program *program);

  const CudaApi &api() const { return api_; }
  const std::vector<Device> &devices() const { return devices_; }

private:
  Lane acquireLane(Program &program);
  void releaseLane(Program &program, Lane lane);

  const smelt_host_t &host_;
  CudaApi api_{};
  Allocator allocator_;
  std::vector<Device> devices_;
  std::mutex contextMutex_;
  Cublas cublas_;
  bool cublasBound_ = false;
};

Program *Driver::load(uint32_t deviceIndex, const smelt_program_t &plan) {
  Device &dev = device(deviceIndex);
  makeCurrent(dev);
  auto program = std::make_unique<Program>();
  program->driver = this;
  program->device = &dev;
  program->plan = &plan;

  // The code: the kernels' section, or a cubin for this very device.
  if (plan.kernel_count > 0) {
    const smelt_program_section_t &ptx = plan.sections[plan.kernels[0].section];
    for (uint32_t k = 1; k < plan.kernel_count; ++k)
      if (plan.kernels[k].section != plan.kernels[0].section)
        fail(SMELT_UNSUPPORTED, "the CUDA driver loads one code section per plan");
    const smelt_program_section_t *chosen = &ptx;
    for (uint32_t s = 0; s < plan.section_count; ++s) {
      const smelt_program_section_t &section = plan.sections[s];
      if (std::strcmp(section.target, "cuda") == 0 && std::strcmp(section.format, "cubin") == 0 &&
          dev.arch == section.arch) {
        chosen = &section;
        break;
      }
    }
    // The module image must end in a NUL for PTX.
    std::string text;
    const void *image = chosen->data;
    if (std::strcmp(chosen->format, "ptx") == 0) {
      text.assign(static_cast<const char *>(chosen->data), chosen->size);
      image = text.c_str();
    }
    char log[8192] = {};
    int options[] = {CU_JIT_ERROR_LOG_BUFFER, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES};
    void *values[] = {log, reinterpret_cast<void *>(uintptr_t(sizeof(log) - 1))};
    if (CUresult result = api_.cuModuleLoadDataEx(&program->module, image, 2, options, values);
        result != CUDA_SUCCESS)
      fail(SMELT_INVALID_ARGUMENT, std::string("loading the ") + chosen->format + " for " +
                                       chosen->arch + " on " + dev.arch +
                                       " failed: " + api_.describe(result) +
                                       (log[0] ? std::string(": ") + log : ""));
    program->description = std::string("code: ") + chosen->format + " for " + chosen->arch +
                           (chosen == &ptx ? " (compiled by the driver)" : "") + "\n";
    for (uint32_t k = 0; k < plan.kernel_count; ++k) {
      Kernel kernel;
      if (CUresult result =
              api_.cuModuleGetFunction(&kernel.function, program->module, plan.kernels[k].symbol);
          result != CUDA_SUCCESS)
        fail(SMELT_INVALID_ARGUMENT, std::string("kernel '") + plan.kernels[k].symbol +
                                         "' is not in the module: " + api_.describe(result));
      int threads = 0;
      check(api_.cuFuncGetAttribute(&threads, CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK,
                                    kernel.function),
            "cuFuncGetAttribute");
      kernel.block = unsigned(std::max(threads, 1));
      kernel.grid = plan.kernels[k].grid;
      // Shared memory beyond the static 48 KiB and device scratch, as the
      // compiler published them in the module.
      std::string symbol = plan.kernels[k].symbol;
      uint32_t sharedBytes = 0;
      if (readGlobal(program->module, symbol + "_smelt_dynamic_shared", sharedBytes)) {
        if (CUresult result = api_.cuFuncSetAttribute(
                kernel.function, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                int(sharedBytes));
            result != CUDA_SUCCESS)
          fail(SMELT_UNSUPPORTED, "kernel '" + symbol + "' needs " +
                                      std::to_string(sharedBytes) +
                                      " bytes of shared memory, which " + dev.name +
                                      " does not give one block: " + api_.describe(result));
        kernel.sharedBytes = sharedBytes;
      }
      if (readGlobal(program->module, symbol + "_smelt_global_scratch", kernel.scratchBytes))
        program->scratchBytes = std::max(program->scratchBytes, kernel.scratchBytes);
      if (kernel.grid == 0 || kernel.grid > 0x7fffffffu)
        fail(SMELT_UNSUPPORTED, std::string("kernel '") + plan.kernels[k].symbol +
                                    "' has a grid of " + std::to_string(kernel.grid) +
                                    " blocks, outside 1..2^31-1");
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
    check(api_.cuMemAlloc(&program->constants, plan.constants_size), "cuMemAlloc (constants)");
    check(api_.cuMemcpyHtoDAsync(program->constants, plan.constants, plan.constants_size,
                                 nullptr),
          "copying the constants");
    check(api_.cuStreamSynchronize(nullptr), "copying the constants");
  }

  // Library calls.
  program->cublasGemm.assign(plan.command_count, false);
  int gemms = 0, bound = 0;
  for (uint32_t c = 0; c < plan.command_count; ++c) {
    const smelt_program_command_t &command = plan.commands[c];
    if (command.kind != SMELT_COMMAND_LAUNCH || !command.library_op)
      continue;
    if (std::strcmp(command.library_op, "gemm") != 0)
      continue;
    ++gemms;
    bool wanted = false;
    for (uint32_t l = 0; l < command.library_count; ++l)
      wanted |= std::strcmp(command.libraries[l], "cuBLAS") == 0;
    if (wanted && cublasBound_ && command.library_param_count == 5) {
      program->cublasGemm[c] = true;
      ++bound;
    }
  }
  if (gemms > 0)
    program->description +=
        "gemm: " + std::to_string(bound) + " of " + std::to_string(gemms) +
        (bound ? " through cuBLAS (cublasSgemmStridedBatched)" : "") +
        (bound < gemms ? std::string(bound ? "; the rest" : "") +
                             " as generated kernels" + (cublasBound_ ? "" : " (cuBLAS not found)")
                       : "") +
        "\n";
  program->description += "collectives: staged through host memory (NCCL is not bound yet)\n";
  if (const char *profile = std::getenv("SMELT_PROFILE"); profile && *profile &&
                                                          std::strcmp(profile, "0") != 0) {
    program->profile = true;
    program->profileAll = std::strcmp(profile, "all") == 0;
    program->commandSeconds.assign(plan.command_count, 0);
  }
  return program.release();
}

Lane Driver::acquireLane(Program &program) {
  {
    std::lock_guard<std::mutex> lock(program.lanesMutex);
    if (!program.idleLanes.empty()) {
      Lane lane = program.idleLanes.back();
      program.idleLanes.pop_back();
      return lane;
    }
  }
  Lane lane;
  check(api_.cuStreamCreate(&lane.stream, CU_STREAM_NON_BLOCKING), "cuStreamCreate");
  if (cublasBound_) {
    if (cublas_.create(&lane.cublas) != 0 || cublas_.setStream(lane.cublas, lane.stream) != 0) {
      api_.cuStreamDestroy(lane.stream);
      fail(SMELT_INTERNAL, "cublasCreate failed");
    }
  }
  std::lock_guard<std::mutex> lock(program.lanesMutex);
  program.allLanes.push_back(lane);
  return lane;
}

void Driver::releaseLane(Program &program, Lane lane) {
  std::lock_guard<std::mutex> lock(program.lanesMutex);
  program.idleLanes.push_back(lane);
}

void Driver::run(Program &program, const void *const *inputs, void *const *outputs) {
  const smelt_program_t &plan = *program.plan;
  makeCurrent(const_cast<Device &>(*program.device));
  Lane lane = acquireLane(program);
  // Device buffers of this run, handed back to the allocator at the end.
  struct Held {
    CUdeviceptr pointer;
    uint64_t bytes;
  };
  std::vector<Held> held;
  auto cleanup = [&] {
    for (const Held &h : held)
      allocator_.release(h.pointer, h.bytes);
    releaseLane(program, lane);
  };
  try {
    auto take = [&](uint64_t bytes) {
      CUdeviceptr pointer = allocator_.allocate(std::max<uint64_t>(bytes, 1));
      held.push_back({pointer, std::max<uint64_t>(bytes, 1)});
      return pointer;
    };
    std::vector<CUdeviceptr> in(plan.input_count), out(plan.output_count);
    for (uint32_t i = 0; i < plan.input_count; ++i) {
      in[i] = take(program.inputBytes[i]);
      if (program.inputBytes[i])
        check(api_.cuMemcpyHtoDAsync(in[i], inputs[i], program.inputBytes[i], lane.stream),
              "copying an input to the device");
    }
    for (uint32_t o = 0; o < plan.output_count; ++o)
      out[o] = take(program.outputBytes[o]);
    CUdeviceptr arena = plan.arena_size ? take(plan.arena_size) : 0;
    CUdeviceptr scratch = program.scratchBytes ? take(program.scratchBytes) : 0;

    std::vector<CUdeviceptr> pointers(plan.buffer_count);
    for (uint32_t b = 0; b < plan.buffer_count; ++b) {
      const smelt_program_buffer_t &buffer = plan.buffers[b];
      switch (buffer.kind) {
      case SMELT_BUFFER_INPUT: pointers[b] = in[buffer.index] + buffer.offset; break;
      case SMELT_BUFFER_OUTPUT: pointers[b] = out[buffer.index] + buffer.offset; break;
      case SMELT_BUFFER_CONSTANT: pointers[b] = program.constants + buffer.offset; break;
      case SMELT_BUFFER_ARENA: pointers[b] = arena + buffer.offset; break;
      }
    }

    std::vector<CUdeviceptr> arguments;
    std::vector<void *> parameters;
    // Profiling: an event before the first command and after each one.
    std::vector<CUevent> events;
    auto destroyEvents = [&] {
      for (CUevent event : events)
        api_.cuEventDestroy(event);
      events.clear();
    };
    if (program.profile) {
      events.assign(plan.command_count + 1, nullptr);
      for (CUevent &event : events)
        if (CUresult result = api_.cuEventCreate(&event, 0); result != CUDA_SUCCESS) {
          destroyEvents();
          fail(SMELT_INTERNAL, "cuEventCreate failed: " + api_.describe(result));
        }
      api_.cuEventRecord(events[0], lane.stream);
    }
    struct EventGuard {
      std::function<void()> release;
      ~EventGuard() { release(); }
    } eventGuard{destroyEvents};
    for (uint32_t c = 0; c < plan.command_count; ++c) {
      const smelt_program_command_t &command = plan.commands[c];
      if (program.profile && c > 0)
        api_.cuEventRecord(events[c], lane.stream);
      switch (command.kind) {
      case SMELT_COMMAND_LAUNCH: {
        if (program.cublasGemm[c]) {
          // Row-major C = A * B is column-major C^T = B^T * A^T.
          const int64_t *p = command.library_params;
          int64_t batch = p[0], m = p[1], n = p[2], k = p[3], strideB = p[4];
          const float alpha = 1, beta = 0;
          auto a = reinterpret_cast<const float *>(pointers[command.args[0]]);
          auto bMatrix = reinterpret_cast<const float *>(pointers[command.args[1]]);
          auto cMatrix = reinterpret_cast<float *>(pointers[command.args[2]]);
          if (int status = cublas_.sgemmStridedBatched(
                  lane.cublas, 0, 0, int(n), int(m), int(k), &alpha, bMatrix, int(n), strideB, a,
                  int(k), m * k, &beta, cMatrix, int(n), m * n, int(batch));
              status != 0)
            fail(SMELT_INTERNAL, "cublasSgemmStridedBatched failed with status " +
                                     std::to_string(status));
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
        if (CUresult result = api_.cuLaunchKernel(
                kernel.function, unsigned(kernel.grid), 1, 1, kernel.block, 1, 1,
                kernel.sharedBytes, lane.stream,
                parameters.data(), nullptr);
            result != CUDA_SUCCESS)
          fail(SMELT_INTERNAL, std::string("launching kernel '") +
                                   plan.kernels[command.kernel].symbol +
                                   "' failed: " + api_.describe(result));
        break;
      }
      case SMELT_COMMAND_COPY:
        if (command.size)
          check(api_.cuMemcpyDtoDAsync(pointers[command.destination], pointers[command.source],
                                       command.size, lane.stream),
                "a device copy");
        break;
      case SMELT_COMMAND_ALL_REDUCE: {
        // Through host memory and the host's communicator.
        static const size_t widths[] = {4, 8, 2, 2, 1, 2, 4, 8, 1, 2, 4, 8, 1};
        size_t width = size_t(command.dtype) < sizeof(widths) / sizeof(widths[0])
                           ? widths[command.dtype]
                           : 4;
        std::vector<uint8_t> staging(command.count * width);
        check(api_.cuMemcpyDtoHAsync(staging.data(), pointers[command.source], staging.size(),
                                     lane.stream),
              "staging an all-reduce");
        check(api_.cuStreamSynchronize(lane.stream), "staging an all-reduce");
        smelt_plugin_error_t error{};
        error.struct_size = sizeof(error);
        if (smelt_status_code_t code =
                host_.all_reduce(host_.context, staging.data(), staging.data(), command.count,
                                 command.dtype, command.reduction, &error);
            code != SMELT_OK)
          fail(code, error.message);
        check(api_.cuMemcpyHtoDAsync(pointers[command.destination], staging.data(),
                                     staging.size(), lane.stream),
              "staging an all-reduce");
        check(api_.cuStreamSynchronize(lane.stream), "staging an all-reduce");
        break;
      }
      }
    }
    if (program.profile && plan.command_count > 0)
      api_.cuEventRecord(events[plan.command_count], lane.stream);
    for (uint32_t o = 0; o < plan.output_count; ++o)
      if (program.outputBytes[o])
        check(api_.cuMemcpyDtoHAsync(outputs[o], out[o], program.outputBytes[o], lane.stream),
              "copying an output from the device");
    if (CUresult result = api_.cuStreamSynchronize(lane.stream); result != CUDA_SUCCESS)
      fail(SMELT_INTERNAL, "running the plan failed: " + api_.describe(result));
    if (program.profile && plan.command_count > 0) {
      std::vector<double> seconds(plan.command_count);
      for (uint32_t c = 0; c < plan.command_count; ++c) {
        float ms = 0;
        api_.cuEventElapsedTime(&ms, events[c], events[c + 1]);
        seconds[c] = ms * 1e-3;
      }
      std::lock_guard<std::mutex> lock(program.profileMutex);
      for (uint32_t c = 0; c < plan.command_count; ++c)
        program.commandSeconds[c] += seconds[c];
      ++program.runs;
    }
  } catch (...) {
    api_.cuStreamSynchronize(lane.stream);
    cleanup();
    throw;
  }
  cleanup();
}

/// What command `c` of `plan` is, for the profile.
std::string commandLabel(const Program &program, uint32_t c) {
  const smelt_program_command_t &command = program.plan->commands[c];
  switch (command.kind) {
  case SMELT_COMMAND_LAUNCH: {
    const smelt_program_kernel_t &kernel = program.plan->kernels[command.kernel];
    std::string label = std::string(kernel.symbol) + " (" + kernel.description + ")";
    return program.cublasGemm[c] ? "gemm through cuBLAS, else " + label : label;
  }
  case SMELT_COMMAND_COPY: return "copy of " + std::to_string(command.size) + " bytes";
  case SMELT_COMMAND_ALL_REDUCE: return "all-reduce (through host memory)";
  }
  return "?";
}

void printProfile(const Program &program) {
  if (!program.profile || program.runs == 0)
    return;
  const std::vector<double> &seconds = program.commandSeconds;
  double total = 0;
  for (double value : seconds)
    total += value;
  std::vector<size_t> order(seconds.size());
  for (size_t i = 0; i < order.size(); ++i)
    order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return seconds[a] > seconds[b]; });
  const double runs = double(program.runs);
  std::fprintf(stderr,
               "smelt profile: %llu run(s), %.3f ms per run in %zu commands (device time, "
               "without the copies of inputs and outputs)\n",
               static_cast<unsigned long long>(program.runs), total / runs * 1e3, seconds.size());
  std::fprintf(stderr, "  %9s %6s  %s\n", "ms/run", "share", "command");
  size_t lines = program.profileAll ? order.size() : 25;
  for (size_t rank = 0; rank < order.size() && rank < lines; ++rank) {
    size_t i = order[rank];
    std::fprintf(stderr, "  %9.3f %5.1f%%  %zu %s\n", seconds[i] / runs * 1e3,
                 total > 0 ? 100.0 * seconds[i] / total : 0.0, i,
                 commandLabel(program, uint32_t(i)).c_str());
  }
  if (order.size() > lines)
    std::fprintf(stderr, "  ... %zu more (SMELT_PROFILE=all lists every command)\n",
                 order.size() - lines);
}

void Driver::release(Program *program) {
  if (!program)
    return;
  printProfile(*program);
  makeCurrent(const_cast<Device &>(*program->device));
  for (Lane &lane : program->allLanes) {
    if (lane.cublas)
      cublas_.destroy(lane.cublas);
    api_.cuStreamDestroy(lane.stream);
  }
  if (program->constants)
    api_.cuMemFree(program->constants);
  if (program->module)
    api_.cuModuleUnload(program->module);
  delete program;
}

//===------------------------------------------------------------ the table ===//

smelt_status_code_t cudaCreate(const smelt_host_t *host, void **out, smelt_plugin_error_t *error) {
  if (!host || host->struct_size < sizeof(smelt_host_t)) {
    setError(error, "the host table is older than this plugin");
    return SMELT_ABI_MISMATCH;
  }
  return guard(error, [&] {
    auto driver = std::make_unique<Driver>(*host);
    driver->start();
    *out = driver.release();
  });
}

void cudaDestroy(void *driver) { delete static_cast<Driver *>(driver); }

uint32_t cudaDeviceCount(void *driver) { return static_cast<Driver *>(driver)->deviceCount(); }

smelt_status_code_t cudaDeviceInfo(void *driver, uint32_t index, smelt_device_info_t *out,
                                   smelt_plugin_error_t *error) {
  return guard(error, [&] {
    Device &device = static_cast<Driver *>(driver)->device(index);
    out->name = device.name.c_str();
    out->arch = device.arch.c_str();
    out->memory_bytes = device.memory;
  });
}

const char *const kLibraries[] = {"cuBLAS", "cuBLASLt", "cuDNN", "NCCL"};

uint32_t cudaLibraryCount(void *) { return sizeof(kLibraries) / sizeof(kLibraries[0]); }

const char *cudaLibraryName(void *, uint32_t index) {
  return index < cudaLibraryCount(nullptr) ? kLibraries[index] : nullptr;
}

smelt_status_code_t cudaCheckSection(void *driver, uint32_t index,
                                     const smelt_program_section_t *section,
                                     smelt_plugin_error_t *error) {
  return guard(error, [&] {
    Driver &self = *static_cast<Driver *>(driver);
    std::string problem = self.sectionProblem(self.device(index), *section);
    if (!problem.empty())
      fail(SMELT_UNSUPPORTED, problem);
  });
}

smelt_status_code_t cudaProgramLoad(void *driver, uint32_t device, const smelt_program_t *plan,
                                    void **out, const char **description,
                                    smelt_plugin_error_t *error) {
  return guard(error, [&] {
    Program *program = static_cast<Driver *>(driver)->load(device, *plan);
    *out = program;
    if (description)
      *description = program->description.c_str();
  });
}

smelt_status_code_t cudaProgramRun(void *program, const void *const *inputs,
                                   void *const *outputs, smelt_plugin_error_t *error) {
  return guard(error, [&] {
    Program &self = *static_cast<Program *>(program);
    self.driver->run(self, inputs, outputs);
  });
}

void cudaProgramRelease(void *program) {
  auto *self = static_cast<Program *>(program);
  if (self)
    self->driver->release(self);
}

const smelt_driver_t kDriver = {
    sizeof(smelt_driver_t), "cuda",          cudaCreate,       cudaDestroy,
    cudaDeviceCount,        cudaDeviceInfo,  cudaLibraryCount, cudaLibraryName,
    cudaCheckSection,       cudaProgramLoad, cudaProgramRun,   cudaProgramRelease,
};

const smelt_plugin_t kPlugin = {
    sizeof(smelt_plugin_t), SMELT_PLUGIN_ABI_MAJOR, SMELT_PLUGIN_ABI_MINOR, "cuda",
    SMELT_VERSION_STRING,   &kDriver,
};

} // namespace
} // namespace smelt::cuda

extern "C" SMELT_PLUGIN_EXPORT const smelt_plugin_t *smelt_plugin_entry(void) {
  return &smelt::cuda::kPlugin;
}
