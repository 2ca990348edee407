//===- OneDnnOps.h - convolutions, poolings, matmuls through oneDNN at load time -===//
//
// The conv2d and pool2d library ops (see smelt/plugin.h) computed by oneDNN
// 2.x, found at load time through the host (never linked). A convolution's
// primitive is created once with the epilogue as post-ops (bias, residual
// sum, relu) and its constant weights are reordered once into the layout
// oneDNN prefers; a pooling takes its input in whatever layout the
// neighbouring convolutions keep. Each run wraps the run's buffers. Without
// oneDNN (or its headers at build time) binding fails with the reason and
// the driver runs the generated kernel instead. A GEMM runs oneDNN's matmul
// primitive, a constant right operand packed once.
//
//===----------------------------------------------------------------------===//
#ifndef SMELT_BACKENDS_CPU_RUNTIME_ONEDNNOPS_H
#define SMELT_BACKENDS_CPU_RUNTIME_ONEDNNOPS_H

#include "smelt/plugin.h"

#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace smelt::cpu {

/// A library op oneDNN computes.
class OneDnnOp {
public:
  enum class Kind { Conv, Pool };
  virtual ~OneDnnOp() = default;
  virtual Kind kind() const = 0;
  /// "oneDNN 2.6.3 jit:avx512_core" for `smelt run -v`.
  virtual const std::string &name() const = 0;
};

class OneDnnConv : public OneDnnOp {
public:
  /// output = relu?(conv(input, weight) + bias + residual). `weight` is
  /// ignored when the weights were reordered at bind time. Thread-safe.
  /// Returns an error message, or empty.
  virtual std::string run(const float *input, const float *weight, const float *bias,
                          const float *residual, float *output) const = 0;
  Kind kind() const final { return Kind::Conv; }
};

class OneDnnPool : public OneDnnOp {
public:
  /// output = pool(input). Thread-safe. Returns an error message, or empty.
  virtual std::string run(const float *input, float *output) const = 0;
  /// Whether its input comes in a library layout (a neighbouring
  /// convolution's), i.e. whether it saves reorders; see keepInLibraryLayout.
  virtual bool inLibraryLayout() const = 0;
  Kind kind() const final { return Kind::Pool; }
};

/// C = relu?(A * B + bias row) for every batch in one call of oneDNN's
/// matmul primitive (the epilogue as its bias and an eltwise post-op); a
/// constant B (a layer's weights) is packed once at bind time into the
/// layout the implementation prefers.
class OneDnnMatmul {
public:
  virtual ~OneDnnMatmul() = default;
  /// `b` is ignored when B was packed, `bias` when the gemm has none.
  /// Thread-safe. Returns an error message, or empty.
  virtual std::string run(const float *a, const float *b, const float *bias,
                          float *c) const = 0;
  /// "oneDNN 2.6.3 matmul + bias brg:avx512_core (weights packed at load)".
  virtual const std::string &name() const = 0;
};

/// A tensor one oneDNN op writes and only oneDNN ops read (as input, or as
/// the residual of a convolution's sum post-op).
struct LibraryEdge {
  OneDnnOp *producer;
  std::vector<std::pair<OneDnnOp *, bool /*as residual*/>> consumers;
  uint64_t bytes; // of the plan's NCHW buffer
};

/// Keeps the tensor of `edge` in the layout the producer's implementation
/// writes (channels last or blocked, say) when every consumer reads that
/// layout — a convolution when it is the layout it chose, a pooling by
/// taking it as its input layout — and it takes exactly the NCHW buffer's
/// bytes: the producer's reorder out and the consumers' reorders in
/// disappear. Returns whether it did. Call before the first run, for the
/// edges in the order of their producers (a pooling's output layout follows
/// its input's).
bool keepInLibraryLayout(const LibraryEdge &edge);

/// Held around every oneDNN computation (convolutions, poolings and GEMMs): oneDNN's
/// OpenMP teams differ between concurrent calls, and so would the rounding.
/// (On a loaded machine oneDNN's results can still differ in the last bits
/// between calls; --library=oneDNN=off gives bit-reproducible runs.)
std::mutex &oneDnnCalls();

/// Binds a conv2d with `params` (the 21 of smelt/plugin.h). `constantWeights`
/// (may be null) lets the weights be reordered once. On failure returns null
/// and says why in `why`.
std::unique_ptr<OneDnnConv> bindOneDnnConv(const smelt_host_t &host, const int64_t *params,
                                           const float *constantWeights, std::string &why);

/// Binds a gemm with `params` (the 5 or 7 of smelt/plugin.h); `constantB`
/// (may be null) lets B be packed once. On failure returns null and says
/// why in `why`.
std::unique_ptr<OneDnnMatmul> bindOneDnnMatmul(const smelt_host_t &host, const int64_t *params,
                                               uint32_t paramCount, const float *constantB,
                                               std::string &why);

/// Binds a pool2d with `params` (the 17 of smelt/plugin.h), NCHW on both
/// sides until keepInLibraryLayout says otherwise. On failure returns null
/// and says why in `why`.
std::unique_ptr<OneDnnPool> bindOneDnnPool(const smelt_host_t &host, const int64_t *params,
                                           std::string &why);

} // namespace smelt::cpu

#endif // SMELT_BACKENDS_CPU_RUNTIME_ONEDNNOPS_H
