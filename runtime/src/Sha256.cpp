//===- Sha256.cpp - SHA-256 of the artifact payload (OpenSSL EVP)
//----------===//
#include "Sha256.h"

#include <openssl/evp.h>

namespace smelt::artifact {

bool computeSha256(const uint8_t *data, size_t size, uint8_t digest[32]) {
  unsigned int digestSize = 0;
  return EVP_Digest(data, size, digest, &digestSize, EVP_sha256(), nullptr) ==
             1 &&
         digestSize == 32;
}

} // namespace smelt::artifact
