//===- HipApi.cpp - Opening libamdhip64 and asking HSA for chip names -----===//
#include "backends/rocm/runtime/HipApi.h"

#include "backends/gpu/runtime/Symbols.h"

#include <dlfcn.h>

#include <cstring>

namespace smelt::rocm {

bool HipApi::open(const std::string &override, std::string &error) {
  std::vector<std::string> candidates;
  if (!override.empty())
    candidates = {override};
  else
    candidates = {"libamdhip64.so.7", "libamdhip64.so.6", "libamdhip64.so.5"};
  std::string reasons;
  for (const std::string &name : candidates) {
    library = ::dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (library) {
      path = name;
      break;
    }
    if (const char *reason = ::dlerror(); reason && !override.empty())
      reasons = std::string(": ") + reason;
  }
  if (!library) {
    error = (override.empty() ? std::string("libamdhip64.so.7/.6/.5") : override) +
            " not found (no ROCm HIP runtime installed?)" + reasons;
    return false;
  }
  gpu::Symbols resolve(library);
  resolve(hipInit, "hipInit");
  resolve(hipRuntimeGetVersion, "hipRuntimeGetVersion");
  resolve(hipGetDeviceCount, "hipGetDeviceCount");
  resolve(hipDeviceGetName, "hipDeviceGetName");
  resolve(hipDeviceTotalMem, "hipDeviceTotalMem");
  resolve(hipSetDevice, "hipSetDevice");
  resolve(hipModuleLoadData, "hipModuleLoadData");
  resolve(hipModuleUnload, "hipModuleUnload");
  resolve(hipModuleGetFunction, "hipModuleGetFunction");
  resolve(hipFuncGetAttribute, "hipFuncGetAttribute");
  resolve(hipModuleGetGlobal, "hipModuleGetGlobal");
  resolve(hipModuleLaunchKernel, "hipModuleLaunchKernel");
  resolve(hipMalloc, "hipMalloc");
  resolve(hipFree, "hipFree");
  resolve(hipMemcpyHtoDAsync, "hipMemcpyHtoDAsync");
  resolve(hipMemcpyDtoHAsync, "hipMemcpyDtoHAsync");
  resolve(hipMemcpyDtoDAsync, "hipMemcpyDtoDAsync");
  resolve(hipStreamCreateWithFlags, "hipStreamCreateWithFlags");
  resolve(hipStreamDestroy, "hipStreamDestroy");
  resolve(hipStreamSynchronize, "hipStreamSynchronize");
  resolve(hipEventCreate, "hipEventCreate");
  resolve(hipEventRecord, "hipEventRecord");
  resolve(hipEventElapsedTime, "hipEventElapsedTime");
  resolve(hipEventDestroy, "hipEventDestroy");
  resolve(hipGetErrorName, "hipGetErrorName");
  resolve(hipGetErrorString, "hipGetErrorString");
  if (!resolve.ok()) {
    error = path + " has no " + resolve.missing();
    ::dlclose(library);
    library = nullptr;
  }
  return resolve.ok();
}

std::string HipApi::describe(hipError_t result) const {
  const char *name = hipGetErrorName ? hipGetErrorName(result) : nullptr;
  const char *text = hipGetErrorString ? hipGetErrorString(result) : nullptr;
  std::string out = name ? name : "HIP error " + std::to_string(result);
  if (text)
    out += std::string(" (") + text + ")";
  return out;
}

namespace {

// The HSA runtime's ABI (HSA Runtime Programmer's Reference Manual 1.2).
struct hsa_agent_t {
  uint64_t handle;
};
using hsa_status_t = int;
constexpr hsa_status_t HSA_STATUS_SUCCESS = 0;
constexpr int HSA_AGENT_INFO_NAME = 0;   // char[64]
constexpr int HSA_AGENT_INFO_DEVICE = 17; // hsa_device_type_t
constexpr int HSA_DEVICE_TYPE_GPU = 1;

struct Hsa {
  hsa_status_t (*init)();
  hsa_status_t (*shutDown)();
  hsa_status_t (*iterateAgents)(hsa_status_t (*)(hsa_agent_t, void *), void *);
  hsa_status_t (*agentInfo)(hsa_agent_t, int, void *);
};

} // namespace

std::vector<std::string> hsaGpuAgentNames() {
  // HIP has loaded it already; RTLD_NOLOAD would miss a statically linked
  // runtime, so open it by name (a reference, not a second copy).
  void *library = ::dlopen("libhsa-runtime64.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!library)
    return {};
  Hsa hsa{};
  gpu::Symbols resolve(library);
  resolve(hsa.init, "hsa_init");
  resolve(hsa.shutDown, "hsa_shut_down");
  resolve(hsa.iterateAgents, "hsa_iterate_agents");
  resolve(hsa.agentInfo, "hsa_agent_get_info");
  std::vector<std::string> names;
  if (resolve.ok() && hsa.init() == HSA_STATUS_SUCCESS) {
    struct Context {
      Hsa *hsa;
      std::vector<std::string> *names;
    } context{&hsa, &names};
    hsa.iterateAgents(
        [](hsa_agent_t agent, void *data) -> hsa_status_t {
          auto *c = static_cast<Context *>(data);
          int type = -1;
          if (c->hsa->agentInfo(agent, HSA_AGENT_INFO_DEVICE, &type) != HSA_STATUS_SUCCESS ||
              type != HSA_DEVICE_TYPE_GPU)
            return HSA_STATUS_SUCCESS;
          char name[64] = {};
          if (c->hsa->agentInfo(agent, HSA_AGENT_INFO_NAME, name) == HSA_STATUS_SUCCESS)
            c->names->push_back(std::string(name, strnlen(name, sizeof(name))));
          return HSA_STATUS_SUCCESS;
        },
        &context);
    hsa.shutDown(); // HSA counts init/shut_down pairs; HIP's own stays
  }
  ::dlclose(library);
  return names;
}

} // namespace smelt::rocm
