//===- ArtifactReader.h - Verify and hold a .smelt file
//---------------------===//
//
// Everything about an artifact is checked before anything else looks at it:
// header (magic, version, sizes), SHA-256 of the payload, the FlatBuffers
// verifier on the index, then the meaning of the index (every region inside the
// file, every id in range, buffer sizes that agree with the signature). After
// that, users of Artifact may index without further bounds checks.
//
// Errors are returned, never thrown, and never abort: the bytes may be
// anything.
//
//===----------------------------------------------------------------------===//
#ifndef SMELT_RUNTIME_ARTIFACTREADER_H
#define SMELT_RUNTIME_ARTIFACTREADER_H

#include "runtime/schema/artifact_generated.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace smelt::artifact {

enum class ArtifactErrorCode {
  NotFound,           // the file does not exist
  Io,                 // it exists but cannot be read or mapped
  Corrupt,            // magic, sizes, checksum, index or its meaning
  UnsupportedVersion, // a format version this reader does not know
  OutOfMemory,
};

struct ArtifactError {
  ArtifactErrorCode code = ArtifactErrorCode::Corrupt;
  std::string message;
};

/// Runs every check on the bytes of a whole file. Returns false and fills
/// `error` on the first problem. `data` need not be aligned.
bool verifyArtifact(const uint8_t *data, size_t size, ArtifactError &error);

/// A verified artifact in memory: an owned copy or a read-only mapping of a
/// file. Immutable, so it may be shared by threads without locking.
class Artifact {
public:
  /// Copies `size` bytes from `data` and verifies them. nullptr on failure.
  static std::unique_ptr<Artifact> fromMemory(const void *data, size_t size,
                                              ArtifactError &error);
  /// Maps `path` read-only and verifies it. The file must not be modified in
  /// place while the Artifact lives (replacing it by rename is fine).
  static std::unique_ptr<Artifact> fromFile(const std::string &path,
                                            ArtifactError &error);

  ~Artifact();
  Artifact(const Artifact &) = delete;
  Artifact &operator=(const Artifact &) = delete;

  const Model &index() const { return *index_; }
  const uint8_t *data() const { return data_; }
  size_t size() const { return size_; }

  /// The constants blob; 64-byte aligned in memory.
  const uint8_t *constants() const {
    return data_ + index_->constants_offset();
  }
  uint64_t constantsSize() const { return index_->constants_size(); }

  /// Plan `id` (< index().plans()->size(), which is at least 1).
  const Plan &plan(uint32_t id) const { return *index_->plans()->Get(id); }
  uint32_t planCount() const { return index_->plans()->size(); }

  /// Bytes of section `id` (checked to be in range by the verifier).
  const uint8_t *sectionData(uint32_t id) const;
  uint64_t sectionSize(uint32_t id) const;

private:
  enum class Storage { Heap, Mapping };
  Artifact(const uint8_t *data, size_t size, Storage storage);

  const uint8_t *data_;
  size_t size_;
  Storage storage_;
  const Model *index_ = nullptr;
};

} // namespace smelt::artifact

#endif // SMELT_RUNTIME_ARTIFACTREADER_H
