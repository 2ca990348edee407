//===- Sha256.h - SHA-256 of the artifact payload (OpenSSL EVP)
//------------===//
#ifndef SMELT_RUNTIME_SHA256_H
#define SMELT_RUNTIME_SHA256_H

#include <cstddef>
#include <cstdint>

namespace smelt::artifact {

/// Writes the 32-byte SHA-256 of `data[0..size)` to `digest`. Returns false
/// only if OpenSSL fails (e.g. out of memory).
bool computeSha256(const uint8_t *data, size_t size, uint8_t digest[32]);

} // namespace smelt::artifact

#endif // SMELT_RUNTIME_SHA256_H
