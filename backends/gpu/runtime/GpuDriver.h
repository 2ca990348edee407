//===- GpuDriver.h - What the CUDA and HIP driver plugins share -*- C++ -*-===//
//
// Both GPU driver plugins run a plan the same way; they differ in the vendor
// API underneath (CUDA driver API, HIP module API) and the BLAS they bind
// (cuBLAS, rocBLAS) and convolution library (MIOpen). GpuDriver holds the shared part: per program the
// module, the kernels' functions and block sizes (from the code), the
// dynamic shared memory and device scratch the compiler published as module
// globals, the constants copied to device memory once, and which gemm calls
// go to the vendor BLAS and which conv2d calls to its convolution library
// (prepared once: descriptors, algorithm, workspace), likewise the gemms
// with an epilogue (bias row, relu) that go to cuBLASLt; per run a lane
// (stream + library handles) and device
// buffers from a caching allocator, inputs copied in, the commands issued in
// order, outputs copied back; all-reduces through NCCL/RCCL between ranks
// (set up with the host's job and broadcast), a device copy in a lone
// process, or staged through host memory; SMELT_PROFILE's device-time
// profile. A vendor
// subclass implements the pure virtual functions.
//
// Compiled into each plugin (a static library with hidden symbols), never
// into the runtime.
//
//===----------------------------------------------------------------------===//
#ifndef SMELT_BACKENDS_GPU_RUNTIME_GPUDRIVER_H
#define SMELT_BACKENDS_GPU_RUNTIME_GPUDRIVER_H

#include "backends/gpu/runtime/Nccl.h"
#include "smelt/plugin.h"

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <vector>

namespace smelt::gpu {

using DevicePtr = uint64_t;
/// The alignment the caller's device memory must have (SMELT_MEMORY_DEVICE
/// tensors): that of device allocations, which the kernels and library
/// calls were chosen for.
constexpr uint64_t kResidentAlignment = 256;
using Stream = void *;
using Event = void *;
using Module = void *;
using Function = void *;

/// Thrown inside a driver, turned into a status at the ABI boundary.
struct Failure {
  smelt_status_code_t code;
  std::string message;
};

[[noreturn]] void fail(smelt_status_code_t code, std::string message);
void setError(smelt_plugin_error_t *error, const std::string &message);

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
    setError(error, "unexpected error in the GPU driver");
    return SMELT_INTERNAL;
  }
}

struct Device {
  int handle = 0;           // the vendor's device ordinal
  void *context = nullptr;  // CUDA's primary context (HIP has none)
  std::string name, arch;   // "NVIDIA H100 80GB HBM3", "sm_90" / "gfx942"
  int major = 0, minor = 0; // compute capability (CUDA)
  size_t memory = 0;
};

/// A GEMM library with a handle per stream (cuBLAS, rocBLAS).
class Blas {
public:
  virtual ~Blas() = default;
  /// The library's name as the host knows it ("cuBLAS") and the entry point
  /// the driver calls (for the load description).
  virtual const char *name() const = 0;
  virtual const char *entryPoint() const = 0;
  virtual void *create(Stream stream) = 0; // fails with a message
  virtual void destroy(void *handle) = 0;
  /// Row-major C[b] = A[b] * B[b] for b < batch, A m x k, B k x n, C m x n,
  /// A and C densely batched, B `strideB` elements apart (0: one B).
  virtual void sgemm(void *handle, int64_t batch, int64_t m, int64_t n, int64_t k,
                     const float *a, const float *b, int64_t strideB, float *c) = 0;
};

/// GEMMs with their epilogue through a vendor library (cuBLASLt), one
/// handle per stream, for the plan's 7-parameter gemm calls
/// (smelt/plugin.h): C = relu?(A * B + bias row), row-major f32.
class EpilogueGemm {
public:
  virtual ~EpilogueGemm() = default;
  virtual const char *name() const = 0;       // "cuBLASLt", as the host knows it
  virtual const char *entryPoint() const = 0; // for the load description
  virtual void *create() = 0;                 // fails with a message
  virtual void destroy(void *handle) = 0;
  /// What the library will run for one gemm (layouts, epilogue, the
  /// algorithm its heuristic ranks first, its workspace), prepared with
  /// `handle` at load time for buffers aligned to `alignment` bytes; null
  /// with `why` set when the library does not take these params.
  virtual void *prepare(void *handle, const int64_t *params, uint32_t alignment,
                        std::string &why) = 0;
  virtual uint64_t workspaceBytes(const void *prepared) const = 0;
  /// "bias + relu, workspace 4096 bytes", for the load description.
  virtual std::string describe(const void *prepared) const = 0;
  virtual void release(void *prepared) = 0;
  /// C = relu?(A * B + bias) on `stream` (`bias` null without one);
  /// `workspace` has workspaceBytes.
  virtual void run(void *handle, Stream stream, void *prepared, const float *a, const float *b,
                   const float *bias, float *c, void *workspace) = 0;
};

/// Convolutions through a vendor library (MIOpen, cuDNN), one handle per
/// stream, for the plan's conv2d library calls (smelt/plugin.h's params).
class Dnn {
public:
  virtual ~Dnn() = default;
  virtual const char *name() const = 0;       // "MIOpen", as the host knows it
  virtual const char *entryPoint() const = 0; // for the load description
  virtual void *create(Stream stream) = 0;    // fails with a message
  virtual void destroy(void *handle) = 0;
  /// What the library will run for one conv2d (descriptors, the algorithm
  /// chosen, its workspace), prepared with `handle` at load time; null with
  /// `why` set when the library does not take these params.
  virtual void *prepare(void *handle, const int64_t *params, std::string &why) = 0;
  virtual uint64_t workspaceBytes(const void *prepared) const = 0;
  /// Bytes of `temporary` run() needs (0: none).
  virtual uint64_t temporaryBytes(const void *prepared) const = 0;
  /// "solution 71 (implicit GEMM)", for the load description.
  virtual std::string describe(const void *prepared) const = 0;
  virtual void release(void *prepared) = 0;
  /// y = relu?(conv(x, w) + bias + residual) on `stream`, the handle's. `bias`
  /// and `residual` are null when absent; the residual may be y itself.
  /// `workspace` and `temporary` have workspaceBytes and temporaryBytes.
  virtual void run(void *handle, Stream stream, const void *prepared, const float *x,
                   const float *w, const float *bias, const float *residual, float *y,
                   float *temporary, void *workspace) = 0;
};

struct Kernel {
  Function function = nullptr;
  unsigned block = 256;
  uint64_t grid = 1;
  /// Dynamic shared memory per block (<kernel>_smelt_dynamic_shared).
  unsigned sharedBytes = 0;
  /// Device scratch for group buffers that fit no shared memory
  /// (<kernel>_smelt_global_scratch): passed as an extra last argument.
  uint64_t scratchBytes = 0;
};

/// A stream and the library handles bound to it; one run uses one at a
/// time.
struct Lane {
  Stream stream = nullptr;
  void *blas = nullptr;
  void *dnn = nullptr;
  void *epilogueGemm = nullptr;
};

class GpuDriver;

struct Program {
  GpuDriver *driver = nullptr;
  Device *device = nullptr;
  const smelt_program_t *plan = nullptr;
  Module module = nullptr;
  std::vector<Kernel> kernels;
  /// Per command: whether it is a gemm bound to the vendor BLAS.
  std::vector<bool> blasGemm;
  /// Per command: the convolution the vendor DNN library runs (null: none).
  std::vector<void *> dnnConv;
  /// Per command: the gemm with its epilogue the vendor library runs (null:
  /// none).
  std::vector<void *> epilogueGemm;
  /// Per run: the largest workspace of the bound convolutions and epilogue
  /// gemms (the commands run in order on one stream and take it in turn),
  /// and room for one output of the convolutions with a residual.
  uint64_t libraryWorkspace = 0, dnnTemporary = 0;
  /// All-reduce: a device copy in a lone process, else through
  /// `communicator` (NCCL/RCCL) when set, else staged through host memory.
  bool loneRank = false;
  void *communicator = nullptr;
  DevicePtr constants = 0;
  /// The largest scratch of its kernels: one buffer per run, which the
  /// kernels (run in order on the run's stream) take in turn.
  uint64_t scratchBytes = 0;
  std::vector<uint64_t> inputBytes, outputBytes;
  std::string description;
  std::mutex lanesMutex;
  std::vector<Lane> idleLanes, allLanes;
  /// SMELT_PROFILE=1 (all): device time of each command over the runs
  /// after the first (`runs` of them), and of the first, cold run (module
  /// JIT, library warm-up) alone, printed only when no other ran.
  bool profile = false, profileAll = false;
  std::mutex profileMutex;
  std::vector<double> commandSeconds, firstRunSeconds;
  uint64_t runs = 0, timedRuns = 0; // timedRuns: the first too
};

class GpuDriver {
public:
  explicit GpuDriver(const smelt_host_t &host) : host_(host) {}
  virtual ~GpuDriver();

  //===------------------------------------------------- the vendor's part ===//
  /// "CUDA", "HIP" (for messages).
  virtual const char *vendor() const = 0;
  /// Opens the vendor library, fills devices_, binds blas_ when found;
  /// fails (SMELT_NOT_FOUND) with the reason the driver cannot start.
  virtual void start() = 0;
  virtual void makeCurrent(Device &device) = 0;
  /// Empty when `device` runs `section`, else why not.
  virtual std::string sectionProblem(const Device &device,
                                     const smelt_program_section_t &section) const = 0;
  /// Loads the code of `plan` (whose kernels name `section`) for `device`
  /// and appends what it chose to `description`.
  virtual Module loadModule(Device &device, const smelt_program_t &plan,
                            const smelt_program_section_t &section, std::string &description) = 0;
  virtual void unloadModule(Module module) = 0;
  /// Fails when `symbol` is not in `module`.
  virtual Function function(Module module, const char *symbol) = 0;
  virtual unsigned maxThreadsPerBlock(Function function) = 0;
  /// Lets `function` use `bytes` of dynamic shared memory (fails when the
  /// device cannot give one block that much).
  virtual void allowDynamicShared(Function function, unsigned bytes, const Device &device,
                                  const std::string &symbol) = 0;
  /// The address and size of `module`'s global `name`; false when absent.
  virtual bool global(Module module, const std::string &name, DevicePtr &pointer,
                      size_t &bytes) = 0;
  /// 0 and `error` when the device has no memory left.
  virtual DevicePtr tryAllocate(uint64_t bytes, std::string &error) = 0;
  virtual void freeMemory(DevicePtr pointer) = 0;
  virtual void copyToDevice(DevicePtr destination, const void *source, size_t bytes,
                            Stream stream, const char *what) = 0;
  virtual void copyToHost(void *destination, DevicePtr source, size_t bytes, Stream stream,
                          const char *what) = 0;
  virtual void copyOnDevice(DevicePtr destination, DevicePtr source, size_t bytes,
                            Stream stream) = 0;
  virtual Stream createStream() = 0;
  virtual void destroyStream(Stream stream) = 0;
  /// Waits for `stream`; fails naming `what` when the work on it failed.
  virtual void synchronize(Stream stream, const char *what) = 0;
  /// Waits without failing (cleanup after an error).
  virtual void drain(Stream stream) = 0;
  virtual Event createEvent() = 0;
  virtual void record(Event event, Stream stream) = 0;
  virtual double elapsedSeconds(Event start, Event end) = 0;
  virtual void destroyEvent(Event event) = 0;
  virtual void launch(Function function, uint64_t grid, unsigned block, unsigned sharedBytes,
                      Stream stream, void **parameters, const char *symbol) = 0;

  //===------------------------------------------------------ shared part ===//
  uint32_t deviceCount() const { return uint32_t(devices_.size()); }
  Device &device(uint32_t index);
  Program *load(uint32_t device, const smelt_program_t &plan);
  /// One run. Input/output i is a device pointer, used in place, where
  /// inputOnDevice[i]/outputOnDevice[i] is set (null arrays: all on the
  /// host, copied in and out).
  void run(Program &program, const void *const *inputs, void *const *outputs,
           const uint8_t *inputOnDevice = nullptr, const uint8_t *outputOnDevice = nullptr);
  void release(Program *program);

protected:
  const smelt_host_t &host_;
  std::vector<Device> devices_;
  /// The vendor BLAS when the host found it (else gemms run as kernels).
  std::unique_ptr<Blas> blas_;
  /// The vendor convolution library when found (else convs run as kernels).
  std::unique_ptr<Dnn> dnn_;
  /// The vendor's GEMM with epilogues when found (else such gemms run as
  /// their generated kernels: matmul and epilogue fused).
  std::unique_ptr<EpilogueGemm> epilogueGemm_;
  /// The vendor's collectives library ("NCCL", "RCCL") and its binding when
  /// the host found it (else all-reduces are staged through host memory).
  std::string collectiveLibrary_;
  std::unique_ptr<Nccl> ccl_;

  /// Why blas_, dnn_ and epilogueGemm_ are null ("cuBLASLt: not found
  /// (tried ...)"), or why blas_ makes no handle, for the load description.
  std::string blasMissing_, dnnMissing_,
      epilogueGemmMissing_ = "this driver binds no library for gemm epilogues";

  /// The vendor library `name` through the host, bound by `bind` (its
  /// handle -> the binding, null when an entry point is missing); null with
  /// `missing` saying why when the host did not find it or it did not bind.
  template <typename T, typename Bind>
  std::unique_ptr<T> openLibrary(const char *name, std::string &missing, Bind bind) {
    smelt_host_library_t library{};
    library.struct_size = sizeof(library);
    if (host_.open_library(host_.context, name, &library) != SMELT_OK || !library.handle) {
      missing = std::string(name) + ": " +
                (library.message && *library.message ? library.message : "not found");
      return nullptr;
    }
    std::unique_ptr<T> bound = bind(library.handle);
    if (!bound)
      missing = std::string(name) + " " + (library.version ? library.version : "") + " at " +
                (library.path ? library.path : "?") +
                " lacks an entry point this driver calls";
    return bound;
  }

  /// Frees the cached device memory (each device's with its context
  /// current) and the communicators; the vendor's destructor calls it (while
  /// its API is still usable).
  void releaseDeviceResources();

private:
  /// How the all-reduces of plans on one device go, decided at the first
  /// load of a plan with one (with every rank: it may set up a communicator).
  struct Collectives {
    bool decided = false, lone = false;
    void *communicator = nullptr;
    std::string description;
  };
  Collectives &collectivesFor(Device &device);
  /// Frees `device`'s cached memory; its context is current.
  void trimCache(Device &device);
  DevicePtr allocate(Device &device, uint64_t bytes);
  void releaseMemory(Device &device, DevicePtr pointer, uint64_t bytes);
  /// Whether blas_ makes a handle (checked once, at the first load with a
  /// gemm for it: a cuBLAS newer than the driver loads but makes none); when
  /// not, blasMissing_ says why and gemms run as their generated kernels.
  bool blasMakesHandles();
  template <typename T> bool readGlobal(Module module, const std::string &name, T &value);
  /// Prepares the plan's conv2d calls that name dnn_'s library.
  void bindConvolutions(Program &program);
  /// Prepares the plan's gemm calls with an epilogue that name
  /// epilogueGemm_'s library.
  void bindEpilogueGemms(Program &program);
  Lane acquireLane(Program &program);
  void releaseLane(Program &program, Lane lane);

  std::mutex cacheMutex_;
  /// Device memory handed out again after it is freed, by device handle, in
  /// power-of-two size classes from 256 bytes.
  std::map<int, std::map<uint64_t, std::vector<DevicePtr>>> cache_;
  std::mutex blasMutex_;
  bool blasChecked_ = false, blasRefused_ = false;
  std::map<int, Collectives> collectives_; // by device handle
};

/// The plugin's ABI tables for a GpuDriver subclass `Vendor`, which has
/// `static constexpr const char *kName` ("cuda") and
/// `static const std::vector<const char *> &libraries()` (what `smelt
/// devices -v` lists).
template <typename Vendor> struct PluginTables {
  static smelt_status_code_t create(const smelt_host_t *host, void **out,
                                    smelt_plugin_error_t *error) {
    if (!host || host->struct_size < sizeof(smelt_host_t)) {
      setError(error, "the host table is older than this plugin");
      return SMELT_ABI_MISMATCH;
    }
    return guard(error, [&] {
      auto driver = std::make_unique<Vendor>(*host);
      driver->start();
      *out = static_cast<GpuDriver *>(driver.release());
    });
  }
  static void destroy(void *driver) { delete static_cast<GpuDriver *>(driver); }
  static uint32_t deviceCount(void *driver) {
    return static_cast<GpuDriver *>(driver)->deviceCount();
  }
  static smelt_status_code_t deviceInfo(void *driver, uint32_t index, smelt_device_info_t *out,
                                        smelt_plugin_error_t *error) {
    return guard(error, [&] {
      Device &device = static_cast<GpuDriver *>(driver)->device(index);
      out->name = device.name.c_str();
      out->arch = device.arch.c_str();
      out->memory_bytes = device.memory;
    });
  }
  static uint32_t libraryCount(void *) { return uint32_t(Vendor::libraries().size()); }
  static const char *libraryName(void *, uint32_t index) {
    return index < Vendor::libraries().size() ? Vendor::libraries()[index] : nullptr;
  }
  static smelt_status_code_t checkSection(void *driver, uint32_t index,
                                          const smelt_program_section_t *section,
                                          smelt_plugin_error_t *error) {
    return guard(error, [&] {
      auto &self = *static_cast<GpuDriver *>(driver);
      std::string problem = self.sectionProblem(self.device(index), *section);
      if (!problem.empty())
        fail(SMELT_UNSUPPORTED, problem);
    });
  }
  static smelt_status_code_t programLoad(void *driver, uint32_t device,
                                         const smelt_program_t *plan, void **out,
                                         const char **description, smelt_plugin_error_t *error) {
    return guard(error, [&] {
      Program *program = static_cast<GpuDriver *>(driver)->load(device, *plan);
      *out = program;
      if (description)
        *description = program->description.c_str();
    });
  }
  static smelt_status_code_t programRun(void *program, const void *const *inputs,
                                        void *const *outputs, smelt_plugin_error_t *error) {
    return guard(error, [&] {
      Program &self = *static_cast<Program *>(program);
      self.driver->run(self, inputs, outputs);
    });
  }
  static smelt_status_code_t programRunResident(void *program, const void *const *inputs,
                                                void *const *outputs,
                                                const uint8_t *inputOnDevice,
                                                const uint8_t *outputOnDevice,
                                                smelt_plugin_error_t *error) {
    return guard(error, [&] {
      Program &self = *static_cast<Program *>(program);
      self.driver->run(self, inputs, outputs, inputOnDevice, outputOnDevice);
    });
  }
  static void programRelease(void *program) {
    // No exception may leave the plugin, and release has no status to give.
    try {
      if (auto *self = static_cast<Program *>(program))
        self->driver->release(self);
    } catch (...) {
    }
  }

  static constexpr smelt_driver_t driver = {
      sizeof(smelt_driver_t), Vendor::kName, create,       destroy,     deviceCount,
      deviceInfo,             libraryCount,  libraryName,  checkSection, programLoad,
      programRun,             programRelease, programRunResident,
  };
  static constexpr smelt_plugin_t plugin = {
      sizeof(smelt_plugin_t), SMELT_PLUGIN_ABI_MAJOR, SMELT_PLUGIN_ABI_MINOR, Vendor::kName,
      SMELT_VERSION_STRING,   &driver,
  };
};

} // namespace smelt::gpu

#endif // SMELT_BACKENDS_GPU_RUNTIME_GPUDRIVER_H
