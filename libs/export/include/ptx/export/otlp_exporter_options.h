// Configuration of the OTLP exporters (what OTEL_EXPORTER_OTLP_* map to) and the endpoint
// rules that turn one configured endpoint into an HTTP URL or a gRPC target.
//
//   std::string url = ptx::ResolveHttpUrl("http://collector:4318", "/v1/traces");
//   auto grpc = ptx::ResolveGrpcEndpoint("https://collector:4317");  // {"collector:4317", true}
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ptx/base/status.h"
#include "ptx/compression/codec.h"
#include "ptx/transport/retry.h"

namespace ptx {

struct OtlpExporterOptions {
  enum class Protocol { kGrpc, kHttpProtobuf };

  // Empty: http://localhost:4317 (gRPC) or http://localhost:4318 (HTTP). HTTP: a base URL
  // gets the signal path appended, a URL with a path is used as is (see ResolveHttpUrl).
  // gRPC: http:// is plaintext, https:// is TLS, a bare host:port is plaintext.
  std::string endpoint;
  Protocol protocol = Protocol::kHttpProtobuf;
  std::vector<std::pair<std::string, std::string>> headers;  // HTTP headers / gRPC metadata
  // kNone or kGzip everywhere; HTTP also takes kDeflate and kZstd, gRPC also kDeflate.
  compression::Codec compression = compression::Codec::kNone;
  std::chrono::milliseconds timeout{10000};  // one Export, retries included
  std::string ca_file;                       // PEM roots for TLS; empty: the system's
  std::string user_agent;                    // empty: OTel-OTLP-Exporter-Python/pytracingx-<ver>
  transport::RetryPolicy retry;              // back-off between attempts
};

// The URL an OTLP/HTTP exporter posts `signal_path` ("/v1/traces", ...) to: the endpoint as
// is when it has a path other than "/", otherwise the endpoint with signal_path appended.
// An empty endpoint means http://localhost:4318; one without a scheme gets http://.
std::string ResolveHttpUrl(std::string_view endpoint, std::string_view signal_path);

struct GrpcEndpoint {
  std::string target;  // host:port for the channel
  bool secure = false;
};

// Splits an endpoint into a gRPC target and whether to use TLS. A path is ignored.
// InvalidArgument for schemes other than http and https.
Result<GrpcEndpoint> ResolveGrpcEndpoint(std::string_view endpoint);

// "OTel-OTLP-Exporter-Python/pytracingx-<version>".
std::string DefaultOtlpUserAgent();

// Everything an exporter would refuse later, checked now: the endpoint (scheme and form for the
// protocol) and every header as HTTP header or gRPC metadata. Configuration calls it so that bad
// values fail at construction with a message naming them.
Status ValidateExporterOptions(const OtlpExporterOptions& options);

}  // namespace ptx
