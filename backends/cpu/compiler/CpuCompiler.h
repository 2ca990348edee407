//===- CpuCompiler.h - Scheduled kernels to a host shared object ----------===//
//
// The compiler half of the CPU backend. Input: a module whose kernel.func ops
// are scheduled, bufferized and distributed (their bodies are written for one
// group, see kernel.group_id). Output: the bytes of an ELF shared object with
// one entry per kernel,
//
//   void <kernel>(void **buffers, int64_t first_group, int64_t end_group)
//
// which runs groups [first_group, end_group) of the kernel's grid; the runtime
// splits the grid across oneTBB workers.
//
//===----------------------------------------------------------------------===//
#ifndef SMELT_BACKENDS_CPU_COMPILER_CPUCOMPILER_H
#define SMELT_BACKENDS_CPU_COMPILER_CPUCOMPILER_H

#include "dialects/kernel/Transforms/Passes.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/LLVM.h"

#include <cstdint>
#include <string>
#include <vector>

namespace smelt::cpu {

/// Which machine the code is generated for.
struct CpuTarget {
  std::string triple;   // x86_64-pc-linux-gnu
  std::string cpu;      // skylake-avx512, znver3, x86-64-v3, ...
  std::string features; // +avx2,+fma,... (empty: the CPU's defaults)

  /// The tag the artifact records and the runtime checks: "x86_64:<cpu>".
  std::string architectureTag() const;
};

/// `cpuName` is "host" (this machine's CPU and features) or an LLVM CPU name
/// such as "x86-64-v3" or "skylake-avx512". Fails with a message naming the
/// CPU when LLVM does not know it.
mlir::FailureOr<CpuTarget> resolveCpuTarget(llvm::StringRef cpuName, std::string &error);

/// What the kernel passes should know about `target`: this host's cores and
/// caches (kernel::hostCpuDescription) with the vector width of the target's
/// CPU (64 bytes with AVX-512, 32 with AVX, 16 otherwise).
kernel::TargetDescription describeTarget(const CpuTarget &target);

/// Compiles every kernel.func of `module` (which is not modified) into one
/// shared object and returns its bytes. Diagnostics go to the module's
/// context. With a `dumpDir`, also writes the optimized LLVM IR
/// (`kernels.ll`) and the assembly (`kernels.s`) there.
mlir::FailureOr<std::vector<uint8_t>> compileKernels(mlir::ModuleOp module,
                                                     const CpuTarget &target,
                                                     llvm::StringRef dumpDir = {});

/// The kernels of `module` as LLVM dialect (for tests and --dump options):
/// the same lowering as compileKernels for `target`, stopped before LLVM IR.
mlir::FailureOr<mlir::OwningOpRef<mlir::ModuleOp>>
lowerKernelsToLLVMDialect(mlir::ModuleOp module, const CpuTarget &target);

/// LLVM 22's ld.lld (also used for AMDGPU code objects); empty when missing.
std::string findLld();

/// Links the relocatable `object` with `ld.lld -shared` (plus `extra`
/// arguments) and returns the shared object's bytes.
mlir::FailureOr<std::vector<uint8_t>> linkWithLld(llvm::StringRef object,
                                                  llvm::ArrayRef<llvm::StringRef> extra,
                                                  std::string &error);

} // namespace smelt::cpu

#endif // SMELT_BACKENDS_CPU_COMPILER_CPUCOMPILER_H
