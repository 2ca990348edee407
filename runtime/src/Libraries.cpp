//===- Libraries.cpp - Vendor libraries found at load time ----------------===//
#include "Libraries.h"

#include <cctype>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <mutex>
#include <link.h>

namespace smelt::runtime {
namespace {

using VersionQuery = std::string (*)(void *handle, std::string &note);

template <typename Function>
Function symbol(void *handle, const char *name) {
  return reinterpret_cast<Function>(::dlsym(handle, name));
}

std::string dotted(long major, long minor, long patch) {
  return std::to_string(major) + "." + std::to_string(minor) + "." +
         std::to_string(patch);
}

// Each query uses only the library's documented version call.

std::string oneDnnVersion(void *handle, std::string &) {
  struct Version { // dnnl_version_t
    int major, minor, patch;
    const char *hash;
    unsigned cpuRuntime, gpuRuntime;
  };
  auto query = symbol<const Version *(*)()>(handle, "dnnl_version");
  const Version *version = query ? query() : nullptr;
  return version ? dotted(version->major, version->minor, version->patch) : "";
}

std::string openBlasVersion(void *handle, std::string &note) {
  auto config = symbol<char *(*)()>(handle, "openblas_get_config");
  if (!config || !config())
    return "";
  // "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64"
  std::string text = config();
  if (text.rfind("OpenBLAS ", 0) == 0)
    text.erase(0, 9);
  size_t space = text.find(' ');
  if (space != std::string::npos) {
    note = text.substr(space + 1);
    text.resize(space);
  }
  return text;
}

std::string cublasLtVersion(void *handle, std::string &) {
  auto query = symbol<size_t (*)()>(handle, "cublasLtGetVersion");
  if (!query)
    return "";
  size_t v = query(); // major * 10000 + minor * 100 + patch
  return dotted(v / 10000, v / 100 % 100, v % 100);
}

std::string cublasVersion(void *handle, std::string &) {
  // libraryPropertyType: MAJOR_VERSION 0, MINOR_VERSION 1, PATCH_LEVEL 2.
  auto query = symbol<int (*)(int, int *)>(handle, "cublasGetProperty");
  int major = 0, minor = 0, patch = 0;
  if (!query || query(0, &major) != 0 || query(1, &minor) != 0 || query(2, &patch) != 0)
    return "";
  return dotted(major, minor, patch);
}

std::string cudnnVersion(void *handle, std::string &) {
  auto query = symbol<size_t (*)()>(handle, "cudnnGetVersion");
  if (!query)
    return "";
  size_t v = query(); // 9.x: major*10000 + minor*100 + patch; 8.x: *1000
  if (v >= 90000)
    return dotted(v / 10000, v / 100 % 100, v % 100);
  return dotted(v / 1000, v / 100 % 10, v % 100);
}

std::string ncclVersion(void *handle, std::string &) { // NCCL and RCCL
  auto query = symbol<int (*)(int *)>(handle, "ncclGetVersion");
  int v = 0;
  if (!query || query(&v) != 0)
    return "";
  if (v >= 20900) // since 2.9: major*10000 + minor*100 + patch
    return dotted(v / 10000, v / 100 % 100, v % 100);
  return dotted(v / 1000, v / 100 % 10, v % 100);
}

std::string rocblasVersion(void *handle, std::string &) {
  auto query = symbol<int (*)(char *, size_t)>(handle,
                                               "rocblas_get_version_string");
  char text[128] = {};
  if (!query || query(text, sizeof(text) - 1) != 0)
    return "";
  return text;
}

std::string miopenVersion(void *handle, std::string &) {
  auto query =
      symbol<int (*)(size_t *, size_t *, size_t *)>(handle, "miopenGetVersion");
  size_t major = 0, minor = 0, patch = 0;
  if (!query || query(&major, &minor, &patch) != 0)
    return "";
  return dotted(major, minor, patch);
}

std::string hipblasLtVersion(void *, std::string &note) {
  note = "hipBLASLt reports its version only through a device handle";
  return "";
}

std::string mpiVersion(void *handle, std::string &) {
  // Allowed before MPI_Init by the standard.
  auto query = symbol<int (*)(char *, int *)>(handle, "MPI_Get_library_version");
  std::vector<char> text(8192, 0);
  int length = 0;
  if (!query || query(text.data(), &length) != 0)
    return "";
  std::string version(text.data());
  // "Open MPI v4.1.4, package: Debian OpenMPI, ..." -> "Open MPI v4.1.4"
  size_t end = version.find_first_of(",\n");
  if (end != std::string::npos)
    version.resize(end);
  return version;
}

struct KnownLibrary {
  const char *name;
  const char *purpose;
  std::vector<const char *> sonames; // most preferred first
  VersionQuery version;
  bool global; // RTLD_GLOBAL (MPI loads its own components)
  bool openMp = false; // Debian builds it on GNU OpenMP (libgomp)
};

const std::vector<KnownLibrary> &knownLibraries() {
  static const std::vector<KnownLibrary> libraries = {
      {"oneDNN", "GEMM and convolution on CPU", {"libdnnl.so.3", "libdnnl.so.2"},
       oneDnnVersion, false, true},
      {"OpenBLAS", "GEMM on CPU", {"libopenblas.so.0"}, openBlasVersion, false, true},
      {"cuBLAS", "GEMM on NVIDIA GPUs", {"libcublas.so.13", "libcublas.so.12", "libcublas.so.11"},
       cublasVersion, false},
      {"cuBLASLt", "GEMM with epilogues on NVIDIA GPUs",
       {"libcublasLt.so.13", "libcublasLt.so.12", "libcublasLt.so.11"},
       cublasLtVersion, false},
      {"cuDNN", "convolution on NVIDIA GPUs", {"libcudnn.so.9", "libcudnn.so.8"},
       cudnnVersion, false},
      {"NCCL", "collectives on NVIDIA GPUs", {"libnccl.so.2"}, ncclVersion, false},
      {"hipBLASLt", "GEMM with epilogues on AMD GPUs",
       {"libhipblaslt.so.1", "libhipblaslt.so.0"}, hipblasLtVersion, false},
      {"rocBLAS", "GEMM on AMD GPUs",
       {"librocblas.so.5", "librocblas.so.4", "librocblas.so.3"}, rocblasVersion,
       false},
      {"MIOpen", "convolution on AMD GPUs", {"libMIOpen.so.1"}, miopenVersion,
       false},
      {"RCCL", "collectives on AMD GPUs", {"librccl.so.1"}, ncclVersion, false},
      {"MPI", "collectives between hosts", {"libmpi.so.40", "libmpi.so.12"},
       mpiVersion, true},
  };
  return libraries;
}

std::string loadedPath(void *handle, const char *fallback) {
  struct link_map *map = nullptr;
  if (::dlinfo(handle, RTLD_DI_LINKMAP, &map) == 0 && map && map->l_name &&
      map->l_name[0])
    return map->l_name;
  return fallback;
}

/// GNU OpenMP's idle threads spin after each parallel region (300000 rounds
/// unless told otherwise) and so compete for the cores with the oneTBB
/// workers of the generated kernel that runs next; a thread that stops
/// spinning sleeps on a futex, and waking it for the next library call costs
/// too. Measured on 2 cores: with 1000 rounds a max-pool after a convolution
/// went from 0.45-0.6 ms to 0.24-0.34 ms on one machine (AMD Zen 5), while on
/// another (an Intel Xeon VM with slow wake-ups) 1000 rounds made ResNet-50
/// 72 ms instead of 45 and ResNet-18 29 instead of 18, and BERT-base was no
/// faster than with 30000. 30000 rounds (tens of microseconds) keeps a team
/// awake across back-to-back library calls and yields soon after. libgomp
/// reads its settings once, when it is loaded; unless the user chose
/// (OMP_WAIT_POLICY or GOMP_SPINCOUNT) or it is loaded already, it gets this
/// spin. Returns the note for `smelt devices -v`.
std::string shortenOpenMpSpin() {
  static std::once_flag once;
  static std::string note;
  std::call_once(once, [] {
    if (std::getenv("OMP_WAIT_POLICY") || std::getenv("GOMP_SPINCOUNT"))
      return;
    if (void *loaded = ::dlopen("libgomp.so.1", RTLD_NOW | RTLD_NOLOAD)) {
      ::dlclose(loaded);
      return; // its settings are fixed
    }
    ::setenv("GOMP_SPINCOUNT", "30000", 0);
    note = "its OpenMP threads spin 30000 rounds when idle: GOMP_SPINCOUNT=30000";
  });
  return note;
}

void probeInto(const KnownLibrary &library, const std::string *optionValue,
               LibraryRecord &record) {
  // Where an override came from, for messages: "SMELT_ONEDNN_PATH" or
  // "library_overrides".
  std::string variable = libraryOverrideVariable(library.name);
  const char *override = std::getenv(variable.c_str());
  if (optionValue) { // the API option wins over the environment
    override = optionValue->c_str();
    variable = "library_overrides";
  }
  std::vector<std::string> candidates;
  if (override && *override) {
    std::string value = override;
    if (value == "off" || value == "none" || value == "0") {
      record.message = "disabled by " + variable +
                       (optionValue ? " (" + std::string(library.name) + "=" + value + ")" : "=" + value);
      return;
    }
    candidates.push_back(value);
  } else {
    candidates.assign(library.sonames.begin(), library.sonames.end());
  }
  std::string failures;
  std::string spinNote = library.openMp ? shortenOpenMpSpin() : std::string();
  for (const std::string &candidate : candidates) {
    ::dlerror();
    void *handle = ::dlopen(candidate.c_str(),
                            RTLD_NOW | (library.global ? RTLD_GLOBAL : RTLD_LOCAL));
    if (!handle) {
      const char *reason = ::dlerror();
      if (!failures.empty())
        failures += "; ";
      failures += reason ? reason : candidate + ": cannot be loaded";
      continue;
    }
    record.handle = handle;
    record.path = loadedPath(handle, candidate.c_str());
    std::string note;
    record.version = library.version(handle, note);
    record.message = override ? "from " + variable : "found by soname " + candidate;
    if (!note.empty())
      record.message += " (" + note + ")";
    if (!spinNote.empty())
      record.message += " (" + spinNote + ")";
    return;
  }
  if (override)
    record.message = "not loaded from " + variable + ": " + failures;
  else {
    std::string tried;
    for (const std::string &candidate : candidates)
      tried += (tried.empty() ? "" : ", ") + candidate;
    // dlerror() for a missing soname is long and the same each time; say it
    // briefly unless something else went wrong.
    bool allMissing = failures.find("No such file") != std::string::npos &&
                      failures.find("undefined symbol") == std::string::npos &&
                      failures.find("wrong ELF") == std::string::npos;
    record.message = "not found (tried " + tried + ")" +
                     (allMissing ? "" : ": " + failures);
  }
}

} // namespace

std::string libraryOverrideVariable(const std::string &name) {
  std::string variable = "SMELT_";
  for (char c : name)
    variable += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return variable + "_PATH";
}

LibraryRegistry::LibraryRegistry(std::map<std::string, std::string> overrides)
    : overrides_(std::move(overrides)) {
  for (const KnownLibrary &library : knownLibraries()) {
    auto record = std::make_unique<LibraryRecord>();
    record->name = library.name;
    record->purpose = library.purpose;
    records_.push_back(std::move(record));
  }
}

LibraryRegistry::~LibraryRegistry() {
  // Vendor libraries are left loaded: several (CUDA's, MPI) do not support
  // being unloaded and reloaded in one process.
}

const LibraryRecord &LibraryRegistry::probe(size_t index) {
  std::lock_guard<std::mutex> lock(mutex_);
  LibraryRecord &record = *records_.at(index);
  if (!record.probed) {
    auto option = overrides_.find(record.name);
    probeInto(knownLibraries()[index],
              option == overrides_.end() ? nullptr : &option->second, record);
    record.probed = true;
  }
  return record;
}

int LibraryRegistry::find(const std::string &name) const {
  for (size_t i = 0; i < records_.size(); ++i)
    if (records_[i]->name == name)
      return static_cast<int>(i);
  return -1;
}

} // namespace smelt::runtime
