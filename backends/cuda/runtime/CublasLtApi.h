//===- CublasLtApi.h - The cuBLASLt declarations the driver uses -*- C++ -*-===//
//
// Declared here rather than taken from cublasLt.h, so that the plugin builds
// without the CUDA toolkit; the values and layouts follow cuBLASLt's ABI
// (CUDA 11 to 13). test/unit/cuda checks them against the toolkit's headers
// where a toolkit is installed.
//
//===----------------------------------------------------------------------===//
#ifndef SMELT_BACKENDS_CUDA_RUNTIME_CUBLASLTAPI_H
#define SMELT_BACKENDS_CUDA_RUNTIME_CUBLASLTAPI_H

#include <cstddef>
#include <cstdint>

namespace smelt::cuda::lt {

using Status = int; // cublasStatus_t
using Handle = void *;
using MatmulDesc = void *;
using Layout = void *;
using Preference = void *;

constexpr Status CUBLAS_STATUS_SUCCESS = 0;
constexpr int CUBLAS_COMPUTE_32F = 68; // cublasComputeType_t: fp32, no TF32
constexpr int CUDA_R_32F = 0;          // cudaDataType_t

// cublasLtMatmulDescAttributes_t
constexpr int CUBLASLT_MATMUL_DESC_EPILOGUE = 7;     // uint32_t
constexpr int CUBLASLT_MATMUL_DESC_BIAS_POINTER = 8; // const void *
// cublasLtEpilogue_t
constexpr uint32_t CUBLASLT_EPILOGUE_DEFAULT = 1;
constexpr uint32_t CUBLASLT_EPILOGUE_RELU = 2;
constexpr uint32_t CUBLASLT_EPILOGUE_BIAS = 4;
constexpr uint32_t CUBLASLT_EPILOGUE_RELU_BIAS = 6;
// cublasLtMatrixLayoutAttribute_t
constexpr int CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT = 5;          // int32_t
constexpr int CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET = 6; // int64_t
// cublasLtMatmulPreferenceAttributes_t
constexpr int CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES = 1;   // uint64_t
constexpr int CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES = 5; // uint32_t, likewise B, C, D
constexpr int CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES = 6;
constexpr int CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES = 7;
constexpr int CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES = 8;

/// cublasLtMatmulAlgo_t.
struct Algo {
  uint64_t data[8];
};

/// cublasLtMatmulHeuristicResult_t.
struct HeuristicResult {
  Algo algo;
  size_t workspaceSize;
  Status state;
  float wavesCount;
  int reserved[4];
};

/// The entry points, by their C signatures.
struct Api {
  Status (*create)(Handle *);
  Status (*destroy)(Handle);
  const char *(*statusString)(Status);
  Status (*descCreate)(MatmulDesc *, int computeType, int scaleType);
  Status (*descDestroy)(MatmulDesc);
  Status (*descSetAttribute)(MatmulDesc, int, const void *, size_t);
  Status (*layoutCreate)(Layout *, int type, uint64_t rows, uint64_t cols, int64_t ld);
  Status (*layoutDestroy)(Layout);
  Status (*layoutSetAttribute)(Layout, int, const void *, size_t);
  Status (*preferenceCreate)(Preference *);
  Status (*preferenceDestroy)(Preference);
  Status (*preferenceSetAttribute)(Preference, int, const void *, size_t);
  Status (*heuristic)(Handle, MatmulDesc, Layout, Layout, Layout, Layout, Preference, int,
                      HeuristicResult *, int *);
  Status (*matmul)(Handle, MatmulDesc, const void *alpha, const void *a, Layout,
                   const void *b, Layout, const void *beta, const void *c, Layout, void *d,
                   Layout, const Algo *, void *workspace, size_t workspaceBytes,
                   void *stream);
};

} // namespace smelt::cuda::lt

#endif // SMELT_BACKENDS_CUDA_RUNTIME_CUBLASLTAPI_H
