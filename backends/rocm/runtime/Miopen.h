//===- Miopen.h - Convolutions through MIOpen -------------------*- C++ -*-===//
//
// The HIP driver's gpu::Dnn: conv2d library calls through MIOpen's immediate
// mode (no benchmarking find step): per convolution at load time the tensor
// and convolution descriptors, the solutions MIOpen's heuristics rank for
// them (the first is taken and compiled), its workspace; per run
// miopenConvolutionForwardImmediate, then the epilogue with miopenOpTensor
// (bias, residual) and miopenActivationForward (relu). MIOpen's entry points
// are declared here (C functions of miopen.h, the same from ROCm 5 to 7) and
// resolved from the library the host opened.
//
//===----------------------------------------------------------------------===//
#ifndef SMELT_BACKENDS_ROCM_RUNTIME_MIOPEN_H
#define SMELT_BACKENDS_ROCM_RUNTIME_MIOPEN_H

#include "backends/gpu/runtime/GpuDriver.h"

#include <memory>

namespace smelt::rocm {

/// MIOpen from the library `handle` (dlopen'ed by the host); null when an
/// entry point is missing.
std::unique_ptr<gpu::Dnn> bindMiopen(void *handle);

} // namespace smelt::rocm

#endif // SMELT_BACKENDS_ROCM_RUNTIME_MIOPEN_H
