//===- Miopen.cpp - Convolutions through MIOpen ---------------------------===//
#include "backends/rocm/runtime/Miopen.h"

#include "backends/gpu/runtime/Symbols.h"

#include <string>
#include <vector>

namespace smelt::rocm {
namespace {

using gpu::fail;
using Status = int; // miopenStatus_t
using Handle = void *;
using Tensor = void *;
using Convolution = void *;
using Activation = void *;

constexpr int miopenFloat = 1;
constexpr int miopenConvolution = 0;
constexpr int miopenTensorOpAdd = 0;
constexpr int miopenActivationRELU = 3;

/// miopenConvSolution_t.
struct Solution {
  float time;
  size_t workspaceSize;
  uint64_t solutionId;
  int algorithm; // miopenConvAlgorithm_t
};

const char *algorithmName(int algorithm) {
  switch (algorithm) {
  case 0: return "GEMM";
  case 1: return "direct";
  case 2: return "FFT";
  case 3: return "Winograd";
  case 5: return "implicit GEMM";
  default: return "?";
  }
}

struct Api {
  Status (*create)(Handle *);
  Status (*destroy)(Handle);
  Status (*setStream)(Handle, void *);
  const char *(*errorString)(Status);
  Status (*createTensor)(Tensor *);
  Status (*set4dTensor)(Tensor, int, int, int, int, int);
  Status (*destroyTensor)(Tensor);
  Status (*createConvolution)(Convolution *);
  Status (*initConvolution)(Convolution, int, int, int, int, int, int, int);
  Status (*setGroupCount)(Convolution, int);
  Status (*outputDim)(Convolution, Tensor, Tensor, int *, int *, int *, int *);
  Status (*destroyConvolution)(Convolution);
  Status (*solutionCount)(Handle, Tensor, Tensor, Convolution, Tensor, size_t *);
  Status (*solutions)(Handle, Tensor, Tensor, Convolution, Tensor, size_t, size_t *, Solution *);
  Status (*compileSolution)(Handle, Tensor, Tensor, Convolution, Tensor, uint64_t);
  Status (*forwardImmediate)(Handle, Tensor, const void *, Tensor, const void *, Convolution,
                             Tensor, void *, void *, size_t, uint64_t);
  Status (*opTensor)(Handle, int, const void *, Tensor, const void *, const void *, Tensor,
                     const void *, const void *, Tensor, void *);
  Status (*createActivation)(Activation *);
  Status (*setActivation)(Activation, int, double, double, double);
  Status (*activationForward)(Handle, Activation, const void *, Tensor, const void *,
                              const void *, Tensor, void *);
  Status (*destroyActivation)(Activation);

  bool bind(void *library) {
    gpu::Symbols resolve(library);
    resolve(create, "miopenCreate");
    resolve(destroy, "miopenDestroy");
    resolve(setStream, "miopenSetStream");
    resolve(errorString, "miopenGetErrorString");
    resolve(createTensor, "miopenCreateTensorDescriptor");
    resolve(set4dTensor, "miopenSet4dTensorDescriptor");
    resolve(destroyTensor, "miopenDestroyTensorDescriptor");
    resolve(createConvolution, "miopenCreateConvolutionDescriptor");
    resolve(initConvolution, "miopenInitConvolutionDescriptor");
    resolve(setGroupCount, "miopenSetConvolutionGroupCount");
    resolve(outputDim, "miopenGetConvolutionForwardOutputDim");
    resolve(destroyConvolution, "miopenDestroyConvolutionDescriptor");
    resolve(solutionCount, "miopenConvolutionForwardGetSolutionCount");
    resolve(solutions, "miopenConvolutionForwardGetSolution");
    resolve(compileSolution, "miopenConvolutionForwardCompileSolution");
    resolve(forwardImmediate, "miopenConvolutionForwardImmediate");
    resolve(opTensor, "miopenOpTensor");
    resolve(createActivation, "miopenCreateActivationDescriptor");
    resolve(setActivation, "miopenSetActivationDescriptor");
    resolve(activationForward, "miopenActivationForward");
    resolve(destroyActivation, "miopenDestroyActivationDescriptor");
    return resolve.ok();
  }
};

/// One convolution as MIOpen will run it.
struct Prepared {
  Tensor x = nullptr, w = nullptr, y = nullptr, bias = nullptr;
  Convolution convolution = nullptr;
  Activation relu = nullptr;
  Solution solution{};
  bool hasBias = false, hasResidual = false;
  uint64_t outputBytes = 0; // of the temporary, when there is a residual
};

class Miopen final : public gpu::Dnn {
public:
  explicit Miopen(const Api &api) : api_(api) {}
  const char *name() const override { return "MIOpen"; }
  const char *entryPoint() const override { return "miopenConvolutionForwardImmediate"; }

  void *create(gpu::Stream stream) override {
    Handle handle = nullptr;
    check(api_.create(&handle), "miopenCreate");
    if (stream) {
      if (Status status = api_.setStream(handle, stream); status != 0) {
        api_.destroy(handle);
        check(status, "miopenSetStream");
      }
    }
    return handle;
  }
  void destroy(void *handle) override { api_.destroy(handle); }

  void *prepare(void *handle, const int64_t *p, std::string &why) override {
    const int n = int(p[0]), c = int(p[1]), h = int(p[2]), w = int(p[3]), k = int(p[4]),
              r = int(p[5]), s = int(p[6]), oh = int(p[7]), ow = int(p[8]), groups = int(p[17]);
    // MIOpen's 2-D descriptor pads both sides alike.
    if (p[13] != p[15] || p[14] != p[16]) {
      why = "MIOpen pads both sides alike; this convolution's padding is asymmetric";
      return nullptr;
    }
    if (groups > 1 && (p[11] != 1 || p[12] != 1)) {
      why = "MIOpen's grouped convolutions take no dilation";
      return nullptr;
    }
    auto prepared = std::make_unique<Prepared>();
    Prepared &q = *prepared;
    auto cleanup = [&] { releasePrepared(q); };
    try {
      tensor(q.x, n, c, h, w);
      tensor(q.w, k, c / groups, r, s);
      tensor(q.y, n, k, oh, ow);
      q.hasBias = p[18] != 0;
      q.hasResidual = p[19] != 0;
      q.outputBytes = q.hasResidual ? uint64_t(n) * k * oh * ow * sizeof(float) : 0;
      if (q.hasBias)
        tensor(q.bias, 1, k, 1, 1);
      check(api_.createConvolution(&q.convolution), "miopenCreateConvolutionDescriptor");
      check(api_.initConvolution(q.convolution, miopenConvolution, int(p[13]), int(p[14]),
                                 int(p[9]), int(p[10]), int(p[11]), int(p[12])),
            "miopenInitConvolutionDescriptor");
      if (groups > 1)
        check(api_.setGroupCount(q.convolution, groups), "miopenSetConvolutionGroupCount");
      int dims[4] = {};
      check(api_.outputDim(q.convolution, q.x, q.w, &dims[0], &dims[1], &dims[2], &dims[3]),
            "miopenGetConvolutionForwardOutputDim");
      if (dims[0] != n || dims[1] != k || dims[2] != oh || dims[3] != ow) {
        cleanup();
        why = "MIOpen computes another output shape for these parameters";
        return nullptr;
      }
      size_t count = 0;
      check(api_.solutionCount(handle, q.w, q.x, q.convolution, q.y, &count),
            "miopenConvolutionForwardGetSolutionCount");
      if (count == 0) {
        cleanup();
        why = "MIOpen has no solution for it";
        return nullptr;
      }
      std::vector<Solution> solutions(count);
      size_t returned = 0;
      check(api_.solutions(handle, q.w, q.x, q.convolution, q.y, count, &returned,
                           solutions.data()),
            "miopenConvolutionForwardGetSolution");
      if (returned == 0) {
        cleanup();
        why = "MIOpen has no solution for it";
        return nullptr;
      }
      q.solution = solutions[0]; // ranked best first
      check(api_.compileSolution(handle, q.w, q.x, q.convolution, q.y, q.solution.solutionId),
            "miopenConvolutionForwardCompileSolution");
      if (p[20]) {
        check(api_.createActivation(&q.relu), "miopenCreateActivationDescriptor");
        check(api_.setActivation(q.relu, miopenActivationRELU, 0, 0, 0),
              "miopenSetActivationDescriptor");
      }
    } catch (...) {
      cleanup();
      throw;
    }
    return prepared.release();
  }

  uint64_t workspaceBytes(const void *prepared) const override {
    return static_cast<const Prepared *>(prepared)->solution.workspaceSize;
  }
  uint64_t temporaryBytes(const void *prepared) const override {
    // The convolution goes to a temporary when there is a residual, which
    // may be the output's own buffer.
    return static_cast<const Prepared *>(prepared)->outputBytes;
  }
  std::string describe(const void *prepared) const override {
    const Solution &solution = static_cast<const Prepared *>(prepared)->solution;
    return "solution " + std::to_string(solution.solutionId) + " (" +
           algorithmName(solution.algorithm) + ")";
  }
  void release(void *prepared) override {
    auto *q = static_cast<Prepared *>(prepared);
    releasePrepared(*q);
    delete q;
  }

  void run(void *handle, gpu::Stream, const void *prepared, const float *x, const float *w,
           const float *bias, const float *residual, float *y, float *temporary,
           void *workspace) override {
    const Prepared &q = *static_cast<const Prepared *>(prepared);
    const float one = 1, zero = 0;
    float *out = q.hasResidual ? temporary : y;
    check(api_.forwardImmediate(handle, q.w, w, q.x, x, q.convolution, q.y, out, workspace,
                                q.solution.workspaceSize, q.solution.solutionId),
          "miopenConvolutionForwardImmediate");
    if (q.hasBias)
      check(api_.opTensor(handle, miopenTensorOpAdd, &one, q.y, out, &one, q.bias, bias, &zero,
                          q.y, out),
            "miopenOpTensor (bias)");
    if (q.hasResidual)
      check(api_.opTensor(handle, miopenTensorOpAdd, &one, q.y, out, &one, q.y, residual, &zero,
                          q.y, y),
            "miopenOpTensor (residual)");
    if (q.relu)
      check(api_.activationForward(handle, q.relu, &one, q.y, y, &zero, q.y, y),
            "miopenActivationForward");
  }

private:
  void check(Status status, const char *what) const {
    if (status != 0) {
      const char *text = api_.errorString ? api_.errorString(status) : nullptr;
      fail(SMELT_INTERNAL, std::string(what) + " failed: " +
                               (text ? text : "MIOpen status " + std::to_string(status)));
    }
  }
  void tensor(Tensor &descriptor, int n, int c, int h, int w) {
    check(api_.createTensor(&descriptor), "miopenCreateTensorDescriptor");
    check(api_.set4dTensor(descriptor, miopenFloat, n, c, h, w), "miopenSet4dTensorDescriptor");
  }
  void releasePrepared(Prepared &q) {
    for (Tensor *t : {&q.x, &q.w, &q.y, &q.bias})
      if (*t) {
        api_.destroyTensor(*t);
        *t = nullptr;
      }
    if (q.convolution) {
      api_.destroyConvolution(q.convolution);
      q.convolution = nullptr;
    }
    if (q.relu) {
      api_.destroyActivation(q.relu);
      q.relu = nullptr;
    }
  }

  Api api_;
};

} // namespace

std::unique_ptr<gpu::Dnn> bindMiopen(void *handle) {
  Api api{};
  if (!api.bind(handle))
    return nullptr;
  return std::make_unique<Miopen>(api);
}

} // namespace smelt::rocm
