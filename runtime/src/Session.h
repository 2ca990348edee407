//===- Session.h - Instance and session objects behind the C API ----------===//
#ifndef SMELT_RUNTIME_SESSION_H
#define SMELT_RUNTIME_SESSION_H

#include "ArtifactReader.h"
#include "CpuExecutor.h"
#include "smelt/runtime.h"

#include <tbb/task_arena.h>

#include <memory>
#include <string>
#include <vector>

struct smelt_instance_s {
  /// `requestedThreads` 0 means all hardware threads.
  explicit smelt_instance_s(int32_t requestedThreads);

  int32_t numThreads;
  /// Every parallel launch of every session of this instance runs here, so
  /// num_threads bounds the instance's host parallelism.
  tbb::task_arena threads;
};

namespace smelt::runtime {

/// A model input or output as the C API reports it.
struct TensorSignature {
  std::string name;
  smelt_dtype_t dtype;
  std::vector<int64_t> shape;
  uint64_t byteSize;
};

} // namespace smelt::runtime

struct smelt_session_s {
  /// Throws smelt::runtime::Error.
  smelt_session_s(smelt_instance_s &instance,
                  std::unique_ptr<smelt::artifact::Artifact> artifact,
                  const std::string &device);

  /// Checks the caller's tensors against the signature, runs, fills the
  /// outputs' dtype/rank/shape. Throws smelt::runtime::Error. Thread-safe.
  void run(const smelt_tensor_t *inputs, size_t inputCount,
           smelt_tensor_t *outputs, size_t outputCount) const;

  std::vector<smelt::runtime::TensorSignature> inputs;
  std::vector<smelt::runtime::TensorSignature> outputs;

private:
  std::unique_ptr<smelt::artifact::Artifact> artifact_;
  std::unique_ptr<smelt::runtime::CpuExecutor> executor_;
};

#endif // SMELT_RUNTIME_SESSION_H
