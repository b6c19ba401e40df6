#include "ptx/encoding/otlp_metrics.h"

#include "otlp_fields.h"

namespace ptx::encoding {
namespace {

using internal::PutKeyValues;

uint64_t Temporality(AggregationTemporality t) {
  switch (t) {
    case AggregationTemporality::kDelta:
      return 1;
    case AggregationTemporality::kCumulative:
      return 2;
    case AggregationTemporality::kUnspecified:
      break;
  }
  return 0;
}

// NumberDataPoint: start = 2, time = 3, as_double = 4 | as_int = 6 (oneof), attributes = 7.
template <typename Pass>
void PutNumberPoint(Pass& p, const NumberPoint& point) {
  if (point.start_time_unix_nano != 0) p.Fixed64(2, point.start_time_unix_nano);
  if (point.time_unix_nano != 0) p.Fixed64(3, point.time_unix_nano);
  if (const int64_t* i = std::get_if<int64_t>(&point.value)) {
    p.Fixed64(6, static_cast<uint64_t>(*i));  // sfixed64
  } else {
    p.Double(4, std::get<double>(point.value));
  }
  PutKeyValues(p, 7, point.attributes);
}

// HistogramDataPoint: start = 2, time = 3, count = 4, sum = 5 (optional, always set here),
// bucket_counts = 6 and explicit_bounds = 7 (packed), attributes = 9, min = 11, max = 12.
template <typename Pass>
void PutHistogramPoint(Pass& p, const HistogramPoint& point) {
  if (point.start_time_unix_nano != 0) p.Fixed64(2, point.start_time_unix_nano);
  if (point.time_unix_nano != 0) p.Fixed64(3, point.time_unix_nano);
  if (point.count != 0) p.Fixed64(4, point.count);
  p.Double(5, point.sum);
  if (!point.bucket_counts.empty()) p.PackedFixed64(6, point.bucket_counts);
  if (!point.bounds.empty()) p.PackedDouble(7, point.bounds);
  PutKeyValues(p, 9, point.attributes);
  if (point.min) p.Double(11, *point.min);
  if (point.max) p.Double(12, *point.max);
}

// Metric: name = 1, description = 2, unit = 3, gauge = 5 | sum = 7 | histogram = 9 (oneof).
template <typename Pass>
void PutMetric(Pass& p, const MetricData& m) {
  if (!m.name.empty()) p.Utf8(1, m.name);
  if (!m.description.empty()) p.Utf8(2, m.description);
  if (!m.unit.empty()) p.Utf8(3, m.unit);
  switch (m.kind) {
    case MetricDataKind::kGauge:
      p.Message(5, [&] {  // Gauge: data_points = 1
        for (const NumberPoint& point : m.number_points) {
          p.Message(1, [&] { PutNumberPoint(p, point); });
        }
      });
      break;
    case MetricDataKind::kSum:
      p.Message(7, [&] {  // Sum: data_points = 1, aggregation_temporality = 2, is_monotonic = 3
        for (const NumberPoint& point : m.number_points) {
          p.Message(1, [&] { PutNumberPoint(p, point); });
        }
        if (uint64_t t = Temporality(m.temporality); t != 0) p.Varint(2, t);
        if (m.monotonic) p.Varint(3, 1);
      });
      break;
    case MetricDataKind::kHistogram:
      p.Message(9, [&] {  // Histogram: data_points = 1, aggregation_temporality = 2
        for (const HistogramPoint& point : m.histogram_points) {
          p.Message(1, [&] { PutHistogramPoint(p, point); });
        }
        if (uint64_t t = Temporality(m.temporality); t != 0) p.Varint(2, t);
      });
      break;
  }
}

}  // namespace

std::string EncodeMetricsRequest(const Resource& resource,
                                 const std::vector<ScopeMetrics>& metrics) {
  return internal::EncodeTwoPass([&](auto& p) {
    p.Message(1, [&] {  // ExportMetricsServiceRequest.resource_metrics
      p.Message(1, [&] { internal::PutResource(p, resource); });
      for (const ScopeMetrics& scope : metrics) {
        p.Message(2, [&] {  // ScopeMetrics: scope = 1, metrics = 2
          p.Message(1, [&] { internal::PutScope(p, &scope.scope); });
          for (const MetricData& m : scope.metrics) p.Message(2, [&] { PutMetric(p, m); });
        });
      }
      if (!resource.schema_url.empty()) p.Utf8(3, resource.schema_url);
    });
  });
}

}  // namespace ptx::encoding
