//===- CpuDriver.cpp - The CPU driver, through the plugin ABI -------------===//
//
// Runs plans whose kernels are compiled to an ELF shared object for the host
// ("cpu" sections): loads the object from memory (memfd + dlopen), resolves
// each kernel once, and runs the command list, parallel launches going to the
// host's thread pool (smelt_host_t.parallel_for). It sees the runtime only
// through smelt/plugin.h, like any external plugin, and is linked into
// libsmelt_runtime.so as a built-in.
//
// A kernel entry is `void kernel(void **buffers, int64_t first_id,
// int64_t end_id)`; a launch calls it over sub-ranges of [0, grid).
//
//===----------------------------------------------------------------------===//
#include "LibraryGemm.h"
#include "OneDnnOps.h"
#include "smelt/plugin.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <fcntl.h>
#include <fstream>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <sys/mman.h>
#include <unistd.h>
#include <vector>

namespace {

/// Thrown inside the driver; every ABI entry turns it into a status.
struct DriverError : std::runtime_error {
  DriverError(smelt_status_code_t code, const std::string &message)
      : std::runtime_error(message), code(code) {}
  smelt_status_code_t code;
};

[[noreturn]] void fail(smelt_status_code_t code, const std::string &message) {
  throw DriverError(code, message);
}

template <typename Body>
smelt_status_code_t guard(smelt_plugin_error_t *error, Body &&body) noexcept {
  auto report = [&](smelt_status_code_t code, const char *message) {
    if (error && error->struct_size >= sizeof(smelt_plugin_error_t))
      std::snprintf(error->message, sizeof(error->message), "%s", message);
    return code;
  };
  try {
    body();
    return SMELT_OK;
  } catch (const DriverError &failure) {
    return report(failure.code, failure.what());
  } catch (const std::bad_alloc &) {
    return report(SMELT_OUT_OF_MEMORY, "out of memory");
  } catch (const std::exception &failure) {
    return report(SMELT_INTERNAL, failure.what());
  } catch (...) {
    return report(SMELT_INTERNAL, "unknown exception in the cpu driver");
  }
}

#if defined(__x86_64__)
constexpr const char *kHostArchitecture = "x86_64";
#elif defined(__aarch64__)
constexpr const char *kHostArchitecture = "aarch64";
#else
constexpr const char *kHostArchitecture = "";
#endif

bool hostHasFeature(const std::string &feature) {
#if defined(__x86_64__)
  __builtin_cpu_init();
  if (feature == "sse4.2") return __builtin_cpu_supports("sse4.2");
  if (feature == "avx") return __builtin_cpu_supports("avx");
  if (feature == "avx2") return __builtin_cpu_supports("avx2");
  if (feature == "fma") return __builtin_cpu_supports("fma");
  if (feature == "avx512f") return __builtin_cpu_supports("avx512f");
  if (feature == "avx512bw") return __builtin_cpu_supports("avx512bw");
  if (feature == "avx512dq") return __builtin_cpu_supports("avx512dq");
  if (feature == "avx512vl") return __builtin_cpu_supports("avx512vl");
#endif
  (void)feature;
  return false;
}

/// The first instruction-set extension that `arch` ("x86_64:znver3:+avx2,
/// +fma,...") requires and this CPU lacks, or empty. Only extensions the
/// compiler records are checked; an unknown name is reported as missing.
std::string missingCpuFeature(const std::string &arch) {
  size_t second = arch.find(':', arch.find(':') + 1);
  if (second == std::string::npos)
    return {};
  std::string list = arch.substr(second + 1);
  size_t start = 0;
  while (start < list.size()) {
    size_t end = list.find(',', start);
    if (end == std::string::npos)
      end = list.size();
    std::string feature = list.substr(start, end - start);
    start = end + 1;
    if (!feature.empty() && feature[0] == '+')
      feature.erase(0, 1);
    if (!feature.empty() && !hostHasFeature(feature))
      return feature;
  }
  return {};
}

void checkSection(const smelt_program_section_t &section) {
  const std::string target = section.target ? section.target : "";
  const std::string format = section.format ? section.format : "";
  if (target != "cpu")
    fail(SMELT_UNSUPPORTED, "it holds code for target '" + target +
                                "'; the cpu driver runs only target 'cpu'");
  if (format != "elf-shared-object")
    fail(SMELT_UNSUPPORTED, "it has format '" + format +
                                "'; the cpu driver loads only "
                                "'elf-shared-object'");
  const std::string arch = section.arch ? section.arch : "";
  if (arch.empty())
    return;
  // "x86_64:znver3:+avx2": the part before ':' is the instruction set.
  std::string isa = arch.substr(0, arch.find(':'));
  if (isa != kHostArchitecture)
    fail(SMELT_UNSUPPORTED, "it is compiled for '" + arch + "'; this host is '" +
                                kHostArchitecture + "'");
  std::string missing = missingCpuFeature(arch);
  if (!missing.empty())
    fail(SMELT_UNSUPPORTED,
         "it is compiled for '" + arch.substr(0, arch.find(':', isa.size() + 1)) +
             "', which needs the CPU feature '" + missing +
             "' this host lacks; recompile with --target=cpu:<this host's cpu> "
             "(or cpu:x86-64-v2), or add such a target to a fat artifact");
}

void writeAll(int fd, const uint8_t *bytes, size_t size, const std::string &name) {
  while (size > 0) {
    ssize_t written = ::write(fd, bytes, size);
    if (written < 0 && errno == EINTR)
      continue;
    if (written <= 0)
      fail(SMELT_INTERNAL, "cannot write " + name + " to memory: " + std::strerror(errno));
    bytes += written;
    size -= static_cast<size_t>(written);
  }
}

std::string fdPath(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

/// An ELF shared object loaded from bytes in memory, without touching disk:
/// written to a memfd and dlopen'ed through /proc/self/fd.
class CodeObject {
public:
  CodeObject(const uint8_t *bytes, size_t size, const std::string &name) {
    int fd = ::memfd_create("smelt-cpu-code", MFD_CLOEXEC);
    if (fd < 0)
      fail(SMELT_UNSUPPORTED,
           "cannot load " + name + ": memfd_create failed: " + std::strerror(errno));
    try {
      writeAll(fd, bytes, size, name);
    } catch (...) {
      ::close(fd);
      throw;
    }
    // The dynamic loader recognises an already-loaded object by the path it
    // was opened with, so "/proc/self/fd/N" of an object that is still loaded
    // (or that dlclose kept resident) would return that old object. The fd
    // stays open while the object is loaded, and if the path is known to the
    // loader anyway, move to a fresh fd number until it is not.
    std::vector<int> busy;
    for (int attempt = 0; attempt < 64; ++attempt) {
      void *stale = ::dlopen(fdPath(fd).c_str(), RTLD_NOW | RTLD_NOLOAD);
      if (!stale)
        break;
      ::dlclose(stale);
      int fresh = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
      if (fresh < 0)
        break;
      busy.push_back(fd);
      fd = fresh;
    }
    for (int descriptor : busy)
      ::close(descriptor);
    handle_ = ::dlopen(fdPath(fd).c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle_) {
      const char *reason = ::dlerror();
      ::close(fd);
      fail(SMELT_UNSUPPORTED,
           "cannot load " + name + ": " + (reason ? reason : "dlopen failed"));
    }
    fd_ = fd;
  }
  ~CodeObject() {
    ::dlclose(handle_);
    ::close(fd_);
  }
  CodeObject(const CodeObject &) = delete;
  CodeObject &operator=(const CodeObject &) = delete;

  void *find(const char *symbol) const { return ::dlsym(handle_, symbol); }

private:
  void *handle_ = nullptr;
  int fd_ = -1; // kept open while loaded: see the constructor
};

using KernelEntry = void (*)(void **buffers, int64_t firstId, int64_t endId);

struct Driver {
  const smelt_host_t *host;
  std::string deviceName;
  std::string deviceArch;
  uint64_t memoryBytes = 0;
};

struct FreeDeleter {
  void operator()(uint8_t *memory) const { std::free(memory); }
};

struct Program {
  struct Launch {
    KernelEntry entry;
    int64_t grid;
    std::vector<uint32_t> args;
    smelt::cpu::Gemm library; // used instead of `entry` when bound
    std::shared_ptr<smelt::cpu::OneDnnConv> conv; // likewise, for conv2d
    std::shared_ptr<smelt::cpu::OneDnnPool> pool; // likewise, for pool2d
    std::vector<uint32_t> libraryArgs;
    bool hasBias = false, hasResidual = false;
  };
  struct Copy {
    uint32_t source, destination;
    uint64_t size;
  };
  struct AllReduce {
    uint32_t source, destination;
    smelt_dtype_t dtype;
    uint64_t count;
    smelt_reduction_t reduction;
  };
  struct Step {
    smelt_command_kind_t kind;
    Launch launch;
    Copy copy;
    AllReduce reduce;
    std::string label; // for the profile
  };

  const smelt_host_t *host;
  std::vector<std::unique_ptr<CodeObject>> codeObjects; // by section id
  std::vector<smelt_program_buffer_t> buffers;
  std::vector<Step> steps;
  const uint8_t *constants;
  uint64_t arenaSize;
  std::string description;
  /// Scratch arenas of finished runs, reused by later ones: a fresh
  /// allocation of megabytes is a fresh mmap whose every page faults on
  /// first touch. Concurrent runs each hold their own.
  mutable std::mutex arenaMutex;
  mutable std::vector<std::unique_ptr<uint8_t, FreeDeleter>> idleArenas;
  /// SMELT_PROFILE=1: seconds spent in each step over all runs, printed to
  /// stderr when the program is released.
  bool profile = false;
  bool profileAll = false; // SMELT_PROFILE=all: list every command
  mutable std::mutex profileMutex;
  mutable std::vector<double> stepSeconds;
  mutable uint64_t runs = 0;

  void run(const void *const *inputs, void *const *outputs) const;
  void runStep(const Step &step, std::vector<void *> &pointers, std::vector<void *> &args) const;
  ~Program();
};

struct LaunchContext {
  KernelEntry entry;
  void **args;
};

void launchRange(void *context, int64_t begin, int64_t end) {
  auto *launch = static_cast<LaunchContext *>(context);
  launch->entry(launch->args, begin, end);
}


void Program::run(const void *const *inputs, void *const *outputs) const {
  std::unique_ptr<uint8_t, FreeDeleter> arena;
  if (arenaSize > 0) {
    {
      std::lock_guard<std::mutex> lock(arenaMutex);
      if (!idleArenas.empty()) {
        arena = std::move(idleArenas.back());
        idleArenas.pop_back();
      }
    }
    if (!arena) {
      uint64_t allocation = (arenaSize + 63) / 64 * 64;
      arena.reset(static_cast<uint8_t *>(std::aligned_alloc(64, allocation)));
      if (!arena)
        fail(SMELT_OUT_OF_MEMORY,
             "cannot allocate the " + std::to_string(arenaSize) + "-byte scratch arena");
    }
  }
  // Back to the pool however the run ends (a failing command throws).
  struct Release {
    const Program &program;
    std::unique_ptr<uint8_t, FreeDeleter> &arena;
    ~Release() {
      if (!arena)
        return;
      std::lock_guard<std::mutex> lock(program.arenaMutex);
      program.idleArenas.push_back(std::move(arena));
    }
  } release{*this, arena};
  // Constants are only read by kernels; the const_cast is the kernel ABI's
  // single pointer type, not a licence to write.
  std::vector<void *> pointers(buffers.size());
  for (size_t b = 0; b < buffers.size(); ++b) {
    const smelt_program_buffer_t &buffer = buffers[b];
    switch (buffer.kind) {
    case SMELT_BUFFER_INPUT:
      pointers[b] = const_cast<void *>(inputs[buffer.index]);
      break;
    case SMELT_BUFFER_OUTPUT:
      pointers[b] = outputs[buffer.index];
      break;
    case SMELT_BUFFER_CONSTANT:
      pointers[b] = const_cast<uint8_t *>(constants) + buffer.offset;
      break;
    case SMELT_BUFFER_ARENA:
      pointers[b] = arena.get() + buffer.offset;
      break;
    }
  }
  std::vector<void *> args;
  if (!profile) {
    for (const Step &step : steps)
      runStep(step, pointers, args);
    return;
  }
  std::vector<double> seconds(steps.size());
  for (size_t i = 0; i < steps.size(); ++i) {
    auto start = std::chrono::steady_clock::now();
    runStep(steps[i], pointers, args);
    seconds[i] = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  std::lock_guard<std::mutex> lock(profileMutex);
  stepSeconds.resize(steps.size());
  for (size_t i = 0; i < steps.size(); ++i)
    stepSeconds[i] += seconds[i];
  ++runs;
}

void Program::runStep(const Step &step, std::vector<void *> &pointers,
                      std::vector<void *> &args) const {
  if (step.kind == SMELT_COMMAND_LAUNCH && step.launch.conv) {
    const Launch &launch = step.launch;
    const std::vector<uint32_t> &ids = launch.libraryArgs;
    size_t next = 2;
    const float *bias = launch.hasBias ? static_cast<const float *>(pointers[ids[next++]])
                                       : nullptr;
    const float *residual =
        launch.hasResidual ? static_cast<const float *>(pointers[ids[next++]]) : nullptr;
    std::string failure = launch.conv->run(static_cast<const float *>(pointers[ids[0]]),
                                           static_cast<const float *>(pointers[ids[1]]), bias,
                                           residual, static_cast<float *>(pointers[ids[next]]));
    if (!failure.empty())
      fail(SMELT_INTERNAL, failure);
  } else if (step.kind == SMELT_COMMAND_LAUNCH && step.launch.pool) {
    const std::vector<uint32_t> &ids = step.launch.libraryArgs;
    std::string failure = step.launch.pool->run(static_cast<const float *>(pointers[ids[0]]),
                                                static_cast<float *>(pointers[ids[1]]));
    if (!failure.empty())
      fail(SMELT_INTERNAL, failure);
  } else if (step.kind == SMELT_COMMAND_LAUNCH && step.launch.library.bound()) {
    const std::vector<uint32_t> &ids = step.launch.libraryArgs; // A, B, [bias], C
    const smelt::cpu::Gemm &gemm = step.launch.library;
    std::string failure =
        runGemm(gemm, static_cast<const float *>(pointers[ids[0]]),
                static_cast<const float *>(pointers[ids[1]]),
                gemm.hasBias ? static_cast<const float *>(pointers[ids[2]]) : nullptr,
                static_cast<float *>(pointers[ids.back()]));
    if (!failure.empty())
      fail(SMELT_INTERNAL, failure);
  } else if (step.kind == SMELT_COMMAND_LAUNCH) {
    args.clear();
    for (uint32_t id : step.launch.args)
      args.push_back(pointers[id]);
    LaunchContext context{step.launch.entry, args.data()};
    host->parallel_for(host->context, step.launch.grid, launchRange, &context);
  } else if (step.kind == SMELT_COMMAND_COPY) {
    if (step.copy.size > 0)
      std::memmove(pointers[step.copy.destination], pointers[step.copy.source],
                   step.copy.size);
  } else {
    // Host memory already: the host's communicator reduces it in place.
    smelt_plugin_error_t error{};
    error.struct_size = sizeof(error);
    const AllReduce &reduce = step.reduce;
    smelt_status_code_t code =
        host->all_reduce(host->context, pointers[reduce.source], pointers[reduce.destination],
                         reduce.count, reduce.dtype, reduce.reduction, &error);
    if (code != SMELT_OK)
      fail(code, std::string("all-reduce: ") + error.message);
  }
}

Program::~Program() {
  if (!profile || runs == 0)
    return;
  double total = 0;
  for (double value : stepSeconds)
    total += value;
  std::vector<size_t> order(stepSeconds.size());
  for (size_t i = 0; i < order.size(); ++i)
    order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return stepSeconds[a] > stepSeconds[b]; });
  std::fprintf(stderr, "smelt profile: %llu run(s), %.3f ms per run in %zu commands\n",
               static_cast<unsigned long long>(runs), total / runs * 1e3, steps.size());
  std::fprintf(stderr, "  %9s %6s  %s\n", "ms/run", "share", "command");
  size_t profileLines = profileAll ? order.size() : 25;
  for (size_t rank = 0; rank < order.size() && rank < profileLines; ++rank) {
    size_t i = order[rank];
    std::fprintf(stderr, "  %9.3f %5.1f%%  %zu %s\n", stepSeconds[i] / runs * 1e3,
                 total > 0 ? 100.0 * stepSeconds[i] / total : 0.0, i, steps[i].label.c_str());
  }
  if (order.size() > profileLines)
    std::fprintf(stderr, "  ... %zu more (SMELT_PROFILE=all lists every command)\n",
                 order.size() - profileLines);
}

std::string cpuModelName() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line))
    if (line.rfind("model name", 0) == 0 || line.rfind("Model", 0) == 0) {
      size_t colon = line.find(':');
      if (colon != std::string::npos) {
        size_t start = line.find_first_not_of(' ', colon + 1);
        return start == std::string::npos ? "" : line.substr(start);
      }
    }
  return "unknown CPU";
}

std::string hostFeatureList() {
  std::string list;
  for (const char *feature :
       {"sse4.2", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512dq", "avx512vl"})
    if (hostHasFeature(feature))
      list += std::string(list.empty() ? "+" : ",+") + feature;
  return list;
}

//===------------------------------------------------------- ABI entries ===//

smelt_status_code_t create(const smelt_host_t *host, void **outDriver,
                           smelt_plugin_error_t *error) {
  return guard(error, [&] {
    if (!host || host->struct_size < sizeof(smelt_host_t) || !host->all_reduce)
      fail(SMELT_ABI_MISMATCH, "the host table is older than this driver");
    auto driver = std::make_unique<Driver>();
    driver->host = host;
    driver->deviceName =
        cpuModelName() + " (" + std::to_string(host->num_threads) + " threads)";
    driver->deviceArch = std::string(kHostArchitecture) + "::" + hostFeatureList();
    long pages = ::sysconf(_SC_PHYS_PAGES), pageSize = ::sysconf(_SC_PAGESIZE);
    if (pages > 0 && pageSize > 0)
      driver->memoryBytes = static_cast<uint64_t>(pages) * static_cast<uint64_t>(pageSize);
    *outDriver = driver.release();
  });
}

void destroy(void *driver) { delete static_cast<Driver *>(driver); }

uint32_t deviceCount(void *) { return 1; }

smelt_status_code_t deviceInfo(void *state, uint32_t device, smelt_device_info_t *out,
                               smelt_plugin_error_t *error) {
  return guard(error, [&] {
    if (device != 0)
      fail(SMELT_NOT_FOUND, "the cpu driver has one device, 0");
    auto *driver = static_cast<Driver *>(state);
    out->name = driver->deviceName.c_str();
    out->arch = driver->deviceArch.c_str();
    out->memory_bytes = driver->memoryBytes;
  });
}

const char *const kLibraries[] = {"oneDNN", "OpenBLAS"};
uint32_t libraryCount(void *) { return 2; }
const char *libraryName(void *, uint32_t index) { return index < 2 ? kLibraries[index] : nullptr; }

smelt_status_code_t checkSectionEntry(void *, uint32_t, const smelt_program_section_t *section,
                                      smelt_plugin_error_t *error) {
  return guard(error, [&] { checkSection(*section); });
}

/// Binds a conv2d or pool2d to oneDNN when the command offers it (`bind`
/// returns the bound op, or null and why); says what runs, for `smelt run -v`.
template <typename Bind>
std::string chooseOneDnn(const smelt_program_command_t &command, Bind bind) {
  bool offered = false;
  for (uint32_t l = 0; l < command.library_count; ++l)
    offered |= std::string(command.libraries[l]) == "oneDNN";
  if (!offered)
    return "generated kernel (no library offered)";
  std::string why;
  const smelt::cpu::OneDnnOp *op = bind(why);
  return op ? op->name() : "generated kernel (oneDNN: " + why + ")";
}

/// "AxBxC" of the params at `positions`.
std::string joinDims(const int64_t *params, std::initializer_list<int> positions) {
  std::string text;
  for (int position : positions)
    text += (text.empty() ? "" : "x") + std::to_string(params[position]);
  return text;
}

/// Tensors that one oneDNN op (a convolution or pooling) writes and only
/// oneDNN ops read stay in the layout oneDNN chose (see keepInLibraryLayout):
/// the reorders around every call disappear between consecutive library ops.
/// Only scratch buffers qualify (inputs and outputs are NCHW for the caller),
/// each with exactly one writer; they are decided in the order of their
/// writers, since a pooling writes the layout it was given. Returns how many
/// were kept.
size_t keepTensorsInLibraryLayout(Program &program) {
  enum Role { Writer, Input, Residual, Other };
  std::vector<std::vector<std::pair<size_t, Role>>> uses(program.buffers.size());
  auto libraryOp = [&](size_t stepIndex) -> smelt::cpu::OneDnnOp * {
    const Program::Launch &launch = program.steps[stepIndex].launch;
    if (launch.conv)
      return launch.conv.get();
    return launch.pool.get();
  };
  for (size_t i = 0; i < program.steps.size(); ++i) {
    const Program::Step &step = program.steps[i];
    auto use = [&](uint32_t id, Role role) {
      if (id < uses.size())
        uses[id].emplace_back(i, role);
    };
    if (step.kind == SMELT_COMMAND_LAUNCH && step.launch.conv) {
      const std::vector<uint32_t> &ids = step.launch.libraryArgs;
      size_t next = 2;
      use(ids[0], Input);
      use(ids[1], Other);
      if (step.launch.hasBias)
        use(ids[next++], Other);
      if (step.launch.hasResidual)
        use(ids[next++], Residual);
      use(ids[next], Writer);
    } else if (step.kind == SMELT_COMMAND_LAUNCH && step.launch.pool) {
      use(step.launch.libraryArgs[0], Input);
      use(step.launch.libraryArgs[1], Writer);
    } else if (step.kind == SMELT_COMMAND_LAUNCH) {
      for (uint32_t id : step.launch.args)
        use(id, Other);
    } else if (step.kind == SMELT_COMMAND_COPY) {
      use(step.copy.source, Other);
      use(step.copy.destination, Other);
    } else {
      use(step.reduce.source, Other);
      use(step.reduce.destination, Other);
    }
  }
  std::vector<std::pair<size_t, smelt::cpu::LibraryEdge>> edges; // by writer step
  for (size_t b = 0; b < uses.size(); ++b) {
    if (program.buffers[b].kind != SMELT_BUFFER_ARENA)
      continue;
    smelt::cpu::LibraryEdge edge{nullptr, {}, program.buffers[b].size};
    size_t writer = 0;
    bool eligible = true;
    for (auto [stepIndex, role] : uses[b]) {
      if (role == Other || (role == Writer && edge.producer)) {
        eligible = false;
        break;
      }
      if (role == Writer) {
        edge.producer = libraryOp(stepIndex);
        writer = stepIndex;
      } else {
        edge.consumers.emplace_back(libraryOp(stepIndex), role == Residual);
      }
    }
    if (eligible && edge.producer)
      edges.emplace_back(writer, std::move(edge));
  }
  // Each library op writes one tensor: the writers are distinct.
  std::sort(edges.begin(), edges.end(),
            [](const auto &a, const auto &b) { return a.first < b.first; });
  size_t kept = 0;
  for (const auto &[writer, edge] : edges)
    kept += smelt::cpu::keepInLibraryLayout(edge);
  return kept;
}

smelt_status_code_t programLoad(void *state, uint32_t, const smelt_program_t *view,
                                void **outProgram, const char **outDescription,
                                smelt_plugin_error_t *error) {
  return guard(error, [&] {
    auto *driver = static_cast<Driver *>(state);
    if (view->struct_size < sizeof(smelt_program_t))
      fail(SMELT_ABI_MISMATCH, "the program view is older than this driver");
    auto program = std::make_unique<Program>();
    program->host = driver->host;
    program->codeObjects.resize(view->section_count);
    program->buffers.assign(view->buffers, view->buffers + view->buffer_count);
    program->constants = static_cast<const uint8_t *>(view->constants);
    program->arenaSize = view->arena_size;
    const char *profile = std::getenv("SMELT_PROFILE");
    program->profile = profile && *profile && std::string(profile) != "0";
    program->profileAll = program->profile && std::string(profile) == "all";

    std::vector<KernelEntry> entries;
    for (uint32_t k = 0; k < view->kernel_count; ++k) {
      const smelt_program_kernel_t &kernel = view->kernels[k];
      const std::string sectionName = "section " + std::to_string(kernel.section);
      std::unique_ptr<CodeObject> &code = program->codeObjects[kernel.section];
      if (!code) {
        const smelt_program_section_t &section = view->sections[kernel.section];
        try {
          checkSection(section);
        } catch (const DriverError &failure) {
          fail(failure.code, sectionName + ": " + failure.what());
        }
        code = std::make_unique<CodeObject>(static_cast<const uint8_t *>(section.data),
                                            section.size, "the CPU code of " + sectionName);
      }
      void *address = code->find(kernel.symbol);
      if (!address)
        fail(SMELT_NOT_FOUND, "kernel " + std::to_string(k) + " ('" + kernel.symbol +
                                  "'): symbol '" + kernel.symbol +
                                  "' not found in the CPU code of " + sectionName);
      entries.push_back(reinterpret_cast<KernelEntry>(address));
    }
    // Per command with a library op: what it is, and what runs it.
    std::vector<std::string> libraryOps(view->command_count), described(view->command_count),
        chosen(view->command_count);
    for (uint32_t c = 0; c < view->command_count; ++c) {
      const smelt_program_command_t &command = view->commands[c];
      Program::Step step{};
      step.kind = command.kind;
      if (command.kind == SMELT_COMMAND_LAUNCH) {
        step.label = view->kernels[command.kernel].symbol;
        step.launch.entry = entries[command.kernel];
        step.launch.grid = static_cast<int64_t>(view->kernels[command.kernel].grid);
        step.launch.args.assign(command.args, command.args + command.arg_count);
        const int64_t *params = command.library_params;
        if (command.library_op && std::string(command.library_op) == "conv2d" &&
            command.library_param_count == 21) {
          std::string choice = chooseOneDnn(command, [&](std::string &why) {
            // Constant weights can be reordered once for the library.
            const smelt_program_buffer_t &weights = view->buffers[command.library_args[1]];
            const float *constantWeights =
                weights.kind == SMELT_BUFFER_CONSTANT
                    ? reinterpret_cast<const float *>(
                          static_cast<const uint8_t *>(view->constants) + weights.offset)
                    : nullptr;
            step.launch.conv = smelt::cpu::bindOneDnnConv(*driver->host, params,
                                                          constantWeights, why);
            return step.launch.conv.get();
          });
          step.launch.libraryArgs.assign(command.library_args,
                                         command.library_args + command.library_arg_count);
          step.launch.hasBias = params[18] != 0;
          step.launch.hasResidual = params[19] != 0;
          libraryOps[c] = "conv2d";
          chosen[c] = choice;
          described[c] = "  kernel " + std::to_string(command.kernel) + " '" +
                     view->kernels[command.kernel].symbol + "' (conv2d " +
                     joinDims(params, {0, 1, 2, 3}) + " -> " + joinDims(params, {4, 7, 8}) +
                     ")";
        } else if (command.library_op && std::string(command.library_op) == "pool2d" &&
                   command.library_param_count == 17) {
          std::string choice = chooseOneDnn(command, [&](std::string &why) {
            step.launch.pool = smelt::cpu::bindOneDnnPool(*driver->host, params, why);
            return step.launch.pool.get();
          });
          step.launch.libraryArgs.assign(command.library_args,
                                         command.library_args + command.library_arg_count);
          static const char *const kKinds[] = {"max", "average", "average with padding"};
          libraryOps[c] = "pool2d";
          chosen[c] = choice;
          described[c] = "  kernel " + std::to_string(command.kernel) + " '" +
                     view->kernels[command.kernel].symbol + "' (pool2d " + kKinds[params[16]] +
                     " " + joinDims(params, {0, 1, 2, 3}) + " -> " + joinDims(params, {4, 5}) +
                     ")";
        } else if (command.library_op) {
          std::string choice;
          // A, B, [bias], C: the library's buffers, or the kernel's (a plain
          // gemm's).
          if (command.library_arg_count)
            step.launch.libraryArgs.assign(command.library_args,
                                           command.library_args + command.library_arg_count);
          else
            step.launch.libraryArgs = step.launch.args;
          // A constant B (a layer's weights) can be packed once for the library.
          const smelt_program_buffer_t *b = step.launch.libraryArgs.size() >= 3
                                                ? &view->buffers[step.launch.libraryArgs[1]]
                                                : nullptr;
          const float *constantB =
              b && b->kind == SMELT_BUFFER_CONSTANT
                  ? reinterpret_cast<const float *>(
                        static_cast<const uint8_t *>(view->constants) + b->offset)
                  : nullptr;
          step.launch.library =
              smelt::cpu::bindLibraryCall(*driver->host, command, constantB, choice);
          const smelt::cpu::Gemm &g = step.launch.library;
          libraryOps[c] = command.library_op;
          chosen[c] = choice;
          described[c] = "  kernel " + std::to_string(command.kernel) + " '" +
                     view->kernels[command.kernel].symbol + "' (" + command.library_op + " " +
                     std::to_string(g.batch) + "x" + std::to_string(g.m) + "x" +
                     std::to_string(g.n) + "x" + std::to_string(g.k) +
                     (g.hasBias ? " + bias" : "") + (g.relu ? " + relu" : "") + ")";
        }
      } else if (command.kind == SMELT_COMMAND_COPY) {
        step.copy = {command.source, command.destination, command.size};
        step.label = "copy of " + std::to_string(command.size) + " bytes";
      } else if (command.kind == SMELT_COMMAND_ALL_REDUCE) {
        step.reduce = {command.source, command.destination, command.dtype, command.count,
                       command.reduction};
        step.label = "all-reduce of " + std::to_string(command.count) + " elements";
      } else {
        fail(SMELT_UNSUPPORTED, "command " + std::to_string(c) + " has a kind (" +
                                    std::to_string(int(command.kind)) +
                                    ") the cpu driver does not know");
      }
      program->steps.push_back(std::move(step));
    }
    size_t kept = keepTensorsInLibraryLayout(*program);
    // oneDNN's pooling pays where it saves reorders; on NCHW on both sides the
    // generated kernel is as fast (max-pool) or faster (global average pool:
    // 0.08 against 0.12 ms for 64x112x112).
    for (uint32_t c = 0; c < view->command_count; ++c) {
      Program::Launch &launch = program->steps[c].launch;
      if (launch.pool && !launch.pool->inLibraryLayout()) {
        launch.pool.reset();
        chosen[c] = "generated kernel (oneDNN's pooling would read and write NCHW here, "
                    "where the generated kernel is as fast)";
      }
    }
    std::string choices;
    for (uint32_t c = 0; c < view->command_count; ++c) {
      if (libraryOps[c].empty())
        continue;
      program->steps[c].label += " [" + libraryOps[c] + ": " + chosen[c] + "]";
      choices += described[c] + ": " + chosen[c] + "\n";
    }
    if (kept > 0)
      choices += "  " + std::to_string(kept) +
                 " tensor(s) between oneDNN ops stay in oneDNN's layout\n";
    uint32_t loaded = 0;
    for (const auto &code : program->codeObjects)
      loaded += code != nullptr;
    program->description =
        "cpu: " + std::to_string(loaded) + " code object(s) loaded; " +
        (choices.empty() ? "every kernel runs generated code (no library-call ops)\n"
                         : "library-call ops:\n" + choices);
    *outDescription = program->description.c_str();
    *outProgram = program.release();
  });
}

smelt_status_code_t programRun(void *program, const void *const *inputs, void *const *outputs,
                               smelt_plugin_error_t *error) {
  return guard(error, [&] { static_cast<const Program *>(program)->run(inputs, outputs); });
}

void programRelease(void *program) { delete static_cast<Program *>(program); }

const smelt_driver_t kDriver = {
    sizeof(smelt_driver_t), "cpu",        create,         destroy,
    deviceCount,            deviceInfo,   libraryCount,   libraryName,
    checkSectionEntry,      programLoad,  programRun,     programRelease,
};

const smelt_plugin_t kPlugin = {
    sizeof(smelt_plugin_t), SMELT_PLUGIN_ABI_MAJOR, SMELT_PLUGIN_ABI_MINOR, "cpu",
    SMELT_VERSION_STRING,   &kDriver,
};

} // namespace

/// Registered by the runtime as a built-in (see BuiltinPlugins.cpp.in).
extern "C" const smelt_plugin_t *smelt_builtin_plugin_cpu(void) { return &kPlugin; }
