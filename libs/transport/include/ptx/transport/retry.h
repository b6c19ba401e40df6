// Retrying an OTLP send: exponential back-off with jitter, server-provided delays honoured,
// everything inside one deadline, back-off sleeps interruptible by shutdown.
//
//   ptx::transport::Interrupter stop;  // Shutdown() calls stop.Interrupt()
//   auto r = ptx::transport::SendWithRetry(transport, body, deadline, RetryPolicy{}, stop);
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <random>
#include <string_view>

#include "ptx/base/clock.h"
#include "ptx/transport/otlp_transport.h"

namespace ptx::transport {

struct RetryPolicy {
  int max_attempts = 6;                             // first try included
  std::chrono::milliseconds initial_backoff{1000};  // delay before the first retry
  double multiplier = 2;                            // growth per retry
  std::chrono::milliseconds max_backoff{32000};     // cap before jitter
  double jitter_min = 0.8;                          // delay is scaled by U(jitter_min, jitter_max)
  double jitter_max = 1.2;
  uint64_t seed = 0;                                // jitter seed; 0: from std::random_device
};

// The delays of one retry sequence: min(initial * multiplier^n, max) * U(jitter_min, jitter_max)
// for retry n = 0, 1, ... Deterministic for a non-zero seed. Thread-compatible.
class BackoffSchedule {
 public:
  explicit BackoffSchedule(const RetryPolicy& policy);
  std::chrono::milliseconds Next();

 private:
  const RetryPolicy policy_;
  int retry_ = 0;
  std::mt19937_64 rng_;
};

// A one-way "stop sleeping" signal. Thread-safe.
class Interrupter {
 public:
  // Wakes current and future sleepers; permanent.
  void Interrupt();
  bool interrupted() const;
  // Sleeps until `until`; false when interrupted (now or before).
  bool SleepUntil(SteadyClock::time_point until);

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool interrupted_ = false;  // GUARDED_BY(mu_)
};

// Sends, retrying retryable failures until success, a permanent failure, max_attempts, an
// interrupt, or a wait that would end past `deadline` (it gives up instead of sleeping in
// vain). Retry-After / RetryInfo replaces the computed back-off when present. Returns the last
// attempt's result with `attempts` set; an ok result (partial success included) is final.
SendResult SendWithRetry(OtlpTransport& transport, std::string_view body,
                         SteadyClock::time_point deadline, const RetryPolicy& policy,
                         Interrupter& interrupter);

}  // namespace ptx::transport
