// OTLP/gRPC as one generic unary call with pre-serialized bytes, classified per the OTLP spec
// (RESOURCE_EXHAUSTED retryable only with google.rpc.RetryInfo, whose delay is honoured).
//
//   ptx::transport::OtlpGrpcTransportOptions o; o.target = "localhost:4317";
//   auto t = ptx::transport::OtlpGrpcTransport::Create(o);  // then (*t)->Send(body, deadline)
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "ptx/compression/codec.h"
#include "ptx/transport/http_client.h"
#include "ptx/transport/otlp_transport.h"

namespace ptx::transport {

inline constexpr char kGrpcTraceExportMethod[] =
    "/opentelemetry.proto.collector.trace.v1.TraceService/Export";

struct OtlpGrpcTransportOptions {
  std::string target;          // "host:port" (no scheme)
  bool secure = false;         // TLS with the system roots or `ca_file`
  std::string ca_file;         // PEM roots for TLS; empty: the system roots
  std::string method = kGrpcTraceExportMethod;  // full method path
  HttpHeaders headers;         // request metadata; names are lowercased
  // gRPC message compression: kNone, kGzip or kDeflate.
  compression::Codec compression = compression::Codec::kNone;
  std::string user_agent;      // prefix of the implementation's own user agent
};

// Two implementations, chosen by $PTX_GRPC_TRANSPORT on each Create():
// - "curl": unary calls over libcurl's HTTP/2 (h2c with prior knowledge on plain connections,
//   ALPN h2 over TLS), framed and classified here; no gRPC library at all.
// - "plugin": grpc++ in ptx-grpc-transport.so, loaded with dlopen on first use, so that a
//   process that never selects it never maps libgrpc++ or libprotobuf. The plugin is looked up
//   at $PTX_GRPC_TRANSPORT_PLUGIN if set, else beside the shared object this library is linked
//   into (pytracingx/ holds both), then (in development builds, not wheels) where the build tree
//   keeps it. Programs that link ptx::transport_grpc (tests) use it directly, without dlopen.
// Unset or empty: "curl" when libcurl supports HTTP/2 (CURL_VERSION_HTTP2), else "plugin".
class OtlpGrpcTransport final {
 public:
  // Fails with kInvalidArgument on a $PTX_GRPC_TRANSPORT other than curl/plugin, an empty
  // target, an unsupported compression, invalid or reserved metadata (IsValidGrpcMetadataKey),
  // or an unreadable `ca_file` (the same checks for both implementations); with kUnavailable
  // when the plugin is selected and cannot be loaded. Does not connect yet. The transport's
  // thread safety: see OtlpTransport.
  static Result<std::unique_ptr<OtlpTransport>> Create(OtlpGrpcTransportOptions options);

  OtlpGrpcTransport() = delete;
};

// gRPC metadata rules: keys lowercase [a-z0-9-_.]; values printable ASCII unless the key ends
// in "-bin" (any bytes, sent base64-encoded). Names the transport owns are rejected, not
// dropped: content-type, te, user-agent (use the user_agent option) and grpc-*; pseudo headers
// fail the character set. Create() applies them; configuration layers call them to fail early.
bool IsValidGrpcMetadataKey(std::string_view key);
bool IsValidGrpcMetadataValue(std::string_view key, std::string_view value);

}  // namespace ptx::transport
