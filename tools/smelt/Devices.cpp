//===- Devices.cpp - smelt devices ----------------------------------------===//
//
// Lists the devices the runtime finds; with -v also the drivers (built-in and
// plugins, with their ABI versions, and plugins that were refused, with why)
// and every vendor library the runtime looks for: found where, which
// version, or why not.
//
//===----------------------------------------------------------------------===//
#include "tools/smelt/Commands.h"

#include "smelt/runtime.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <memory>
#include <string>
#include <vector>

namespace cl = llvm::cl;

namespace smelt::cli {
extern cl::SubCommand devicesCommand;

namespace {
cl::opt<bool> verbose("v", cl::desc("Also list drivers and vendor libraries"),
                      cl::sub(devicesCommand));
cl::list<std::string> plugins("plugin", cl::desc("Load this plugin library first (repeatable)"),
                              cl::value_desc("path"), cl::sub(devicesCommand));
cl::list<std::string> libraries("library",
                                cl::desc("Where to load a vendor library from, or off: "
                                         "<name>=<path|off> (repeatable)"),
                                cl::value_desc("name=path"), cl::sub(devicesCommand));

int fail(smelt_status_t status) {
  llvm::errs() << "smelt: error: " << smelt_status_message(status) << "\n";
  smelt_status_free(status);
  return 1;
}

template <typename Info> Info blank() {
  Info info{};
  info.struct_size = sizeof(info);
  return info;
}
} // namespace

int runDevicesCommand() {
  smelt_instance_t *raw = nullptr;
  if (smelt_status_t status = createInstance(0, {plugins.begin(), plugins.end()},
                                             {libraries.begin(), libraries.end()}, &raw))
    return fail(status);
  std::unique_ptr<smelt_instance_t, void (*)(smelt_instance_t *)> instance(
      raw, smelt_instance_release);
  llvm::raw_ostream &os = llvm::outs();

  if (verbose) {
    os << "drivers:\n";
    for (size_t i = 0; i < smelt_instance_driver_count(raw); ++i) {
      auto info = blank<smelt_driver_info_t>();
      if (smelt_status_t status = smelt_instance_driver_info(raw, i, &info))
        return fail(status);
      if (info.loaded)
        os << llvm::format("  %-8s plugin ABI %u.%u, version %-8s %s\n", info.name,
                           info.abi_major, info.abi_minor, info.version, info.path);
      else
        os << "  refused  " << info.message << "\n";
    }
  }

  os << "devices:\n";
  for (size_t i = 0; i < smelt_instance_device_count(raw); ++i) {
    auto info = blank<smelt_device_info_t>();
    if (smelt_status_t status = smelt_instance_device_info(raw, i, &info))
      return fail(status);
    os << llvm::format("  %-8s %s", info.uri, info.name);
    if (verbose && info.arch[0])
      os << "; arch " << info.arch;
    if (verbose && info.memory_bytes)
      os << llvm::format("; %.1f GiB", info.memory_bytes / double(1ull << 30));
    os << "\n";
  }

  if (verbose) {
    os << "vendor libraries (SMELT_<NAME>_PATH overrides the search, =off disables):\n";
    for (size_t i = 0; i < smelt_instance_library_count(raw); ++i) {
      auto info = blank<smelt_library_info_t>();
      if (smelt_status_t status = smelt_instance_library_info(raw, i, &info))
        return fail(status);
      os << llvm::format("  %-10s %-36s ", info.name, info.purpose);
      if (info.found)
        os << "found " << (info.version[0] ? info.version : "(version unknown)") << " at "
           << info.path << "; " << info.message << "\n";
      else
        os << info.message << "\n";
    }
  }
  return 0;
}

} // namespace smelt::cli
