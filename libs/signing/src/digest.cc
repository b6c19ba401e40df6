#include "digest.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace ptx::signing::internal {
namespace {

std::string Digest(const EVP_MD* md, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  // EVP_Digest only fails on allocation failure; an empty result then fails every comparison.
  if (EVP_Digest(data.data(), data.size(), out, &size, md, nullptr) != 1) return {};
  return std::string(reinterpret_cast<const char*>(out), size);
}

std::string Hmac(const EVP_MD* md, std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (HMAC(md, key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), out,
           &size) == nullptr) {
    return {};
  }
  return std::string(reinterpret_cast<const char*>(out), size);
}

}  // namespace

std::string Md5(std::string_view data) { return Digest(EVP_md5(), data); }
std::string Sha256(std::string_view data) { return Digest(EVP_sha256(), data); }
std::string HmacSha1(std::string_view key, std::string_view data) {
  return Hmac(EVP_sha1(), key, data);
}
std::string HmacSha256(std::string_view key, std::string_view data) {
  return Hmac(EVP_sha256(), key, data);
}

}  // namespace ptx::signing::internal
