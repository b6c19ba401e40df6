// The periodic exporting metric reader: a background thread that collects every
// export_interval and hands the result to a MetricExporter.
//
//   readers.push_back(std::make_unique<ptx::PeriodicExportingMetricReader>(std::move(exp), opts));
//   ptx::MeterProvider provider(ptx::MeterProviderOptions{}, std::move(readers));
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>
#include <thread>

#include "ptx/sdk/metrics/metric_exporter.h"
#include "ptx/sdk/metrics/metric_reader.h"

namespace ptx {

struct PeriodicReaderOptions {
  std::chrono::milliseconds export_interval{60000};  // between the starts of two collections
  std::chrono::milliseconds export_timeout{30000};   // deadline of one Export call
  TemporalityPreference temporality = TemporalityPreference::kCumulative;
  // Optional; called on the worker thread (never with a lock held) on export failures.
  std::function<void(std::string_view key, std::string_view message)> diagnostics;
};

// `defaults` with OTEL_METRIC_EXPORT_INTERVAL, OTEL_METRIC_EXPORT_TIMEOUT (milliseconds) and
// OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE (cumulative|delta|lowmemory, any case)
// applied; invalid values are ignored.
PeriodicReaderOptions PeriodicReaderOptionsFromEnv(PeriodicReaderOptions defaults);

struct MetricReaderStats {
  uint64_t exports = 0;          // Export calls that succeeded
  uint64_t failed_exports = 0;   // Export calls that failed
  uint64_t exported_points = 0;  // data points in the calls that succeeded
  uint64_t failed_points = 0;    // data points in the calls that failed (dropped, not re-sent)
};

// Thread-safe. One worker thread collects (observable callbacks run on it, with no SDK lock
// held) and exports; exports never run concurrently. ForceFlush asks the worker for one more
// collection and export and waits for it; Shutdown does the same once more, then shuts the
// exporter down. Never call ForceFlush or Shutdown while holding a lock that an observable
// callback takes (the GIL): the worker would wait for it.
//
// Lifetime: like BatchSpanProcessor, the worker co-owns its state; if Shutdown's deadline
// passes while the exporter is stuck, the thread is detached and finishes on its own.
//
// fork(): the child gets a fresh worker and keeps the exporter after its AfterForkChild().
class PeriodicExportingMetricReader final : public MetricReader {
 public:
  PeriodicExportingMetricReader(std::unique_ptr<MetricExporter> exporter,
                                PeriodicReaderOptions options);
  // Shutdown(now + export_timeout) unless already shut down.
  ~PeriodicExportingMetricReader() override;

  bool ForceFlush(SteadyClock::time_point deadline) override;
  bool Shutdown(SteadyClock::time_point deadline) override;
  MetricReaderStats Stats() const;

  void PrepareFork() override;
  void AfterForkParent() override;
  void AfterForkChild() override;

 private:
  struct State;
  void StartWorker();

  std::shared_ptr<State> state_;  // replaced only in AfterForkChild
  std::thread worker_;
  std::atomic<bool> shutdown_started_{false};
};

}  // namespace ptx
