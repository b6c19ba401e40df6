// What a metric collection produces: plain, resource-independent structs that exporters
// encode (OTLP) or print. One ScopeMetrics per meter, one MetricData per instrument.
//
//   std::vector<ptx::ScopeMetrics> metrics = reader.Collect();
//   for (const auto& m : metrics[0].metrics) Print(m.name, m.number_points.size());
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "ptx/base/attribute_value.h"
#include "ptx/sdk/span_data.h"

namespace ptx {

// A measurement or aggregated value: Python ints stay int64 (OTLP as_int), floats are double
// (as_double).
using MetricValue = std::variant<int64_t, double>;

// Numbering follows OTLP's AggregationTemporality.
enum class AggregationTemporality : int { kUnspecified = 0, kDelta = 1, kCumulative = 2 };

// Which OTLP Metric.data a MetricData becomes.
enum class MetricDataKind { kSum, kGauge, kHistogram };

// Sum and gauge points. Gauges carry start_time_unix_nano = 0 (optional in OTLP).
struct NumberPoint {
  Attributes attributes;  // sorted by key
  uint64_t start_time_unix_nano = 0;
  uint64_t time_unix_nano = 0;
  MetricValue value = int64_t{0};
};

// Explicit-bucket histogram points: bucket_counts has bounds.size() + 1 entries, bucket i
// holding values in (bounds[i-1], bounds[i]] (the first from -inf, the last to +inf).
struct HistogramPoint {
  Attributes attributes;  // sorted by key
  uint64_t start_time_unix_nano = 0;
  uint64_t time_unix_nano = 0;
  uint64_t count = 0;
  double sum = 0;
  std::optional<double> min;  // absent when count == 0
  std::optional<double> max;
  std::vector<double> bounds;
  std::vector<uint64_t> bucket_counts;
};

struct MetricData {
  std::string name;
  std::string description;
  std::string unit;
  MetricDataKind kind = MetricDataKind::kSum;
  // kUnspecified for gauges.
  AggregationTemporality temporality = AggregationTemporality::kCumulative;
  bool monotonic = false;                     // sums only
  std::vector<NumberPoint> number_points;     // kSum and kGauge
  std::vector<HistogramPoint> histogram_points;  // kHistogram
};

struct ScopeMetrics {
  InstrumentationScope scope;  // the meter's name and version
  std::vector<MetricData> metrics;
};

}  // namespace ptx
