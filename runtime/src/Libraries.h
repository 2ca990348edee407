//===- Libraries.h - Vendor libraries found at load time ------------------===//
//
// The runtime knows where each vendor library it can use lives by name
// (versioned sonames), how to ask it its version, and which environment
// variable overrides the search (SMELT_<NAME>_PATH: a path, or "off").
// Drivers ask for a library through smelt_host_t.open_library; `smelt devices
// -v` lists every one. Each library is looked for at most once per instance.
//
//===----------------------------------------------------------------------===//
#ifndef SMELT_RUNTIME_LIBRARIES_H
#define SMELT_RUNTIME_LIBRARIES_H

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace smelt::runtime {

/// What looking for one library found.
struct LibraryRecord {
  std::string name;    // "OpenBLAS"
  std::string purpose; // "GEMM on CPU"
  bool probed = false;
  void *handle = nullptr; // dlopen handle when found (kept open)
  std::string path;
  std::string version;
  std::string message; // why not found, or how it was chosen
};

class LibraryRegistry {
public:
  /// `overrides`: library name -> path or "off", before SMELT_<NAME>_PATH.
  explicit LibraryRegistry(std::map<std::string, std::string> overrides = {});
  ~LibraryRegistry();
  LibraryRegistry(const LibraryRegistry &) = delete;
  LibraryRegistry &operator=(const LibraryRegistry &) = delete;

  size_t size() const { return records_.size(); }
  /// Record `index`, looked for on first use. Thread-safe; the record does
  /// not change once returned.
  const LibraryRecord &probe(size_t index);
  /// The index of the library called `name` (case-sensitive), or -1.
  int find(const std::string &name) const;
  /// The name of library `index`, without looking for it.
  const std::string &probeName(size_t index) const { return records_.at(index)->name; }

private:
  std::mutex mutex_;
  std::vector<std::unique_ptr<LibraryRecord>> records_;
  std::map<std::string, std::string> overrides_;
};

/// The environment variable that overrides where `name` is looked for:
/// SMELT_<NAME upper-cased>_PATH.
std::string libraryOverrideVariable(const std::string &name);

} // namespace smelt::runtime

#endif // SMELT_RUNTIME_LIBRARIES_H
