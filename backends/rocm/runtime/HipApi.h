//===- HipApi.h - The HIP and HSA entry points the HIP driver uses -------===//
//
// Declared here rather than taken from hip_runtime_api.h, so that the plugin
// builds without ROCm; libamdhip64 is opened with dlopen at run time and
// never linked. Only C functions whose signatures are the same in ROCm 5, 6
// and 7 are used (no hipDeviceProp_t, whose layout changed in ROCm 6, and no
// hipDeviceAttribute_t values, which were renumbered). The chip name
// ("gfx942") comes from the HSA runtime HIP runs on (hsa_agent_get_info's
// HSA_AGENT_INFO_NAME), whose ABI is fixed by the HSA specification.
//
//===----------------------------------------------------------------------===//
#ifndef SMELT_BACKENDS_ROCM_RUNTIME_HIPAPI_H
#define SMELT_BACKENDS_ROCM_RUNTIME_HIPAPI_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace smelt::rocm {

using hipError_t = int;
struct ihipModule_t;
struct ihipModuleSymbol_t;
struct ihipStream_t;
struct ihipEvent_t;
using hipModule_t = ihipModule_t *;
using hipFunction_t = ihipModuleSymbol_t *;
using hipStream_t = ihipStream_t *;
using hipEvent_t = ihipEvent_t *;

constexpr hipError_t hipSuccess = 0;
constexpr int HIP_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK = 0;
constexpr unsigned hipStreamNonBlocking = 1;

/// The entry points, resolved from libamdhip64.
struct HipApi {
  void *library = nullptr;
  std::string path; // the soname that was opened
  hipError_t (*hipInit)(unsigned);
  hipError_t (*hipRuntimeGetVersion)(int *);
  hipError_t (*hipGetDeviceCount)(int *);
  hipError_t (*hipDeviceGetName)(char *, int, int);
  hipError_t (*hipDeviceTotalMem)(size_t *, int);
  hipError_t (*hipSetDevice)(int);
  hipError_t (*hipModuleLoadData)(hipModule_t *, const void *);
  hipError_t (*hipModuleUnload)(hipModule_t);
  hipError_t (*hipModuleGetFunction)(hipFunction_t *, hipModule_t, const char *);
  hipError_t (*hipFuncGetAttribute)(int *, int, hipFunction_t);
  hipError_t (*hipModuleGetGlobal)(void **, size_t *, hipModule_t, const char *);
  hipError_t (*hipModuleLaunchKernel)(hipFunction_t, unsigned, unsigned, unsigned, unsigned,
                                      unsigned, unsigned, unsigned, hipStream_t, void **,
                                      void **);
  hipError_t (*hipMalloc)(void **, size_t);
  hipError_t (*hipFree)(void *);
  hipError_t (*hipMemcpyHtoDAsync)(void *, void *, size_t, hipStream_t);
  hipError_t (*hipMemcpyDtoHAsync)(void *, void *, size_t, hipStream_t);
  hipError_t (*hipMemcpyDtoDAsync)(void *, void *, size_t, hipStream_t);
  hipError_t (*hipStreamCreateWithFlags)(hipStream_t *, unsigned);
  hipError_t (*hipStreamDestroy)(hipStream_t);
  hipError_t (*hipStreamSynchronize)(hipStream_t);
  hipError_t (*hipEventCreate)(hipEvent_t *);
  hipError_t (*hipEventRecord)(hipEvent_t, hipStream_t);
  hipError_t (*hipEventElapsedTime)(float *, hipEvent_t, hipEvent_t);
  hipError_t (*hipEventDestroy)(hipEvent_t);
  const char *(*hipGetErrorName)(hipError_t);
  const char *(*hipGetErrorString)(hipError_t);

  /// Opens `path`, or else libamdhip64.so.7, .6, .5 in turn, and resolves
  /// every entry point; false with `error` set when none opens or a symbol
  /// is missing.
  bool open(const std::string &path, std::string &error);
  /// "hipErrorOutOfMemory (out of memory)" for `result`.
  std::string describe(hipError_t result) const;
};

/// The names of the HSA runtime's GPU agents in enumeration order
/// ("gfx942", ...), which is HIP's device order unless HIP_VISIBLE_DEVICES
/// (or CUDA_VISIBLE_DEVICES) filters HIP's devices; empty when the HSA
/// runtime (libhsa-runtime64.so.1, loaded by HIP) cannot be asked.
std::vector<std::string> hsaGpuAgentNames();

} // namespace smelt::rocm

#endif // SMELT_BACKENDS_ROCM_RUNTIME_HIPAPI_H
