// The batch span processor: a bounded queue filled by application threads and drained by one
// background thread that hands batches to a SpanExporter.
//
//   ptx::BatchSpanProcessor bsp(std::make_unique<MyExporter>(), ptx::BatchOptions{});
//   bsp.OnEnd(std::move(span)); bsp.Shutdown(ptx::SteadyClock::now() + std::chrono::seconds(5));
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string_view>
#include <thread>

#include "ptx/sdk/exporter.h"
#include "ptx/sdk/span_processor.h"

namespace ptx {

struct BatchOptions {
  size_t max_queue = 2048;                                   // spans held; more are dropped
  size_t max_export_batch = 512;                             // spans per Export call (<= max_queue)
  std::chrono::milliseconds schedule_delay{5000};            // longest a span waits in the queue
  std::chrono::milliseconds export_timeout{30000};           // deadline of one Export call
  // Optional; called on the worker thread (never with a lock held) on export failures and
  // when spans were dropped since the last report. key is stable per kind of problem, so that
  // a rate-limited console can group messages.
  std::function<void(std::string_view key, std::string_view message)> diagnostics;
};

// `defaults` with OTEL_BSP_MAX_QUEUE_SIZE, OTEL_BSP_MAX_EXPORT_BATCH_SIZE,
// OTEL_BSP_SCHEDULE_DELAY and OTEL_BSP_EXPORT_TIMEOUT applied; invalid values are ignored.
BatchOptions BatchOptionsFromEnv(BatchOptions defaults);

// Thread-safe. OnEnd never blocks beyond a short critical section (a push into a preallocated
// ring); a full queue drops the span and counts it. The worker wakes when the queue reaches half
// capacity, when the oldest queued span has waited schedule_delay, or on ForceFlush/Shutdown.
// Exports never run concurrently and never hold the queue lock.
//
// Lifetime: the queue, the exporter and the counters live in a shared state that the worker
// thread co-owns. If Shutdown's deadline passes while the exporter is stuck, the thread is
// detached and finishes on its own (it then calls exporter Shutdown and frees the state);
// the exporter must honour the deadline it is given for this to end.
//
// fork(): the child discards the spans queued in the parent (the parent still exports them,
// so exporting them again would duplicate them), gets a fresh queue, fresh counters and a new
// worker thread, and keeps the exporter after calling its AfterForkChild().
class BatchSpanProcessor final : public SpanProcessor {
 public:
  BatchSpanProcessor(std::unique_ptr<SpanExporter> exporter, BatchOptions options);
  // Shutdown(now + export_timeout) unless already shut down.
  ~BatchSpanProcessor() override;

  BatchSpanProcessor(const BatchSpanProcessor&) = delete;
  BatchSpanProcessor& operator=(const BatchSpanProcessor&) = delete;
  BatchSpanProcessor(BatchSpanProcessor&&) = delete;
  BatchSpanProcessor& operator=(BatchSpanProcessor&&) = delete;

  void OnEnd(std::unique_ptr<SpanData> span) override;
  // True when every span queued before the call was exported (not failed) by deadline.
  bool ForceFlush(SteadyClock::time_point deadline) override;
  bool Shutdown(SteadyClock::time_point deadline) override;
  ProcessorStats Stats() const override;
  uint64_t dropped() const { return Stats().dropped; }

  void PrepareFork() override;
  void AfterForkParent() override;
  void AfterForkChild() override;

 private:
  struct State;

  void StartWorker();

  // Replaced only in AfterForkChild, when the process has a single thread.
  std::shared_ptr<State> state_;
  std::thread worker_;                     // joined or detached by the first Shutdown
  std::atomic<bool> shutdown_started_{false};  // the first Shutdown caller owns worker_
};

}  // namespace ptx
