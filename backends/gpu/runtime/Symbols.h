//===- Symbols.h - Resolving a vendor library's entry points ----*- C++ -*-===//
//
// The GPU drivers declare the vendor entry points they call and resolve them
// by name from libraries opened with dlopen (by the driver or the host), so
// that nothing of CUDA or ROCm is needed to build them.
//
//===----------------------------------------------------------------------===//
#ifndef SMELT_BACKENDS_GPU_RUNTIME_SYMBOLS_H
#define SMELT_BACKENDS_GPU_RUNTIME_SYMBOLS_H

#include <dlfcn.h>

#include <string>

namespace smelt::gpu {

/// resolve(pointer, "name") for each entry point, then ok(): whether all
/// were found, and missing(): the first that was not.
class Symbols {
public:
  explicit Symbols(void *library) : library_(library) {}
  template <typename Function> void operator()(Function &pointer, const char *symbol) {
    pointer = reinterpret_cast<Function>(::dlsym(library_, symbol));
    if (!pointer && missing_.empty())
      missing_ = symbol;
  }
  bool ok() const { return missing_.empty(); }
  const std::string &missing() const { return missing_; }

private:
  void *library_;
  std::string missing_;
};

} // namespace smelt::gpu

#endif // SMELT_BACKENDS_GPU_RUNTIME_SYMBOLS_H
