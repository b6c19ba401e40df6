// The OTLP/HTTP receiver: POST /v1/traces, /v1/metrics, /v1/logs on the --http listener.
//
//   OtlpHttpReceiver receiver(&ingest, &stats, {.max_body_bytes = limit});
//   receiver.Register(listener.server());
#pragma once

#include <cstddef>
#include <string>

#include <httplib.h>

#include "faults.h"
#include "ingest.h"
#include "stats.h"

namespace ptx::emulator {

struct OtlpHttpOptions {
  // Largest payload after decompression.
  size_t max_body_bytes = size_t{20} << 20;
  // When non-empty, requests must carry "Authorization: Bearer <token>".
  std::string bearer_token;
  // Faults to apply (target otlp-http), or none.
  FaultTable* faults = nullptr;
};

// Stateless apart from the ingest and counters it feeds. Thread-safe.
class OtlpHttpReceiver {
 public:
  OtlpHttpReceiver(OtlpIngest* ingest, Stats* stats, OtlpHttpOptions options)
      : ingest_(ingest), stats_(stats), options_(std::move(options)) {}

  void Register(httplib::Server& server);

  // Largest body accepted on the wire: a compressed body of an acceptable payload can be
  // slightly larger than the payload itself (incompressible data plus framing).
  size_t max_wire_bytes() const {
    return options_.max_body_bytes + options_.max_body_bytes / 64 + 4096;
  }

  // True for the paths this receiver serves; such requests may stream chunked bodies.
  static bool IsOtlpPath(const std::string& path);

  // Error body for /v1/* requests refused before a handler ran (by the listener's guard).
  void RenderListenerError(const httplib::Request& req, httplib::Response& res, int http_status,
                           const std::string& message);

 private:
  void HandleExport(Signal signal, const httplib::Request& req, httplib::Response& res,
                    const httplib::ContentReader& read_body);
  // Applies a pending fault; true when it answered (or dropped) the request.
  bool ApplyFault(Signal signal, const httplib::Request& req, httplib::Response& res,
                  const httplib::ContentReader& read_body);
  void Reply(Signal signal, Protocol protocol, PayloadFormat format, httplib::Response& res,
             int http_status, const Status& status);

  OtlpIngest* ingest_;
  Stats* stats_;
  OtlpHttpOptions options_;
};

}  // namespace ptx::emulator
