// The batch span processor: the generic BatchProcessor engine (batch_processor.h) behind the
// SpanProcessor interface, handing batches of finished spans to a SpanExporter.
//
//   ptx::BatchSpanProcessor bsp(std::make_unique<MyExporter>(), ptx::BatchOptions{});
//   bsp.OnEnd(std::move(span)); bsp.Shutdown(ptx::SteadyClock::now() + std::chrono::seconds(5));
#pragma once

#include <cstdint>
#include <memory>

#include "ptx/sdk/batch_processor.h"
#include "ptx/sdk/exporter.h"
#include "ptx/sdk/span_processor.h"

namespace ptx {

extern template class BatchProcessor<SpanData, SpanExporter>;

// Thread-safe; the queueing, flush, shutdown and fork behaviour is BatchProcessor's: OnEnd never
// blocks (a full queue drops and counts), exports never run concurrently, Shutdown is bounded
// by its deadline, and a forked child gets a fresh queue and worker. Diagnostics keys are
// "bsp.queue_full", "bsp.export_failed" and "bsp.no_thread".
class BatchSpanProcessor final : public SpanProcessor {
 public:
  BatchSpanProcessor(std::unique_ptr<SpanExporter> exporter, BatchOptions options)
      : engine_(std::move(exporter), std::move(options), kSpanBatchLabels) {}
  // Shutdown(now + export_timeout) unless already shut down.
  ~BatchSpanProcessor() override = default;

  BatchSpanProcessor(const BatchSpanProcessor&) = delete;
  BatchSpanProcessor& operator=(const BatchSpanProcessor&) = delete;

  void OnEnd(std::unique_ptr<SpanData> span) override { engine_.Push(std::move(span)); }
  // True when every span queued before the call was exported (not failed) by deadline.
  bool ForceFlush(SteadyClock::time_point deadline) override { return engine_.ForceFlush(deadline); }
  bool Shutdown(SteadyClock::time_point deadline) override { return engine_.Shutdown(deadline); }
  ProcessorStats Stats() const override { return engine_.Stats(); }
  uint64_t dropped() const { return Stats().dropped; }

  void PrepareFork() override { engine_.PrepareFork(); }
  void AfterForkParent() override { engine_.AfterForkParent(); }
  void AfterForkChild() override { engine_.AfterForkChild(); }

 private:
  BatchProcessor<SpanData, SpanExporter> engine_;
};

}  // namespace ptx
