//===- CpuExecutor.cpp - Run an artifact's commands on the host
//------------===//
#include "CpuExecutor.h"

#include "Status.h"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

namespace smelt::runtime {
namespace {

#if defined(__x86_64__)
constexpr const char *kHostArchitecture = "x86_64";
#elif defined(__aarch64__)
constexpr const char *kHostArchitecture = "aarch64";
#else
constexpr const char *kHostArchitecture = "";
#endif

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
    if (feature.empty())
      continue;
    bool present = false;
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (feature == "sse4.2") present = __builtin_cpu_supports("sse4.2");
    else if (feature == "avx") present = __builtin_cpu_supports("avx");
    else if (feature == "avx2") present = __builtin_cpu_supports("avx2");
    else if (feature == "fma") present = __builtin_cpu_supports("fma");
    else if (feature == "avx512f") present = __builtin_cpu_supports("avx512f");
    else if (feature == "avx512bw") present = __builtin_cpu_supports("avx512bw");
    else if (feature == "avx512dq") present = __builtin_cpu_supports("avx512dq");
    else if (feature == "avx512vl") present = __builtin_cpu_supports("avx512vl");
#endif
    if (!present)
      return feature;
  }
  return {};
}

void writeAll(int fd, const uint8_t *bytes, size_t size,
              const std::string &name) {
  while (size > 0) {
    ssize_t written = ::write(fd, bytes, size);
    if (written < 0 && errno == EINTR)
      continue;
    if (written <= 0)
      fail(SMELT_INTERNAL,
           "cannot write " + name + " to memory: " + std::strerror(errno));
    bytes += written;
    size -= static_cast<size_t>(written);
  }
}

std::string fdPath(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

struct ArenaDeleter {
  void operator()(uint8_t *memory) const { std::free(memory); }
};

} // namespace

//===----------------------------------------------------------------------===//
// CpuCodeObject
//===----------------------------------------------------------------------===//

std::unique_ptr<CpuCodeObject> CpuCodeObject::load(const uint8_t *bytes,
                                                   size_t size,
                                                   const std::string &name) {
  int fd = ::memfd_create("smelt-cpu-code", MFD_CLOEXEC);
  if (fd < 0)
    fail(SMELT_UNSUPPORTED, "cannot load " + name + ": memfd_create failed: " +
                                std::strerror(errno));
  try {
    writeAll(fd, bytes, size, name);
  } catch (...) {
    ::close(fd);
    throw;
  }

  // The dynamic loader recognises an already-loaded object by the path it
  // was opened with, so "/proc/self/fd/N" of an object that is still loaded
  // (or that dlclose kept resident) would return that old object. The fd stays
  // open while the object is loaded, and if the path is known to the loader
  // anyway, move to a fresh fd number until it is not.
  std::vector<int> busyDescriptors;
  auto closeBusy = [&] {
    for (int busy : busyDescriptors)
      ::close(busy);
  };
  for (int attempt = 0; attempt < 64; ++attempt) {
    void *stale = ::dlopen(fdPath(fd).c_str(), RTLD_NOW | RTLD_NOLOAD);
    if (!stale)
      break;
    ::dlclose(stale);
    int fresh = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (fresh < 0)
      break;
    busyDescriptors.push_back(fd);
    fd = fresh;
  }
  closeBusy();

  void *handle = ::dlopen(fdPath(fd).c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char *reason = ::dlerror();
    ::close(fd);
    fail(SMELT_UNSUPPORTED,
         "cannot load " + name + ": " + (reason ? reason : "dlopen failed"));
  }
  return std::unique_ptr<CpuCodeObject>(new CpuCodeObject(handle, fd));
}

CpuCodeObject::~CpuCodeObject() {
  ::dlclose(handle_);
  ::close(fd_);
}

void *CpuCodeObject::findSymbol(const char *symbol) const {
  return ::dlsym(handle_, symbol);
}

//===----------------------------------------------------------------------===//
// CpuExecutor
//===----------------------------------------------------------------------===//

CpuExecutor::CpuExecutor(const artifact::Artifact &artifact,
                         tbb::task_arena &threads)
    : artifact_(artifact), threads_(threads),
      arenaSize_(artifact.index().arena_size()) {
  using namespace artifact;
  const Model &model = artifact.index();
  const uint32_t sectionCount = model.sections() ? model.sections()->size() : 0;
  codeObjects_.resize(sectionCount);

  // Only the sections that kernels use are loaded: an artifact may carry
  // code for other targets that this host simply ignores.
  std::vector<KernelEntry> kernelEntries;
  const uint32_t kernelCount = model.kernels() ? model.kernels()->size() : 0;
  for (uint32_t k = 0; k < kernelCount; ++k) {
    const Kernel *kernel = model.kernels()->Get(k);
    const uint32_t sectionId = kernel->section();
    const Section *section = model.sections()->Get(sectionId);
    const std::string kernelName =
        "kernel " + std::to_string(k) + " ('" + kernel->symbol()->str() + "')";
    const std::string sectionName = "section " + std::to_string(sectionId);
    if (section->target()->str() != "cpu")
      fail(SMELT_UNSUPPORTED, kernelName + " is in " + sectionName +
                                  " for target '" + section->target()->str() +
                                  "'; device 'cpu' runs only target 'cpu'");
    if (section->format()->str() != "elf-shared-object")
      fail(SMELT_UNSUPPORTED, sectionName + " has format '" +
                                  section->format()->str() +
                                  "'; the CPU runtime loads only "
                                  "'elf-shared-object'");
    if (section->arch() && section->arch()->size() != 0) {
      // "x86_64:znver3": the part before ':' is the instruction set.
      std::string arch = section->arch()->str();
      std::string isa = arch.substr(0, arch.find(':'));
      std::string missing = isa == kHostArchitecture ? missingCpuFeature(arch) : "";
      if (!missing.empty())
        fail(SMELT_UNSUPPORTED, sectionName + " is compiled for '" +
                                    arch.substr(0, arch.find(':', arch.find(':') + 1)) +
                                    "', which needs the CPU feature '" + missing +
                                    "' this host lacks; recompile with "
                                    "--target=cpu:<this host's cpu> (or cpu:x86-64-v2)");
      if (isa != kHostArchitecture)
        fail(SMELT_UNSUPPORTED, sectionName + " is compiled for '" + arch +
                                    "'; this host is '" + kHostArchitecture +
                                    "'");
    }
    if (!codeObjects_[sectionId])
      codeObjects_[sectionId] = CpuCodeObject::load(
          artifact.sectionData(sectionId), artifact.sectionSize(sectionId),
          "the CPU code of " + sectionName);
    void *address =
        codeObjects_[sectionId]->findSymbol(kernel->symbol()->c_str());
    if (!address)
      fail(SMELT_NOT_FOUND,
           kernelName + ": symbol '" + kernel->symbol()->str() +
               "' not found in the CPU code of " + sectionName);
    kernelEntries.push_back(reinterpret_cast<KernelEntry>(address));
  }

  const uint32_t bufferCount = model.buffers() ? model.buffers()->size() : 0;
  for (uint32_t b = 0; b < bufferCount; ++b) {
    const Buffer *buffer = model.buffers()->Get(b);
    buffers_.push_back({buffer->kind(), buffer->index(), buffer->offset()});
  }

  const uint32_t commandCount = model.commands() ? model.commands()->size() : 0;
  for (uint32_t c = 0; c < commandCount; ++c) {
    const CommandEntry *entry = model.commands()->Get(c);
    if (const Launch *launch = entry->command_as_Launch()) {
      const Kernel *kernel = model.kernels()->Get(launch->kernel());
      LaunchStep step{kernelEntries[launch->kernel()],
                      static_cast<int64_t>(kernel->grid()),
                      {}};
      if (launch->args())
        step.args.assign(launch->args()->begin(), launch->args()->end());
      steps_.emplace_back(std::move(step));
    } else {
      const Copy *copy = entry->command_as_Copy();
      steps_.emplace_back(
          CopyStep{copy->source(), copy->destination(), copy->size()});
    }
  }
}

CpuExecutor::~CpuExecutor() = default;

void CpuExecutor::launch(const LaunchStep &step, void **args) const {
  if (step.grid <= 0)
    return;
  if (step.grid == 1) {
    // Not worth a trip through the scheduler.
    step.entry(args, 0, 1);
    return;
  }
  threads_.execute([&] {
    tbb::parallel_for(tbb::blocked_range<int64_t>(0, step.grid),
                      [&](const tbb::blocked_range<int64_t> &range) {
                        step.entry(args, range.begin(), range.end());
                      });
  });
}

void CpuExecutor::run(const std::vector<const void *> &inputs,
                      const std::vector<void *> &outputs) const {
  std::unique_ptr<uint8_t, ArenaDeleter> arena;
  if (arenaSize_ > 0) {
    uint64_t allocation = (arenaSize_ + 63) / 64 * 64;
    arena.reset(static_cast<uint8_t *>(std::aligned_alloc(64, allocation)));
    if (!arena)
      fail(SMELT_OUT_OF_MEMORY, "cannot allocate the " +
                                    std::to_string(arenaSize_) +
                                    "-byte scratch arena");
  }

  // Constants are only read by kernels; the const_cast is the kernel ABI's
  // single pointer type, not a licence to write.
  uint8_t *constants = const_cast<uint8_t *>(artifact_.constants());
  std::vector<void *> pointers(buffers_.size());
  for (size_t b = 0; b < buffers_.size(); ++b) {
    const BufferBinding &binding = buffers_[b];
    switch (binding.kind) {
    case artifact::BufferKind::Input:
      pointers[b] = const_cast<void *>(inputs[binding.index]);
      break;
    case artifact::BufferKind::Output:
      pointers[b] = outputs[binding.index];
      break;
    case artifact::BufferKind::Constant:
      pointers[b] = constants + binding.offset;
      break;
    case artifact::BufferKind::Arena:
      pointers[b] = arena.get() + binding.offset;
      break;
    }
  }

  std::vector<void *> args;
  for (const auto &step : steps_) {
    if (const auto *launchStep = std::get_if<LaunchStep>(&step)) {
      args.clear();
      for (uint32_t id : launchStep->args)
        args.push_back(pointers[id]);
      launch(*launchStep, args.data());
    } else {
      const auto &copy = std::get<CopyStep>(step);
      if (copy.size > 0)
        std::memmove(pointers[copy.destination], pointers[copy.source],
                     copy.size);
    }
  }
}

} // namespace smelt::runtime
