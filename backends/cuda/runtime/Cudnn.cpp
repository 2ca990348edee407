//===- Cudnn.cpp - Convolutions through cuDNN -----------------------------===//
#include "backends/cuda/runtime/Cudnn.h"
#include "backends/gpu/runtime/Symbols.h"

#include <string>
#include <vector>

namespace smelt::cuda {
namespace {

using gpu::fail;
using Status = int; // cudnnStatus_t
using Handle = void *;
using Tensor = void *;
using Filter = void *;
using Convolution = void *;
using Activation = void *;

constexpr int CUDNN_DATA_FLOAT = 0;
constexpr int CUDNN_TENSOR_NCHW = 0;
constexpr int CUDNN_CROSS_CORRELATION = 1;
constexpr int CUDNN_FMA_MATH = 3;
constexpr int CUDNN_ACTIVATION_RELU = 1;
constexpr int CUDNN_PROPAGATE_NAN = 1;

/// The most workspace a convolution's algorithm may take (allocated per run
/// from the caching allocator): algorithms that want more are passed over.
constexpr size_t kMaxWorkspace = size_t(256) << 20;

/// cudnnConvolutionFwdAlgoPerf_t.
struct AlgorithmPerf {
  int algo;
  Status status;
  float time;
  size_t memory;
  int determinism;
  int mathType;
  int reserved[3];
};

const char *algorithmName(int algorithm) {
  static const char *const names[] = {"implicit GEMM", "implicit precomputed GEMM", "GEMM",
                                      "direct", "FFT", "tiled FFT", "Winograd",
                                      "non-fused Winograd"};
  return algorithm >= 0 && algorithm < 8 ? names[algorithm] : "?";
}

struct Api {
  Status (*create)(Handle *);
  Status (*destroy)(Handle);
  Status (*setStream)(Handle, void *);
  const char *(*errorString)(Status);
  Status (*createTensor)(Tensor *);
  Status (*setTensor4d)(Tensor, int, int, int, int, int, int);
  Status (*destroyTensor)(Tensor);
  Status (*createFilter)(Filter *);
  Status (*setFilter4d)(Filter, int, int, int, int, int, int);
  Status (*destroyFilter)(Filter);
  Status (*createConvolution)(Convolution *);
  Status (*setConvolution2d)(Convolution, int, int, int, int, int, int, int, int);
  Status (*setGroupCount)(Convolution, int);
  Status (*setMathType)(Convolution, int);
  Status (*outputDim)(Convolution, Tensor, Filter, int *, int *, int *, int *);
  Status (*destroyConvolution)(Convolution);
  Status (*algorithms)(Handle, Tensor, Filter, Convolution, Tensor, int, int *, AlgorithmPerf *);
  Status (*workspaceSize)(Handle, Tensor, Filter, Convolution, Tensor, int, size_t *);
  Status (*forward)(Handle, const void *, Tensor, const void *, Filter, const void *, Convolution,
                    int, void *, size_t, const void *, Tensor, void *);
  Status (*addTensor)(Handle, const void *, Tensor, const void *, const void *, Tensor, void *);
  Status (*createActivation)(Activation *);
  Status (*setActivation)(Activation, int, int, double);
  Status (*activationForward)(Handle, Activation, const void *, Tensor, const void *,
                              const void *, Tensor, void *);
  Status (*destroyActivation)(Activation);

  bool bind(void *library) {
    gpu::Symbols resolve(library);
    resolve(create, "cudnnCreate");
    resolve(destroy, "cudnnDestroy");
    resolve(setStream, "cudnnSetStream");
    resolve(errorString, "cudnnGetErrorString");
    resolve(createTensor, "cudnnCreateTensorDescriptor");
    resolve(setTensor4d, "cudnnSetTensor4dDescriptor");
    resolve(destroyTensor, "cudnnDestroyTensorDescriptor");
    resolve(createFilter, "cudnnCreateFilterDescriptor");
    resolve(setFilter4d, "cudnnSetFilter4dDescriptor");
    resolve(destroyFilter, "cudnnDestroyFilterDescriptor");
    resolve(createConvolution, "cudnnCreateConvolutionDescriptor");
    resolve(setConvolution2d, "cudnnSetConvolution2dDescriptor");
    resolve(setGroupCount, "cudnnSetConvolutionGroupCount");
    resolve(setMathType, "cudnnSetConvolutionMathType");
    resolve(outputDim, "cudnnGetConvolution2dForwardOutputDim");
    resolve(destroyConvolution, "cudnnDestroyConvolutionDescriptor");
    resolve(algorithms, "cudnnGetConvolutionForwardAlgorithm_v7");
    resolve(workspaceSize, "cudnnGetConvolutionForwardWorkspaceSize");
    resolve(forward, "cudnnConvolutionForward");
    resolve(addTensor, "cudnnAddTensor");
    resolve(createActivation, "cudnnCreateActivationDescriptor");
    resolve(setActivation, "cudnnSetActivationDescriptor");
    resolve(activationForward, "cudnnActivationForward");
    resolve(destroyActivation, "cudnnDestroyActivationDescriptor");
    return resolve.ok();
  }
};

struct Prepared {
  Tensor x = nullptr, y = nullptr, bias = nullptr;
  Filter w = nullptr;
  Convolution convolution = nullptr;
  Activation relu = nullptr;
  int algorithm = 0;
  size_t workspace = 0;
  size_t outputBytes = 0;
  bool hasResidual = false;
};

class Cudnn final : public gpu::Dnn {
public:
  Cudnn(const Api &api,
        std::function<void(gpu::DevicePtr, gpu::DevicePtr, size_t, gpu::Stream)> copy)
      : api_(api), copy_(std::move(copy)) {}
  const char *name() const override { return "cuDNN"; }
  const char *entryPoint() const override { return "cudnnConvolutionForward"; }

  void *create(gpu::Stream stream) override {
    Handle handle = nullptr;
    check(api_.create(&handle), "cudnnCreate");
    if (Status status = api_.setStream(handle, stream); status != 0) {
      api_.destroy(handle);
      check(status, "cudnnSetStream");
    }
    return handle;
  }
  void destroy(void *handle) override { api_.destroy(handle); }

  void *prepare(void *handle, const int64_t *p, std::string &why) override {
    const int n = int(p[0]), c = int(p[1]), h = int(p[2]), w = int(p[3]), k = int(p[4]),
              r = int(p[5]), s = int(p[6]), oh = int(p[7]), ow = int(p[8]), groups = int(p[17]);
    if (p[13] != p[15] || p[14] != p[16]) {
      why = "cuDNN pads both sides alike; this convolution's padding is asymmetric";
      return nullptr;
    }
    auto prepared = std::make_unique<Prepared>();
    Prepared &q = *prepared;
    try {
      tensor(q.x, n, c, h, w);
      tensor(q.y, n, k, oh, ow);
      if (p[18])
        tensor(q.bias, 1, k, 1, 1);
      check(api_.createFilter(&q.w), "cudnnCreateFilterDescriptor");
      check(api_.setFilter4d(q.w, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW, k, c / groups, r, s),
            "cudnnSetFilter4dDescriptor");
      check(api_.createConvolution(&q.convolution), "cudnnCreateConvolutionDescriptor");
      check(api_.setConvolution2d(q.convolution, int(p[13]), int(p[14]), int(p[9]), int(p[10]),
                                  int(p[11]), int(p[12]), CUDNN_CROSS_CORRELATION,
                                  CUDNN_DATA_FLOAT),
            "cudnnSetConvolution2dDescriptor");
      if (groups > 1)
        check(api_.setGroupCount(q.convolution, groups), "cudnnSetConvolutionGroupCount");
      // Full fp32 arithmetic, as the generated kernel's (no TF32).
      check(api_.setMathType(q.convolution, CUDNN_FMA_MATH), "cudnnSetConvolutionMathType");
      int dims[4] = {};
      check(api_.outputDim(q.convolution, q.x, q.w, &dims[0], &dims[1], &dims[2], &dims[3]),
            "cudnnGetConvolution2dForwardOutputDim");
      if (dims[0] != n || dims[1] != k || dims[2] != oh || dims[3] != ow) {
        releasePrepared(q);
        why = "cuDNN computes another output shape for these parameters";
        return nullptr;
      }
      AlgorithmPerf perfs[8] = {};
      int returned = 0;
      check(api_.algorithms(handle, q.x, q.w, q.convolution, q.y, 8, &returned, perfs),
            "cudnnGetConvolutionForwardAlgorithm_v7");
      const AlgorithmPerf *chosen = nullptr;
      for (int i = 0; i < returned && !chosen; ++i)
        if (perfs[i].status == 0 && perfs[i].mathType == CUDNN_FMA_MATH &&
            perfs[i].memory <= kMaxWorkspace)
          chosen = &perfs[i];
      if (!chosen) {
        releasePrepared(q);
        why = "cuDNN ranks no full-fp32 algorithm with at most 256 MiB of workspace for it";
        return nullptr;
      }
      q.algorithm = chosen->algo;
      check(api_.workspaceSize(handle, q.x, q.w, q.convolution, q.y, q.algorithm, &q.workspace),
            "cudnnGetConvolutionForwardWorkspaceSize");
      if (q.workspace > kMaxWorkspace) {
        releasePrepared(q);
        why = "cuDNN's algorithm " + std::string(algorithmName(q.algorithm)) + " wants " +
              std::to_string(q.workspace) + " bytes of workspace, over 256 MiB";
        return nullptr;
      }
      q.hasResidual = p[19] != 0;
      q.outputBytes = size_t(n) * k * oh * ow * sizeof(float);
      if (p[20]) {
        check(api_.createActivation(&q.relu), "cudnnCreateActivationDescriptor");
        check(api_.setActivation(q.relu, CUDNN_ACTIVATION_RELU, CUDNN_PROPAGATE_NAN, 0.0),
              "cudnnSetActivationDescriptor");
      }
    } catch (...) {
      releasePrepared(q);
      throw;
    }
    return prepared.release();
  }

  uint64_t workspaceBytes(const void *prepared) const override {
    return static_cast<const Prepared *>(prepared)->workspace;
  }
  uint64_t temporaryBytes(const void *) const override { return 0; }
  std::string describe(const void *prepared) const override {
    return std::string("algorithm ") +
           algorithmName(static_cast<const Prepared *>(prepared)->algorithm);
  }
  void release(void *prepared) override {
    auto *q = static_cast<Prepared *>(prepared);
    releasePrepared(*q);
    delete q;
  }

  void run(void *handle, gpu::Stream stream, const void *prepared, const float *x,
           const float *w, const float *bias, const float *residual, float *y, float *,
           void *workspace) override {
    const Prepared &q = *static_cast<const Prepared *>(prepared);
    const float one = 1, zero = 0;
    // The convolution accumulates onto the residual in y (which may already
    // be y's own buffer: the plan places a dying residual under the output).
    if (q.hasResidual && residual != y)
      copy_(reinterpret_cast<gpu::DevicePtr>(y), reinterpret_cast<gpu::DevicePtr>(residual),
            q.outputBytes, stream);
    check(api_.forward(handle, &one, q.x, x, q.w, w, q.convolution, q.algorithm, workspace,
                       q.workspace, q.hasResidual ? &one : &zero, q.y, y),
          "cudnnConvolutionForward");
    if (q.bias)
      check(api_.addTensor(handle, &one, q.bias, bias, &one, q.y, y), "cudnnAddTensor (bias)");
    if (q.relu)
      check(api_.activationForward(handle, q.relu, &one, q.y, y, &zero, q.y, y),
            "cudnnActivationForward");
  }

private:
  void check(Status status, const char *what) const {
    if (status != 0) {
      const char *text = api_.errorString ? api_.errorString(status) : nullptr;
      fail(SMELT_INTERNAL, std::string(what) + " failed: " +
                               (text ? text : "cuDNN status " + std::to_string(status)));
    }
  }
  void tensor(Tensor &descriptor, int n, int c, int h, int w) {
    check(api_.createTensor(&descriptor), "cudnnCreateTensorDescriptor");
    check(api_.setTensor4d(descriptor, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, n, c, h, w),
          "cudnnSetTensor4dDescriptor");
  }
  void releasePrepared(Prepared &q) {
    for (Tensor *t : {&q.x, &q.y, &q.bias})
      if (*t) {
        api_.destroyTensor(*t);
        *t = nullptr;
      }
    if (q.w) {
      api_.destroyFilter(q.w);
      q.w = nullptr;
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
  std::function<void(gpu::DevicePtr, gpu::DevicePtr, size_t, gpu::Stream)> copy_;
};

} // namespace

std::unique_ptr<gpu::Dnn>
bindCudnn(void *handle,
          std::function<void(gpu::DevicePtr, gpu::DevicePtr, size_t, gpu::Stream)> copy) {
  Api api{};
  if (!api.bind(handle))
    return nullptr;
  return std::make_unique<Cudnn>(api, std::move(copy));
}

} // namespace smelt::cuda
