// The LogEmitter (a LoggerProvider in OpenTelemetry terms): takes finished log records from the
// API layer, stamps and limits them, prints them through the console and hands each to every
// log pipeline (OTLP and SLS sinks mixed, each its own BatchLogRecordProcessor).
//
//   auto emitter = std::move(ptx::LogEmitter::Create(std::move(options))).value();
//   emitter->Emit(std::move(record));  // never blocks on I/O
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

#include "ptx/base/clock.h"
#include "ptx/base/status.h"
#include "ptx/sdk/logs/log_record.h"
#include "ptx/sdk/logs/log_record_processor.h"
#include "ptx/sdk/processor_stats.h"
#include "ptx/sdk/resource.h"

namespace ptx {

class ConsoleSink;

struct LogEmitterOptions {
  Resource resource;   // describes this process; exporters get their own copy
  LogLimits limits;    // applied to every record
  std::vector<std::unique_ptr<LogRecordProcessor>> pipelines;  // none = console-only mode
};

// Thread-safe. Pipelines are fixed at creation; the console can be swapped at any time.
// After Shutdown, Emit is a cheap no-op.
class LogEmitter {
 public:
  // InvalidArgument when a pipeline is null.
  static Result<std::unique_ptr<LogEmitter>> Create(LogEmitterOptions options);
  // Shutdown(now + 30 s) unless already shut down.
  ~LogEmitter();
  LogEmitter(const LogEmitter&) = delete;
  LogEmitter& operator=(const LogEmitter&) = delete;

  // Whether an emitted record would go anywhere (a pipeline, or a console that prints it); lets
  // the API layer skip building records nobody wants.
  bool Enabled(uint8_t severity_number) const;

  // Sets observed_time_unix_nano to now when it is 0, applies the limits, prints the record on
  // the console (filtered by its level) and hands it to every pipeline (a copy for all but the
  // last). Never blocks on I/O: a full pipeline queue drops and counts.
  void Emit(std::unique_ptr<LogRecordData> record);

  // nullptr removes the console. A sink set once stays alive until the emitter is destroyed.
  void SetConsole(std::shared_ptr<ConsoleSink> console);

  // Across pipelines, each bounded by deadline; true when all succeeded.
  bool ForceFlush(SteadyClock::time_point deadline);
  // Idempotent; later calls return the first result.
  bool Shutdown(SteadyClock::time_point deadline);
  bool is_shutdown() const { return shutdown_.load(std::memory_order_acquire); }

  ProcessorStats Stats() const;                       // summed over pipelines
  std::vector<ProcessorStats> PipelineStats() const;  // one entry per pipeline

  const Resource& resource() const { return resource_; }
  const LogLimits& limits() const { return limits_; }
  size_t pipeline_count() const { return pipelines_.size(); }

  // fork() support: the consoles and every processor. In the child, process.pid in resource()
  // is updated to the child's pid.
  void PrepareFork();
  void AfterForkParent();
  void AfterForkChild();

 private:
  explicit LogEmitter(LogEmitterOptions options);

  Resource resource_;  // written only in AfterForkChild (single-threaded)
  const LogLimits limits_;
  const std::vector<std::unique_ptr<LogRecordProcessor>> pipelines_;

  std::atomic<ConsoleSink*> console_{nullptr};  // owned by consoles_
  std::mutex console_mu_;
  std::vector<std::shared_ptr<ConsoleSink>> consoles_;  // GUARDED_BY(console_mu_); never shrinks

  std::mutex shutdown_mu_;          // serializes Shutdown callers
  std::atomic<bool> shutdown_{false};
  bool shutdown_result_ = false;    // GUARDED_BY(shutdown_mu_)
};

}  // namespace ptx
