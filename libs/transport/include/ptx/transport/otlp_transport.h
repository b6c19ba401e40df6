// One OTLP export attempt over some wire (HTTP or gRPC), classified for the retry policy.
//
//   ptx::transport::SendResult r = transport.Send(serialized_request, deadline);
//   if (!r.status.ok() && r.retryable) { /* back off, maybe r.retry_after, and try again */ }
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "ptx/base/clock.h"
#include "ptx/base/status.h"

namespace ptx::transport {

struct SendResult {
  Status status;                                   // ok: the receiver accepted the request
  bool retryable = false;                          // only meaningful when !status.ok()
  std::optional<std::chrono::milliseconds> retry_after;  // Retry-After / RetryInfo, if sent
  std::string response_body;                       // serialized Export*ServiceResponse when ok
  int attempts = 1;                                // filled by SendWithRetry

  static SendResult Failure(Status status, bool retryable) {
    SendResult result;
    result.status = std::move(status);
    result.retryable = retryable;
    return result;
  }
};

// Sends a serialized (uncompressed) Export*ServiceRequest once; the implementation applies its
// configured compression. Send is called from one thread at a time; Cancel may be called from
// any thread, aborts the attempt in flight and makes later attempts fail with kCancelled.
class OtlpTransport {
 public:
  virtual ~OtlpTransport() = default;
  virtual SendResult Send(std::string_view body, SteadyClock::time_point deadline) = 0;
  virtual void Cancel() = 0;
};

}  // namespace ptx::transport
