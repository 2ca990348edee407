//===- CublasLt.cpp - GEMMs with epilogues through cuBLASLt ---------------===//
#include "backends/cuda/runtime/CublasLt.h"
#include "backends/cuda/runtime/CublasLtApi.h"
#include "backends/gpu/runtime/Symbols.h"

#include <climits>
#include <cstdio>
#include <mutex>
#include <string>

namespace smelt::cuda {
namespace {

using gpu::fail;
using namespace lt;

/// The workspace the heuristic may ask for (what NVIDIA suggests for Hopper).
constexpr uint64_t kMaxWorkspace = 32ull << 20;

struct Prepared {
  MatmulDesc desc = nullptr;
  // cuBLASLt's A, B and C/D: the row-major C = A * B is the column-major
  // C^T (N x M) = B^T (N x K) * A^T (K x M).
  Layout b = nullptr, a = nullptr, c = nullptr;
  Algo algo{};
  size_t workspace = 0;
  bool bias = false, relu = false;
  float waves = 0;
  /// The descriptor's bias pointer is set per run: runs of one program on
  /// several lanes take turns between setting it and enqueueing.
  std::mutex mutex;
};

class CublasLt final : public gpu::EpilogueGemm {
public:
  bool bind(void *library) {
    gpu::Symbols resolve(library);
    resolve(api_.create, "cublasLtCreate");
    resolve(api_.destroy, "cublasLtDestroy");
    resolve(api_.statusString, "cublasLtGetStatusString");
    resolve(api_.descCreate, "cublasLtMatmulDescCreate");
    resolve(api_.descDestroy, "cublasLtMatmulDescDestroy");
    resolve(api_.descSetAttribute, "cublasLtMatmulDescSetAttribute");
    resolve(api_.layoutCreate, "cublasLtMatrixLayoutCreate");
    resolve(api_.layoutDestroy, "cublasLtMatrixLayoutDestroy");
    resolve(api_.layoutSetAttribute, "cublasLtMatrixLayoutSetAttribute");
    resolve(api_.preferenceCreate, "cublasLtMatmulPreferenceCreate");
    resolve(api_.preferenceDestroy, "cublasLtMatmulPreferenceDestroy");
    resolve(api_.preferenceSetAttribute, "cublasLtMatmulPreferenceSetAttribute");
    resolve(api_.heuristic, "cublasLtMatmulAlgoGetHeuristic");
    resolve(api_.matmul, "cublasLtMatmul");
    return resolve.ok();
  }

  const char *name() const override { return "cuBLASLt"; }
  const char *entryPoint() const override { return "cublasLtMatmul"; }

  void *create() override {
    Handle handle = nullptr;
    if (Status status = api_.create(&handle); status != CUBLAS_STATUS_SUCCESS)
      fail(SMELT_INTERNAL, "cublasLtCreate failed: " + statusText(status));
    return handle;
  }
  void destroy(void *handle) override { api_.destroy(handle); }

  void *prepare(void *handle, const int64_t *p, uint32_t alignment,
                std::string &why) override {
    const int64_t batch = p[0], m = p[1], n = p[2], k = p[3], strideB = p[4];
    if (batch > INT32_MAX) {
      why = "cuBLASLt takes at most 2^31-1 batches";
      return nullptr;
    }
    auto prepared = std::make_unique<Prepared>();
    prepared->bias = p[5] != 0;
    prepared->relu = p[6] != 0;
    Preference preference = nullptr;
    // Frees what was made when a step fails; null and `why` then.
    auto refuse = [&](const std::string &step, Status status) -> void * {
      why = "cuBLASLt: " + step + " failed: " + statusText(status);
      if (preference)
        api_.preferenceDestroy(preference);
      destroyParts(*prepared);
      return nullptr;
    };
    Prepared &g = *prepared;
    if (Status s = api_.descCreate(&g.desc, CUBLAS_COMPUTE_32F, CUDA_R_32F);
        s != CUBLAS_STATUS_SUCCESS)
      return refuse("cublasLtMatmulDescCreate", s);
    uint32_t epilogue = g.bias && g.relu ? CUBLASLT_EPILOGUE_RELU_BIAS
                        : g.bias         ? CUBLASLT_EPILOGUE_BIAS
                        : g.relu         ? CUBLASLT_EPILOGUE_RELU
                                         : CUBLASLT_EPILOGUE_DEFAULT;
    if (Status s = api_.descSetAttribute(g.desc, CUBLASLT_MATMUL_DESC_EPILOGUE, &epilogue,
                                         sizeof(epilogue));
        s != CUBLAS_STATUS_SUCCESS)
      return refuse("setting the epilogue", s);
    // The heuristic reads only the bias pointer's alignment: one with
    // exactly the buffers' alignment stands in until the run sets the real one.
    if (g.bias) {
      const void *placeholder = reinterpret_cast<const void *>(uintptr_t(alignment));
      if (Status s = api_.descSetAttribute(g.desc, CUBLASLT_MATMUL_DESC_BIAS_POINTER,
                                           &placeholder, sizeof(placeholder));
          s != CUBLAS_STATUS_SUCCESS)
        return refuse("setting the bias pointer", s);
    }
    struct Shape {
      Layout *layout;
      uint64_t rows, cols;
      int64_t batchStride;
    } shapes[] = {{&g.b, uint64_t(n), uint64_t(k), strideB},
                  {&g.a, uint64_t(k), uint64_t(m), m * k},
                  {&g.c, uint64_t(n), uint64_t(m), m * n}};
    for (const Shape &shape : shapes) {
      if (Status s = api_.layoutCreate(shape.layout, CUDA_R_32F, shape.rows, shape.cols,
                                       int64_t(shape.rows));
          s != CUBLAS_STATUS_SUCCESS)
        return refuse("cublasLtMatrixLayoutCreate", s);
      if (batch > 1) {
        int32_t count = int32_t(batch);
        int64_t stride = shape.batchStride;
        if (Status s = api_.layoutSetAttribute(*shape.layout, CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT,
                                               &count, sizeof(count));
            s != CUBLAS_STATUS_SUCCESS)
          return refuse("setting the batch count", s);
        if (Status s = api_.layoutSetAttribute(*shape.layout,
                                               CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET,
                                               &stride, sizeof(stride));
            s != CUBLAS_STATUS_SUCCESS)
          return refuse("setting the batch stride", s);
      }
    }
    if (Status s = api_.preferenceCreate(&preference); s != CUBLAS_STATUS_SUCCESS)
      return refuse("cublasLtMatmulPreferenceCreate", s);
    uint64_t maxWorkspace = kMaxWorkspace;
    if (Status s = api_.preferenceSetAttribute(preference,
                                               CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES,
                                               &maxWorkspace, sizeof(maxWorkspace));
        s != CUBLAS_STATUS_SUCCESS)
      return refuse("setting the workspace limit", s);
    for (int attribute :
         {CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES,
          CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES})
      if (Status s = api_.preferenceSetAttribute(preference, attribute, &alignment,
                                                 sizeof(alignment));
          s != CUBLAS_STATUS_SUCCESS)
        return refuse("setting the buffers' alignment", s);
    HeuristicResult result{};
    int found = 0;
    if (Status s = api_.heuristic(handle, g.desc, g.b, g.a, g.c, g.c, preference, 1, &result,
                                  &found);
        s != CUBLAS_STATUS_SUCCESS)
      return refuse("cublasLtMatmulAlgoGetHeuristic", s);
    api_.preferenceDestroy(preference);
    preference = nullptr;
    if (found < 1 || result.state != CUBLAS_STATUS_SUCCESS)
      return refuse("finding an algorithm for " + std::to_string(batch) + "x" +
                        std::to_string(m) + "x" + std::to_string(n) + "x" + std::to_string(k) +
                        " with buffers aligned to " + std::to_string(alignment) + " bytes",
                    found < 1 ? 15 /* CUBLAS_STATUS_NOT_SUPPORTED */ : result.state);
    g.algo = result.algo;
    g.workspace = result.workspaceSize;
    g.waves = result.wavesCount;
    return prepared.release();
  }

  uint64_t workspaceBytes(const void *prepared) const override {
    return static_cast<const Prepared *>(prepared)->workspace;
  }

  std::string describe(const void *prepared) const override {
    const Prepared &g = *static_cast<const Prepared *>(prepared);
    char waves[32];
    std::snprintf(waves, sizeof(waves), "%.2f", g.waves);
    return std::string("epilogue ") +
           (g.bias && g.relu ? "bias + relu"
            : g.bias         ? "bias"
            : g.relu         ? "relu"
                             : "none") +
           ", workspace " + std::to_string(g.workspace) + " bytes, " + waves + " waves";
  }

  void release(void *prepared) override {
    auto *g = static_cast<Prepared *>(prepared);
    destroyParts(*g);
    delete g;
  }

  void run(void *handle, gpu::Stream stream, void *prepared, const float *a, const float *b,
           const float *bias, float *c, void *workspace) override {
    Prepared &g = *static_cast<Prepared *>(prepared);
    const float alpha = 1, beta = 0;
    std::lock_guard<std::mutex> lock(g.mutex);
    if (g.bias) {
      const void *pointer = bias;
      if (Status s = api_.descSetAttribute(g.desc, CUBLASLT_MATMUL_DESC_BIAS_POINTER, &pointer,
                                           sizeof(pointer));
          s != CUBLAS_STATUS_SUCCESS)
        fail(SMELT_INTERNAL, "cuBLASLt: setting the bias pointer failed: " + statusText(s));
    }
    if (Status s = api_.matmul(handle, g.desc, &alpha, b, g.b, a, g.a, &beta, c, g.c, c, g.c,
                               &g.algo, g.workspace ? workspace : nullptr, g.workspace, stream);
        s != CUBLAS_STATUS_SUCCESS)
      fail(SMELT_INTERNAL, "cublasLtMatmul failed: " + statusText(s));
  }

private:
  std::string statusText(Status status) const {
    const char *text = api_.statusString ? api_.statusString(status) : nullptr;
    return text ? std::string(text) : "status " + std::to_string(status);
  }
  void destroyParts(Prepared &g) const {
    for (Layout *layout : {&g.a, &g.b, &g.c})
      if (*layout) {
        api_.layoutDestroy(*layout);
        *layout = nullptr;
      }
    if (g.desc) {
      api_.descDestroy(g.desc);
      g.desc = nullptr;
    }
  }

  Api api_{};
};

} // namespace

std::unique_ptr<gpu::EpilogueGemm> bindCublasLt(void *handle) {
  auto library = std::make_unique<CublasLt>();
  if (!library->bind(handle))
    return nullptr;
  return library;
}

} // namespace smelt::cuda
