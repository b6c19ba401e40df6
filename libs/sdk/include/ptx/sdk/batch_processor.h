// The batching engine behind every background exporter (spans and log records): a bounded
// queue filled by application threads and drained by one worker thread that hands batches to
// an exporter.
//
//   ptx::BatchProcessor<ptx::SpanData, ptx::SpanExporter> engine(std::move(exporter), options,
//                                                            ptx::kSpanBatchLabels);
//   engine.Push(std::move(span)); engine.Shutdown(ptx::SteadyClock::now() + std::chrono::seconds(5));
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string_view>
#include <thread>
#include <vector>

#include "ptx/base/clock.h"
#include "ptx/sdk/processor_stats.h"

namespace ptx {

struct BatchOptions {
  size_t max_queue = 2048;                                   // records held; more are dropped
  size_t max_export_batch = 512;                             // records per Export call (<= max_queue)
  std::chrono::milliseconds schedule_delay{5000};            // longest a record waits in the queue
  std::chrono::milliseconds export_timeout{30000};           // deadline of one Export call
  // Optional; called on the worker thread (never with a lock held) on export failures and
  // when records were dropped since the last report. key is stable per kind of problem, so
  // that a rate-limited console can group messages.
  std::function<void(std::string_view key, std::string_view message)> diagnostics;
};

// `defaults` with OTEL_BSP_MAX_QUEUE_SIZE, OTEL_BSP_MAX_EXPORT_BATCH_SIZE,
// OTEL_BSP_SCHEDULE_DELAY and OTEL_BSP_EXPORT_TIMEOUT applied; invalid values are ignored.
BatchOptions BatchOptionsFromEnv(BatchOptions defaults);
// The same with the OTEL_BLRP_* variables of the batch log record processor.
BatchOptions BatchLogOptionsFromEnv(BatchOptions defaults);

// How one kind of processor names itself in diagnostics: keys are "<key_prefix>.queue_full",
// "<key_prefix>.export_failed", "<key_prefix>.no_thread"; messages count "<noun>(s)".
struct BatchLabels {
  const char* key_prefix;
  const char* noun;
};
inline constexpr BatchLabels kSpanBatchLabels{"bsp", "span"};
inline constexpr BatchLabels kLogBatchLabels{"blrp", "log record"};

// Exporter must provide
//   Status Export(const std::vector<std::unique_ptr<Record>>& batch, SteadyClock::time_point);
//   void Shutdown(SteadyClock::time_point);  void AfterForkChild();
// Instantiated in batch_processor.cc for (SpanData, SpanExporter) and
// (LogRecordData, LogRecordExporter); add a line there for a new pair.
//
// Thread-safe. Push never blocks beyond a short critical section (a push into a preallocated
// ring); a full queue drops the record and counts it. The worker wakes when the queue reaches
// half capacity, when the oldest queued record has waited schedule_delay, or on
// ForceFlush/Shutdown. Exports never run concurrently and never hold the queue lock.
//
// Lifetime: the queue, the exporter and the counters live in a shared state that the worker
// thread co-owns. If Shutdown's deadline passes while the exporter is stuck, the thread is
// detached and finishes on its own (it then calls exporter Shutdown and frees the state);
// the exporter must honour the deadline it is given for this to end.
//
// fork(): the child discards the records queued in the parent (the parent still exports them,
// so exporting them again would duplicate them), gets a fresh queue, fresh counters and a new
// worker thread, and keeps the exporter after calling its AfterForkChild().
template <typename Record, typename Exporter>
class BatchProcessor {
 public:
  using Batch = std::vector<std::unique_ptr<Record>>;

  BatchProcessor(std::unique_ptr<Exporter> exporter, BatchOptions options, BatchLabels labels);
  // Shutdown(now + export_timeout) unless already shut down.
  ~BatchProcessor();

  BatchProcessor(const BatchProcessor&) = delete;
  BatchProcessor& operator=(const BatchProcessor&) = delete;
  BatchProcessor(BatchProcessor&&) = delete;
  BatchProcessor& operator=(BatchProcessor&&) = delete;

  // Takes ownership; false when the record was dropped (queue full or shut down). Null is ignored.
  bool Push(std::unique_ptr<Record> record);
  // True when every record queued before the call was exported (not failed) by deadline.
  bool ForceFlush(SteadyClock::time_point deadline);
  // Flushes, stops the worker and shuts the exporter down; idempotent; returns by deadline.
  // True when the queue was drained and the exporter shut down in time.
  bool Shutdown(SteadyClock::time_point deadline);
  ProcessorStats Stats() const;

  // fork() hooks, on the forking thread: PrepareFork before fork(), then one of the others.
  void PrepareFork();
  void AfterForkParent();
  void AfterForkChild();

 private:
  struct State;

  void StartWorker();

  // Replaced only in AfterForkChild, when the process has a single thread.
  std::shared_ptr<State> state_;
  std::thread worker_;                         // joined or detached by the first Shutdown
  std::atomic<bool> shutdown_started_{false};  // the first Shutdown caller owns worker_
};

}  // namespace ptx
