//===- CpuExecutor.h - Run an artifact's commands on the host
//--------------===//
//
// The CPU half of a session: loads the CPU code sections (ELF shared objects)
// from memory, resolves kernel symbols once, and runs the command list with
// oneTBB. Immutable after construction, so run() may be called concurrently;
// each run owns its scratch arena and buffer table.
//
//===----------------------------------------------------------------------===//
#ifndef SMELT_RUNTIME_CPUEXECUTOR_H
#define SMELT_RUNTIME_CPUEXECUTOR_H

#include "ArtifactReader.h"

#include <tbb/task_arena.h>

#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

namespace smelt::runtime {

/// Entry of a compiled kernel: computes parallel ids [firstId, endId).
using KernelEntry = void (*)(void **buffers, int64_t firstId, int64_t endId);

/// An ELF shared object loaded from bytes in memory, without touching disk:
/// written to a memfd and dlopen'ed through /proc/self/fd.
class CpuCodeObject {
public:
  /// Throws Error when the bytes cannot be loaded; `name` is used in messages.
  static std::unique_ptr<CpuCodeObject> load(const uint8_t *bytes, size_t size,
                                             const std::string &name);
  ~CpuCodeObject();
  CpuCodeObject(const CpuCodeObject &) = delete;
  CpuCodeObject &operator=(const CpuCodeObject &) = delete;

  /// The address of `symbol`, or nullptr when the object does not define it.
  void *findSymbol(const char *symbol) const;

private:
  CpuCodeObject(void *handle, int fd) : handle_(handle), fd_(fd) {}
  void *handle_;
  int fd_; // kept open while loaded: see load()
};

class CpuExecutor {
public:
  /// Loads the CPU sections the kernels use and resolves every kernel.
  /// `threads` runs parallel launches and must outlive the executor.
  /// Throws Error (UNSUPPORTED for sections this host cannot run, NOT_FOUND
  /// for a missing symbol).
  CpuExecutor(const artifact::Artifact &artifact, tbb::task_arena &threads);
  ~CpuExecutor();

  /// Runs the command list. `inputs`/`outputs` are the caller's tensors in
  /// signature order, already checked against the signature.
  void run(const std::vector<const void *> &inputs,
           const std::vector<void *> &outputs) const;

private:
  struct LaunchStep {
    KernelEntry entry;
    int64_t grid;
    std::vector<uint32_t> args;
  };
  struct CopyStep {
    uint32_t source;
    uint32_t destination;
    uint64_t size;
  };
  struct BufferBinding {
    artifact::BufferKind kind;
    uint32_t index;
    uint64_t offset;
  };

  void launch(const LaunchStep &step, void **args) const;

  const artifact::Artifact &artifact_;
  tbb::task_arena &threads_;
  std::vector<std::unique_ptr<CpuCodeObject>> codeObjects_; // by section id
  std::vector<BufferBinding> buffers_;
  std::vector<std::variant<LaunchStep, CopyStep>> steps_;
  uint64_t arenaSize_;
};

} // namespace smelt::runtime

#endif // SMELT_RUNTIME_CPUEXECUTOR_H
