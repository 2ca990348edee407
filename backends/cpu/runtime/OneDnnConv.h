//===- OneDnnConv.h - 2-D convolutions through oneDNN, bound at load time -===//
//
// A conv2d library op (see smelt/plugin.h) computed by oneDNN 2.x, found at
// load time through the host (never linked): the primitive is created once
// with the epilogue as post-ops (bias, residual sum, relu), constant weights
// are reordered once into the layout oneDNN prefers, and each run wraps the
// run's buffers. Without oneDNN (or its headers at build time) binding fails
// with the reason and the driver runs the generated kernel instead.
//
//===----------------------------------------------------------------------===//
#ifndef SMELT_BACKENDS_CPU_RUNTIME_ONEDNNCONV_H
#define SMELT_BACKENDS_CPU_RUNTIME_ONEDNNCONV_H

#include "smelt/plugin.h"

#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace smelt::cpu {

class OneDnnConv {
public:
  virtual ~OneDnnConv() = default;
  /// output = relu?(conv(input, weight) + bias + residual). `weight` is
  /// ignored when the weights were reordered at bind time. Thread-safe.
  /// Returns an error message, or empty.
  virtual std::string run(const float *input, const float *weight, const float *bias,
                          const float *residual, float *output) const = 0;
  /// "oneDNN 2.6.3 jit:avx512_core" for `smelt run -v`.
  virtual const std::string &name() const = 0;
};

/// A tensor one oneDNN convolution writes and only oneDNN convolutions read
/// (as input, or as the residual of their sum post-op).
struct ConvEdge {
  OneDnnConv *producer;
  std::vector<std::pair<OneDnnConv *, bool /*as residual*/>> consumers;
  uint64_t bytes; // of the plan's NCHW buffer
};

/// Keeps the tensor of `edge` in the layout the producer's implementation
/// writes (blocked channels, say) when every consumer reads that same layout
/// and it takes exactly the NCHW buffer's bytes: the producer's reorder out
/// and the consumers' reorders in disappear. Returns whether it did. Call
/// before the first run.
bool keepInLibraryLayout(const ConvEdge &edge);

/// Held around every oneDNN computation (convolutions and GEMMs): oneDNN's
/// OpenMP teams differ between concurrent calls, and so would the rounding.
/// (On a loaded machine oneDNN's results can still differ in the last bits
/// between calls; --library=oneDNN=off gives bit-reproducible runs.)
std::mutex &oneDnnCalls();

/// Binds a conv2d with `params` (the 21 of smelt/plugin.h). `constantWeights`
/// (may be null) lets the weights be reordered once. On failure returns null
/// and says why in `why`.
std::unique_ptr<OneDnnConv> bindOneDnnConv(const smelt_host_t &host, const int64_t *params,
                                           const float *constantWeights, std::string &why);

} // namespace smelt::cpu

#endif // SMELT_BACKENDS_CPU_RUNTIME_ONEDNNCONV_H
