// OTLP/HTTP with binary protobuf: POST to a full signal URL, classify the answer per the OTLP
// spec (200 ok; 429/502/503/504 retryable with Retry-After; everything else permanent).
//
//   ptx::transport::OtlpHttpTransportOptions o; o.url = "http://localhost:4318/v1/traces";
//   auto t = ptx::transport::OtlpHttpTransport::Create(o);  // then (*t)->Send(body, deadline)
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "ptx/compression/codec.h"
#include "ptx/transport/http_client.h"
#include "ptx/transport/otlp_transport.h"

namespace ptx::transport {

struct OtlpHttpTransportOptions {
  std::string url;       // full URL including the signal path, e.g. .../v1/traces
  HttpHeaders headers;   // extra request headers (authentication, tenant, ...)
  // Content-Encoding of the body: kNone, kGzip, kDeflate (zlib stream) or kZstd.
  compression::Codec compression = compression::Codec::kNone;
  HttpClientOptions client;  // TLS, User-Agent and connect timeout of the default client
};

// Thread safety: see OtlpTransport.
class OtlpHttpTransport final : public OtlpTransport {
 public:
  // `client` is used instead of a CurlHttpClient when given (fakes, shared clients).
  // Fails with kInvalidArgument on an empty URL or an unsupported compression.
  static Result<std::unique_ptr<OtlpHttpTransport>> Create(
      OtlpHttpTransportOptions options, std::unique_ptr<HttpClient> client = nullptr);

  SendResult Send(std::string_view body, SteadyClock::time_point deadline) override;
  void Cancel() override;

 private:
  OtlpHttpTransport(OtlpHttpTransportOptions options, std::unique_ptr<HttpClient> client);

  const OtlpHttpTransportOptions options_;
  const std::unique_ptr<HttpClient> client_;
};

// A Retry-After value (delta seconds or an HTTP-date) as a delay from `now`; nullopt when
// unparseable. Dates in the past give zero.
std::optional<std::chrono::milliseconds> ParseRetryAfter(
    std::string_view value, std::chrono::system_clock::time_point now);

// RFC 9110 token name, and a value without CR, LF or NUL. Create() applies it; configuration
// layers call it to fail early.
bool IsValidHttpHeader(std::string_view name, std::string_view value);

}  // namespace ptx::transport
