//===- ArtifactFormat.h - The fixed header of a .smelt file -----*- C++ -*-===//
//
// Shared by the compiler (which writes artifacts) and the runtime (which reads
// them). No MLIR/LLVM here.
//
//===----------------------------------------------------------------------===//
#ifndef SMELT_RUNTIME_ARTIFACTFORMAT_H
#define SMELT_RUNTIME_ARTIFACTFORMAT_H

#include <cstdint>

namespace smelt::artifact {

inline constexpr char kMagic[8] = {'S', 'M', 'E', 'L', 'T', 'A', 'R', 'T'};
inline constexpr uint32_t kFormatVersion = 1;
inline constexpr uint64_t kSectionAlignment = 64;

// Little-endian, 96 bytes. `payloadSha256` covers bytes [headerSize, fileSize)
// and is checked before the index is parsed.
//
// The format pins down every other header field, so that no damaged header
// byte goes unnoticed although the checksum does not cover the header:
// headerSize == 96, fileSize == the file's size, indexOffset == headerSize,
// reserved all zero, and indexSize == 4 + the index's FlatBuffers size prefix
// (which lies inside the checksummed payload). The producer version is
// repeated inside the index (Model.producer) and must agree with it.
//
// Format history: 0 = one plan, no producer version in the header;
// 1 = several plans (fat artifacts), symbolic dimension names, producer
// version in the header.
struct FileHeader {
  char magic[8];
  uint32_t formatVersion;
  uint32_t headerSize;
  uint64_t fileSize;
  uint64_t indexOffset;
  uint64_t indexSize;
  uint8_t payloadSha256[32];
  // The version of the compiler that wrote the file, e.g. 0.1.0.
  uint16_t producerMajor;
  uint16_t producerMinor;
  uint16_t producerPatch;
  uint8_t reserved[18];
};
static_assert(sizeof(FileHeader) == 96, "header layout is part of the format");

} // namespace smelt::artifact

#endif
