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
  std::string ca_file;         // PEM roots for TLS; empty: gRPC's default roots
  std::string method = kGrpcTraceExportMethod;  // full method path
  HttpHeaders headers;         // request metadata; names are lowercased
  // gRPC message compression: kNone, kGzip or kDeflate.
  compression::Codec compression = compression::Codec::kNone;
  std::string user_agent;      // prefix of gRPC's own user agent
};

// gRPC lives in a plugin, ptx-grpc-transport.so, loaded with dlopen on the first Create(): a
// process that never exports over gRPC never maps libgrpc++ or libprotobuf (import time and
// memory of pytracingx._native). The plugin is looked up at $PTX_GRPC_TRANSPORT_PLUGIN if set,
// else beside the shared object this library is linked into (pytracingx/ holds both), then (in
// development builds, not wheels) where the build tree keeps it. Programs
// that link ptx::transport_grpc (tests) use its implementation directly, without the plugin.
class OtlpGrpcTransport final {
 public:
  // Fails with kInvalidArgument on an empty target, an unsupported compression, metadata
  // that gRPC would reject, or an unreadable `ca_file`; with kUnavailable when the plugin
  // cannot be loaded. Does not connect yet. The transport's thread safety: see OtlpTransport.
  static Result<std::unique_ptr<OtlpTransport>> Create(OtlpGrpcTransportOptions options);

  OtlpGrpcTransport() = delete;
};

// gRPC metadata rules: keys lowercase [a-z0-9-_.]; values printable ASCII unless the key ends
// in "-bin". Create() applies them; configuration layers call them to fail early.
bool IsValidGrpcMetadataKey(std::string_view key);
bool IsValidGrpcMetadataValue(std::string_view key, std::string_view value);

}  // namespace ptx::transport
