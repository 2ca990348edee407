//===- LibraryGemm.cpp - GEMMs through oneDNN or OpenBLAS, bound at load time -===//
#include "LibraryGemm.h"

#include "OneDnnOps.h"

#include <climits>
#include <cstring>
#include <dlfcn.h>
#include <mutex>

namespace smelt::cpu {

namespace {

// The entry points by their documented C signatures.
using DnnlSgemm = int (*)(char transA, char transB, int64_t m, int64_t n, int64_t k,
                          float alpha, const float *a, int64_t lda, const float *b,
                          int64_t ldb, float beta, float *c, int64_t ldc);
using CblasSgemm = void (*)(int order, int transA, int transB, int m, int n, int k,
                            float alpha, const float *a, int lda, const float *b, int ldb,
                            float beta, float *c, int ldc);
constexpr int kCblasRowMajor = 101, kCblasNoTrans = 111;

} // namespace

std::string runGemm(const Gemm &gemm, const float *a, const float *b, const float *bias,
                    float *c) {
  if (gemm.matmul)
    return gemm.matmul->run(a, b, bias, c); // every batch in one call, with the epilogue
  // An sgemm takes the bias as C's start (beta = 1), then relu runs over C.
  const float beta = gemm.hasBias ? 1.0f : 0.0f;
  for (int64_t i = 0; i < gemm.batch; ++i) {
    const float *ai = a + i * gemm.m * gemm.k;
    const float *bi = b + i * gemm.strideB;
    float *ci = c + i * gemm.m * gemm.n;
    if (gemm.hasBias)
      for (int64_t row = 0; row < gemm.m; ++row)
        std::memcpy(ci + row * gemm.n, bias, size_t(gemm.n) * sizeof(float));
    if (gemm.library == Gemm::Library::OneDnn) {
      std::lock_guard<std::mutex> serial(smelt::cpu::oneDnnCalls()); // see OneDnnOps.h
      int status = reinterpret_cast<DnnlSgemm>(gemm.function)(
          'N', 'N', gemm.m, gemm.n, gemm.k, 1.0f, ai, gemm.k, bi, gemm.n, beta, ci, gemm.n);
      if (status != 0)
        return "dnnl_sgemm failed with status " + std::to_string(status);
    } else {
      reinterpret_cast<CblasSgemm>(gemm.function)(
          kCblasRowMajor, kCblasNoTrans, kCblasNoTrans, int(gemm.m), int(gemm.n), int(gemm.k),
          1.0f, ai, int(gemm.k), bi, int(gemm.n), beta, ci, int(gemm.n));
    }
  }
  if (gemm.relu)
    for (int64_t i = 0, size = gemm.batch * gemm.m * gemm.n; i < size; ++i)
      c[i] = c[i] < 0.0f ? 0.0f : c[i]; // NaN stays NaN
  return "";
}

Gemm bindLibraryCall(const smelt_host_t &host, const smelt_program_command_t &command,
                     const float *constantB, std::string &choice) {
  Gemm gemm;
  if (!command.library_op || std::string(command.library_op) != "gemm" ||
      (command.library_param_count != 5 && command.library_param_count != 7))
    return gemm;
  const int64_t *p = command.library_params;
  gemm.batch = p[0], gemm.m = p[1], gemm.n = p[2], gemm.k = p[3], gemm.strideB = p[4];
  gemm.hasBias = command.library_param_count == 7 && p[5] != 0;
  gemm.relu = command.library_param_count == 7 && p[6] != 0;
  std::string reasons;
  for (uint32_t i = 0; i < command.library_count; ++i) {
    std::string name = command.libraries[i];
    const char *entry = name == "oneDNN" ? "dnnl_sgemm" : name == "OpenBLAS" ? "cblas_sgemm" : nullptr;
    std::string why, packed;
    if (name == "oneDNN") {
      if (std::unique_ptr<OneDnnMatmul> matmul =
              bindOneDnnMatmul(host, p, command.library_param_count, constantB, packed)) {
        gemm.library = Gemm::Library::OneDnn;
        choice = matmul->name();
        gemm.matmul = std::move(matmul);
        return gemm;
      }
      packed = " (its matmul: " + packed + ")";
    }
    if (!entry) {
      why = "no binding in the cpu driver";
    } else if (name == "OpenBLAS" && (gemm.m > INT32_MAX || gemm.n > INT32_MAX ||
                                      gemm.k > INT32_MAX)) {
      why = "dimensions exceed its 32-bit interface";
    } else {
      smelt_host_library_t library{};
      library.struct_size = sizeof(library);
      host.open_library(host.context, name.c_str(), &library);
      void *function = library.handle ? ::dlsym(library.handle, entry) : nullptr;
      if (function) {
        gemm.library = name == "oneDNN" ? Gemm::Library::OneDnn : Gemm::Library::OpenBlas;
        gemm.function = function;
        choice = name + " " + (library.version && *library.version ? library.version : "") +
                 " " + entry + (gemm.hasBias ? " onto the bias rows" : "") +
                 (gemm.relu ? ", then relu" : "") + packed;
        return gemm;
      }
      why = library.handle ? std::string("no symbol ") + entry + packed : library.message;
    }
    reasons += (reasons.empty() ? "" : "; ") + name + ": " + why;
  }
  choice = "generated kernel (" + (reasons.empty() ? std::string("no library offered") : reasons) + ")";
  return gemm;
}

} // namespace smelt::cpu
