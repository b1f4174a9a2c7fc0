// Owns SHA-256 hashing (OpenSSL EVP) for migration checksums and drawing
// digests.
#ifndef SUPPLIERS_COMMON_SHA256_H_
#define SUPPLIERS_COMMON_SHA256_H_

#include <openssl/evp.h>

#include <memory>
#include <string>
#include <string_view>

namespace suppliers {

// Incremental SHA-256. Not thread-safe: one hasher per stream of bytes.
class Sha256 {
 public:
  Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(std::string_view bytes);
  // Returns the 32-byte raw digest. The hasher must not be used afterwards.
  std::string FinishRaw();
  // Returns the digest as 64 lowercase hex characters.
  std::string FinishHex();

 private:
  struct CtxDeleter {
    void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
  };
  std::unique_ptr<EVP_MD_CTX, CtxDeleter> ctx_;
};

// One-shot helper: lowercase hex SHA-256 of `bytes`.
std::string Sha256Hex(std::string_view bytes);

}  // namespace suppliers

#endif  // SUPPLIERS_COMMON_SHA256_H_
