//===- CudaApi.cpp - Opening libcuda.so.1 and naming its errors -----------===//
#include "backends/cuda/runtime/CudaApi.h"

#include "backends/gpu/runtime/Symbols.h"

#include <dlfcn.h>

#include <string>

namespace smelt::cuda {

bool CudaApi::open(const std::string &path, std::string &error) {
  const char *name = path.empty() ? "libcuda.so.1" : path.c_str();
  library = ::dlopen(name, RTLD_NOW | RTLD_LOCAL);
  if (!library) {
    const char *reason = ::dlerror();
    error = std::string(name) + " not found (no NVIDIA driver installed?)" +
            (path.empty() || !reason ? "" : std::string(": ") + reason);
    return false;
  }
  gpu::Symbols resolve(library);
  resolve(cuInit, "cuInit");
  resolve(cuDriverGetVersion, "cuDriverGetVersion");
  resolve(cuDeviceGetCount, "cuDeviceGetCount");
  resolve(cuDeviceGet, "cuDeviceGet");
  resolve(cuDeviceGetName, "cuDeviceGetName");
  resolve(cuDeviceGetAttribute, "cuDeviceGetAttribute");
  resolve(cuDeviceTotalMem, "cuDeviceTotalMem_v2");
  resolve(cuDevicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain");
  resolve(cuDevicePrimaryCtxRelease, "cuDevicePrimaryCtxRelease_v2");
  resolve(cuCtxSetCurrent, "cuCtxSetCurrent");
  resolve(cuModuleLoadDataEx, "cuModuleLoadDataEx");
  resolve(cuModuleUnload, "cuModuleUnload");
  resolve(cuModuleGetFunction, "cuModuleGetFunction");
  resolve(cuFuncGetAttribute, "cuFuncGetAttribute");
  resolve(cuFuncSetAttribute, "cuFuncSetAttribute");
  resolve(cuModuleGetGlobal, "cuModuleGetGlobal_v2");
  resolve(cuLaunchKernel, "cuLaunchKernel");
  resolve(cuMemAlloc, "cuMemAlloc_v2");
  resolve(cuMemFree, "cuMemFree_v2");
  resolve(cuMemcpyHtoDAsync, "cuMemcpyHtoDAsync_v2");
  resolve(cuMemcpyDtoHAsync, "cuMemcpyDtoHAsync_v2");
  resolve(cuMemcpyDtoDAsync, "cuMemcpyDtoDAsync_v2");
  resolve(cuStreamCreate, "cuStreamCreate");
  resolve(cuStreamDestroy, "cuStreamDestroy_v2");
  resolve(cuStreamSynchronize, "cuStreamSynchronize");
  resolve(cuEventCreate, "cuEventCreate");
  resolve(cuEventRecord, "cuEventRecord");
  resolve(cuEventElapsedTime, "cuEventElapsedTime");
  resolve(cuEventDestroy, "cuEventDestroy_v2");
  resolve(cuGetErrorName, "cuGetErrorName");
  resolve(cuGetErrorString, "cuGetErrorString");
  if (!resolve.ok()) {
    error = std::string(name) + " has no " + resolve.missing() +
            " (a driver older than CUDA 11?)";
    ::dlclose(library);
    // Nothing may point into the library just closed.
    *this = CudaApi{};
    return false;
  }
  return true;
}

std::string CudaApi::describe(CUresult result) const {
  const char *name = nullptr, *text = nullptr;
  if (cuGetErrorName)
    cuGetErrorName(result, &name);
  if (cuGetErrorString)
    cuGetErrorString(result, &text);
  std::string out = name ? name : "CUDA error " + std::to_string(result);
  if (text)
    out += std::string(" (") + text + ")";
  return out;
}

} // namespace smelt::cuda
