// A minimal HTTP POST client: the seam between exporters and the network, small enough to
// fake in unit tests. CurlHttpClient is the real one (libcurl, keep-alive, cancellable).
//
//   ptx::transport::CurlHttpClient client(ptx::transport::HttpClientOptions{});
//   auto resp = client.Post({"http://localhost:4318/v1/traces", {}, body}, deadline);
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ptx/base/clock.h"
#include "ptx/base/status.h"

namespace ptx::transport {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string url;
  HttpHeaders headers;  // sent as given, after the client's defaults
  std::string body;
};

struct HttpResponse {
  int status = 0;
  HttpHeaders headers;   // names lowercased, in arrival order
  std::string body;
  HttpHeaders trailers;  // fields after the body (HTTP/2 trailers, gRPC's status), likewise

  // The first header value named `lower_name` (already lowercase), or nullptr.
  const std::string* FindHeader(std::string_view lower_name) const;
};

// Sends one POST per call; no redirects, no retries (the caller's retry policy decides).
// A transport failure is a non-ok Result: kDeadlineExceeded (timed out), kUnavailable
// (cannot connect, connection reset, nothing received), kCancelled (Cancel() was called),
// kFailedPrecondition (TLS verification failed), kInvalidArgument (bad URL); with
// HttpClientOptions::http2, kUnavailable also when a TLS server did not negotiate HTTP/2.
// Any HTTP status, 5xx included, is an ok Result.
class HttpClient {
 public:
  virtual ~HttpClient() = default;
  virtual Result<HttpResponse> Post(const HttpRequest& request,
                                    SteadyClock::time_point deadline) = 0;
  // Aborts the transfer in flight and makes every later Post fail with kCancelled. Callable
  // from any thread; idempotent.
  virtual void Cancel() {}
};

struct HttpClientOptions {
  std::string ca_file;                              // PEM bundle; empty: the system store
  bool verify_tls = true;                           // peer and host name verification
  std::string user_agent;                           // empty: libcurl sends none
  std::chrono::milliseconds connect_timeout{5000};  // also capped by each request's deadline
  // HTTP/2 only (gRPC needs it): prior knowledge on http:// (h2c, no upgrade round trip), ALPN
  // on https://, where a server that does not negotiate h2 fails the request. false: libcurl's
  // default (HTTP/1.1 on http://, h2 if offered on https://).
  bool http2 = false;
};

// libcurl-backed client reusing one connection (keep-alive) across requests (not h2c: see
// HttpClientOptions::http2 in curl_http_client.cc).
// Thread-safe: Post calls are serialized internally; Cancel may be called from any thread
// and interrupts a Post blocked on a silent server within a few milliseconds.
class CurlHttpClient final : public HttpClient {
 public:
  explicit CurlHttpClient(HttpClientOptions options);
  ~CurlHttpClient() override;
  CurlHttpClient(const CurlHttpClient&) = delete;
  CurlHttpClient& operator=(const CurlHttpClient&) = delete;

  Result<HttpResponse> Post(const HttpRequest& request,
                            SteadyClock::time_point deadline) override;
  void Cancel() override;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ptx::transport
