// The emulator's metric table: OTLP data points grouped into series, bounded by point count.
//
//   MetricTable table(/*max_points=*/1000);
//   table.Add(std::move(points));   // MetricPoints built by OtlpIngest (or tests)
//   std::vector<MetricSeriesView> series = table.List(MetricQuery{.name = "http.requests"}, &total);
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "opentelemetry/proto/metrics/v1/metrics.pb.h"
#include "resource_scope.h"

namespace ptx::emulator {

namespace otlp_metrics = ::opentelemetry::proto::metrics::v1;

enum class MetricType { kSum, kGauge, kHistogram, kExponentialHistogram, kSummary };
enum class Temporality { kUnspecified, kDelta, kCumulative };

// "sum", "gauge", "histogram", "exponential_histogram", "summary".
const char* MetricTypeName(MetricType type);
// "unspecified", "delta", "cumulative"; other enum numbers are "unspecified".
const char* TemporalityName(Temporality temporality);
Temporality TemporalityFromProto(otlp_metrics::AggregationTemporality temporality);

// What one OTLP Metric message says about all its data points; shared by them.
struct MetricInfo {
  std::string name;
  std::string description;
  std::string unit;
  MetricType type = MetricType::kGauge;
  Temporality temporality = Temporality::kUnspecified;  // sums and histograms only
  bool monotonic = false;                               // sums only
  std::shared_ptr<const ResourceInfo> resource;
  std::shared_ptr<const ScopeInfo> scope;
  std::shared_ptr<const Origin> origin;
};

using MetricPointData =
    std::variant<otlp_metrics::NumberDataPoint, otlp_metrics::HistogramDataPoint,
                 otlp_metrics::ExponentialHistogramDataPoint, otlp_metrics::SummaryDataPoint>;

// One data point with its metric. Build with MakeMetricPoint so that series_key is set.
struct MetricPoint {
  std::shared_ptr<const MetricInfo> metric;
  MetricPointData data;
  // The series identity: service.name, scope name, metric name, type, temporality and the
  // attribute set (typed values, sorted by key, a repeated key keeping its last value).
  std::string series_key;
  size_t bytes = 0;  // the point's encoded size, what --max-metric-point-bytes counts
};
using MetricPointPtr = std::shared_ptr<const MetricPoint>;

MetricPoint MakeMetricPoint(std::shared_ptr<const MetricInfo> metric, MetricPointData data);

// The attributes, start time and time every point type has.
const google::protobuf::RepeatedPtrField<otlp_common::KeyValue>& PointAttributes(
    const MetricPointData& data);
uint64_t PointStartTime(const MetricPointData& data);
uint64_t PointTime(const MetricPointData& data);

// A series as a reader sees it: its points oldest first. Metadata (description, unit,
// monotonic, resource, scope) and attributes are those of the newest point.
struct MetricSeriesView {
  std::vector<MetricPointPtr> points;  // never empty

  const MetricPoint& newest() const { return *points.back(); }
  const MetricInfo& metric() const { return *points.back()->metric; }
};

// Filters of the series list; every set field must match.
struct MetricQuery {
  std::optional<std::string> name;     // the metric name equals it
  std::optional<std::string> service;  // the resource's service.name equals it
  // Each (key, value): the series has attribute key whose AnyValueToText rendering is value.
  std::vector<std::pair<std::string, std::string>> attributes;
  size_t limit = 100;
};

// Data points in arrival order, indexed by series. Not thread-safe: Store serialises access.
class MetricTable {
 public:
  explicit MetricTable(size_t max_points, size_t max_bytes = SIZE_MAX)
      : max_points_(max_points), max_bytes_(max_bytes) {}

  // Appends, then evicts the oldest points beyond max_points or max_bytes (a series whose
  // last point goes disappears; the newest point always stays).
  void Add(std::vector<MetricPoint> points);
  // Matching series ordered by metric name, service, scope name, type, temporality, then
  // attributes; *total counts all matches.
  std::vector<MetricSeriesView> List(const MetricQuery& query, size_t* total) const;
  // Distinct metric names, sorted.
  std::vector<std::string> Names() const;
  void Clear();

  size_t point_count() const { return arrival_.size(); }
  size_t series_count() const { return series_.size(); }
  uint64_t evicted_points() const { return evicted_; }
  size_t bytes() const { return bytes_; }
  uint64_t evicted_bytes() const { return evicted_bytes_; }
  const std::deque<MetricPointPtr>& arrival() const { return arrival_; }

 private:
  size_t max_points_;
  size_t max_bytes_;
  uint64_t evicted_ = 0;
  size_t bytes_ = 0;
  uint64_t evicted_bytes_ = 0;
  std::deque<MetricPointPtr> arrival_;
  // Points of each series in arrival order, so the globally oldest is at its series' front.
  std::unordered_map<std::string, std::deque<MetricPointPtr>> series_;
};

}  // namespace ptx::emulator
