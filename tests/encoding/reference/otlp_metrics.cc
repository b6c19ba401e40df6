#include "reference_encoder.h"

#include <google/protobuf/arena.h>

#include <variant>

#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"
#include "opentelemetry/proto/metrics/v1/metrics.pb.h"
#include "otlp_common.h"

namespace ptx::encoding::reference {
namespace {

namespace otlp_collector = ::opentelemetry::proto::collector::metrics::v1;
namespace otlp_metrics = ::opentelemetry::proto::metrics::v1;
using internal::FillKeyValues;
using internal::SetUtf8;

constexpr size_t kArenaStartBlock = 64 * 1024;
constexpr size_t kArenaMaxBlock = 1024 * 1024;

otlp_metrics::AggregationTemporality ToProto(AggregationTemporality t) {
  switch (t) {
    case AggregationTemporality::kDelta:
      return otlp_metrics::AGGREGATION_TEMPORALITY_DELTA;
    case AggregationTemporality::kCumulative:
      return otlp_metrics::AGGREGATION_TEMPORALITY_CUMULATIVE;
    case AggregationTemporality::kUnspecified:
      break;
  }
  return otlp_metrics::AGGREGATION_TEMPORALITY_UNSPECIFIED;
}

void FillNumberPoints(const std::vector<NumberPoint>& points,
                      google::protobuf::RepeatedPtrField<otlp_metrics::NumberDataPoint>* out) {
  out->Reserve(static_cast<int>(points.size()));
  for (const NumberPoint& p : points) {
    otlp_metrics::NumberDataPoint* dp = out->Add();
    FillKeyValues(p.attributes, dp->mutable_attributes());
    if (p.start_time_unix_nano != 0) dp->set_start_time_unix_nano(p.start_time_unix_nano);
    dp->set_time_unix_nano(p.time_unix_nano);
    if (const int64_t* i = std::get_if<int64_t>(&p.value)) {
      dp->set_as_int(*i);
    } else {
      dp->set_as_double(std::get<double>(p.value));
    }
  }
}

void FillHistogramPoints(
    const std::vector<HistogramPoint>& points,
    google::protobuf::RepeatedPtrField<otlp_metrics::HistogramDataPoint>* out) {
  out->Reserve(static_cast<int>(points.size()));
  for (const HistogramPoint& p : points) {
    otlp_metrics::HistogramDataPoint* dp = out->Add();
    FillKeyValues(p.attributes, dp->mutable_attributes());
    if (p.start_time_unix_nano != 0) dp->set_start_time_unix_nano(p.start_time_unix_nano);
    dp->set_time_unix_nano(p.time_unix_nano);
    dp->set_count(p.count);
    dp->set_sum(p.sum);
    dp->mutable_bucket_counts()->Add(p.bucket_counts.begin(), p.bucket_counts.end());
    dp->mutable_explicit_bounds()->Add(p.bounds.begin(), p.bounds.end());
    if (p.min) dp->set_min(*p.min);
    if (p.max) dp->set_max(*p.max);
  }
}

void FillMetric(const MetricData& m, otlp_metrics::Metric* out) {
  SetUtf8(m.name, out->mutable_name());
  SetUtf8(m.description, out->mutable_description());
  SetUtf8(m.unit, out->mutable_unit());
  switch (m.kind) {
    case MetricDataKind::kSum: {
      otlp_metrics::Sum* sum = out->mutable_sum();
      sum->set_aggregation_temporality(ToProto(m.temporality));
      sum->set_is_monotonic(m.monotonic);
      FillNumberPoints(m.number_points, sum->mutable_data_points());
      break;
    }
    case MetricDataKind::kGauge:
      FillNumberPoints(m.number_points, out->mutable_gauge()->mutable_data_points());
      break;
    case MetricDataKind::kHistogram: {
      otlp_metrics::Histogram* histogram = out->mutable_histogram();
      histogram->set_aggregation_temporality(ToProto(m.temporality));
      FillHistogramPoints(m.histogram_points, histogram->mutable_data_points());
      break;
    }
  }
}

}  // namespace

std::string EncodeMetricsRequest(const Resource& resource,
                                 const std::vector<ScopeMetrics>& metrics) {
  google::protobuf::ArenaOptions options;
  options.start_block_size = kArenaStartBlock;
  options.max_block_size = kArenaMaxBlock;
  google::protobuf::Arena arena(options);
  auto* request =
      google::protobuf::Arena::CreateMessage<otlp_collector::ExportMetricsServiceRequest>(&arena);

  otlp_metrics::ResourceMetrics* resource_metrics = request->add_resource_metrics();
  internal::FillResource(resource, resource_metrics->mutable_resource());
  SetUtf8(resource.schema_url, resource_metrics->mutable_schema_url());
  resource_metrics->mutable_scope_metrics()->Reserve(static_cast<int>(metrics.size()));
  for (const ScopeMetrics& scope : metrics) {
    otlp_metrics::ScopeMetrics* sm = resource_metrics->add_scope_metrics();
    internal::FillScope(&scope.scope, sm->mutable_scope());
    sm->mutable_metrics()->Reserve(static_cast<int>(scope.metrics.size()));
    for (const MetricData& m : scope.metrics) FillMetric(m, sm->add_metrics());
  }

  std::string out;
  if (!request->SerializeToString(&out)) out.clear();
  return out;
}

}  // namespace ptx::encoding::reference
