#include "storage.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "attribute_set.h"

namespace ptx::metrics_internal {
namespace {

// Integer sums wrap like the unsigned arithmetic they are done in, rather than being UB.
int64_t WrappingAdd(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}

void AddTo(Number& acc, const Number& v) {
  if (v.is_double) {
    acc.d = acc.AsDouble() + v.d;
    acc.is_double = true;
    acc.i = 0;
  } else if (acc.is_double) {
    acc.d += static_cast<double>(v.i);
  } else {
    acc.i = WrappingAdd(acc.i, v.i);
  }
}

Number Subtract(const Number& a, const Number& b) {
  if (!a.is_double && !b.is_double) {
    return Number{false, static_cast<int64_t>(static_cast<uint64_t>(a.i) - static_cast<uint64_t>(b.i)), 0};
  }
  return Number{true, 0, a.AsDouble() - b.AsDouble()};
}

MetricValue ToValue(const Number& n) {
  if (n.is_double) return n.d;
  return n.i;
}

const Attributes& OverflowAttributes() {
  static const Attributes* attrs = new Attributes{{kMetricOverflowAttribute, true}};
  return *attrs;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// SyncStorage

SyncStorage::SyncStorage(StorageConfig config, uint64_t created_ns)
    : config_(std::move(config)), shards_(new Shard[kShards]), last_collect_ns_(created_ns) {}

Cell SyncStorage::NewCell() const {
  Cell cell;
  cell.start_ns = (*config_.clock)();
  if (config_.aggregation == Aggregation::kHistogram) {
    cell.buckets.assign(config_.bounds.size() + 1, 0);
    cell.min = std::numeric_limits<double>::infinity();
    cell.max = -std::numeric_limits<double>::infinity();
  }
  return cell;
}

void SyncStorage::Update(Cell& cell, const Number& value) const {
  switch (config_.aggregation) {
    case Aggregation::kSum:
      if (value.is_double) {
        cell.double_value += value.d;
        cell.is_double = true;
      } else {
        cell.int_value = WrappingAdd(cell.int_value, value.i);
      }
      break;
    case Aggregation::kLastValue:
      cell.is_double = value.is_double;
      cell.int_value = value.i;
      cell.double_value = value.d;
      break;
    case Aggregation::kHistogram: {
      const double x = value.AsDouble();
      // First bound >= x: a value on a boundary belongs to the bucket that bound closes.
      const size_t index = static_cast<size_t>(
          std::lower_bound(config_.bounds.begin(), config_.bounds.end(), x) -
          config_.bounds.begin());
      ++cell.buckets[index];
      ++cell.count;
      cell.sum += x;
      cell.min = std::min(cell.min, x);
      cell.max = std::max(cell.max, x);
      break;
    }
  }
}

bool SyncStorage::ReserveSeries() {
  // The overflow series is the limit's last slot.
  const size_t own = config_.cardinality_limit > 0 ? config_.cardinality_limit - 1 : 0;
  size_t n = series_count_.load(std::memory_order_relaxed);
  while (n < own) {
    if (series_count_.compare_exchange_weak(n, n + 1, std::memory_order_relaxed)) return true;
  }
  return false;
}

void SyncStorage::RecordOverflow(const Number& value) {
  std::lock_guard<std::mutex> lock(overflow_mu_);
  if (!overflow_) overflow_ = std::make_unique<Cell>(NewCell());
  Update(*overflow_, value);
}

void SyncStorage::Record(const Number& value, const Attributes& attributes, uint64_t hash) {
  if (attributes.empty()) {
    std::unique_lock<std::mutex> lock(zero_mu_);
    if (!zero_) {
      if (!ReserveSeries()) {
        lock.unlock();
        RecordOverflow(value);
        return;
      }
      zero_ = std::make_unique<Cell>(NewCell());
    }
    Update(*zero_, value);
    return;
  }

  // Fast path: an existing series, found without allocating.
  {
    Shard& shard = shards_[hash % kShards];
    std::lock_guard<std::mutex> lock(shard.mu);
    auto [it, end] = shard.series.equal_range(hash);
    for (; it != end; ++it) {
      if (SameAttributes(it->second->attributes, attributes)) {
        Update(it->second->cell, value);
        return;
      }
    }
  }

  // A new series (or duplicate keys in `attributes`): canonicalize outside any lock.
  Attributes canonical = Canonicalize(attributes);
  const uint64_t h = canonical.size() == attributes.size() ? hash : HashAttributes(canonical);
  {
    Shard& shard = shards_[h % kShards];
    std::lock_guard<std::mutex> lock(shard.mu);
    auto [it, end] = shard.series.equal_range(h);
    for (; it != end; ++it) {
      if (SameAttributes(it->second->attributes, canonical)) {  // another thread was first
        Update(it->second->cell, value);
        return;
      }
    }
    if (ReserveSeries()) {
      auto series = std::make_unique<Series>();
      series->attributes = std::move(canonical);
      series->cell = NewCell();
      Update(series->cell, value);
      shard.series.emplace(h, std::move(series));
      return;
    }
  }
  RecordOverflow(value);
}

void SyncStorage::AppendPoint(const Attributes& attributes, const Cell& cell, uint64_t start,
                              uint64_t now, MetricData* out) const {
  if (config_.aggregation == Aggregation::kHistogram) {
    HistogramPoint p;
    p.attributes = attributes;
    p.start_time_unix_nano = start;
    p.time_unix_nano = now;
    p.count = cell.count;
    p.sum = cell.sum;
    if (cell.count > 0) {
      p.min = cell.min;
      p.max = cell.max;
    }
    p.bounds = config_.bounds;
    p.bucket_counts = cell.buckets;
    out->histogram_points.push_back(std::move(p));
    return;
  }
  NumberPoint p;
  p.attributes = attributes;
  p.start_time_unix_nano = start;
  p.time_unix_nano = now;
  if (config_.aggregation == Aggregation::kSum) {
    if (cell.is_double) {
      p.value = cell.double_value + static_cast<double>(cell.int_value);
    } else {
      p.value = cell.int_value;
    }
  } else {
    if (cell.is_double) {
      p.value = cell.double_value;
    } else {
      p.value = cell.int_value;
    }
  }
  out->number_points.push_back(std::move(p));
}

void SyncStorage::Collect(uint64_t now, MetricData* out) {
  std::lock_guard<std::mutex> collect_lock(collect_mu_);
  const bool gauge = config_.aggregation == Aggregation::kLastValue;
  if (config_.delta) {
    // Swap everything out at once, so the series count restarts consistently with the maps.
    std::vector<SeriesMap> taken(kShards);
    std::unique_ptr<Cell> zero;
    std::unique_ptr<Cell> overflow;
    uint64_t start;
    {
      for (size_t i = 0; i < kShards; ++i) shards_[i].mu.lock();
      zero_mu_.lock();
      overflow_mu_.lock();
      for (size_t i = 0; i < kShards; ++i) taken[i].swap(shards_[i].series);
      zero.swap(zero_);
      overflow.swap(overflow_);
      series_count_.store(0, std::memory_order_relaxed);
      overflow_mu_.unlock();
      zero_mu_.unlock();
      for (size_t i = kShards; i-- > 0;) shards_[i].mu.unlock();
    }
    start = last_collect_ns_;
    last_collect_ns_ = now;
    if (zero) AppendPoint({}, *zero, start, now, out);
    for (const SeriesMap& map : taken) {
      for (const auto& [hash, series] : map) {
        AppendPoint(series->attributes, series->cell, start, now, out);
      }
    }
    if (overflow) AppendPoint(OverflowAttributes(), *overflow, start, now, out);
    return;
  }

  // Cumulative (and gauges): copy shard by shard; recording continues elsewhere meanwhile.
  last_collect_ns_ = now;
  {
    std::lock_guard<std::mutex> lock(zero_mu_);
    if (zero_) AppendPoint({}, *zero_, gauge ? 0 : zero_->start_ns, now, out);
  }
  for (size_t i = 0; i < kShards; ++i) {
    std::lock_guard<std::mutex> lock(shards_[i].mu);
    for (const auto& [hash, series] : shards_[i].series) {
      AppendPoint(series->attributes, series->cell, gauge ? 0 : series->cell.start_ns, now, out);
    }
  }
  std::lock_guard<std::mutex> lock(overflow_mu_);
  if (overflow_) {
    AppendPoint(OverflowAttributes(), *overflow_, gauge ? 0 : overflow_->start_ns, now, out);
  }
}

void SyncStorage::LockAll() {
  collect_mu_.lock();
  for (size_t i = 0; i < kShards; ++i) shards_[i].mu.lock();
  zero_mu_.lock();
  overflow_mu_.lock();
}

void SyncStorage::UnlockAll() {
  overflow_mu_.unlock();
  zero_mu_.unlock();
  for (size_t i = kShards; i-- > 0;) shards_[i].mu.unlock();
  collect_mu_.unlock();
}

void SyncStorage::ResetAndUnlockAll(uint64_t now) {
  for (size_t i = 0; i < kShards; ++i) shards_[i].series.clear();
  zero_.reset();
  overflow_.reset();
  series_count_.store(0, std::memory_order_relaxed);
  last_collect_ns_ = now;
  UnlockAll();
}

// ---------------------------------------------------------------------------------------------
// AsyncStorage

AsyncStorage::AsyncStorage(StorageConfig config, uint64_t created_ns)
    : config_(std::move(config)), last_collect_ns_(created_ns) {}

void AsyncStorage::Collect(const std::vector<Observation>& observations, uint64_t now,
                           MetricData* out) {
  struct Current {
    Attributes attributes;
    uint64_t hash;
    Number value;
  };
  std::vector<Current> current;
  std::unordered_multimap<uint64_t, size_t> index;
  bool has_overflow = false;
  Number overflow;
  const size_t own = config_.cardinality_limit > 0 ? config_.cardinality_limit - 1 : 0;
  const bool sum = config_.aggregation == Aggregation::kSum;

  for (const Observation& obs : observations) {
    const Number n = Number::From(obs.value);
    Attributes canonical = Canonicalize(obs.attributes);
    const uint64_t h = HashAttributes(canonical);
    bool found = false;
    auto [it, end] = index.equal_range(h);
    for (; it != end; ++it) {
      if (SameAttributes(current[it->second].attributes, canonical)) {
        current[it->second].value = n;  // the last observation wins
        found = true;
        break;
      }
    }
    if (found) continue;
    if (current.size() < own) {
      index.emplace(h, current.size());
      current.push_back(Current{std::move(canonical), h, n});
    } else if (sum && has_overflow) {
      AddTo(overflow, n);
    } else {
      overflow = n;
      has_overflow = true;
    }
  }
  if (has_overflow) {
    current.push_back(Current{OverflowAttributes(), HashAttributes(OverflowAttributes()), overflow});
  }

  std::lock_guard<std::mutex> lock(mu_);
  std::unordered_multimap<uint64_t, Series> next;
  next.reserve(current.size());
  for (Current& c : current) {
    const Series* prev = nullptr;
    auto [it, end] = previous_.equal_range(c.hash);
    for (; it != end; ++it) {
      if (SameAttributes(it->second.attributes, c.attributes)) {
        prev = &it->second;
        break;
      }
    }
    NumberPoint p;
    p.attributes = c.attributes;
    p.time_unix_nano = now;
    const uint64_t series_start = prev != nullptr ? prev->start_ns : last_collect_ns_;
    if (!sum) {
      p.value = ToValue(c.value);  // gauges: no start time
    } else if (config_.delta) {
      p.start_time_unix_nano = last_collect_ns_;
      p.value = ToValue(prev != nullptr ? Subtract(c.value, prev->last) : c.value);
    } else {
      p.start_time_unix_nano = series_start;
      p.value = ToValue(c.value);
    }
    out->number_points.push_back(std::move(p));
    next.emplace(c.hash, Series{std::move(c.attributes), series_start, c.value});
  }
  // Series not observed this time are forgotten: memory stays bounded by the limit.
  previous_ = std::move(next);
  last_collect_ns_ = now;
}

void AsyncStorage::ResetAndUnlockAll(uint64_t now) {
  previous_.clear();
  last_collect_ns_ = now;
  mu_.unlock();
}

}  // namespace ptx::metrics_internal
