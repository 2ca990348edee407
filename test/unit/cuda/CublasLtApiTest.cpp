//===- CublasLtApiTest.cpp - The driver's cuBLASLt declarations vs cublasLt.h -===//
//
// The CUDA driver declares the cuBLASLt values and structures it uses
// (backends/cuda/runtime/CublasLtApi.h) instead of including the toolkit's
// header, so that it builds anywhere. Where a CUDA toolkit is installed
// (SMELT_CUDA_INCLUDE_DIR found by CMake) this checks every one of them
// against cublasLt.h; elsewhere it skips.
//
//===----------------------------------------------------------------------===//
#include "backends/cuda/runtime/CublasLtApi.h"

#include <gtest/gtest.h>

#include <cstddef>
#include <type_traits>

#ifdef SMELT_HAVE_CUBLASLT_H
#include <cublasLt.h>
#endif

namespace {

template <typename T> constexpr int kindOf() {
  return std::is_pointer_v<T> ? 1 : std::is_floating_point_v<T> ? 2 : 3;
}

/// Whether functions of types `Ours` and `Theirs` take and return values of
/// the same sizes and kinds, parameter by parameter. Only the types are
/// used: nothing of cuBLASLt is linked.
template <typename R1, typename... A1, typename R2, typename... A2>
constexpr bool sameShape(R1 (*)(A1...), R2 (*)(A2...)) {
  if constexpr (sizeof...(A1) != sizeof...(A2))
    return false;
  else
    return sizeof(R1) == sizeof(R2) && kindOf<R1>() == kindOf<R2>() &&
           ((sizeof(A1) == sizeof(A2) && kindOf<A1>() == kindOf<A2>()) && ...);
}

TEST(CublasLtApi, MatchesTheToolkitHeader) {
#ifndef SMELT_HAVE_CUBLASLT_H
  GTEST_SKIP() << "no CUDA toolkit headers (cublasLt.h) at configure time";
#else
  namespace lt = smelt::cuda::lt;
  EXPECT_EQ(lt::CUBLAS_STATUS_SUCCESS, int(CUBLAS_STATUS_SUCCESS));
  EXPECT_EQ(lt::CUBLAS_COMPUTE_32F, int(CUBLAS_COMPUTE_32F));
  EXPECT_EQ(lt::CUDA_R_32F, int(CUDA_R_32F));
  EXPECT_EQ(lt::CUBLASLT_MATMUL_DESC_EPILOGUE, int(CUBLASLT_MATMUL_DESC_EPILOGUE));
  EXPECT_EQ(lt::CUBLASLT_MATMUL_DESC_BIAS_POINTER, int(CUBLASLT_MATMUL_DESC_BIAS_POINTER));
  EXPECT_EQ(lt::CUBLASLT_EPILOGUE_DEFAULT, uint32_t(CUBLASLT_EPILOGUE_DEFAULT));
  EXPECT_EQ(lt::CUBLASLT_EPILOGUE_RELU, uint32_t(CUBLASLT_EPILOGUE_RELU));
  EXPECT_EQ(lt::CUBLASLT_EPILOGUE_BIAS, uint32_t(CUBLASLT_EPILOGUE_BIAS));
  EXPECT_EQ(lt::CUBLASLT_EPILOGUE_RELU_BIAS, uint32_t(CUBLASLT_EPILOGUE_RELU_BIAS));
  EXPECT_EQ(lt::CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT, int(CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT));
  EXPECT_EQ(lt::CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET,
            int(CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET));
  EXPECT_EQ(lt::CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES,
            int(CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES));
  EXPECT_EQ(lt::CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES,
            int(CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES));
  EXPECT_EQ(lt::CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES,
            int(CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES));
  EXPECT_EQ(lt::CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES,
            int(CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES));
  EXPECT_EQ(lt::CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES,
            int(CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES));

  // The attribute value types the driver passes (their sizes).
  EXPECT_EQ(sizeof(lt::Algo), sizeof(cublasLtMatmulAlgo_t));
  EXPECT_EQ(sizeof(lt::HeuristicResult), sizeof(cublasLtMatmulHeuristicResult_t));
  EXPECT_EQ(offsetof(lt::HeuristicResult, workspaceSize),
            offsetof(cublasLtMatmulHeuristicResult_t, workspaceSize));
  EXPECT_EQ(offsetof(lt::HeuristicResult, state),
            offsetof(cublasLtMatmulHeuristicResult_t, state));
  EXPECT_EQ(offsetof(lt::HeuristicResult, wavesCount),
            offsetof(cublasLtMatmulHeuristicResult_t, wavesCount));

  // The entry points' signatures: the same number of parameters, each of
  // the same size and kind (pointer, floating point, integer) as the
  // toolkit's (whose opaque handles the driver declares as void pointers).
  lt::Api api{};
  EXPECT_TRUE(sameShape(api.create, &cublasLtCreate));
  EXPECT_TRUE(sameShape(api.destroy, &cublasLtDestroy));
  EXPECT_TRUE(sameShape(api.statusString, &cublasLtGetStatusString));
  EXPECT_TRUE(sameShape(api.descCreate, &cublasLtMatmulDescCreate));
  EXPECT_TRUE(sameShape(api.descDestroy, &cublasLtMatmulDescDestroy));
  EXPECT_TRUE(sameShape(api.descSetAttribute, &cublasLtMatmulDescSetAttribute));
  EXPECT_TRUE(sameShape(api.layoutCreate, &cublasLtMatrixLayoutCreate));
  EXPECT_TRUE(sameShape(api.layoutDestroy, &cublasLtMatrixLayoutDestroy));
  EXPECT_TRUE(sameShape(api.layoutSetAttribute, &cublasLtMatrixLayoutSetAttribute));
  EXPECT_TRUE(sameShape(api.preferenceCreate, &cublasLtMatmulPreferenceCreate));
  EXPECT_TRUE(sameShape(api.preferenceDestroy, &cublasLtMatmulPreferenceDestroy));
  EXPECT_TRUE(sameShape(api.preferenceSetAttribute, &cublasLtMatmulPreferenceSetAttribute));
  EXPECT_TRUE(sameShape(api.heuristic, &cublasLtMatmulAlgoGetHeuristic));
  EXPECT_TRUE(sameShape(api.matmul, &cublasLtMatmul));
#endif
}

} // namespace
