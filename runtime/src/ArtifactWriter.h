//===- ArtifactWriter.h - Assemble a .smelt file from a description ------===//
//
// The compiler describes a compiled model with plain C++ values and calls
// writeArtifact(); the FlatBuffers index, the layout and the checksum are this
// library's business. No MLIR/LLVM here, so the compiler and tests share it.
//
//===----------------------------------------------------------------------===//
#ifndef SMELT_RUNTIME_ARTIFACTWRITER_H
#define SMELT_RUNTIME_ARTIFACTWRITER_H

#include "smelt/runtime.h"

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace smelt::artifact {

/// A model input or output.
struct TensorDescription {
  std::string name;
  smelt_dtype_t dtype = SMELT_F32;
  std::vector<int64_t> shape; // empty for a scalar; -1 where plans differ
  /// Empty, or one per dimension: the model's symbolic name or "".
  std::vector<std::string> dimNames;
};

enum class BufferKindDescription : uint8_t { Input, Output, Constant, Arena };

/// A buffer the commands name by its position in ArtifactDescription::buffers.
///  Input/Output: `index` is the signature position; size = the tensor's bytes.
///  Constant: `offset` bytes into `constants`. Arena: `offset` into the arena.
struct BufferDescription {
  BufferKindDescription kind = BufferKindDescription::Arena;
  uint32_t index = 0;
  uint64_t offset = 0;
  uint64_t size = 0;
};

/// One code object for one target, e.g. {"cpu", "elf-shared-object",
/// "x86_64:znver3", <bytes of a .so>}.
struct SectionDescription {
  std::string target;
  std::string format;
  std::string arch;
  std::vector<uint8_t> bytes;
};

/// `symbol` in section `section`, entry
///   void symbol(void **buffers, int64_t first_id, int64_t end_id)
/// run over parallel ids [0, grid).
struct KernelDescription {
  std::string symbol;
  uint64_t grid = 1;
  uint32_t section = 0;
  std::string description; // the op(s) it implements, for diagnostics
};

struct LaunchDescription {
  uint32_t kernel = 0;
  std::vector<uint32_t> args; // buffer ids, passed in this order
  /// Optional library alternative: op name (e.g. "gemm"), its parameters,
  /// and the vendor libraries that may compute it, most preferred first.
  std::string libraryOp;
  std::vector<int64_t> libraryParams;
  std::vector<std::string> libraries;
  /// Buffer ids the library op takes, when not `args`.
  std::vector<uint32_t> libraryArgs;
};

struct CopyDescription {
  uint32_t source = 0;
  uint32_t destination = 0;
  uint64_t size = 0;
};

enum class ReductionDescription : uint8_t { Sum, Prod, Min, Max };

/// Every rank reduces `count` elements of `dtype` from `source` into
/// `destination` through the communicator.
struct AllReduceDescription {
  uint32_t source = 0;
  uint32_t destination = 0;
  smelt_dtype_t dtype = SMELT_F32;
  uint64_t count = 0;
  ReductionDescription reduction = ReductionDescription::Sum;
};

using CommandDescription =
    std::variant<LaunchDescription, CopyDescription, AllReduceDescription>;

/// What one target runs: buffer, kernel and command ids are local to it;
/// kernels name sections of the artifact.
struct PlanDescription {
  std::string target = "cpu";
  /// Static shapes of the signature's inputs/outputs for this plan; required
  /// (and only allowed) when the signature has -1 dims.
  std::vector<std::vector<int64_t>> inputShapes;
  std::vector<std::vector<int64_t>> outputShapes;
  std::vector<BufferDescription> buffers;
  uint64_t arenaSize = 0;
  std::vector<KernelDescription> kernels;
  std::vector<CommandDescription> commands; // executed in order
};

/// The producer version written into the header and the index; this build's.
struct ProducerVersion {
  uint16_t major = SMELT_VERSION_MAJOR;
  uint16_t minor = SMELT_VERSION_MINOR;
  uint16_t patch = SMELT_VERSION_PATCH;
};

struct ArtifactDescription {
  ProducerVersion producer;
  std::vector<TensorDescription> inputs;
  std::vector<TensorDescription> outputs;
  std::vector<uint8_t> constants;
  std::vector<SectionDescription> sections;
  std::vector<PlanDescription> plans; // in order of preference, at least one
};

/// Produces the bytes of a complete .smelt file: header, index, constants and
/// sections (each 64-byte aligned), SHA-256 of the payload. The result is
/// checked with the same verifier the runtime uses, so an inconsistent
/// description (an id out of range, a buffer size that disagrees with its
/// signature, ...) fails here rather than at load time. On failure returns
/// false and sets `error`; never throws.
bool writeArtifact(const ArtifactDescription &description,
                   std::vector<uint8_t> &bytes, std::string &error);

/// writeArtifact() to `path` (replaced if it exists).
bool writeArtifactFile(const std::string &path,
                       const ArtifactDescription &description,
                       std::string &error);

/// Writes the bytes of an artifact to `path` beside it and renames it into
/// place, so a reader never sees a half-written file.
bool writeArtifactBytes(const std::string &path,
                        const std::vector<uint8_t> &bytes, std::string &error);

} // namespace smelt::artifact

#endif // SMELT_RUNTIME_ARTIFACTWRITER_H
