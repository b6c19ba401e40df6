// The hook between live spans and exporters: a processor receives every finished span of
// the pipelines whose sampler selected it.
//
//   class CountingProcessor : public ptx::SpanProcessor { ... };
//   tracer_pipeline.processor = std::make_unique<CountingProcessor>();
#pragma once

#include <cstdint>
#include <memory>

#include "ptx/base/clock.h"
#include "ptx/sdk/processor_stats.h"
#include "ptx/sdk/span_data.h"

namespace ptx {

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
