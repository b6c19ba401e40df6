// Internal: OTLP/gRPC unary calls over libcurl's HTTP/2, without grpc++ or protobuf (the
// default implementation behind OtlpGrpcTransport::Create; the grpc++ plugin is the fallback).
//
//   auto t = internal::CreateCurlGrpcTransport(options);  // options already validated
//   SendResult r = (*t)->Send(serialized_request, deadline);
#pragma once

#include <memory>

#include "ptx/base/status.h"
#include "ptx/transport/http_client.h"
#include "ptx/transport/otlp_grpc_transport.h"
#include "ptx/transport/otlp_transport.h"

namespace ptx::transport::internal {

// `options` must have passed ValidateGrpcOptions. `client` replaces the CurlHttpClient (with
// HttpClientOptions::http2) when given: unit tests see the exact request. Does not connect yet.
Result<std::unique_ptr<OtlpTransport>> CreateCurlGrpcTransport(
    OtlpGrpcTransportOptions options, std::unique_ptr<HttpClient> client = nullptr);

}  // namespace ptx::transport::internal
