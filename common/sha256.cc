// Owns SHA-256 hashing (OpenSSL EVP) for migration checksums and drawing
// digests.
#include "common/sha256.h"

#include <cstdlib>

#include "absl/strings/escaping.h"

namespace suppliers {

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  // Allocation or algorithm lookup failing means the process cannot work at
  // all; there is no meaningful recovery.
  if (ctx_ == nullptr ||
      EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr) != 1) {
    std::abort();
  }
}

void Sha256::Update(std::string_view bytes) {
  EVP_DigestUpdate(ctx_.get(), bytes.data(), bytes.size());
}

std::string Sha256::FinishRaw() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(ctx_.get(), digest, &length);
  return std::string(reinterpret_cast<const char*>(digest), length);
}

std::string Sha256::FinishHex() { return absl::BytesToHexString(FinishRaw()); }

std::string Sha256Hex(std::string_view bytes) {
  Sha256 hasher;
  hasher.Update(bytes);
  return hasher.FinishHex();
}

}  // namespace suppliers
