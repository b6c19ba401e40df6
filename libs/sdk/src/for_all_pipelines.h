// Internal: running one bounded call (ForceFlush, Shutdown) on every pipeline of a Tracer or a
// LogEmitter.
#pragma once

#include <cstddef>
#include <system_error>
#include <thread>
#include <vector>

namespace ptx::internal {

// Runs fn(i) for every pipeline, concurrently when there are several, so that one slow
// pipeline does not eat the deadline of the others. True when every call returned true.
template <typename F>
bool ForAllPipelines(size_t count, F fn) {
  if (count == 0) return true;
  std::vector<std::thread> threads;
  std::vector<char> results(count, 1);
  for (size_t i = 1; i < count; ++i) {
    try {
      threads.emplace_back([&results, &fn, i] { results[i] = fn(i) ? 1 : 0; });
    } catch (const std::system_error&) {
      results[i] = fn(i) ? 1 : 0;  // no thread available: run it here
    }
  }
  results[0] = fn(0) ? 1 : 0;
  for (auto& t : threads) t.join();  // each fn is bounded by the caller's deadline
  for (char r : results) {
    if (!r) return false;
  }
  return true;
}

}  // namespace ptx::internal
