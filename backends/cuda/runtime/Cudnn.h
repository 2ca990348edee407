//===- Cudnn.h - Convolutions through cuDNN ---------------------*- C++ -*-===//
//
// The CUDA driver's gpu::Dnn: conv2d library calls through cuDNN's
// convolution API (present in cuDNN 8 and 9): per convolution at load time
// the tensor, filter and convolution descriptors (FMA math: full fp32, no
// TF32) and the first full-fp32 algorithm cuDNN's heuristics rank
// (cudnnGetConvolutionForwardAlgorithm_v7) with at most 256 MiB of
// workspace; a cuDNN call failing there leaves that convolution to its
// generated kernel, the load description saying why; per run
// cudnnConvolutionForward, accumulating onto the residual (beta = 1) when
// there is one, then cudnnAddTensor for the bias and cudnnActivationForward
// for the relu. The entry points are declared here and resolved from the
// library the host opened.
//
//===----------------------------------------------------------------------===//
#ifndef SMELT_BACKENDS_CUDA_RUNTIME_CUDNN_H
#define SMELT_BACKENDS_CUDA_RUNTIME_CUDNN_H

#include "backends/gpu/runtime/GpuDriver.h"

#include <functional>
#include <memory>

namespace smelt::cuda {

/// cuDNN from the library `handle` (dlopen'ed by the host); null when an
/// entry point is missing. `copy` makes a device-to-device copy on a stream
/// (the residual into the output before the convolution accumulates onto
/// it).
std::unique_ptr<gpu::Dnn>
bindCudnn(void *handle,
          std::function<void(gpu::DevicePtr, gpu::DevicePtr, size_t, gpu::Stream)> copy);

} // namespace smelt::cuda

#endif // SMELT_BACKENDS_CUDA_RUNTIME_CUDNN_H
