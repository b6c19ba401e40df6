#include "ptx/sdk/metrics/meter_provider.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <exception>
#include <utility>

#include "attribute_set.h"
#include "provider_core.h"

namespace ptx {
namespace metrics_internal {
namespace {

bool IsSync(InstrumentKind kind) {
  return kind == InstrumentKind::kCounter || kind == InstrumentKind::kUpDownCounter ||
         kind == InstrumentKind::kHistogram || kind == InstrumentKind::kGauge;
}

Aggregation AggregationFor(InstrumentKind kind) {
  switch (kind) {
    case InstrumentKind::kHistogram:
      return Aggregation::kHistogram;
    case InstrumentKind::kGauge:
    case InstrumentKind::kObservableGauge:
      return Aggregation::kLastValue;
    default:
      return Aggregation::kSum;
  }
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

const char* KindName(InstrumentKind kind) {
  switch (kind) {
    case InstrumentKind::kCounter: return "counter";
    case InstrumentKind::kUpDownCounter: return "up-down counter";
    case InstrumentKind::kHistogram: return "histogram";
    case InstrumentKind::kGauge: return "gauge";
    case InstrumentKind::kObservableCounter: return "observable counter";
    case InstrumentKind::kObservableUpDownCounter: return "observable up-down counter";
    case InstrumentKind::kObservableGauge: return "observable gauge";
  }
  return "instrument";
}

Status ValidateBoundaries(const std::vector<double>& bounds) {
  for (size_t i = 0; i < bounds.size(); ++i) {
    if (!std::isfinite(bounds[i])) {
      return InvalidArgumentError("histogram boundaries must be finite");
    }
    if (i > 0 && !(bounds[i - 1] < bounds[i])) {
      return InvalidArgumentError("histogram boundaries must be strictly increasing");
    }
  }
  return Status::Ok();
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Instrument

Instrument::Instrument(InstrumentKind kind, std::string name, InstrumentOptions options,
                       std::vector<ObservableCallback> callbacks,
                       const std::vector<TemporalityPreference>& preferences,
                       size_t cardinality_limit,
                       std::shared_ptr<const std::function<uint64_t()>> clock)
    : kind_(kind),
      name_(std::move(name)),
      options_(std::move(options)),
      callbacks_(std::move(callbacks)) {
  const uint64_t now = (*clock)();
  for (TemporalityPreference preference : preferences) {
    const AggregationTemporality t = TemporalityFor(kind, preference);
    temporality_.push_back(t);
    StorageConfig config;
    config.aggregation = AggregationFor(kind);
    if (kind == InstrumentKind::kHistogram) config.bounds = *options_.boundaries;
    config.delta = t == AggregationTemporality::kDelta;
    config.cardinality_limit = cardinality_limit;
    config.clock = clock;
    if (IsSync(kind)) {
      sync_.push_back(std::make_unique<SyncStorage>(std::move(config), now));
    } else {
      async_.push_back(std::make_unique<AsyncStorage>(std::move(config), now));
    }
  }
}

bool Instrument::observable() const { return !IsSync(kind_); }

Status Instrument::Record(const Number& value, const Attributes& attributes) {
  if (value.is_double && !std::isfinite(value.d) && kind_ != InstrumentKind::kGauge) {
    // A single NaN or inf would poison the sum (and min/max) for the series' lifetime.
    dropped_.fetch_add(1, std::memory_order_relaxed);
    return Status::Ok();
  }
  if (kind_ == InstrumentKind::kCounter && (value.is_double ? value.d < 0 : value.i < 0)) {
    return InvalidArgumentError("counter '" + name_ + "': value must be non-negative");
  }
  if (sync_.empty()) return Status::Ok();
  const uint64_t hash = attributes.empty() ? 0 : HashAttributes(attributes);
  for (auto& storage : sync_) storage->Record(value, attributes, hash);
  return Status::Ok();
}

std::vector<Observation> Instrument::Observe(ProviderCore& core) {
  std::vector<Observation> all;
  for (const ObservableCallback& callback : callbacks_) {
    if (!callback) continue;
    std::vector<Observation> out;
    Status status;
    try {
      status = callback(&out);
    } catch (const std::exception& e) {
      status = InternalError(std::string("callback threw: ") + e.what());
    } catch (...) {
      status = InternalError("callback threw");
    }
    if (!status.ok()) {
      core.CountCallbackFailure();
      core.Report("metrics.callback_failed", "observable callback of '" + name_ +
                                                 "' failed; its observations are skipped: " +
                                                 status.ToString());
      continue;
    }
    for (Observation& o : out) {
      const double* d = std::get_if<double>(&o.value);
      if (d != nullptr && !std::isfinite(*d) && kind_ != InstrumentKind::kObservableGauge) {
        dropped_.fetch_add(1, std::memory_order_relaxed);
        continue;
      }
      all.push_back(std::move(o));
    }
  }
  return all;
}

void Instrument::Collect(size_t reader, const std::vector<Observation>& observations,
                         uint64_t now, MetricData* out) {
  out->name = name_;
  out->description = options_.description;
  out->unit = options_.unit;
  switch (AggregationFor(kind_)) {
    case Aggregation::kSum: out->kind = MetricDataKind::kSum; break;
    case Aggregation::kLastValue: out->kind = MetricDataKind::kGauge; break;
    case Aggregation::kHistogram: out->kind = MetricDataKind::kHistogram; break;
  }
  out->temporality = temporality_[reader];
  out->monotonic =
      kind_ == InstrumentKind::kCounter || kind_ == InstrumentKind::kObservableCounter;
  if (IsSync(kind_)) {
    sync_[reader]->Collect(now, out);
  } else {
    async_[reader]->Collect(observations, now, out);
  }
}

uint64_t Instrument::TakeDroppedForReport() {
  const uint64_t now = dropped_.load(std::memory_order_relaxed);
  const uint64_t before = dropped_reported_.exchange(now, std::memory_order_relaxed);
  return now > before ? now - before : 0;
}

void Instrument::LockAll() {
  for (auto& s : sync_) s->LockAll();
  for (auto& s : async_) s->LockAll();
}

void Instrument::UnlockAll() {
  for (auto& s : async_) s->UnlockAll();
  for (auto& s : sync_) s->UnlockAll();
}

void Instrument::ResetAndUnlockAll(uint64_t now) {
  for (auto& s : async_) s->ResetAndUnlockAll(now);
  for (auto& s : sync_) s->ResetAndUnlockAll(now);
}

// ---------------------------------------------------------------------------------------------
// ProviderCore

ProviderCore::ProviderCore(MeterProviderOptions options,
                           std::vector<TemporalityPreference> preferences)
    : options_(std::move(options)),
      clock_(std::make_shared<const std::function<uint64_t()>>(
          options_.clock ? options_.clock : std::function<uint64_t()>(NowUnixNanos))),
      preferences_(std::move(preferences)) {
  for (size_t i = 0; i < preferences_.size(); ++i) {
    collect_mu_.push_back(std::make_unique<std::mutex>());
  }
}

MeterState* ProviderCore::GetMeter(std::string_view name, std::string_view version) {
  std::lock_guard<std::mutex> lock(mu_);
  for (MeterState& m : meters_) {
    if (m.scope.name == name && m.scope.version == version) return &m;
  }
  meters_.emplace_back();
  meters_.back().scope = InstrumentationScope{std::string(name), std::string(version)};
  return &meters_.back();
}

Result<std::shared_ptr<Instrument>> ProviderCore::CreateInstrument(
    MeterState* meter, InstrumentKind kind, std::string_view name, InstrumentOptions options,
    std::vector<ObservableCallback> callbacks) {
  if (name.empty()) return InvalidArgumentError("instrument name must not be empty");
  if (kind == InstrumentKind::kHistogram) {
    if (!options.boundaries) options.boundaries = DefaultHistogramBoundaries();
    Status valid = ValidateBoundaries(*options.boundaries);
    if (!valid.ok()) return valid;
  } else {
    options.boundaries.reset();
  }
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& existing : meter->instruments) {
    if (!EqualsIgnoreCase(existing->name(), name)) continue;
    if (existing->kind() != kind) {
      return Status(StatusCode::kAlreadyExists,
                    "instrument '" + std::string(name) + "' already exists as a " +
                        KindName(existing->kind()));
    }
    return existing;
  }
  auto instrument = std::make_shared<Instrument>(kind, std::string(name), std::move(options),
                                                 std::move(callbacks), preferences_,
                                                 options_.cardinality_limit, clock_);
  meter->instruments.push_back(instrument);
  return instrument;
}

std::vector<ScopeMetrics> ProviderCore::Collect(size_t reader) {
  if (reader >= preferences_.size()) return {};
  struct Snapshot {
    const InstrumentationScope* scope;
    std::vector<std::shared_ptr<Instrument>> instruments;
  };
  std::vector<Snapshot> snapshot;
  {
    std::lock_guard<std::mutex> lock(mu_);
    snapshot.reserve(meters_.size());
    for (const MeterState& m : meters_) snapshot.push_back(Snapshot{&m.scope, m.instruments});
  }

  // Callbacks first, with no lock held: they may take the GIL or create instruments.
  std::vector<std::vector<std::vector<Observation>>> observed(snapshot.size());
  for (size_t m = 0; m < snapshot.size(); ++m) {
    observed[m].resize(snapshot[m].instruments.size());
    for (size_t i = 0; i < snapshot[m].instruments.size(); ++i) {
      Instrument& instrument = *snapshot[m].instruments[i];
      if (instrument.observable()) observed[m][i] = instrument.Observe(*this);
    }
  }

  std::vector<ScopeMetrics> result;
  {
    std::lock_guard<std::mutex> lock(*collect_mu_[reader]);
    const uint64_t now = (*clock_)();
    for (size_t m = 0; m < snapshot.size(); ++m) {
      ScopeMetrics scope_metrics;
      scope_metrics.scope = *snapshot[m].scope;
      for (size_t i = 0; i < snapshot[m].instruments.size(); ++i) {
        MetricData data;
        snapshot[m].instruments[i]->Collect(reader, observed[m][i], now, &data);
        if (data.number_points.empty() && data.histogram_points.empty()) continue;
        scope_metrics.metrics.push_back(std::move(data));
      }
      if (!scope_metrics.metrics.empty()) result.push_back(std::move(scope_metrics));
    }
  }

  for (const Snapshot& s : snapshot) {
    for (const auto& instrument : s.instruments) {
      const uint64_t dropped = instrument->TakeDroppedForReport();
      if (dropped == 0) continue;
      Report("metrics.non_finite", std::to_string(dropped) +
                                       " NaN/inf measurement(s) dropped by '" +
                                       instrument->name() + "'");
    }
  }
  return result;
}

void ProviderCore::Report(std::string_view key, std::string_view message) {
  if (options_.diagnostics) options_.diagnostics(key, message);
}

MetricsStats ProviderCore::Stats() const {
  MetricsStats stats;
  stats.callback_failures = callback_failures_.load(std::memory_order_relaxed);
  std::lock_guard<std::mutex> lock(mu_);
  for (const MeterState& m : meters_) {
    for (const auto& instrument : m.instruments) stats.dropped_measurements += instrument->dropped();
  }
  return stats;
}

void ProviderCore::PrepareFork() {
  mu_.lock();
  for (auto& m : collect_mu_) m->lock();
  for (MeterState& m : meters_) {
    for (auto& instrument : m.instruments) instrument->LockAll();
  }
}

void ProviderCore::AfterForkParent() {
  for (auto it = meters_.rbegin(); it != meters_.rend(); ++it) {
    for (auto& instrument : it->instruments) instrument->UnlockAll();
  }
  for (auto& m : collect_mu_) m->unlock();
  mu_.unlock();
}

void ProviderCore::AfterForkChild() {
  const uint64_t now = (*clock_)();
  for (MeterState& m : meters_) {
    for (auto& instrument : m.instruments) instrument->ResetAndUnlockAll(now);
  }
  for (auto& m : collect_mu_) m->unlock();
  mu_.unlock();
}

}  // namespace metrics_internal

// -----------------------------------------------------------------------------------------------
// Instrument handles

namespace {

Status RecordOn(const std::shared_ptr<metrics_internal::Instrument>& instrument,
                const MetricValue& value, const Attributes& attributes) {
  if (!instrument) return Status::Ok();
  return instrument->Record(metrics_internal::Number::From(value), attributes);
}

}  // namespace

Status Counter::Add(int64_t value, const Attributes& attributes) const {
  return RecordOn(instrument_, value, attributes);
}
Status Counter::Add(double value, const Attributes& attributes) const {
  return RecordOn(instrument_, value, attributes);
}
Status UpDownCounter::Add(int64_t value, const Attributes& attributes) const {
  return RecordOn(instrument_, value, attributes);
}
Status UpDownCounter::Add(double value, const Attributes& attributes) const {
  return RecordOn(instrument_, value, attributes);
}
Status Histogram::Record(int64_t value, const Attributes& attributes) const {
  return RecordOn(instrument_, value, attributes);
}
Status Histogram::Record(double value, const Attributes& attributes) const {
  return RecordOn(instrument_, value, attributes);
}
Status Gauge::Record(int64_t value, const Attributes& attributes) const {
  return RecordOn(instrument_, value, attributes);
}
Status Gauge::Record(double value, const Attributes& attributes) const {
  return RecordOn(instrument_, value, attributes);
}

InstrumentKind ObservableInstrument::kind() const {
  return instrument_ ? instrument_->kind() : InstrumentKind::kObservableGauge;
}

// -----------------------------------------------------------------------------------------------
// Meter

const InstrumentationScope& Meter::scope() const { return state_->scope; }

Result<std::shared_ptr<metrics_internal::Instrument>> Meter::Create(
    InstrumentKind kind, std::string_view name, InstrumentOptions options,
    std::vector<ObservableCallback> callbacks) {
  return core_->CreateInstrument(state_, kind, name, std::move(options), std::move(callbacks));
}

Result<Counter> Meter::CreateCounter(std::string_view name, InstrumentOptions options) {
  auto i = Create(InstrumentKind::kCounter, name, std::move(options), {});
  if (!i.ok()) return i.status();
  return Counter(std::move(i).value());
}

Result<UpDownCounter> Meter::CreateUpDownCounter(std::string_view name,
                                                 InstrumentOptions options) {
  auto i = Create(InstrumentKind::kUpDownCounter, name, std::move(options), {});
  if (!i.ok()) return i.status();
  return UpDownCounter(std::move(i).value());
}

Result<Histogram> Meter::CreateHistogram(std::string_view name, InstrumentOptions options) {
  auto i = Create(InstrumentKind::kHistogram, name, std::move(options), {});
  if (!i.ok()) return i.status();
  return Histogram(std::move(i).value());
}

Result<Gauge> Meter::CreateGauge(std::string_view name, InstrumentOptions options) {
  auto i = Create(InstrumentKind::kGauge, name, std::move(options), {});
  if (!i.ok()) return i.status();
  return Gauge(std::move(i).value());
}

Result<ObservableInstrument> Meter::CreateObservableCounter(
    std::string_view name, std::vector<ObservableCallback> callbacks, InstrumentOptions options) {
  auto i = Create(InstrumentKind::kObservableCounter, name, std::move(options),
                  std::move(callbacks));
  if (!i.ok()) return i.status();
  return ObservableInstrument(std::move(i).value());
}

Result<ObservableInstrument> Meter::CreateObservableUpDownCounter(
    std::string_view name, std::vector<ObservableCallback> callbacks, InstrumentOptions options) {
  auto i = Create(InstrumentKind::kObservableUpDownCounter, name, std::move(options),
                  std::move(callbacks));
  if (!i.ok()) return i.status();
  return ObservableInstrument(std::move(i).value());
}

Result<ObservableInstrument> Meter::CreateObservableGauge(
    std::string_view name, std::vector<ObservableCallback> callbacks, InstrumentOptions options) {
  auto i = Create(InstrumentKind::kObservableGauge, name, std::move(options),
                  std::move(callbacks));
  if (!i.ok()) return i.status();
  return ObservableInstrument(std::move(i).value());
}

// -----------------------------------------------------------------------------------------------
// MeterProvider

namespace {

std::vector<std::unique_ptr<MetricReader>> WithoutNulls(
    std::vector<std::unique_ptr<MetricReader>> readers) {
  readers.erase(std::remove(readers.begin(), readers.end(), nullptr), readers.end());
  return readers;
}

}  // namespace

MeterProvider::MeterProvider(MeterProviderOptions options,
                             std::vector<std::unique_ptr<MetricReader>> readers)
    : readers_(WithoutNulls(std::move(readers))) {
  std::vector<TemporalityPreference> preferences;
  for (const auto& r : readers_) preferences.push_back(r->temporality_preference());
  options.cardinality_limit = std::max<size_t>(options.cardinality_limit, 1);
  core_ = std::make_shared<metrics_internal::ProviderCore>(std::move(options),
                                                           std::move(preferences));
  for (size_t i = 0; i < readers_.size(); ++i) {
    std::lock_guard<std::mutex> lock(readers_[i]->link_->mu);
    readers_[i]->link_->core = core_;
    readers_[i]->link_->index = i;
  }
}

MeterProvider::~MeterProvider() { Shutdown(SteadyClock::now() + std::chrono::seconds(5)); }

Meter MeterProvider::GetMeter(std::string_view name, std::string_view version) {
  return Meter(core_, core_->GetMeter(name, version));
}

bool MeterProvider::ForceFlush(SteadyClock::time_point deadline) {
  bool ok = true;
  for (auto& r : readers_) ok = r->ForceFlush(deadline) && ok;
  return ok;
}

bool MeterProvider::Shutdown(SteadyClock::time_point deadline) {
  if (shut_down_.exchange(true)) return true;
  bool ok = true;
  for (auto& r : readers_) ok = r->Shutdown(deadline) && ok;
  return ok;
}

MetricsStats MeterProvider::Stats() const { return core_->Stats(); }

void MeterProvider::PrepareFork() {
  for (auto& r : readers_) r->PrepareFork();
  core_->PrepareFork();
}

void MeterProvider::AfterForkParent() {
  core_->AfterForkParent();
  for (auto it = readers_.rbegin(); it != readers_.rend(); ++it) (*it)->AfterForkParent();
}

void MeterProvider::AfterForkChild() {
  core_->AfterForkChild();
  for (auto it = readers_.rbegin(); it != readers_.rend(); ++it) (*it)->AfterForkChild();
}

}  // namespace ptx
