//===- GpuMath.h - Math ops prepared for the GPU conversions ----*- C++ -*-===//
//
// What both GPU backends do to math ops before MLIR's gpu -> nvvm / rocdl
// conversion, which would otherwise call the vendor's device library
// (libdevice, ocml) for every one of them, or has no lowering at all
// (math.ipowi). f32 exp, tanh, erf and logarithms are polynomials first
// (cpu::approximateTranscendentals, shared with the CPU backend).
//
//===----------------------------------------------------------------------===//
#ifndef SMELT_BACKENDS_GPU_GPUMATH_H
#define SMELT_BACKENDS_GPU_GPUMATH_H

#include "mlir/IR/Operation.h"

namespace smelt::gpu {

/// Math ops on 1-D vectors become one op per lane: device libraries have
/// scalar functions only. fma and trunc stay vectors (LLVM intrinsics).
void scalarizeVectorMath(mlir::Operation *root);

/// Integer powers (math.ipowi on scalars) as a square-and-multiply loop; a
/// negative exponent gives 1 for base 1, +-1 for base -1 and 0 otherwise, as
/// math.ipowi defines.
void expandIntegerPowers(mlir::Operation *root);

/// sqrt, rsqrt (1/sqrt), round-to-even, fabs and copysign on f32/f64
/// scalars and vectors, and fma and trunc on any floats, as the LLVM
/// intrinsics, which the NVPTX and AMDGPU back ends select as instructions
/// (sqrt correctly rounded), rather than device-library calls. (floor and ceil: the ROCDL conversion insists on
/// ocml for them; ocmlCallsAsLlvmIntrinsics undoes that.)
void useLlvmMathIntrinsics(mlir::Operation *root);

/// After the ROCDL conversion: the f32/f64 LLVM intrinsics the conversion
/// makes of math ops but the AMDGPU back end cannot select (tan, asin, acos,
/// atan, atan2, sinh, cosh, tanh: it would abort) as calls of ocml's
/// functions.
void libmIntrinsicsAsOcmlCalls(mlir::Operation *root);

/// After the ROCDL conversion: calls of ocml's floor, ceil, trunc, rint,
/// fabs, sqrt, copysign and fma (which are those LLVM intrinsics in ocml
/// itself) as the intrinsics, so no device library is linked for them.
void ocmlCallsAsLlvmIntrinsics(mlir::Operation *root);

} // namespace smelt::gpu

#endif // SMELT_BACKENDS_GPU_GPUMATH_H
