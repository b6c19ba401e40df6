#include <algorithm>
#include <cctype>

#include "ptx/transport/otlp_grpc_transport.h"

namespace ptx::transport {

bool IsValidGrpcMetadataKey(std::string_view key) {
  // The transport owns these; pseudo headers (":path") already fail the character set.
  if (key == "content-type" || key == "te" || key == "user-agent" || key.rfind("grpc-", 0) == 0) {
    return false;
  }
  return !key.empty() && std::all_of(key.begin(), key.end(), [](unsigned char c) {
    return std::islower(c) || std::isdigit(c) || c == '-' || c == '_' || c == '.';
  });
}

bool IsValidGrpcMetadataValue(std::string_view key, std::string_view value) {
  if (key.size() > 4 && key.substr(key.size() - 4) == "-bin") return true;
  return std::all_of(value.begin(), value.end(),
                     [](unsigned char c) { return c >= 0x20 && c <= 0x7e; });
}

}  // namespace ptx::transport
