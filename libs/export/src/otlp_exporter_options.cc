#include "ptx/export/otlp_exporter_options.h"

#include <algorithm>
#include <cctype>

#include "ptx/base/text.h"
#include "ptx/transport/otlp_grpc_transport.h"
#include "ptx/transport/otlp_http_transport.h"

namespace ptx {
namespace {

constexpr char kDefaultHttpEndpoint[] = "http://localhost:4318";
constexpr char kDefaultGrpcTarget[] = "localhost:4317";

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

struct SplitUrl {
  std::string_view scheme;     // without "://"; empty when absent
  std::string_view authority;  // host[:port]
  std::string_view path;       // from the first '/', may be empty
  std::string_view rest;       // '?query' and/or '#fragment', may be empty
};

SplitUrl Split(std::string_view url) {
  SplitUrl out;
  if (size_t sep = url.find("://"); sep != std::string_view::npos) {
    out.scheme = url.substr(0, sep);
    url.remove_prefix(sep + 3);
  }
  size_t rest = url.find_first_of("?#");
  if (rest != std::string_view::npos) {
    out.rest = url.substr(rest);
    url = url.substr(0, rest);
  }
  size_t slash = url.find('/');
  out.authority = url.substr(0, slash);
  if (slash != std::string_view::npos) out.path = url.substr(slash);
  return out;
}

}  // namespace

std::string ResolveHttpUrl(std::string_view endpoint, std::string_view signal_path) {
  endpoint = Trim(endpoint);
  if (endpoint.empty()) endpoint = kDefaultHttpEndpoint;
  SplitUrl url = Split(endpoint);
  if (!url.path.empty() && url.path != "/") return std::string(endpoint);
  std::string out = url.scheme.empty() ? "http" : std::string(url.scheme);
  out += "://";
  out += url.authority;
  if (signal_path.empty() || signal_path.front() != '/') out += '/';
  out += signal_path;
  out += url.rest;
  return out;
}

Result<GrpcEndpoint> ResolveGrpcEndpoint(std::string_view endpoint) {
  endpoint = Trim(endpoint);
  if (endpoint.empty()) return GrpcEndpoint{kDefaultGrpcTarget, false};
  SplitUrl url = Split(endpoint);
  GrpcEndpoint out;
  std::string scheme = AsciiLower(url.scheme);
  if (scheme == "https") {
    out.secure = true;
  } else if (!scheme.empty() && scheme != "http") {
    return InvalidArgumentError("OTLP/gRPC endpoint '" + std::string(endpoint) +
                                "': scheme must be http or https");
  }
  if (url.authority.empty()) {
    return InvalidArgumentError("OTLP/gRPC endpoint '" + std::string(endpoint) + "': no host");
  }
  out.target = std::string(url.authority);
  return out;
}

std::string DefaultOtlpUserAgent() {
  return std::string("OTel-OTLP-Exporter-Python/pytracingx-") + PTX_VERSION;
}

Status ValidateExporterOptions(const OtlpExporterOptions& options) {
  const bool grpc = options.protocol == OtlpExporterOptions::Protocol::kGrpc;
  if (grpc) {
    Result<GrpcEndpoint> endpoint = ResolveGrpcEndpoint(options.endpoint);
    if (!endpoint.ok()) return endpoint.status();
  } else {
    std::string_view url = options.endpoint;
    if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
      return InvalidArgumentError("endpoint '" + options.endpoint +
                                  "' must start with http:// or https:// for http/protobuf");
    }
  }
  for (const auto& [name, value] : options.headers) {
    std::string key = AsciiLower(name);
    bool ok = grpc ? transport::IsValidGrpcMetadataKey(key) &&
                         transport::IsValidGrpcMetadataValue(key, value)
                   : transport::IsValidHttpHeader(name, value);
    if (!ok) return InvalidArgumentError("invalid header '" + name + "'");
  }
  return Status::Ok();
}

}  // namespace ptx
