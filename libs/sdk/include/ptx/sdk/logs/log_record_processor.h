// Log record processors: the hook between LogEmitter and exporters, and the batching one that
// every log pipeline uses (the generic BatchProcessor engine over a LogRecordExporter).
//
//   auto p = std::make_unique<ptx::BatchLogRecordProcessor>(std::move(exporter),
//                                                           ptx::DefaultBatchLogOptions());
#pragma once

#include <cstdint>
#include <memory>

#include "ptx/base/clock.h"
#include "ptx/sdk/batch_processor.h"
#include "ptx/sdk/logs/log_record.h"
#include "ptx/sdk/logs/log_record_exporter.h"
#include "ptx/sdk/processor_stats.h"

namespace ptx {

// Implementations must be thread-safe: OnEmit runs on application threads, concurrently with
// each other and with ForceFlush/Shutdown.
class LogRecordProcessor {
 public:
  virtual ~LogRecordProcessor() = default;
  // Takes ownership of a finished record. Must never block on I/O.
  virtual void OnEmit(std::unique_ptr<LogRecordData> record) = 0;
  // Exports everything received before the call; true when that finished before `deadline`.
  virtual bool ForceFlush(SteadyClock::time_point deadline) = 0;
  // Flushes, stops and releases the exporter; idempotent; returns by `deadline`.
  virtual bool Shutdown(SteadyClock::time_point deadline) = 0;
  virtual ProcessorStats Stats() const { return {}; }

  // fork() support; see SpanProcessor.
  virtual void PrepareFork() {}
  virtual void AfterForkParent() {}
  virtual void AfterForkChild() {}
};

// The OpenTelemetry batch log record processor defaults: queue 2048, batch 512, delay 1000 ms,
// export timeout 30000 ms, with OTEL_BLRP_* applied.
BatchOptions DefaultBatchLogOptions();

extern template class BatchProcessor<LogRecordData, LogRecordExporter>;

// Thread-safe; behaves exactly like BatchSpanProcessor (see BatchProcessor): OnEmit never
// blocks, a full queue drops and counts, exports never overlap, ForceFlush is true only when
// everything queued before it was exported, Shutdown is bounded, a forked child starts afresh.
// Diagnostics keys are "blrp.queue_full", "blrp.export_failed" and "blrp.no_thread".
class BatchLogRecordProcessor final : public LogRecordProcessor {
 public:
  BatchLogRecordProcessor(std::unique_ptr<LogRecordExporter> exporter, BatchOptions options)
      : engine_(std::move(exporter), std::move(options), kLogBatchLabels) {}
  ~BatchLogRecordProcessor() override = default;  // the engine shuts down

  BatchLogRecordProcessor(const BatchLogRecordProcessor&) = delete;
  BatchLogRecordProcessor& operator=(const BatchLogRecordProcessor&) = delete;

  void OnEmit(std::unique_ptr<LogRecordData> record) override { engine_.Push(std::move(record)); }
  bool ForceFlush(SteadyClock::time_point deadline) override { return engine_.ForceFlush(deadline); }
  bool Shutdown(SteadyClock::time_point deadline) override { return engine_.Shutdown(deadline); }
  ProcessorStats Stats() const override { return engine_.Stats(); }
  uint64_t dropped() const { return Stats().dropped; }

  void PrepareFork() override { engine_.PrepareFork(); }
  void AfterForkParent() override { engine_.AfterForkParent(); }
  void AfterForkChild() override { engine_.AfterForkChild(); }

 private:
  BatchProcessor<LogRecordData, LogRecordExporter> engine_;
};

}  // namespace ptx
