//===- Instance.cpp - Drivers, devices and host threads of an instance ----===//
#include "Instance.h"

#include "Status.h"

#include <tbb/blocked_range.h>
#include <tbb/info.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <dirent.h>
#include <dlfcn.h>
#include <sys/stat.h>

namespace smelt::runtime {
namespace {

//===------------------------------------------------------ host services ===//

struct ParallelCall {
  smelt_parallel_body_t body;
  void *context;
};

void hostParallelFor(void *context, int64_t count, smelt_parallel_body_t body,
                     void *bodyContext) {
  if (count <= 0)
    return;
  if (count == 1) { // not worth a trip through the scheduler
    body(bodyContext, 0, 1);
    return;
  }
  auto *instance = static_cast<InstanceState *>(context);
  instance->threads.execute([&] {
    tbb::parallel_for(tbb::blocked_range<int64_t>(0, count),
                      [&](const tbb::blocked_range<int64_t> &range) {
                        body(bodyContext, range.begin(), range.end());
                      });
  });
}

smelt_status_code_t hostOpenLibrary(void *context, const char *name,
                                    smelt_host_library_t *out) {
  if (!out || out->struct_size < sizeof(smelt_host_library_t) || !name)
    return SMELT_INVALID_ARGUMENT;
  auto *instance = static_cast<InstanceState *>(context);
  int index = instance->libraries.find(name);
  if (index < 0) {
    out->handle = nullptr;
    out->path = out->version = "";
    out->message = "the runtime knows no vendor library by this name";
    return SMELT_NOT_FOUND;
  }
  const LibraryRecord &record = instance->libraries.probe(index);
  out->handle = record.handle;
  out->path = record.path.c_str();
  out->version = record.version.c_str();
  out->message = record.message.c_str();
  return SMELT_OK;
}

/// Runs `body` on the instance's communicator, turning errors into a status.
template <typename Body>
smelt_status_code_t withCommunicator(void *context, smelt_plugin_error_t *error,
                                     const char *what, Body body) {
  try {
    body(static_cast<InstanceState *>(context)->communicator());
    return SMELT_OK;
  } catch (const Error &failure) {
    if (error && error->struct_size >= sizeof(smelt_plugin_error_t))
      std::snprintf(error->message, sizeof(error->message), "%s", failure.what());
    return failure.code();
  } catch (...) {
    if (error && error->struct_size >= sizeof(smelt_plugin_error_t))
      std::snprintf(error->message, sizeof(error->message), "%s failed", what);
    return SMELT_INTERNAL;
  }
}

smelt_status_code_t hostJob(void *context, int32_t *rank, int32_t *size,
                            smelt_plugin_error_t *error) {
  return withCommunicator(context, error, "job", [&](Communicator &communicator) {
    *rank = communicator.rank();
    *size = communicator.size();
  });
}

smelt_status_code_t hostBroadcast(void *context, void *buffer, uint64_t bytes, int32_t root,
                                  smelt_plugin_error_t *error) {
  return withCommunicator(context, error, "broadcast", [&](Communicator &communicator) {
    communicator.broadcast(buffer, bytes, root);
  });
}

smelt_status_code_t hostAllReduce(void *context, const void *source, void *destination,
                                  uint64_t count, smelt_dtype_t dtype,
                                  smelt_reduction_t reduction, smelt_plugin_error_t *error) {
  return withCommunicator(context, error, "all-reduce", [&](Communicator &communicator) {
    communicator.allReduce(source, destination, count, dtype, reduction);
  });
}

//===--------------------------------------------------- plugin discovery ===//

bool isDirectory(const std::string &path) {
  struct stat info;
  return ::stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode);
}

std::string canonical(const std::string &path) {
  char *resolved = ::realpath(path.c_str(), nullptr);
  if (!resolved)
    return path;
  std::string result = resolved;
  std::free(resolved);
  return result;
}

/// <prefix>/lib/smelt/plugins, from where libsmelt_runtime.so itself lies.
std::string defaultPluginDirectory() {
  Dl_info info;
  if (!::dladdr(reinterpret_cast<void *>(&defaultPluginDirectory), &info) ||
      !info.dli_fname)
    return {};
  std::string library = canonical(info.dli_fname);
  size_t slash = library.rfind('/');
  if (slash == std::string::npos)
    return {};
  return library.substr(0, slash) + "/smelt/plugins";
}

std::string versionText(uint32_t major, uint32_t minor) {
  return std::to_string(major) + "." + std::to_string(minor);
}

/// The first required entry of a driver table that is missing, or null.
const char *missingDriverEntry(const smelt_driver_t &driver) {
  struct Entry {
    const char *name;
    const void *pointer;
  };
  const Entry entries[] = {
      {"name", driver.name},
      {"create", reinterpret_cast<const void *>(driver.create)},
      {"destroy", reinterpret_cast<const void *>(driver.destroy)},
      {"device_count", reinterpret_cast<const void *>(driver.device_count)},
      {"device_info", reinterpret_cast<const void *>(driver.device_info)},
      {"library_count", reinterpret_cast<const void *>(driver.library_count)},
      {"library_name", reinterpret_cast<const void *>(driver.library_name)},
      {"check_section", reinterpret_cast<const void *>(driver.check_section)},
      {"program_load", reinterpret_cast<const void *>(driver.program_load)},
      {"program_run", reinterpret_cast<const void *>(driver.program_run)},
      {"program_release",
       reinterpret_cast<const void *>(driver.program_release)},
  };
  for (const Entry &entry : entries)
    if (!entry.pointer)
      return entry.name;
  return nullptr;
}

} // namespace

InstanceState::InstanceState(int32_t requestedThreads, uint32_t flags,
                             const std::vector<std::string> &pluginPaths,
                             std::map<std::string, std::string> libraryOverrides)
    : numThreads(requestedThreads > 0 ? requestedThreads
                                      : tbb::info::default_concurrency()),
      threads(numThreads), libraries(std::move(libraryOverrides)) {
  std::memset(&host_, 0, sizeof(host_));
  host_.struct_size = sizeof(host_);
  host_.context = this;
  host_.num_threads = numThreads;
  host_.parallel_for = hostParallelFor;
  host_.open_library = hostOpenLibrary;
  host_.all_reduce = hostAllReduce;
  host_.job = hostJob;
  host_.broadcast = hostBroadcast;

  try {
    for (const smelt_plugin_t *plugin : builtinPlugins())
      addPlugin(plugin, "built-in", nullptr, /*required=*/true);
    for (const std::string &path : pluginPaths)
      loadPluginFile(path, /*required=*/true);
    if (!(flags & SMELT_INSTANCE_NO_PLUGIN_DISCOVERY)) {
      if (const char *searchPath = std::getenv("SMELT_PLUGIN_PATH")) {
        std::string list = searchPath;
        size_t start = 0;
        while (start <= list.size()) {
          size_t end = std::min(list.find(':', start), list.size());
          std::string entry = list.substr(start, end - start);
          start = end + 1;
          if (entry.empty())
            continue;
          if (isDirectory(entry))
            loadPluginDirectory(entry);
          else
            loadPluginFile(entry, /*required=*/false);
        }
      }
      std::string directory = defaultPluginDirectory();
      if (!directory.empty() && isDirectory(directory))
        loadPluginDirectory(directory);
    }
    listDevices();
  } catch (...) {
    releaseDrivers(); // a throwing constructor runs no destructor
    throw;
  }
}

InstanceState::~InstanceState() { releaseDrivers(); }

void InstanceState::releaseDrivers() {
  for (auto it = drivers.rbegin(); it != drivers.rend(); ++it) {
    if (it->table && it->state)
      it->table->destroy(it->state);
    it->state = nullptr;
    it->table = nullptr;
    if (it->library)
      ::dlclose(it->library);
    it->library = nullptr;
  }
}

void InstanceState::addPlugin(const smelt_plugin_t *plugin,
                              const std::string &path, void *library,
                              bool required) {
  DriverSlot slot;
  slot.path = path;
  slot.library = library;
  std::string fileName = path.substr(path.rfind('/') + 1);
  slot.name = fileName;

  auto refuse = [&](smelt_status_code_t code, const std::string &message) {
    slot.message = message;
    slot.table = nullptr;
    if (slot.library) {
      ::dlclose(slot.library);
      slot.library = nullptr;
    }
    if (required)
      fail(code, message);
    drivers.push_back(std::move(slot));
  };

  const std::string what = "plugin '" + path + "'";
  if (!plugin)
    return refuse(SMELT_INVALID_ARGUMENT,
                  what + ": " SMELT_PLUGIN_ENTRY_SYMBOL "() returned NULL");
  if (plugin->struct_size < offsetof(smelt_plugin_t, abi_minor) +
                                sizeof(plugin->abi_minor))
    return refuse(SMELT_ABI_MISMATCH,
                  what + ": its plugin table is " +
                      std::to_string(plugin->struct_size) +
                      " bytes, too small to be a Smelt plugin table");
  slot.abiMajor = plugin->abi_major;
  slot.abiMinor = plugin->abi_minor;
  if (plugin->abi_major != SMELT_PLUGIN_ABI_MAJOR)
    return refuse(SMELT_ABI_MISMATCH,
                  what + " was built for plugin ABI " +
                      versionText(plugin->abi_major, plugin->abi_minor) +
                      ", but this runtime implements plugin ABI " +
                      versionText(SMELT_PLUGIN_ABI_MAJOR,
                                  SMELT_PLUGIN_ABI_MINOR) +
                      " (majors must match); rebuild the plugin against this "
                      "runtime's smelt/plugin.h");
  if (plugin->struct_size < sizeof(smelt_plugin_t))
    return refuse(SMELT_ABI_MISMATCH,
                  what + ": its plugin table is " +
                      std::to_string(plugin->struct_size) +
                      " bytes, but ABI " +
                      versionText(SMELT_PLUGIN_ABI_MAJOR, 0) + " needs " +
                      std::to_string(sizeof(smelt_plugin_t)));
  if (plugin->name && *plugin->name)
    slot.name = plugin->name;
  slot.version = plugin->version ? plugin->version : "";
  const smelt_driver_t *driver = plugin->driver;
  if (!driver)
    return refuse(SMELT_UNSUPPORTED, what + " has no runtime driver");
  // Entries appended after ABI 1.0 (program_run_resident) are optional.
  constexpr size_t firstTable = offsetof(smelt_driver_t, program_run_resident);
  if (driver->struct_size < firstTable)
    return refuse(SMELT_ABI_MISMATCH,
                  what + ": its driver table is " +
                      std::to_string(driver->struct_size) +
                      " bytes, but ABI 1.0 needs " + std::to_string(firstTable));
  if (const char *missing = missingDriverEntry(*driver))
    return refuse(SMELT_ABI_MISMATCH,
                  what + ": its driver table has no '" + missing + "'");
  slot.name = driver->name;
  for (const DriverSlot &other : drivers)
    if (other.loaded() && other.name == slot.name)
      return refuse(SMELT_INVALID_ARGUMENT,
                    what + " provides driver '" + slot.name +
                        "', which is already provided by '" + other.path + "'");

  smelt_plugin_error_t error{};
  error.struct_size = sizeof(error);
  void *state = nullptr;
  smelt_status_code_t code = driver->create(&host_, &state, &error);
  if (code != SMELT_OK) {
    error.message[sizeof(error.message) - 1] = 0;
    return refuse(code, what + ": driver '" + slot.name +
                            "' failed to start: " + error.message);
  }
  slot.table = driver;
  slot.state = state;
  drivers.push_back(std::move(slot));
}

void InstanceState::loadPluginFile(const std::string &path, bool required) {
  std::string resolved = canonical(path);
  for (const DriverSlot &slot : drivers)
    if (slot.path == resolved)
      return; // the same file by another route
  // A file that is no plugin: an error when asked for, else a refusal
  // `smelt devices -v` lists.
  auto refuse = [&](const std::string &message) {
    if (required)
      fail(SMELT_NOT_FOUND, message);
    DriverSlot slot;
    slot.name = path.substr(path.rfind('/') + 1);
    slot.path = resolved;
    slot.message = message;
    drivers.push_back(std::move(slot));
  };
  ::dlerror();
  void *library = ::dlopen(resolved.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!library) {
    const char *reason = ::dlerror();
    return refuse("cannot load plugin '" + path + "': " + (reason ? reason : "dlopen failed"));
  }
  auto entry = reinterpret_cast<smelt_plugin_entry_fn>(
      ::dlsym(library, SMELT_PLUGIN_ENTRY_SYMBOL));
  if (!entry) {
    ::dlclose(library);
    return refuse("'" + path + "' is not a Smelt plugin: it does not export "
                  SMELT_PLUGIN_ENTRY_SYMBOL "()");
  }
  addPlugin(entry(), resolved, library, required);
}

void InstanceState::loadPluginDirectory(const std::string &directory) {
  DIR *dir = ::opendir(directory.c_str());
  if (!dir)
    return;
  std::vector<std::string> files;
  while (struct dirent *entry = ::readdir(dir)) {
    std::string name = entry->d_name;
    if (name.rfind("libsmelt_plugin_", 0) == 0 && name.size() > 3 &&
        name.compare(name.size() - 3, 3, ".so") == 0)
      files.push_back(directory + "/" + name);
  }
  ::closedir(dir);
  std::sort(files.begin(), files.end()); // a stable order across runs
  for (const std::string &file : files)
    loadPluginFile(file, /*required=*/false);
}

void InstanceState::listDevices() {
  for (size_t d = 0; d < drivers.size(); ++d) {
    const DriverSlot &slot = drivers[d];
    if (!slot.loaded())
      continue;
    uint32_t count = slot.table->device_count(slot.state);
    for (uint32_t i = 0; i < count; ++i) {
      smelt_device_info_t info{};
      info.struct_size = sizeof(info);
      smelt_plugin_error_t error{};
      error.struct_size = sizeof(error);
      DeviceRecord record;
      record.driver = d;
      record.index = i;
      record.uri = slot.name + ":" + std::to_string(i);
      if (slot.table->device_info(slot.state, i, &info, &error) == SMELT_OK) {
        record.name = info.name ? info.name : "";
        record.arch = info.arch ? info.arch : "";
        record.memoryBytes = info.memory_bytes;
      } else {
        error.message[sizeof(error.message) - 1] = 0;
        record.name = std::string("(no information: ") + error.message + ")";
      }
      devices.push_back(std::move(record));
    }
  }
}

Communicator &InstanceState::communicator() {
  std::lock_guard<std::mutex> lock(communicatorMutex_);
  if (!communicator_)
    communicator_ = createCommunicator(libraries);
  return *communicator_;
}

const DeviceRecord &InstanceState::findDevice(const std::string &uri) const {
  std::string wanted = uri;
  if (wanted.empty() || wanted == "auto") {
    const char *fromEnvironment = std::getenv("SMELT_DEVICE");
    if (fromEnvironment && *fromEnvironment &&
        std::string(fromEnvironment) != "auto") {
      wanted = fromEnvironment;
    } else {
      // The first accelerator, else the host.
      for (const DeviceRecord &device : devices)
        if (drivers[device.driver].name != "cpu" &&
            drivers[device.driver].name != "null")
          return device;
      wanted = "cpu:0";
    }
  }
  if (wanted.find(':') == std::string::npos)
    wanted += ":0";
  for (const DeviceRecord &device : devices)
    if (device.uri == wanted)
      return device;
  std::string known;
  for (const DeviceRecord &device : devices)
    known += (known.empty() ? "" : ", ") + device.uri;
  // A driver of that scheme that was refused says why.
  std::string scheme = wanted.substr(0, wanted.find(':')), refusal;
  for (const DriverSlot &slot : drivers)
    if (!slot.loaded() && slot.name == scheme && !slot.message.empty())
      refusal = "; " + slot.message;
  fail(SMELT_NOT_FOUND, "no device '" + uri + "'" +
                            (uri == wanted ? "" : " ('" + wanted + "')") +
                            "; this instance has: " +
                            (known.empty() ? "none" : known) + refusal +
                            " (smelt devices -v lists drivers and devices)");
}

} // namespace smelt::runtime
