#include "ptx/transport/retry.h"

#include <algorithm>
#include <cmath>

namespace ptx::transport {
namespace {

uint64_t SeedFor(const RetryPolicy& policy) {
  if (policy.seed != 0) return policy.seed;
  std::random_device device;
  return (static_cast<uint64_t>(device()) << 32) ^ device();
}

}  // namespace

BackoffSchedule::BackoffSchedule(const RetryPolicy& policy)
    : policy_(policy), rng_(SeedFor(policy)) {}

std::chrono::milliseconds BackoffSchedule::Next() {
  double base = static_cast<double>(policy_.initial_backoff.count()) *
                std::pow(std::max(policy_.multiplier, 1.0), retry_);
  base = std::min(base, static_cast<double>(policy_.max_backoff.count()));
  ++retry_;
  double lo = std::min(policy_.jitter_min, policy_.jitter_max);
  double hi = std::max(policy_.jitter_min, policy_.jitter_max);
  double jitter = lo == hi ? lo : std::uniform_real_distribution<double>(lo, hi)(rng_);
  return std::chrono::milliseconds(static_cast<int64_t>(std::max(0.0, base * jitter)));
}

void Interrupter::Interrupt() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    interrupted_ = true;
  }
  cv_.notify_all();
}

bool Interrupter::interrupted() const {
  std::lock_guard<std::mutex> lock(mu_);
  return interrupted_;
}

bool Interrupter::SleepUntil(SteadyClock::time_point until) {
  std::unique_lock<std::mutex> lock(mu_);
  return !cv_.wait_until(lock, until, [this] { return interrupted_; });
}

SendResult SendWithRetry(OtlpTransport& transport, std::string_view body,
                         SteadyClock::time_point deadline, const RetryPolicy& policy,
                         Interrupter& interrupter) {
  BackoffSchedule schedule(policy);
  const int max_attempts = std::max(policy.max_attempts, 1);
  for (int attempt = 1;; ++attempt) {
    SendResult result = transport.Send(body, deadline);
    result.attempts = attempt;
    if (result.status.ok() || !result.retryable) return result;
    if (attempt >= max_attempts) return result;
    std::chrono::milliseconds computed = schedule.Next();
    std::chrono::milliseconds wait = result.retry_after.value_or(computed);
    // Compared as durations: now + a server-chosen wait could overflow the clock.
    const SteadyClock::time_point now = SteadyClock::now();
    if (now >= deadline ||
        wait >= std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now)) {
      return SendResult{Status(result.status.code(),
                               result.status.message() + " (no retry: back-off of " +
                                   std::to_string(wait.count()) + " ms would pass the deadline)"),
                        result.retryable, result.retry_after, std::move(result.response_body),
                        attempt};
    }
    if (!interrupter.SleepUntil(now + wait)) {
      return SendResult{Status(result.status.code(),
                               result.status.message() + " (retry interrupted by shutdown)"),
                        false, result.retry_after, std::move(result.response_body), attempt};
    }
  }
}

}  // namespace ptx::transport
