//===- Instance.cpp - The runtime instance the smelt subcommands share ----===//
#include "tools/smelt/Commands.h"

namespace smelt::cli {

smelt_status_t createInstance(int32_t threads, const std::vector<std::string> &plugins,
                              const std::vector<std::string> &libraries,
                              smelt_instance_t **out) {
  smelt_instance_options_t options{};
  options.struct_size = sizeof(options);
  options.num_threads = threads;
  std::vector<const char *> paths, overrides;
  for (const std::string &path : plugins)
    paths.push_back(path.c_str());
  for (const std::string &library : libraries)
    overrides.push_back(library.c_str());
  options.plugin_paths = paths.data();
  options.plugin_path_count = paths.size();
  options.library_overrides = overrides.data();
  options.library_override_count = overrides.size();
  return smelt_instance_create(&options, out);
}

} // namespace smelt::cli
