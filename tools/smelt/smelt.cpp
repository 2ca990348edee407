//===- smelt.cpp - The smelt command line -----------------------------------===//
//
//   smelt compile model.onnx -o model.smelt [--target=cpu:host] [--input-shape=...]
//   smelt run model.smelt [--input=...]... [--output=@y.npy]...
//   smelt devices [-v]
//
//===----------------------------------------------------------------------===//
#include "tools/smelt/Commands.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/raw_ostream.h"

namespace smelt::cli {
llvm::cl::SubCommand compileCommand("compile", "Compile an ONNX model to a .smelt artifact");
llvm::cl::SubCommand runCommand("run", "Run a .smelt artifact and print its outputs");
llvm::cl::SubCommand devicesCommand("devices",
                                    "List devices (-v: drivers and vendor libraries too)");
} // namespace smelt::cli

static void printVersion(llvm::raw_ostream &os) { os << "smelt 0.1.0\n"; }

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  llvm::cl::SetVersionPrinter(printVersion);
  llvm::cl::ParseCommandLineOptions(
      argc, argv,
      "Smelt: compile ONNX models to fused kernels and run them.\n\n"
      "  smelt compile model.onnx -o model.smelt\n"
      "  smelt run model.smelt --input=@x.npy --output=@y.npy\n"
      "  smelt devices -v\n");
  if (smelt::cli::compileCommand)
    return smelt::cli::runCompileCommand();
  if (smelt::cli::runCommand)
    return smelt::cli::runRunCommand();
  if (smelt::cli::devicesCommand)
    return smelt::cli::runDevicesCommand();
  llvm::errs() << "smelt: error: give a subcommand: compile, run or devices (see smelt --help)\n";
  return 1;
}
