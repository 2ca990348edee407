//===- RocmCompiler.h - Scheduled kernels to HSACO code objects -*- C++ -*-===//
//
// The compiler half of the ROCm backend. Input: a module whose kernel.func
// ops are scheduled (for describeTarget's GPU), bufferized and distributed.
// Output: AMDGPU assembly and the HSA code object (an ELF shared object with
// one kernel and its kernel descriptor `<kernel>.kd` per kernel.func, taking
// one pointer per buffer) for gfx90a or gfx942, validated before it is
// returned against what the plan will launch (validateCodeObject).
//
// Lowering: backends/gpu/KernelToGpu with wavefronts of 64 and workgroups of
// 256 (4 wavefronts), LDS for the group buffers up to 64 KiB; MLIR's
// gpu -> rocdl conversion with bare-pointer arguments and its AMDGPU
// serializer (code object v5), MC to assemble, ld.lld to link.
//
// Device libraries: no kernel needs one for the math we generate (f32 exp,
// tanh, erf and logarithms are polynomials shared with the CPU backend;
// sqrt, floor, ceil, rint, fabs, copysign, fma and trunc are LLVM
// intrinsics the AMDGPU back end selects as instructions; integer powers
// are loops). A kernel that calls ocml (sin, atan, pow, ...) links ocml.bc
// from the device-library folder (Debian's rocm-device-libs, or
// $ROCM_PATH/amdgcn); MLIR's serializer defines the per-chip control
// constants (__oclc_ISA_version and the others) itself, so no
// oclc_isa_version_<chip>.bc is needed and gfx942, which Debian's device
// libraries (5.2) have none for, is covered the same way as gfx90a.
//
//===----------------------------------------------------------------------===//
#ifndef SMELT_BACKENDS_ROCM_COMPILER_ROCMCOMPILER_H
#define SMELT_BACKENDS_ROCM_COMPILER_ROCMCOMPILER_H

#include "dialects/kernel/Transforms/Passes.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "mlir/Support/LLVM.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace smelt::rocm {

/// An AMDGPU code is generated for.
struct RocmTarget {
  std::string chip; // "gfx942"
  /// Compute units and the memory system of the part the schedule is tuned
  /// for (per device as HIP sees it: one GCD of an MI250X).
  int64_t computeUnits = 304;
  double clockGhz = 2.1;
  double memoryBytesPerNs = 5300; // HBM bandwidth
  int64_t l2Bytes = 32 << 20;
  /// LDS one workgroup may use.
  int64_t ldsPerWorkgroup = 64 << 10;
  std::string description; // "MI300X"
};

/// `spec` is "" (gfx942), gfx90a or gfx942. Fails with a message listing the
/// supported ones.
mlir::FailureOr<RocmTarget> resolveRocmTarget(llvm::StringRef spec, std::string &error);

/// What the kernel passes know about `target`: workgroups of 4 wavefronts,
/// 8 resident per CU, HBM, L2 and 64 KiB of LDS per workgroup.
kernel::TargetDescription describeTarget(const RocmTarget &target);

/// The folder holding amdgcn/bitcode/ocml.bc: $ROCM_PATH, /opt/rocm, then
/// Debian's /usr/lib/x86_64-linux-gnu (rocm-device-libs); empty when none.
std::string findDeviceLibraries();

/// One kernel of a code object, from its `amdhsa.kernels` metadata.
struct CodeObjectKernel {
  std::string name;
  int64_t arguments = 0;         // .args
  int64_t kernargBytes = 0;      // .kernarg_segment_size
  int64_t ldsBytes = 0;          // .group_segment_fixed_size
  int64_t privateBytes = 0;      // .private_segment_fixed_size (spills)
  int64_t wavefrontSize = 0;     // .wavefront_size
  int64_t maxWorkgroupSize = 0;  // .max_flat_workgroup_size
  int64_t vgprs = 0, sgprs = 0;  // .vgpr_count, .sgpr_count
  bool hasDescriptor = false;    // a <name>.kd symbol of 64 bytes
};

struct CodeObjectInfo {
  std::string chip;     // from e_flags
  int abiVersion = 0;   // e_ident[EI_ABIVERSION]: 2 = v4, 3 = v5, 4 = v6
  std::map<std::string, CodeObjectKernel> kernels;
};

/// Reads an HSA code object: ELF header, symbols and the AMDGPU metadata
/// note (checked against LLVM's HSA metadata verifier). Fails with `error`.
mlir::FailureOr<CodeObjectInfo> readCodeObject(llvm::ArrayRef<uint8_t> elf, std::string &error);

/// What the plan will launch, per kernel: its name and argument count.
struct LaunchSignature {
  std::string name;
  int64_t arguments = 0;
};

/// Checks that `info` is for `target`'s chip and that every launched kernel
/// is in it with a kernel descriptor, `arguments` 8-byte global-buffer
/// arguments, wavefronts of 64, workgroups of 256 and LDS within the limit.
/// Returns the problems (empty when it matches).
std::vector<std::string> validateCodeObject(const CodeObjectInfo &info, const RocmTarget &target,
                                            const std::vector<LaunchSignature> &launches);

/// One line per kernel: registers, LDS, spills (for --dump-dir).
std::string describeCodeObject(const CodeObjectInfo &info);

struct RocmCode {
  std::string assembly;
  std::vector<uint8_t> hsaco;
  CodeObjectInfo info;
};

/// Compiles every kernel.func of `module` (not modified). Diagnostics go to
/// the module's context. With `dumpDir`, also writes kernels.s,
/// kernels.hsaco and code-object.txt there.
mlir::FailureOr<RocmCode> compileKernels(mlir::ModuleOp module, const RocmTarget &target,
                                         llvm::StringRef dumpDir = {});

/// The kernels of `module` as a gpu.module in the ROCDL/LLVM dialects (for
/// --emit=llvm and tests).
mlir::FailureOr<mlir::OwningOpRef<mlir::ModuleOp>>
lowerKernelsToRocdl(mlir::ModuleOp module, const RocmTarget &target);

} // namespace smelt::rocm

#endif // SMELT_BACKENDS_ROCM_COMPILER_ROCMCOMPILER_H
