//===- HipDriver.cpp - The HIP driver plugin ------------------------------===//
//
// Runs plans of target "rocm" on AMD GPUs through HIP's module API, which it
// opens with dlopen (libamdhip64.so.7/.6/.5, or $SMELT_LIBHIP_PATH); nothing
// of ROCm is linked or needed to build it. How a plan runs is shared with
// the CUDA driver (backends/gpu/runtime/GpuDriver); here: devices from
// hipGetDeviceCount/hipDeviceGetName/hipDeviceTotalMem with their chip names
// from the HSA runtime, hipSetDevice per calling thread, the plan's HSA code
// object for the device's chip (hipModuleLoadData), workgroup sizes from each
// kernel's metadata (HIP_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK, which is the
// 256 the compiler required), hipModuleLaunchKernel (HIP fills the hidden
// kernel arguments itself), rocBLAS's rocblas_sgemm_strided_batched for gemm
// calls and MIOpen (Miopen.cpp) for conv2d calls.
//
// Without libamdhip64, or when hipInit fails (no AMD GPU), the driver does
// not start and `smelt devices -v` lists it as refused with the reason.
//
//===----------------------------------------------------------------------===//
#include "backends/gpu/runtime/GpuDriver.h"
#include "backends/gpu/runtime/Symbols.h"
#include "backends/rocm/runtime/HipApi.h"
#include "backends/rocm/runtime/Miopen.h"

#include <dlfcn.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace smelt::rocm {
namespace {

using gpu::DevicePtr;
using gpu::Device;
using gpu::fail;

hipStream_t stream(gpu::Stream s) { return static_cast<hipStream_t>(s); }
void *address(DevicePtr pointer) { return reinterpret_cast<void *>(uintptr_t(pointer)); }

/// rocBLAS, resolved from the library the host opened.
class Rocblas final : public gpu::Blas {
public:
  bool bind(void *handle) {
    gpu::Symbols resolve(handle);
    resolve(create_, "rocblas_create_handle");
    resolve(destroy_, "rocblas_destroy_handle");
    resolve(setStream_, "rocblas_set_stream");
    resolve(sgemm_, "rocblas_sgemm_strided_batched");
    return resolve.ok();
  }
  const char *name() const override { return "rocBLAS"; }
  const char *entryPoint() const override { return "rocblas_sgemm_strided_batched"; }
  void *create(gpu::Stream s) override {
    void *handle = nullptr;
    if (int status = create_(&handle); status != 0)
      fail(SMELT_INTERNAL, "rocblas_create_handle failed with status " + std::to_string(status));
    if (int status = setStream_(handle, stream(s)); status != 0) {
      destroy_(handle);
      fail(SMELT_INTERNAL, "rocblas_set_stream failed with status " + std::to_string(status));
    }
    return handle;
  }
  void destroy(void *handle) override { destroy_(handle); }
  void sgemm(void *handle, int64_t batch, int64_t m, int64_t n, int64_t k, const float *a,
             const float *b, int64_t strideB, float *c) override {
    // Row-major C = A * B is column-major C^T = B^T * A^T.
    constexpr int none = 111; // rocblas_operation_none
    const float alpha = 1, beta = 0;
    if (int status = sgemm_(handle, none, none, int(n), int(m), int(k), &alpha, b, int(n),
                            strideB, a, int(k), m * k, &beta, c, int(n), m * n, int(batch));
        status != 0)
      fail(SMELT_INTERNAL,
           "rocblas_sgemm_strided_batched failed with status " + std::to_string(status));
  }

private:
  // rocblas_status (int), rocblas_handle (pointer), rocblas_int (int32),
  // rocblas_stride (int64).
  int (*create_)(void **) = nullptr;
  int (*destroy_)(void *) = nullptr;
  int (*setStream_)(void *, hipStream_t) = nullptr;
  int (*sgemm_)(void *, int, int, int, int, int, const float *, const float *, int, int64_t,
                const float *, int, int64_t, const float *, float *, int, int64_t,
                int) = nullptr;
};

class HipDriver final : public gpu::GpuDriver {
public:
  static constexpr const char *kName = "rocm";
  static const std::vector<const char *> &libraries() {
    static const std::vector<const char *> names = {"rocBLAS", "hipBLASLt", "MIOpen", "RCCL"};
    return names;
  }

  explicit HipDriver(const smelt_host_t &host) : GpuDriver(host) {}
  ~HipDriver() override {
    releaseDeviceResources();
    // libamdhip64 stays loaded, as HIP requires of a process that used it.
  }

  const char *vendor() const override { return "HIP"; }

  void start() override {
    const char *override = std::getenv("SMELT_LIBHIP_PATH");
    std::string error;
    if (!api_.open(override ? override : "", error))
      fail(SMELT_NOT_FOUND, error);
    if (hipError_t result = api_.hipInit(0); result != hipSuccess) {
      // The kernel driver's device node: without it there is no AMD GPU
      // for HIP to find, whatever the error code says.
      bool kfd = ::access("/dev/kfd", F_OK) == 0;
      fail(SMELT_NOT_FOUND, "hipInit failed: " + api_.describe(result) + " (" + api_.path +
                                (kfd ? ")" : "; no AMD GPU here: /dev/kfd does not exist)"));
    }
    int count = 0;
    check(api_.hipGetDeviceCount(&count), "hipGetDeviceCount");
    if (count == 0)
      fail(SMELT_NOT_FOUND, api_.path + " found no AMD GPU");
    std::vector<std::string> chips = hsaGpuAgentNames();
    bool filtered = std::getenv("HIP_VISIBLE_DEVICES") || std::getenv("CUDA_VISIBLE_DEVICES");
    for (int i = 0; i < count; ++i) {
      Device device;
      device.handle = i;
      char name[256] = {};
      check(api_.hipDeviceGetName(name, sizeof(name) - 1, i), "hipDeviceGetName");
      device.name = name;
      check(api_.hipDeviceTotalMem(&device.memory, i), "hipDeviceTotalMem");
      // The chip from HSA when its agents are HIP's devices one to one;
      // otherwise unknown, and loading a code object tells.
      device.arch = !filtered && chips.size() == size_t(count) ? chips[i] : "amdgcn";
      devices_.push_back(device);
    }
    blas_ = openLibrary<gpu::Blas>("rocBLAS", blasMissing_, [](void *handle) {
      auto rocblas = std::make_unique<Rocblas>();
      return rocblas->bind(handle) ? std::move(rocblas) : nullptr;
    });
    dnn_ = openLibrary<gpu::Dnn>("MIOpen", dnnMissing_, bindMiopen);
    collectiveLibrary_ = "RCCL";
    smelt_host_library_t library{};
    library.struct_size = sizeof(library);
    if (host_.open_library(host_.context, "RCCL", &library) == SMELT_OK && library.handle)
      ccl_ = gpu::Nccl::bind(library.handle, "RCCL");
  }

  void makeCurrent(Device &device) override {
    check(api_.hipSetDevice(device.handle), "hipSetDevice");
  }

  /// An HSA code object for exactly the device's chip (a gfx942 object does
  /// not run on a gfx90a, nor the other way round).
  std::string sectionProblem(const Device &device,
                             const smelt_program_section_t &section) const override {
    if (std::strcmp(section.target, "rocm") != 0)
      return std::string("the HIP driver runs sections of target 'rocm', not '") +
             section.target + "'";
    if (std::strcmp(section.format, "hsaco") != 0)
      return std::string("unknown ROCm code format '") + section.format + "'";
    if (device.arch != "amdgcn" && device.arch != section.arch)
      return std::string("a code object for ") + section.arch + " does not run on " +
             device.arch + " (" + device.name + ")";
    return {};
  }

  gpu::Module loadModule(Device &device, const smelt_program_t &, const smelt_program_section_t &code,
                         std::string &description) override {
    hipModule_t module = nullptr;
    if (hipError_t result = api_.hipModuleLoadData(&module, code.data); result != hipSuccess)
      fail(SMELT_INVALID_ARGUMENT, std::string("loading the code object for ") + code.arch +
                                       " on " + device.arch + " (" + device.name +
                                       ") failed: " + api_.describe(result));
    description += std::string("code: HSA code object for ") + code.arch + "\n";
    return module;
  }
  void unloadModule(gpu::Module module) override {
    api_.hipModuleUnload(static_cast<hipModule_t>(module));
  }
  gpu::Function function(gpu::Module module, const char *symbol) override {
    hipFunction_t function = nullptr;
    if (hipError_t result =
            api_.hipModuleGetFunction(&function, static_cast<hipModule_t>(module), symbol);
        result != hipSuccess)
      fail(SMELT_INVALID_ARGUMENT, std::string("kernel '") + symbol +
                                       "' is not in the code object: " + api_.describe(result));
    return function;
  }
  unsigned maxThreadsPerBlock(gpu::Function function) override {
    int threads = 0;
    check(api_.hipFuncGetAttribute(&threads, HIP_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK,
                                   static_cast<hipFunction_t>(function)),
          "hipFuncGetAttribute");
    return unsigned(std::max(threads, 0));
  }
  void allowDynamicShared(gpu::Function, unsigned bytes, const Device &device,
                          const std::string &symbol) override {
    // The compiler keeps all LDS static on AMD GPUs; 64 KiB per workgroup.
    if (bytes > (64u << 10))
      fail(SMELT_UNSUPPORTED, "kernel '" + symbol + "' needs " + std::to_string(bytes) +
                                  " bytes of LDS, more than " + device.name +
                                  " gives one workgroup");
  }
  bool global(gpu::Module module, const std::string &name, DevicePtr &pointer,
              size_t &bytes) override {
    void *found = nullptr;
    if (api_.hipModuleGetGlobal(&found, &bytes, static_cast<hipModule_t>(module),
                                name.c_str()) != hipSuccess)
      return false;
    pointer = reinterpret_cast<uintptr_t>(found);
    return true;
  }
  DevicePtr tryAllocate(uint64_t bytes, std::string &error) override {
    void *pointer = nullptr;
    if (hipError_t result = api_.hipMalloc(&pointer, bytes); result != hipSuccess) {
      error = api_.describe(result);
      return 0;
    }
    return reinterpret_cast<uintptr_t>(pointer);
  }
  void freeMemory(DevicePtr pointer) override { api_.hipFree(address(pointer)); }
  void copyToDevice(DevicePtr destination, const void *source, size_t bytes, gpu::Stream s,
                    const char *what) override {
    check(api_.hipMemcpyHtoDAsync(address(destination), const_cast<void *>(source), bytes,
                                  stream(s)),
          what);
  }
  void copyToHost(void *destination, DevicePtr source, size_t bytes, gpu::Stream s,
                  const char *what) override {
    check(api_.hipMemcpyDtoHAsync(destination, address(source), bytes, stream(s)), what);
  }
  void copyOnDevice(DevicePtr destination, DevicePtr source, size_t bytes,
                    gpu::Stream s) override {
    check(api_.hipMemcpyDtoDAsync(address(destination), address(source), bytes, stream(s)),
          "a device copy");
  }
  gpu::Stream createStream() override {
    hipStream_t created = nullptr;
    check(api_.hipStreamCreateWithFlags(&created, hipStreamNonBlocking),
          "hipStreamCreateWithFlags");
    return created;
  }
  void destroyStream(gpu::Stream s) override { api_.hipStreamDestroy(stream(s)); }
  void synchronize(gpu::Stream s, const char *what) override {
    if (hipError_t result = api_.hipStreamSynchronize(stream(s)); result != hipSuccess)
      fail(SMELT_INTERNAL, std::string(what) + " failed: " + api_.describe(result));
  }
  void drain(gpu::Stream s) override { api_.hipStreamSynchronize(stream(s)); }
  gpu::Event createEvent() override {
    hipEvent_t event = nullptr;
    check(api_.hipEventCreate(&event), "hipEventCreate");
    return event;
  }
  void record(gpu::Event event, gpu::Stream s) override {
    api_.hipEventRecord(static_cast<hipEvent_t>(event), stream(s));
  }
  double elapsedSeconds(gpu::Event start, gpu::Event end) override {
    float ms = 0;
    api_.hipEventElapsedTime(&ms, static_cast<hipEvent_t>(start), static_cast<hipEvent_t>(end));
    return ms * 1e-3;
  }
  void destroyEvent(gpu::Event event) override {
    api_.hipEventDestroy(static_cast<hipEvent_t>(event));
  }
  void launch(gpu::Function function, uint64_t grid, unsigned block, unsigned sharedBytes,
              gpu::Stream s, void **parameters, const char *symbol) override {
    if (hipError_t result = api_.hipModuleLaunchKernel(static_cast<hipFunction_t>(function),
                                                       unsigned(grid), 1, 1, block, 1, 1,
                                                       sharedBytes, stream(s), parameters,
                                                       nullptr);
        result != hipSuccess)
      fail(SMELT_INTERNAL,
           std::string("launching kernel '") + symbol + "' failed: " + api_.describe(result));
  }

private:
  void check(hipError_t result, const char *what) const {
    if (result != hipSuccess)
      fail(SMELT_INTERNAL, std::string(what) + " failed: " + api_.describe(result));
  }

  HipApi api_{};
};

} // namespace
} // namespace smelt::rocm

extern "C" SMELT_PLUGIN_EXPORT const smelt_plugin_t *smelt_plugin_entry(void) {
  return &smelt::gpu::PluginTables<smelt::rocm::HipDriver>::plugin;
}
