//===- CudaDriver.cpp - The CUDA driver plugin ----------------------------===//
//
// Runs plans of target "cuda" on NVIDIA GPUs through the CUDA driver API,
// which it opens with dlopen (libcuda.so.1, or $SMELT_LIBCUDA_PATH); nothing
// of CUDA is linked. How a plan runs is shared with the HIP driver
// (backends/gpu/runtime/GpuDriver); here: devices from cuDeviceGet*, the
// primary context per device, the module (the cubin for the device's sm_XY
// when the artifact has one and the driver takes it, else the PTX, which the
// driver JIT-compiles),
// block sizes from each function's `.reqntid`, cuBLAS's strided batched
// SGEMM for plain gemm calls, cuBLASLt (CublasLt.cpp) for gemms with an
// epilogue (bias row, relu), cuDNN (Cudnn.cpp) for conv2d calls and NCCL
// for all-reduces between ranks.
//
// Without libcuda.so.1 (or when cuInit fails: no GPU, a stub library) the
// driver does not start, and `smelt devices -v` lists it as refused with the
// reason.
//
//===----------------------------------------------------------------------===//
#include "backends/cuda/runtime/CublasLt.h"
#include "backends/cuda/runtime/CudaApi.h"
#include "backends/cuda/runtime/Cudnn.h"
#include "backends/gpu/runtime/GpuDriver.h"
#include "backends/gpu/runtime/Symbols.h"

#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace smelt::cuda {
namespace {

using gpu::DevicePtr;
using gpu::Device;
using gpu::fail;

CUstream stream(gpu::Stream s) { return static_cast<CUstream>(s); }

/// cuBLAS, resolved from the library the host opened.
class Cublas final : public gpu::Blas {
public:
  bool bind(void *handle) {
    gpu::Symbols resolve(handle);
    resolve(create_, "cublasCreate_v2");
    resolve(destroy_, "cublasDestroy_v2");
    resolve(setStream_, "cublasSetStream_v2");
    resolve(sgemm_, "cublasSgemmStridedBatched");
    return resolve.ok();
  }
  const char *name() const override { return "cuBLAS"; }
  const char *entryPoint() const override { return "cublasSgemmStridedBatched"; }
  void *create(gpu::Stream s) override {
    void *handle = nullptr;
    if (int status = create_(&handle); status != 0)
      fail(SMELT_INTERNAL, "cublasCreate failed with status " + std::to_string(status) +
                               (status == 1 ? " (CUBLAS_STATUS_NOT_INITIALIZED: a cuBLAS newer "
                                              "than the driver?)"
                                            : ""));
    if (setStream_(handle, stream(s)) != 0) {
      destroy_(handle);
      fail(SMELT_INTERNAL, "cublasSetStream failed");
    }
    return handle;
  }
  void destroy(void *handle) override { destroy_(handle); }
  void sgemm(void *handle, int64_t batch, int64_t m, int64_t n, int64_t k, const float *a,
             const float *b, int64_t strideB, float *c) override {
    // Row-major C = A * B is column-major C^T = B^T * A^T.
    const float alpha = 1, beta = 0;
    if (int status = sgemm_(handle, 0, 0, int(n), int(m), int(k), &alpha, b, int(n), strideB, a,
                            int(k), m * k, &beta, c, int(n), m * n, int(batch));
        status != 0)
      fail(SMELT_INTERNAL,
           "cublasSgemmStridedBatched failed with status " + std::to_string(status));
  }

private:
  int (*create_)(void **) = nullptr;
  int (*destroy_)(void *) = nullptr;
  int (*setStream_)(void *, CUstream) = nullptr;
  int (*sgemm_)(void *, int, int, int, int, int, const float *, const float *, int, long long,
                const float *, int, long long, const float *, float *, int, long long,
                int) = nullptr;
};

class CudaDriver final : public gpu::GpuDriver {
public:
  static constexpr const char *kName = "cuda";
  static const std::vector<const char *> &libraries() {
    static const std::vector<const char *> names = {"cuBLAS", "cuBLASLt", "cuDNN", "NCCL"};
    return names;
  }

  explicit CudaDriver(const smelt_host_t &host) : GpuDriver(host) {}
  ~CudaDriver() override {
    releaseDeviceResources(); // with each device's context current
    for (Device &device : devices_)
      if (device.context)
        api_.cuDevicePrimaryCtxRelease(device.handle);
    // libcuda stays loaded: unloading the driver library while the process
    // runs is not supported by it.
  }

  const char *vendor() const override { return "CUDA"; }

  void start() override {
    const char *override = std::getenv("SMELT_LIBCUDA_PATH");
    std::string error;
    if (!api_.open(override ? override : "", error))
      fail(SMELT_NOT_FOUND, error);
    if (CUresult result = api_.cuInit(0); result != CUDA_SUCCESS)
      fail(SMELT_NOT_FOUND, "cuInit failed: " + api_.describe(result) +
                                (result == 34 ? "; libcuda.so.1 is the toolkit's stub, not a "
                                                "driver (no GPU here)"
                                              : ""));
    // The newest CUDA the driver runs (12080: 12.8), for the load description.
    if (int version = 0; api_.cuDriverGetVersion(&version) == CUDA_SUCCESS && version > 0)
      driverVersion_ = std::to_string(version / 1000) + "." + std::to_string(version % 1000 / 10);
    int count = 0;
    check(api_.cuDeviceGetCount(&count), "cuDeviceGetCount");
    for (int i = 0; i < count; ++i) {
      Device device;
      CUdevice handle = 0;
      check(api_.cuDeviceGet(&handle, i), "cuDeviceGet");
      device.handle = handle;
      char name[256] = {};
      check(api_.cuDeviceGetName(name, sizeof(name) - 1, handle), "cuDeviceGetName");
      device.name = name;
      check(api_.cuDeviceGetAttribute(&device.major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR,
                                      handle),
            "cuDeviceGetAttribute");
      check(api_.cuDeviceGetAttribute(&device.minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR,
                                      handle),
            "cuDeviceGetAttribute");
      check(api_.cuDeviceTotalMem(&device.memory, handle), "cuDeviceTotalMem");
      device.arch = "sm_" + std::to_string(device.major) + std::to_string(device.minor);
      devices_.push_back(device);
    }
    // The vendor libraries the host finds.
    blas_ = openLibrary<gpu::Blas>("cuBLAS", blasMissing_, [](void *handle) {
      auto cublas = std::make_unique<Cublas>();
      return cublas->bind(handle) ? std::move(cublas) : nullptr;
    });
    epilogueGemm_ = openLibrary<gpu::EpilogueGemm>("cuBLASLt", epilogueGemmMissing_, bindCublasLt);
    dnn_ = openLibrary<gpu::Dnn>("cuDNN", dnnMissing_, [this](void *handle) {
      return bindCudnn(handle, [this](DevicePtr to, DevicePtr from, size_t bytes,
                                      gpu::Stream s) { copyOnDevice(to, from, bytes, s); });
    });
    collectiveLibrary_ = "NCCL";
    smelt_host_library_t library{};
    library.struct_size = sizeof(library);
    if (host_.open_library(host_.context, "NCCL", &library) == SMELT_OK && library.handle)
      ccl_ = gpu::Nccl::bind(library.handle, "NCCL");
  }

  void makeCurrent(Device &device) override {
    std::lock_guard<std::mutex> lock(contextMutex_);
    if (!device.context) {
      CUcontext context = nullptr;
      check(api_.cuDevicePrimaryCtxRetain(&context, device.handle), "cuDevicePrimaryCtxRetain");
      device.context = context;
    }
    check(api_.cuCtxSetCurrent(static_cast<CUcontext>(device.context)), "cuCtxSetCurrent");
  }

  /// PTX for an sm_XY at most the device's, a cubin for exactly the
  /// device's.
  std::string sectionProblem(const Device &device,
                             const smelt_program_section_t &section) const override {
    if (std::strcmp(section.target, "cuda") != 0)
      return std::string("the CUDA driver runs sections of target 'cuda', not '") +
             section.target + "'";
    // sm_XY and sm_XYZ (sm_100: 10.0), with or without the architecture-
    // ('a') or family-specific ('f') suffix.
    int number = 0, end = 0;
    if (std::sscanf(section.arch, "sm_%d%n", &number, &end) != 1 || number < 10 ||
        (section.arch[end] && std::strcmp(section.arch + end, "a") != 0 &&
         std::strcmp(section.arch + end, "f") != 0))
      return std::string("unknown CUDA architecture '") + section.arch + "'";
    const int major = number / 10, minor = number % 10;
    if (section.arch[end] == 'a' && (major != device.major || minor != device.minor))
      return std::string("code for ") + section.arch + " runs only on sm_" +
             std::to_string(number) + ", not on " + device.arch + " (" + device.name + ")";
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

  /// The kernels' section (PTX), or a cubin for this very device.
  gpu::Module loadModule(Device &device, const smelt_program_t &plan,
                         const smelt_program_section_t &ptx,
                         std::string &description) override {
    const smelt_program_section_t *chosen = &ptx;
    for (uint32_t s = 0; s < plan.section_count; ++s) {
      const smelt_program_section_t &section = plan.sections[s];
      if (std::strcmp(section.target, "cuda") == 0 && std::strcmp(section.format, "cubin") == 0 &&
          device.arch == section.arch) {
        chosen = &section;
        break;
      }
    }
    // A cubin the driver refuses (one from a newer ptxas than it reads)
    // leaves the PTX of the same artifact, which it JIT-compiles.
    std::string error, cubinError, note;
    CUmodule module = tryLoad(device, *chosen, error);
    if (!module && chosen != &ptx && std::strcmp(ptx.format, "ptx") == 0) {
      cubinError = error;
      note = " (cubin refused: " + cubinError + "; PTX JIT-compiled)";
      chosen = &ptx;
      module = tryLoad(device, ptx, error);
    } else if (chosen == &ptx) {
      note = " (compiled by the driver)";
    }
    if (!module)
      fail(SMELT_INVALID_ARGUMENT,
           error + (cubinError.empty() ? "" : "; before it, " + cubinError));
    description += std::string("code: ") + chosen->format + " for " + chosen->arch + note +
                   (driverVersion_.empty() ? "" : "; driver for CUDA " + driverVersion_) + "\n";
    return module;
  }
  void unloadModule(gpu::Module module) override {
    api_.cuModuleUnload(static_cast<CUmodule>(module));
  }
  gpu::Function function(gpu::Module module, const char *symbol) override {
    CUfunction function = nullptr;
    if (CUresult result =
            api_.cuModuleGetFunction(&function, static_cast<CUmodule>(module), symbol);
        result != CUDA_SUCCESS)
      fail(SMELT_INVALID_ARGUMENT, std::string("kernel '") + symbol +
                                       "' is not in the module: " + api_.describe(result));
    return function;
  }
  unsigned maxThreadsPerBlock(gpu::Function function) override {
    int threads = 0;
    check(api_.cuFuncGetAttribute(&threads, CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK,
                                  static_cast<CUfunction>(function)),
          "cuFuncGetAttribute");
    return unsigned(std::max(threads, 0));
  }
  void allowDynamicShared(gpu::Function function, unsigned bytes, const Device &device,
                          const std::string &symbol) override {
    if (CUresult result = api_.cuFuncSetAttribute(static_cast<CUfunction>(function),
                                                  CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                                                  int(bytes));
        result != CUDA_SUCCESS)
      fail(SMELT_UNSUPPORTED, "kernel '" + symbol + "' needs " + std::to_string(bytes) +
                                  " bytes of shared memory, which " + device.name +
                                  " does not give one block: " + api_.describe(result));
  }
  bool global(gpu::Module module, const std::string &name, DevicePtr &pointer,
              size_t &bytes) override {
    CUdeviceptr address = 0;
    if (api_.cuModuleGetGlobal(&address, &bytes, static_cast<CUmodule>(module), name.c_str()) !=
        CUDA_SUCCESS)
      return false;
    pointer = address;
    return true;
  }
  DevicePtr tryAllocate(uint64_t bytes, std::string &error) override {
    CUdeviceptr pointer = 0;
    if (CUresult result = api_.cuMemAlloc(&pointer, bytes); result != CUDA_SUCCESS) {
      error = api_.describe(result);
      return 0;
    }
    return pointer;
  }
  void freeMemory(DevicePtr pointer) override { api_.cuMemFree(pointer); }
  void copyToDevice(DevicePtr destination, const void *source, size_t bytes, gpu::Stream s,
                    const char *what) override {
    check(api_.cuMemcpyHtoDAsync(destination, source, bytes, stream(s)), what);
  }
  void copyToHost(void *destination, DevicePtr source, size_t bytes, gpu::Stream s,
                  const char *what) override {
    check(api_.cuMemcpyDtoHAsync(destination, source, bytes, stream(s)), what);
  }
  void copyOnDevice(DevicePtr destination, DevicePtr source, size_t bytes,
                    gpu::Stream s) override {
    check(api_.cuMemcpyDtoDAsync(destination, source, bytes, stream(s)), "a device copy");
  }
  gpu::Stream createStream() override {
    CUstream created = nullptr;
    check(api_.cuStreamCreate(&created, CU_STREAM_NON_BLOCKING), "cuStreamCreate");
    return created;
  }
  void destroyStream(gpu::Stream s) override { api_.cuStreamDestroy(stream(s)); }
  void synchronize(gpu::Stream s, const char *what) override {
    if (CUresult result = api_.cuStreamSynchronize(stream(s)); result != CUDA_SUCCESS)
      fail(SMELT_INTERNAL, std::string(what) + " failed: " + api_.describe(result));
  }
  void drain(gpu::Stream s) override { api_.cuStreamSynchronize(stream(s)); }
  gpu::Event createEvent() override {
    CUevent event = nullptr;
    check(api_.cuEventCreate(&event, 0), "cuEventCreate");
    return event;
  }
  void record(gpu::Event event, gpu::Stream s) override {
    api_.cuEventRecord(static_cast<CUevent>(event), stream(s));
  }
  double elapsedSeconds(gpu::Event start, gpu::Event end) override {
    float ms = 0;
    api_.cuEventElapsedTime(&ms, static_cast<CUevent>(start), static_cast<CUevent>(end));
    return ms * 1e-3;
  }
  void destroyEvent(gpu::Event event) override {
    api_.cuEventDestroy(static_cast<CUevent>(event));
  }
  void launch(gpu::Function function, uint64_t grid, unsigned block, unsigned sharedBytes,
              gpu::Stream s, void **parameters, const char *symbol) override {
    if (CUresult result = api_.cuLaunchKernel(static_cast<CUfunction>(function), unsigned(grid),
                                              1, 1, block, 1, 1, sharedBytes, stream(s),
                                              parameters, nullptr);
        result != CUDA_SUCCESS)
      fail(SMELT_INTERNAL,
           std::string("launching kernel '") + symbol + "' failed: " + api_.describe(result));
  }

private:
  /// `section` loaded as a module, or null with `error` set.
  CUmodule tryLoad(const Device &device, const smelt_program_section_t &section,
                   std::string &error) {
    // The module image must end in a NUL for PTX.
    std::string text;
    const void *image = section.data;
    if (std::strcmp(section.format, "ptx") == 0) {
      text.assign(static_cast<const char *>(section.data), section.size);
      image = text.c_str();
    }
    char log[8192] = {};
    int options[] = {CU_JIT_ERROR_LOG_BUFFER, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES};
    void *values[] = {log, reinterpret_cast<void *>(uintptr_t(sizeof(log) - 1))};
    CUmodule module = nullptr;
    if (CUresult result = api_.cuModuleLoadDataEx(&module, image, 2, options, values);
        result != CUDA_SUCCESS) {
      error = std::string("loading the ") + section.format + " for " + section.arch + " on " +
              device.arch + " failed: " + api_.describe(result) +
              (log[0] ? std::string(": ") + log : "");
      return nullptr;
    }
    return module;
  }

  void check(CUresult result, const char *what) const {
    if (result != CUDA_SUCCESS)
      fail(SMELT_INTERNAL, std::string(what) + " failed: " + api_.describe(result));
  }

  CudaApi api_{};
  std::string driverVersion_; // "12.8"; empty when the driver did not say
  std::mutex contextMutex_;
};

} // namespace
} // namespace smelt::cuda

extern "C" SMELT_PLUGIN_EXPORT const smelt_plugin_t *smelt_plugin_entry(void) {
  return &smelt::gpu::PluginTables<smelt::cuda::CudaDriver>::plugin;
}
