// Internal: the digests and HMACs the signatures need, over OpenSSL's EVP interface. Raw bytes in
// and out; callers hex- or base64-encode.
#pragma once

#include <string>
#include <string_view>

namespace ptx::signing::internal {

std::string Md5(std::string_view data);
std::string Sha256(std::string_view data);
std::string HmacSha1(std::string_view key, std::string_view data);
std::string HmacSha256(std::string_view key, std::string_view data);

}  // namespace ptx::signing::internal
