//===- Commands.h - Subcommands of the smelt CLI --------------------------===//
#ifndef SMELT_TOOLS_SMELT_COMMANDS_H
#define SMELT_TOOLS_SMELT_COMMANDS_H

#include "smelt/runtime.h"

#include <cstdint>
#include <string>
#include <vector>

namespace smelt::cli {

/// An instance with `threads` host threads (0: all), the `plugins` loaded
/// first and the vendor-library `libraries` overrides ("oneDNN=off"): what
/// --threads, --plugin and --library ask for.
smelt_status_t createInstance(int32_t threads, const std::vector<std::string> &plugins,
                              const std::vector<std::string> &libraries,
                              smelt_instance_t **out);

/// Each returns the process exit code; errors are one line on stderr.
int runCompileCommand();
int runRunCommand();
int runDevicesCommand();

} // namespace smelt::cli

#endif
