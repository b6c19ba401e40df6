// Metrics: the MeterProvider registry, Meters (one per (name, version)), and the instruments
// that aggregate measurements per attribute set for each attached reader.
//
//   ptx::Counter requests = provider.GetMeter("app").CreateCounter("requests").value();
//   (void)requests.Add(int64_t{1}, {{"route", std::string("/users")}});
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ptx/base/attribute_value.h"
#include "ptx/base/clock.h"
#include "ptx/base/status.h"
#include "ptx/sdk/metrics/metric_data.h"
#include "ptx/sdk/metrics/metric_reader.h"

namespace ptx {

namespace metrics_internal {
class Instrument;
struct MeterState;
class ProviderCore;
}  // namespace metrics_internal

// OpenTelemetry's default explicit histogram boundaries.
inline const std::vector<double>& DefaultHistogramBoundaries() {
  static const std::vector<double> kBounds{0,   5,   10,   25,   50,   75,   100,  250,
                                           500, 750, 1000, 2500, 5000, 7500, 10000};
  return kBounds;
}

// The attribute that marks the series holding measurements beyond the cardinality limit.
inline constexpr char kMetricOverflowAttribute[] = "otel.metric.overflow";

struct InstrumentOptions {
  std::string unit;
  std::string description;
  // Histograms only: finite, strictly increasing; absent: DefaultHistogramBoundaries().
  std::optional<std::vector<double>> boundaries;
};

// One value an observable callback reports.
struct Observation {
  MetricValue value = int64_t{0};
  Attributes attributes;
};

// Runs at each collection of each reader, on the collecting thread, with no SDK lock held.
// Appends observations to `out`; a non-ok Status (or a C++ exception) is reported through the
// diagnostics hook and everything that call appended is discarded.
using ObservableCallback = std::function<Status(std::vector<Observation>* out)>;

// Instrument handles are cheap to copy and share one aggregation; thread-safe. A default
// constructed handle records nothing.
//
// Sums and histograms drop NaN and +-inf measurements (counted in MetricsStats and reported
// through the diagnostics hook) so that sum/min/max stay finite; gauges take any value.
class Counter {
 public:
  Counter() = default;
  // InvalidArgument for a negative value (nothing is recorded).
  Status Add(int64_t value, const Attributes& attributes = {}) const;
  Status Add(double value, const Attributes& attributes = {}) const;

 private:
  friend class Meter;
  explicit Counter(std::shared_ptr<metrics_internal::Instrument> i) : instrument_(std::move(i)) {}
  std::shared_ptr<metrics_internal::Instrument> instrument_;
};

class UpDownCounter {
 public:
  UpDownCounter() = default;
  Status Add(int64_t value, const Attributes& attributes = {}) const;
  Status Add(double value, const Attributes& attributes = {}) const;

 private:
  friend class Meter;
  explicit UpDownCounter(std::shared_ptr<metrics_internal::Instrument> i)
      : instrument_(std::move(i)) {}
  std::shared_ptr<metrics_internal::Instrument> instrument_;
};

class Histogram {
 public:
  Histogram() = default;
  Status Record(int64_t value, const Attributes& attributes = {}) const;
  Status Record(double value, const Attributes& attributes = {}) const;

 private:
  friend class Meter;
  explicit Histogram(std::shared_ptr<metrics_internal::Instrument> i)
      : instrument_(std::move(i)) {}
  std::shared_ptr<metrics_internal::Instrument> instrument_;
};

class Gauge {
 public:
  Gauge() = default;
  Status Record(int64_t value, const Attributes& attributes = {}) const;
  Status Record(double value, const Attributes& attributes = {}) const;

 private:
  friend class Meter;
  explicit Gauge(std::shared_ptr<metrics_internal::Instrument> i) : instrument_(std::move(i)) {}
  std::shared_ptr<metrics_internal::Instrument> instrument_;
};

// An observable counter, up-down counter or gauge: values come from its callbacks only.
class ObservableInstrument {
 public:
  ObservableInstrument() = default;
  InstrumentKind kind() const;

 private:
  friend class Meter;
  explicit ObservableInstrument(std::shared_ptr<metrics_internal::Instrument> i)
      : instrument_(std::move(i)) {}
  std::shared_ptr<metrics_internal::Instrument> instrument_;
};

// Creates instruments of one instrumentation scope. Cheap to copy; thread-safe. Instrument
// names are case-insensitive: creating one twice returns the same instrument (its first unit,
// description, boundaries and callbacks stay); the same name with another kind is
// AlreadyExists. An empty name is InvalidArgument.
class Meter {
 public:
  const InstrumentationScope& scope() const;

  Result<Counter> CreateCounter(std::string_view name, InstrumentOptions options = {});
  Result<UpDownCounter> CreateUpDownCounter(std::string_view name, InstrumentOptions options = {});
  // InvalidArgument for boundaries that are not finite and strictly increasing.
  Result<Histogram> CreateHistogram(std::string_view name, InstrumentOptions options = {});
  Result<Gauge> CreateGauge(std::string_view name, InstrumentOptions options = {});
  Result<ObservableInstrument> CreateObservableCounter(std::string_view name,
                                                       std::vector<ObservableCallback> callbacks,
                                                       InstrumentOptions options = {});
  Result<ObservableInstrument> CreateObservableUpDownCounter(
      std::string_view name, std::vector<ObservableCallback> callbacks,
      InstrumentOptions options = {});
  Result<ObservableInstrument> CreateObservableGauge(std::string_view name,
                                                     std::vector<ObservableCallback> callbacks,
                                                     InstrumentOptions options = {});

 private:
  friend class MeterProvider;
  Meter(std::shared_ptr<metrics_internal::ProviderCore> core, metrics_internal::MeterState* state)
      : core_(std::move(core)), state_(state) {}
  Result<std::shared_ptr<metrics_internal::Instrument>> Create(
      InstrumentKind kind, std::string_view name, InstrumentOptions options,
      std::vector<ObservableCallback> callbacks);

  std::shared_ptr<metrics_internal::ProviderCore> core_;
  metrics_internal::MeterState* state_;  // owned by core_
};

struct MeterProviderOptions {
  // Distinct attribute sets per metric per collection, the overflow series included: the
  // first limit-1 sets get their own series, later ones share {otel.metric.overflow=true}.
  size_t cardinality_limit = 2000;
  // Wall clock in Unix nanoseconds for point timestamps; empty: NowUnixNanos (tests fake it).
  std::function<uint64_t()> clock;
  // Optional; called on the collecting thread, never with an SDK lock held: failed callbacks,
  // dropped non-finite measurements. key is stable per kind of problem.
  std::function<void(std::string_view key, std::string_view message)> diagnostics;
};

struct MetricsStats {
  uint64_t dropped_measurements = 0;  // non-finite values given to sums and histograms
  uint64_t callback_failures = 0;     // observable callbacks that failed or threw
};

// Thread-safe. Owns its readers; meters, instruments and aggregations live in a core that
// Meter and instrument handles co-own, so handles may outlive the provider (recording then
// goes nowhere once the readers are shut down).
//
// Recording: an attribute set is identified regardless of key order (an order-independent hash
// plus a sorted copy per series; duplicate keys: the last wins). Each instrument keeps, per
// reader, 16 shards (hash-selected, one mutex each) plus a dedicated slot for the empty
// attribute set, so threads recording different series rarely contend; collection locks one
// shard at a time (cumulative) or swaps all shards at once (delta).
//
// Start times: cumulative sync series start at their first measurement, async series at the
// collection before their first observation; delta points start at the previous collection
// (the first at the instrument's creation); gauges have no start time.
//
// fork(): call PrepareFork before fork() and the matching AfterFork* after it (pyext registers
// them). The child's aggregations start empty (the parent still exports what was recorded
// before fork; keeping it would count it twice) and cumulative series restart with new start
// times; each reader gets a fresh worker.
class MeterProvider {
 public:
  MeterProvider(MeterProviderOptions options, std::vector<std::unique_ptr<MetricReader>> readers);
  // Shutdown(now + 5 s) unless already shut down.
  ~MeterProvider();
  MeterProvider(const MeterProvider&) = delete;
  MeterProvider& operator=(const MeterProvider&) = delete;

  // The same scope (and instruments) for the same (name, version).
  Meter GetMeter(std::string_view name, std::string_view version = "");

  // Every reader; true when all succeeded by deadline.
  bool ForceFlush(SteadyClock::time_point deadline);
  bool Shutdown(SteadyClock::time_point deadline);
  MetricsStats Stats() const;
  MetricReader& reader(size_t index) { return *readers_[index]; }
  size_t reader_count() const { return readers_.size(); }

  void PrepareFork();
  void AfterForkParent();
  void AfterForkChild();

 private:
  std::shared_ptr<metrics_internal::ProviderCore> core_;
  std::vector<std::unique_ptr<MetricReader>> readers_;
  std::atomic<bool> shut_down_{false};
};

}  // namespace ptx
