// The hook between live spans and exporters: a processor receives every finished span of
// the pipelines whose sampler selected it.
//
//   class CountingProcessor : public ptx::SpanProcessor { ... };
//   tracer_pipeline.processor = std::make_unique<CountingProcessor>();
#pragma once

#include <cstdint>
#include <memory>

#include "ptx/base/clock.h"
#include "ptx/sdk/span_data.h"

namespace ptx {

// Monotonic counters since the processor started (or since fork, in a child process).
struct ProcessorStats {
  uint64_t queued = 0;           // spans accepted into the queue
  uint64_t dropped = 0;          // spans refused: queue full, processor shut down, or
                                 // still queued when the shutdown deadline passed
  uint64_t exported = 0;         // spans in batches the exporter accepted
  uint64_t export_failures = 0;  // spans in batches the exporter failed
};

// Implementations must be thread-safe: OnStart/OnEnd run on application threads, concurrently
// with each other and with ForceFlush/Shutdown.
class SpanProcessor {
 public:
  virtual ~SpanProcessor() = default;

  // Called when a recording span starts. Must be cheap; the default does nothing.
  virtual void OnStart(const SpanData& span) {}
  // Takes ownership of a finished span. Must never block on I/O.
  virtual void OnEnd(std::unique_ptr<SpanData> span) = 0;
  // Exports everything received before the call; true when that finished before `deadline`.
  virtual bool ForceFlush(SteadyClock::time_point deadline) = 0;
  // Flushes, stops and releases the exporter; idempotent; returns by `deadline`.
  // True when the queue was drained and the exporter shut down before the deadline.
  virtual bool Shutdown(SteadyClock::time_point deadline) = 0;
  virtual ProcessorStats Stats() const { return {}; }

  // fork() support, called from pthread_atfork-style handlers on the forking thread:
  // PrepareFork before fork, then AfterForkParent in the parent or AfterForkChild in the child.
  virtual void PrepareFork() {}
  virtual void AfterForkParent() {}
  virtual void AfterForkChild() {}
};

}  // namespace ptx
