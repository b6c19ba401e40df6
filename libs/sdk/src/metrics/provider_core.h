// Internal: the state behind MeterProvider, Meter and the instrument handles.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "ptx/sdk/metrics/meter_provider.h"
#include "storage.h"

namespace ptx::metrics_internal {

class ProviderCore;

// One instrument with one storage per reader. Record is thread-safe; its configuration is
// immutable after construction.
class Instrument {
 public:
  Instrument(InstrumentKind kind, std::string name, InstrumentOptions options,
             std::vector<ObservableCallback> callbacks,
             const std::vector<TemporalityPreference>& preferences, size_t cardinality_limit,
             std::shared_ptr<const std::function<uint64_t()>> clock);

  InstrumentKind kind() const { return kind_; }
  const std::string& name() const { return name_; }
  bool observable() const;

  Status Record(const Number& value, const Attributes& attributes);
  // Runs the callbacks (the caller holds no lock); failures are reported through `core`.
  std::vector<Observation> Observe(ProviderCore& core);
  void Collect(size_t reader, const std::vector<Observation>& observations, uint64_t now,
               MetricData* out);
  // Non-finite measurements dropped since the last call.
  uint64_t TakeDroppedForReport();
  uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }

  void LockAll();
  void UnlockAll();
  void ResetAndUnlockAll(uint64_t now);

 private:
  const InstrumentKind kind_;
  const std::string name_;
  const InstrumentOptions options_;
  const std::vector<ObservableCallback> callbacks_;
  std::vector<AggregationTemporality> temporality_;   // per reader
  std::vector<std::unique_ptr<SyncStorage>> sync_;    // per reader, sync kinds
  std::vector<std::unique_ptr<AsyncStorage>> async_;  // per reader, observable kinds
  std::atomic<uint64_t> dropped_{0};
  std::atomic<uint64_t> dropped_reported_{0};
};

struct MeterState {
  InstrumentationScope scope;
  std::vector<std::shared_ptr<Instrument>> instruments;  // GUARDED_BY(ProviderCore::mu_)
};

// Thread-safe. Lock order: mu_, then collect_mu_ in reader order, then storage locks.
class ProviderCore {
 public:
  ProviderCore(MeterProviderOptions options, std::vector<TemporalityPreference> preferences);

  MeterState* GetMeter(std::string_view name, std::string_view version);
  Result<std::shared_ptr<Instrument>> CreateInstrument(MeterState* meter, InstrumentKind kind,
                                                       std::string_view name,
                                                       InstrumentOptions options,
                                                       std::vector<ObservableCallback> callbacks);
  std::vector<ScopeMetrics> Collect(size_t reader);

  void Report(std::string_view key, std::string_view message);
  void CountCallbackFailure() { callback_failures_.fetch_add(1, std::memory_order_relaxed); }
  MetricsStats Stats() const;

  void PrepareFork();
  void AfterForkParent();
  void AfterForkChild();

 private:
  const MeterProviderOptions options_;
  const std::shared_ptr<const std::function<uint64_t()>> clock_;  // never empty
  const std::vector<TemporalityPreference> preferences_;
  std::vector<std::unique_ptr<std::mutex>> collect_mu_;  // per reader: one collection at a time

  mutable std::mutex mu_;
  std::deque<MeterState> meters_;  // GUARDED_BY(mu_); deque: stable addresses
  std::atomic<uint64_t> callback_failures_{0};
};

// What a reader shares with its worker thread: the provider it was attached to.
struct ReaderLink {
  std::mutex mu;
  std::shared_ptr<ProviderCore> core;  // GUARDED_BY(mu)
  size_t index = 0;                    // GUARDED_BY(mu)
  bool shut_down = false;              // GUARDED_BY(mu)

  std::vector<ScopeMetrics> Collect() {
    std::shared_ptr<ProviderCore> c;
    size_t i;
    {
      std::lock_guard<std::mutex> lock(mu);
      if (shut_down || !core) return {};
      c = core;
      i = index;
    }
    return c->Collect(i);
  }
};

}  // namespace ptx::metrics_internal
