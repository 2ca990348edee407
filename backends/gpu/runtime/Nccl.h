//===- Nccl.h - Collectives between GPUs through NCCL or RCCL ---*- C++ -*-===//
//
// NCCL's C API as both GPU drivers use it; RCCL (AMD) exports the same
// names and values, so one binding serves both. The entry points are
// declared here (nccl.h's, stable since NCCL 2.0) and resolved from the
// library the host opened.
//
//===----------------------------------------------------------------------===//
#ifndef SMELT_BACKENDS_GPU_RUNTIME_NCCL_H
#define SMELT_BACKENDS_GPU_RUNTIME_NCCL_H

#include "smelt/plugin.h"

#include <cstddef>
#include <memory>
#include <string>

namespace smelt::gpu {

class Nccl {
public:
  /// NCCL's, from the library `handle`, named `name` ("NCCL", "RCCL");
  /// null when an entry point is missing.
  static std::unique_ptr<Nccl> bind(void *handle, const char *name);

  const char *name() const { return name_.c_str(); }
  /// A communicator of `size` ranks for the calling thread's current
  /// device, set up through the host's broadcast of rank 0's unique id.
  /// Every rank calls it together. Fails with a message.
  void *communicator(const smelt_host_t &host, int rank, int size);
  void destroy(void *communicator);
  /// Whether `dtype` and `reduction` have NCCL equivalents.
  static bool supports(smelt_dtype_t dtype, smelt_reduction_t reduction);
  /// All-reduce of `count` elements on `stream` (in place when source is
  /// destination).
  void allReduce(const void *source, void *destination, size_t count, smelt_dtype_t dtype,
                 smelt_reduction_t reduction, void *communicator, void *stream);

private:
  struct UniqueId {
    char internal[128]; // NCCL_UNIQUE_ID_BYTES
  };
  void check(int result, const char *what) const;

  std::string name_;
  int (*getUniqueId_)(UniqueId *) = nullptr;
  int (*commInitRank_)(void **, int, UniqueId, int) = nullptr;
  int (*commDestroy_)(void *) = nullptr;
  int (*allReduce_)(const void *, void *, size_t, int, int, void *, void *) = nullptr;
  const char *(*errorString_)(int) = nullptr;
};

} // namespace smelt::gpu

#endif // SMELT_BACKENDS_GPU_RUNTIME_NCCL_H
