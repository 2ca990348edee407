//===- Commands.h - Subcommands of the smelt CLI --------------------------===//
#ifndef SMELT_TOOLS_SMELT_COMMANDS_H
#define SMELT_TOOLS_SMELT_COMMANDS_H

namespace smelt::cli {

/// Each returns the process exit code; errors are one line on stderr.
int runCompileCommand();
int runRunCommand();
int runDevicesCommand();

} // namespace smelt::cli

#endif
