// Internal: per-reader aggregation of one instrument. SyncStorage takes measurements from any
// thread; AsyncStorage turns one collection's observations into points.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "ptx/base/attribute_value.h"
#include "ptx/sdk/metrics/meter_provider.h"
#include "ptx/sdk/metrics/metric_data.h"

namespace ptx::metrics_internal {

enum class Aggregation { kSum, kLastValue, kHistogram };

// A measurement without std::variant's dispatch on the hot path.
struct Number {
  bool is_double = false;
  int64_t i = 0;
  double d = 0;
  static Number From(const MetricValue& v) {
    if (const int64_t* i = std::get_if<int64_t>(&v)) return Number{false, *i, 0};
    return Number{true, 0, std::get<double>(v)};
  }
  double AsDouble() const { return is_double ? d : static_cast<double>(i); }
};

// One series' running aggregate.
struct Cell {
  uint64_t start_ns = 0;
  // kSum: integer and floating parts kept apart so that all-int series export as_int.
  // kLastValue: the last value (is_double tells which member).
  bool is_double = false;
  int64_t int_value = 0;
  double double_value = 0;
  // kHistogram.
  uint64_t count = 0;
  double sum = 0;
  double min = 0;
  double max = 0;
  std::vector<uint64_t> buckets;
};

// What every storage of one instrument shares.
struct StorageConfig {
  Aggregation aggregation = Aggregation::kSum;
  std::vector<double> bounds;      // kHistogram
  bool delta = false;              // reset at each collection
  size_t cardinality_limit = 2000;
  // Shared, not borrowed: instrument handles (and so storages) may outlive the provider.
  std::shared_ptr<const std::function<uint64_t()>> clock;
};

// Thread-safe. Lock order: collect_mu_, shards in index order, zero_mu_, overflow_mu_.
class SyncStorage {
 public:
  SyncStorage(StorageConfig config, uint64_t created_ns);
  // `hash` is HashAttributes(attributes).
  void Record(const Number& value, const Attributes& attributes, uint64_t hash);
  // Appends this reader's points to `out` (whose kind and temporality the caller set).
  void Collect(uint64_t now, MetricData* out);

  // fork(): LockAll before fork(); in the parent UnlockAll, in the child ResetAndUnlockAll.
  void LockAll();
  void UnlockAll();
  void ResetAndUnlockAll(uint64_t now);

 private:
  static constexpr size_t kShards = 16;
  struct Series {
    Attributes attributes;  // canonical
    Cell cell;
  };
  using SeriesMap = std::unordered_multimap<uint64_t, std::unique_ptr<Series>>;
  struct alignas(64) Shard {
    std::mutex mu;
    SeriesMap series;  // GUARDED_BY(mu)
  };

  Cell NewCell() const;
  void Update(Cell& cell, const Number& value) const;
  bool ReserveSeries();
  void RecordOverflow(const Number& value);
  void AppendPoint(const Attributes& attributes, const Cell& cell, uint64_t start, uint64_t now,
                   MetricData* out) const;

  const StorageConfig config_;
  std::unique_ptr<Shard[]> shards_;
  std::atomic<size_t> series_count_{0};  // own series, the empty set's included

  std::mutex zero_mu_;
  std::unique_ptr<Cell> zero_;  // GUARDED_BY(zero_mu_); the empty attribute set

  std::mutex overflow_mu_;
  std::unique_ptr<Cell> overflow_;  // GUARDED_BY(overflow_mu_)

  std::mutex collect_mu_;
  uint64_t last_collect_ns_;  // GUARDED_BY(collect_mu_)
};

// Thread-safe (collections of one reader are serialized by the caller anyway).
class AsyncStorage {
 public:
  AsyncStorage(StorageConfig config, uint64_t created_ns);
  // `observations` are one collection's, from all callbacks, in order; non-finite sums were
  // already dropped. Of one attribute set observed twice the last value wins.
  void Collect(const std::vector<Observation>& observations, uint64_t now, MetricData* out);

  void LockAll() { mu_.lock(); }
  void UnlockAll() { mu_.unlock(); }
  void ResetAndUnlockAll(uint64_t now);

 private:
  struct Series {
    Attributes attributes;  // canonical
    uint64_t start_ns = 0;
    Number last;
  };

  const StorageConfig config_;
  std::mutex mu_;
  std::unordered_multimap<uint64_t, Series> previous_;  // GUARDED_BY(mu_)
  uint64_t last_collect_ns_;                            // GUARDED_BY(mu_)
};

}  // namespace ptx::metrics_internal
