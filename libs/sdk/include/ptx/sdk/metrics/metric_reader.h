// A metric reader: one view of a MeterProvider's instruments with its own temporality, pulled
// by Collect(). PeriodicExportingMetricReader is the one that pushes to an exporter.
//
//   ptx::MeterProvider provider({}, std::move(readers));   // attaches (and owns) the readers
//   std::vector<ptx::ScopeMetrics> now = provider.reader(0).Collect();
#pragma once

#include <memory>
#include <vector>

#include "ptx/base/clock.h"
#include "ptx/sdk/metrics/metric_data.h"

namespace ptx {

// The OTLP exporter temporality preferences (OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE).
enum class TemporalityPreference {
  kCumulative,  // everything cumulative
  kDelta,       // Counter, ObservableCounter, Histogram delta; up-down counters cumulative
  kLowMemory,   // Counter and Histogram delta; the rest cumulative
};

// Which instrument an aggregation belongs to.
enum class InstrumentKind {
  kCounter,
  kUpDownCounter,
  kHistogram,
  kGauge,
  kObservableCounter,
  kObservableUpDownCounter,
  kObservableGauge,
};

// The temporality a reader with `preference` uses for `kind`; kUnspecified for gauges.
AggregationTemporality TemporalityFor(InstrumentKind kind, TemporalityPreference preference);

namespace metrics_internal {
struct ReaderLink;
}  // namespace metrics_internal

// Thread-safe. A reader is attached to exactly one MeterProvider (which owns it); before that,
// and after Shutdown, Collect returns nothing.
class MetricReader {
 public:
  explicit MetricReader(TemporalityPreference preference);
  virtual ~MetricReader();
  MetricReader(const MetricReader&) = delete;
  MetricReader& operator=(const MetricReader&) = delete;

  TemporalityPreference temporality_preference() const { return preference_; }

  // Runs the observable callbacks (with no SDK lock held: they may take the GIL), then
  // aggregates this reader's view; delta series restart. Metrics without points are left out.
  // Never call it while holding a lock an observable callback takes.
  std::vector<ScopeMetrics> Collect();

  // Collect and export what is pending; true when it went out by deadline.
  virtual bool ForceFlush(SteadyClock::time_point deadline) { return true; }
  // Idempotent. Later Collect calls return nothing.
  virtual bool Shutdown(SteadyClock::time_point deadline);

  // fork(): the provider calls these around fork() (see MeterProvider).
  virtual void PrepareFork();
  virtual void AfterForkParent();
  virtual void AfterForkChild();

 protected:
  // What a worker thread co-owns to collect after the reader object is gone.
  const std::shared_ptr<metrics_internal::ReaderLink>& link() const { return link_; }

 private:
  friend class MeterProvider;

  const TemporalityPreference preference_;
  const std::shared_ptr<metrics_internal::ReaderLink> link_;
};

}  // namespace ptx
