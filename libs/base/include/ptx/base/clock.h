// Wall-clock and monotonic time in the units OTLP uses.
//
//   uint64_t t = ptx::NowUnixNanos();
//   auto deadline = ptx::SteadyClock::now() + std::chrono::milliseconds(timeout_ms);
#pragma once

#include <chrono>
#include <cstdint>

namespace ptx {

using SteadyClock = std::chrono::steady_clock;

inline uint64_t NowUnixNanos() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

// Milliseconds left until deadline, never negative.
inline int64_t MillisUntil(SteadyClock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
  return left.count() > 0 ? left.count() : 0;
}

}  // namespace ptx
