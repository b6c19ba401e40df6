#include "ptx/export/otlp_exporter_options.h"

#include <algorithm>
#include <cctype>

namespace ptx {
namespace {

constexpr char kDefaultHttpEndpoint[] = "http://localhost:4318";
constexpr char kDefaultGrpcTarget[] = "localhost:4317";

std::string Lowercase(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

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
  std::string scheme = Lowercase(url.scheme);
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

}  // namespace ptx
