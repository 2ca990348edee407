//===- CublasLt.h - GEMMs with epilogues through cuBLASLt -------*- C++ -*-===//
//
// The CUDA driver's gpu::EpilogueGemm: gemm library calls with an epilogue
// (bias row, relu) through cublasLtMatmul. Per gemm at load time the
// matmul descriptor (fp32 compute, no TF32; the epilogue BIAS, RELU or
// RELU_BIAS), the three matrix layouts (the row-major product seen as the
// column-major C^T = B^T * A^T, strided batches when there are several) and
// the algorithm cuBLASLt's heuristic ranks first for the buffers' alignment
// with at most 32 MiB of workspace; per run the bias pointer and one
// cublasLtMatmul on the run's stream. The entry points and constants are
// declared in CublasLtApi.h and resolved from the library the host opened.
//
//===----------------------------------------------------------------------===//
#ifndef SMELT_BACKENDS_CUDA_RUNTIME_CUBLASLT_H
#define SMELT_BACKENDS_CUDA_RUNTIME_CUBLASLT_H

#include "backends/gpu/runtime/GpuDriver.h"

#include <memory>

namespace smelt::cuda {

/// cuBLASLt from the library `handle` (dlopen'ed by the host); null when an
/// entry point is missing.
std::unique_ptr<gpu::EpilogueGemm> bindCublasLt(void *handle);

} // namespace smelt::cuda

#endif // SMELT_BACKENDS_CUDA_RUNTIME_CUBLASLT_H
